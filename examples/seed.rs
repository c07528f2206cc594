//! Seeds an emulator (moto) with an organization to sweep.
//!
//! ```text
//! cargo run --example seed -- demo --endpoint http://127.0.0.1:PORT
//! cargo run --example seed -- demo --accounts N --endpoint http://127.0.0.1:PORT   (or `bench`)
//! ```
//!
//! `demo` builds the demo organization of `testkit::demo`: about 30 accounts spread over every status and reason code — one row of
//! `DEMO` per account, each a console-authentication-failures chain broken (or not) in one
//! way, and, where the chain reaches its log group, the other fourteen controls of the family in
//! mixed states (complete, one or two broken at a link, some left out) — and prints the
//! endpoint, the management account and a table of account id → intended verdicts.
//!
//! With `--accounts N` (benchmarks) it builds N accounts with every control complete, quickly
//! (concurrently), and prints an access key of an IAM user in the management account: give it
//! to the tool (moto finds it at once, whereas it looks the `testing` key up by scanning every
//! account).
//!
//! The endpoint may also come from `AWS_ENDPOINT_URL`. The emulator should be fresh (the
//! organization is created here).

use std::time::Instant;

use futures::stream::{self, StreamExt};

use testkit::demo::{seed_demo, HOME};
use testkit::family::{seed_family, FamilySpec};
use testkit::seed::{self, NewAccount};
use testkit::Emulator;

fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example seed -- demo [--endpoint URL]\n       \
         cargo run --example seed -- bench --accounts N [--endpoint URL]\n\
         The endpoint defaults to AWS_ENDPOINT_URL."
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| usage());
    let mut endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    let mut accounts: usize = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoint" => endpoint = Some(args.next().unwrap_or_else(|| usage())),
            "--accounts" => {
                accounts = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage());
            }
            _ => usage(),
        }
    }
    let Some(endpoint) = endpoint else {
        eprintln!("error: give the emulator endpoint with --endpoint URL (or AWS_ENDPOINT_URL)");
        usage();
    };
    let em = Emulator::new(endpoint);
    match (mode.as_str(), accounts) {
        ("demo", 0) => {
            seed_demo(&em).await;
        }
        ("demo" | "bench", n) if n > 0 => bench(&em, n).await,
        _ => usage(),
    }
}

async fn bench(em: &Emulator, n: usize) {
    let started = Instant::now();
    let org = seed::create_organization(em).await;
    let new: Vec<NewAccount> = (0..n)
        .map(|i| NewAccount::new(format!("bench-{i:05}"), format!("bench{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(em, &org.root_id, &new).await;
    let created = started.elapsed();
    stream::iter(ids.iter())
        .for_each_concurrent(seed::SEED_CONCURRENCY, |id| async move {
            let account = em.account(id).await;
            seed_family(em, &account, &FamilySpec::complete(HOME)).await;
        })
        .await;
    let (key, secret) = seed::create_management_user_key(em, "orgsweep-bench").await;
    println!("endpoint:            {}", em.endpoint());
    println!("management account:  {}", org.management_account_id);
    println!(
        "accounts:            {} members with every control compliant + the management account",
        ids.len()
    );
    println!("AWS_ACCESS_KEY_ID={key}");
    println!("AWS_SECRET_ACCESS_KEY={secret}");
    eprintln!(
        "seeded in {:.1?} (accounts {:.1?}, chains {:.1?})",
        started.elapsed(),
        created,
        started.elapsed() - created
    );
}
