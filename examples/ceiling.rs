//! Measures the emulator's ceiling: how many trivial requests per second it serves at a given
//! client concurrency. `scripts/bench` compares the sweep's achieved calls/s with this figure,
//! measured against the same emulator state, because moto (one Python process) and not the
//! tool is the bottleneck (README "Figures").
//!
//! ```text
//! cargo run --release --example ceiling -- --endpoint URL [--requests N] [--concurrency C] [--op sts|ec2] [--role-arn ARN]
//! cargo run --release --example ceiling -- --endpoint URL --op mix --members FILE [--concurrency C]
//! ```
//!
//! `mix` replays a sweep's own calls with nothing else: for each member id in FILE (one per
//! line), the eleven calls `orgsweep check` makes for a compliant member, in the same order and
//! with the same overlap (AssumeRole; DescribeRegions with ListTrails; DescribeTrails;
//! GetTrailStatus, GetEventSelectors, DescribeLogGroups and DescribeMetricFilters together;
//! DescribeAlarms; ListSubscriptionsByTopic), no judging, no files. Its requests/s is
//! the emulator's ceiling for this workload; a sweep's calls/s over it is what orgsweep's own
//! work costs.
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

use aws_config::{BehaviorVersion, Region, SdkConfig};
use futures::stream::{self, StreamExt};

fn usage() -> ! {
    eprintln!(
        "usage: ceiling --endpoint URL [--requests N] [--concurrency C] [--op sts|ec2] [--role-arn ARN]\n\
         \x20      ceiling --endpoint URL --op mix --members FILE [--concurrency C]\n\
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
    let mut members: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--endpoint" => endpoint = Some(value()),
            "--requests" => requests = value().parse().unwrap_or_else(|_| usage()),
            "--concurrency" => concurrency = value().parse().unwrap_or_else(|_| usage()),
            "--op" => op = value(),
            "--role-arn" => role_arn = Some(value()),
            "--members" => members = Some(value()),
            _ => usage(),
        }
    }
    let endpoint = endpoint.unwrap_or_else(|| usage());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .load()
        .await;
    if op == "mix" {
        let Some(file) = members else { usage() };
        let ids: Vec<String> = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| {
                eprintln!("{file}: {e}");
                std::process::exit(2)
            })
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        return replay_mix(&config, &ids, concurrency).await;
    }
    let assumed = role_arn.is_some();
    let config = match role_arn {
        None => config,
        Some(arn) => assume(&config, &arn).await.unwrap_or_else(|e| {
            eprintln!("AssumeRole {arn}: {e}");
            std::process::exit(1)
        }),
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

/// A config whose credentials come from `sts:AssumeRole` into `arn`.
async fn assume(config: &SdkConfig, arn: &str) -> Result<SdkConfig, String> {
    let out = aws_sdk_sts::Client::new(config)
        .assume_role()
        .role_arn(arn)
        .role_session_name("orgsweep-ceiling")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let c = out
        .credentials()
        .ok_or("AssumeRole returned no credentials")?;
    Ok(config
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
        .build())
}

/// The eleven calls of one compliant member, with the sweep's dependencies and overlap. Returns
/// the number of calls made and whether every one succeeded.
async fn member_calls(config: &SdkConfig, id: &str) -> (usize, bool) {
    let arn = format!("arn:aws:iam::{id}:role/OrganizationAccountAccessRole");
    let Ok(member) = assume(config, &arn).await else {
        return (1, false);
    };
    let ec2 = aws_sdk_ec2::Client::new(&member);
    let trails = aws_sdk_cloudtrail::Client::new(&member);
    let (regions, listed) = tokio::join!(
        ec2.describe_regions().all_regions(true).send(),
        trails.list_trails().send()
    );
    let Ok(listed) = listed else {
        return (3, false);
    };
    let Some(trail) = listed.trails().first().and_then(|t| t.trail_arn()) else {
        return (3, false);
    };
    let described = trails
        .describe_trails()
        .include_shadow_trails(false)
        .trail_name_list(trail)
        .send()
        .await;
    let group_arn = described
        .as_ref()
        .ok()
        .and_then(|d| d.trail_list().first())
        .and_then(|t| t.cloud_watch_logs_log_group_arn())
        .unwrap_or_default();
    let group = group_arn.split(':').nth(6).unwrap_or_default();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&member);
    let (status, selectors, groups, filters) = tokio::join!(
        trails.get_trail_status().name(trail).send(),
        trails.get_event_selectors().trail_name(trail).send(),
        logs.describe_log_groups()
            .log_group_name_prefix(group)
            .send(),
        logs.describe_metric_filters().log_group_name(group).send()
    );
    let Some(metric) = filters.as_ref().ok().and_then(|f| {
        f.metric_filters()
            .first()
            .and_then(|f| f.metric_transformations().first())
            .map(|m| {
                (
                    m.metric_namespace().to_string(),
                    m.metric_name().to_string(),
                )
            })
    }) else {
        return (8, false);
    };
    let alarms = aws_sdk_cloudwatch::Client::new(&member)
        .describe_alarms()
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .max_records(100)
        .send()
        .await;
    let Some(topic) = alarms.as_ref().ok().and_then(|a| {
        a.metric_alarms()
            .iter()
            .find(|a| a.namespace() == Some(&metric.0) && a.metric_name() == Some(&metric.1))
            .and_then(|a| a.alarm_actions().first().cloned())
    }) else {
        return (9, false);
    };
    let sns = aws_sdk_sns::Client::new(&member);
    let (subscriptions, attributes) = tokio::join!(
        sns.list_subscriptions_by_topic().topic_arn(&topic).send(),
        sns.get_topic_attributes().topic_arn(&topic).send()
    );
    let ok = regions.is_ok()
        && described.is_ok()
        && status.is_ok()
        && selectors.is_ok()
        && groups.is_ok()
        && subscriptions.is_ok()
        && attributes.is_ok();
    (11, ok)
}

/// Replays the member calls of every id in `ids`, `concurrency` members at a time, and prints
/// the calls per second.
async fn replay_mix(config: &SdkConfig, ids: &[String], concurrency: usize) {
    let started = Instant::now();
    let results: Vec<(usize, bool)> = stream::iter(ids)
        .map(|id| member_calls(config, id))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let calls: usize = results.iter().map(|r| r.0).sum();
    let failed = results.iter().filter(|r| !r.1).count();
    println!(
        "ceiling: mix {calls} requests ({} members), {concurrency} concurrent, {elapsed:.2} s, {:.1} requests/s, {failed} members with errors",
        ids.len(),
        calls as f64 / elapsed
    );
}
