//! Measures the emulator's ceiling: how many trivial requests per second it serves at a given
//! client concurrency. `scripts/bench` compares the sweep's achieved calls/s with this figure,
//! measured against the same emulator state, because moto (one Python process) and not the
//! tool is the bottleneck (DESIGN.md §6).
//!
//! ```text
//! cargo run --release --example ceiling -- --endpoint URL [--requests N] [--concurrency C] [--op sts|ec2] [--role-arn ARN]
//! ```
//!
//! With `--role-arn` the requests use credentials from `sts:AssumeRole` into that role, as the
//! sweep's member-account calls do: moto resolves an assumed-role key by scanning every
//! account, so with many accounts these calls cost it more than the management key's.
//!
//! `sts` is `GetCallerIdentity`, `ec2` is `DescribeRegions`. Credentials come from
//! `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (give it the same IAM-user key as the sweep:
//! moto resolves an unknown key by scanning every account). Prints one line:
//! `ceiling: OP N requests, C concurrent, S s, R requests/s, E errors`.

use std::time::Instant;

use aws_config::{BehaviorVersion, Region};
use futures::stream::{self, StreamExt};

fn usage() -> ! {
    eprintln!(
        "usage: ceiling --endpoint URL [--requests N] [--concurrency C] [--op sts|ec2] [--role-arn ARN]\n\
         The endpoint defaults to AWS_ENDPOINT_URL."
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    let mut requests: usize = 2000;
    let mut concurrency: usize = 32;
    let mut op = "sts".to_string();
    let mut role_arn: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--endpoint" => endpoint = Some(value()),
            "--requests" => requests = value().parse().unwrap_or_else(|_| usage()),
            "--concurrency" => concurrency = value().parse().unwrap_or_else(|_| usage()),
            "--op" => op = value(),
            "--role-arn" => role_arn = Some(value()),
            _ => usage(),
        }
    }
    let endpoint = endpoint.unwrap_or_else(|| usage());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .load()
        .await;
    let assumed = role_arn.is_some();
    let config = match role_arn {
        None => config,
        Some(arn) => {
            let out = aws_sdk_sts::Client::new(&config)
                .assume_role()
                .role_arn(&arn)
                .role_session_name("orgsweep-ceiling")
                .send()
                .await
                .unwrap_or_else(|e| {
                    eprintln!("AssumeRole {arn}: {e}");
                    std::process::exit(1)
                });
            let c = out
                .credentials()
                .expect("AssumeRole returned no credentials");
            config
                .to_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(
                        aws_credential_types::Credentials::new(
                            c.access_key_id(),
                            c.secret_access_key(),
                            Some(c.session_token().to_string()),
                            None,
                            "orgsweep-ceiling",
                        ),
                    ),
                )
                .build()
        }
    };
    let sts = aws_sdk_sts::Client::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let one = |_| {
        let (sts, ec2, op) = (sts.clone(), ec2.clone(), op.clone());
        async move {
            match op.as_str() {
                "sts" => sts.get_caller_identity().send().await.is_ok(),
                "ec2" => ec2.describe_regions().send().await.is_ok(),
                _ => usage(),
            }
        }
    };
    // Warm up connections (not timed).
    let _ = stream::iter(0..concurrency)
        .map(one)
        .buffer_unordered(concurrency)
        .collect::<Vec<bool>>()
        .await;
    let started = Instant::now();
    let results: Vec<bool> = stream::iter(0..requests)
        .map(one)
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let errors = results.iter().filter(|ok| !**ok).count();
    println!(
        "ceiling: {op}{} {requests} requests, {concurrency} concurrent, {elapsed:.2} s, {:.1} requests/s, {errors} errors",
        if assumed { " (assumed role)" } else { "" },
        requests as f64 / elapsed
    );
}
