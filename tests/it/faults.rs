//! `orgsweep check` under injected faults (testkit/src/fault_proxy.rs between the binary and
//! moto): throttling, 5xx and latency change nothing in the matrix; denied calls make exactly
//! their cells ERROR with the right reason; throttling that never stops ends in THROTTLED
//! within the configured retry budget.
//!
//! Each test seeds a 30-account organization (the management account and 29 members, member i
//! carrying the chain `Break::ALL[i % 20]` in us-east-1), runs a fault-free reference sweep
//! straight against moto, then the same sweep through the proxy. Figures go to stderr (run with
//! `--nocapture`) and into scripts/fault-results.md by hand.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use testkit::chain::org_with_chains;
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::{Break, Emulator, Moto};

const REGIONS: &str = "us-east-1,eu-west-1,ap-southeast-2";
const MEMBERS: usize = 29;

/// The seeded organization: member ids in creation order and each one's chain.
struct Org {
    members: Vec<(String, Break)>,
}

async fn seed_org(em: &Emulator) -> Org {
    let names: Vec<String> = (0..MEMBERS).map(|i| format!("member-{i:02}")).collect();
    let members: Vec<(&str, Break)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), Break::ALL[i % Break::ALL.len()]))
        .collect();
    let (_, members) = org_with_chains(em, "us-east-1", &members).await;
    Org { members }
}

/// A config file with the given `[sweep]` retry settings.
fn config_file(dir: &Path, max_attempts: u32, initial_ms: u64, max_ms: u64) -> String {
    let path = dir.join("orgsweep.toml");
    std::fs::write(
        &path,
        format!(
            "[sweep]\nmax_attempts = {max_attempts}\ninitial_backoff_ms = {initial_ms}\n\
             max_backoff_ms = {max_ms}\naccount_timeout_seconds = 300\nconcurrency = 16\n"
        ),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

/// One finished sweep: its files and how long it took.
struct Run {
    out: Output,
    elapsed: Duration,
    matrix: String,
    /// (account, region) → (status, reason)
    cells: BTreeMap<(String, String), (String, String)>,
    summary: serde_json::Value,
}

impl Run {
    fn cell(&self, account: &str, region: &str) -> (&str, &str) {
        let (s, r) = &self.cells[&(account.to_string(), region.to_string())];
        (s, r)
    }
    fn retries(&self) -> u64 {
        self.summary["retries"].as_u64().unwrap()
    }
    fn total_calls(&self) -> u64 {
        self.summary["total_calls"].as_u64().unwrap()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

/// Runs `orgsweep check` against `em` (moto itself, or the proxy) without blocking the runtime
/// the proxy runs on.
async fn check(em: &Emulator, config: &str, out_dir: &Path) -> Run {
    let mut cmd = em.command(env!("CARGO_BIN_EXE_orgsweep"));
    cmd.args([
        "check",
        "--quiet",
        "--config",
        config,
        "--regions",
        REGIONS,
        "--output-dir",
    ])
    .arg(out_dir);
    let started = Instant::now();
    let out = tokio::process::Command::from(cmd)
        .output()
        .await
        .expect("cannot run orgsweep");
    let elapsed = started.elapsed();
    let matrix = std::fs::read_to_string(out_dir.join("matrix.csv")).unwrap_or_else(|e| {
        panic!(
            "no matrix.csv ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut cells = BTreeMap::new();
    let mut reader = csv::Reader::from_path(out_dir.join("findings.csv")).unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        cells.insert(
            (r[0].to_string(), r[2].to_string()),
            (r[4].to_string(), r[5].to_string()),
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    Run {
        out,
        elapsed,
        matrix,
        cells,
        summary,
    }
}

/// The fault-free reference run, checked against the seeded chains in their home region.
async fn reference(moto: &Moto, org: &Org, config: &str, dir: &Path) -> Run {
    let run = check(moto, config, &dir.join("reference")).await;
    assert_eq!(run.cells.len(), (MEMBERS + 1) * 3, "{}", run.stderr());
    for (id, brk) in &org.members {
        let (status, reason) = brk.verdict();
        assert_eq!(
            run.cell(id, "us-east-1"),
            (status, reason),
            "{id} seeded {brk:?}"
        );
    }
    assert!(
        run.cells.values().all(|(s, _)| s != "ERROR"),
        "{}",
        run.matrix
    );
    run
}

fn figures(label: &str, run: &Run, proxy: Option<&FaultProxy>) {
    eprintln!(
        "[faults] {label}: exit {:?}, {:.2} s wall, summary elapsed {:.2} s, {} calls, {} retries{}",
        run.out.status.code(),
        run.elapsed.as_secs_f64(),
        run.summary["elapsed_seconds"].as_f64().unwrap_or(0.0),
        run.total_calls(),
        run.retries(),
        proxy
            .map(|p| format!(", proxy {:?}", p.stats()))
            .unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_5xx_and_latency_change_nothing() {
    let moto = Moto::start();
    let org = seed_org(&moto).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = config_file(tmp.path(), 12, 10, 200);
    let clean = reference(&moto, &org, &config, tmp.path()).await;
    figures("fault-free", &clean, None);

    // 30% throttled; of the rest, about 5% of all calls get a 5xx (half 500, half 503); every
    // call waits 50-200 ms first.
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![
            Rule::latency_ms(50..=200),
            Rule::throttle().probability(0.30),
            Rule::server_error(500).probability(0.025 / 0.70),
            Rule::server_error(503).probability(0.025 / 0.675),
        ],
        0x5eed_0001,
    )
    .await;
    let faulty = check(&proxy.emulator(), &config, &tmp.path().join("faulty")).await;
    let stats = proxy.stats();
    figures("30% throttled + 5% 5xx + 50-200 ms", &faulty, Some(&proxy));

    assert_eq!(faulty.matrix, clean.matrix, "{}", faulty.stderr());
    assert_eq!(faulty.cells, clean.cells);
    assert!(faulty.cells.values().all(|(s, _)| s != "ERROR"));
    assert_eq!(faulty.out.status.code(), clean.out.status.code());
    // The faults really happened, and the tool saw (and retried) them.
    let throttled = stats.faults_of("throttle");
    let server = stats.faults_of("http500") + stats.faults_of("http503");
    assert!(throttled as f64 > 0.2 * stats.requests as f64, "{stats:?}");
    assert!(server > 0, "{stats:?}");
    // Every injected error is one retry (the management account's GetCallerIdentity and
    // organization calls count too).
    assert_eq!(faulty.retries(), throttled + server, "{stats:?}");
    assert_eq!(faulty.total_calls(), clean.total_calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_calls_make_exactly_their_cells_error() {
    let moto = Moto::start();
    let org = seed_org(&moto).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = config_file(tmp.path(), 4, 10, 100);
    let clean = reference(&moto, &org, &config, tmp.path()).await;

    let no_role = org.members[3].0.clone();
    let no_trails = org.members[0].0.clone();
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![
            Rule::access_denied()
                .service("sts")
                .operation("AssumeRole")
                .account(&no_role),
            Rule::access_denied()
                .service("cloudtrail")
                .account(&no_trails),
        ],
        7,
    )
    .await;
    let run = check(&proxy.emulator(), &config, &tmp.path().join("denied")).await;
    figures(
        "AssumeRole denied in one account, CloudTrail in another",
        &run,
        Some(&proxy),
    );
    assert_eq!(run.out.status.code(), Some(3), "{}", run.stderr());

    assert_eq!(run.cells.len(), clean.cells.len());
    for ((account, region), verdict) in &run.cells {
        let got = (verdict.0.as_str(), verdict.1.as_str());
        if *account == no_role {
            assert_eq!(got, ("ERROR", "ASSUME_ROLE_FAILED"), "{account} {region}");
        } else if *account == no_trails {
            assert_eq!(got, ("ERROR", "ACCESS_DENIED"), "{account} {region}");
        } else {
            assert_eq!(
                verdict,
                &clean.cells[&(account.clone(), region.clone())],
                "{account} {region}"
            );
        }
    }
    // Denials are not retried.
    assert_eq!(run.retries(), 0);
    let stats = proxy.stats();
    assert!(stats.faults_of("access_denied") >= 2, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_throttling_ends_in_throttled_within_the_retry_budget() {
    let moto = Moto::start();
    let org = seed_org(&moto).await;
    let tmp = tempfile::tempdir().unwrap();
    // 3 attempts, backoff 100 ms growing to at most 400 ms: a call gives up after < 1 s.
    let (attempts, initial_ms, max_ms) = (3u32, 100u64, 400u64);
    let config = config_file(tmp.path(), attempts, initial_ms, max_ms);
    let clean = reference(&moto, &org, &config, tmp.path()).await;

    // Everything account `hot` does is throttled, its AssumeRole included; account `warm`
    // is throttled only in CloudTrail.
    let hot = org.members[1].0.clone();
    let warm = org.members[2].0.clone();
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![
            Rule::throttle().account(&hot),
            Rule::throttle().service("cloudtrail").account(&warm),
        ],
        11,
    )
    .await;
    let run = check(&proxy.emulator(), &config, &tmp.path().join("throttled")).await;
    figures("endless throttling of two accounts", &run, Some(&proxy));
    assert_eq!(run.out.status.code(), Some(3), "{}", run.stderr());
    for ((account, region), verdict) in &run.cells {
        let got = (verdict.0.as_str(), verdict.1.as_str());
        if *account == hot || *account == warm {
            assert_eq!(got, ("ERROR", "THROTTLED"), "{account} {region}");
        } else {
            assert_eq!(
                verdict,
                &clean.cells[&(account.clone(), region.clone())],
                "{account} {region}"
            );
        }
    }
    // Each throttled call was tried exactly `attempts` times.
    let stats = proxy.stats();
    let throttled = stats.faults_of("throttle");
    assert_eq!(throttled % attempts as u64, 0, "{stats:?}");
    assert_eq!(
        run.retries(),
        throttled / attempts as u64 * (attempts as u64 - 1)
    );
    // Within the configured time: far below the default settings' minutes, and only a little
    // over the fault-free run (each throttled call sleeps at most (attempts-1) * max backoff).
    let budget = Duration::from_millis((attempts as u64 - 1) * max_ms);
    let calls_in_series = throttled / attempts as u64;
    assert!(
        run.elapsed < clean.elapsed + budget * calls_in_series as u32 + Duration::from_secs(5),
        "{:?} vs {:?}",
        run.elapsed,
        clean.elapsed
    );
    eprintln!(
        "[faults] throttled calls: {}, per-call give-up budget {budget:?}",
        calls_in_series
    );
}

/// The proxy itself: each fault in each protocol's shape reaches the SDK as the right error
/// code and status, latency is added, resets are retried, counts and access keys are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_answers_in_each_protocols_shape() {
    use aws_config::retry::RetryConfig;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;

    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.endpoint(), Vec::new(), 1).await;
    let em = proxy.emulator();
    let once = em
        .config("us-east-1")
        .into_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    let sts = aws_sdk_sts::Client::new(&once);
    let trails = aws_sdk_cloudtrail::Client::new(&once);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&once);
    let ec2 = aws_sdk_ec2::Client::new(&once);

    macro_rules! code_and_status {
        ($call:expr) => {{
            let e = $call
                .send()
                .await
                .expect_err("the proxy should fail this call");
            let status = e.raw_response().map(|r| r.status().as_u16());
            (e.code().map(str::to_string), status)
        }};
    }
    let some = |s: &str| Some(s.to_string());

    proxy.set_rules(vec![Rule::throttle()]);
    assert_eq!(
        code_and_status!(sts.get_caller_identity()),
        (some("Throttling"), Some(400))
    );
    assert_eq!(
        code_and_status!(trails.list_trails()),
        (some("ThrottlingException"), Some(400))
    );
    assert_eq!(
        code_and_status!(ec2.describe_regions()),
        (some("Throttling"), Some(400))
    );
    proxy.set_rules(vec![Rule::access_denied()]);
    assert_eq!(
        code_and_status!(sts.get_caller_identity()),
        (some("AccessDenied"), Some(403))
    );
    assert_eq!(
        code_and_status!(logs.describe_log_groups()),
        (some("AccessDeniedException"), Some(403))
    );
    proxy.set_rules(vec![Rule::server_error(503)]);
    assert_eq!(code_and_status!(trails.list_trails()).1, Some(503));
    proxy.set_rules(vec![Rule::server_error(500)]);
    assert_eq!(code_and_status!(sts.get_caller_identity()).1, Some(500));

    // Matching by operation and budget: only the first two ListTrails calls are throttled.
    proxy.set_rules(vec![Rule::throttle().operation("ListTrails").count(2)]);
    assert!(sts.get_caller_identity().send().await.is_ok());
    assert!(trails.list_trails().send().await.is_err());
    assert!(trails.list_trails().send().await.is_err());
    assert!(trails.list_trails().send().await.is_ok());

    // Latency.
    proxy.set_rules(vec![Rule::latency_ms(300..=300)]);
    let t = Instant::now();
    sts.get_caller_identity().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));

    // A reset is an I/O error, which the SDK's standard retry retries.
    proxy.set_rules(vec![Rule::reset().count(2)]);
    proxy.reset_stats();
    let e = sts.get_caller_identity().send().await.expect_err("reset");
    assert!(e.raw_response().is_none(), "{e:?}");
    let retrying = aws_sdk_sts::Client::new(&em.config("us-east-1"));
    retrying.get_caller_identity().send().await.unwrap();
    let stats = proxy.stats();
    assert_eq!(stats.faults_of("reset"), 2, "{stats:?}");
    assert_eq!(stats.requests, 3);

    // Keys learnt from AssumeRole answers: a rule on the member account hits its calls.
    proxy.set_rules(vec![Rule::access_denied()
        .service("cloudtrail")
        .account("000000000042")]);
    let member = em.config_for_account("000000000042", "us-east-1").await;
    let member_trails = aws_sdk_cloudtrail::Client::new(&member);
    assert_eq!(
        code_and_status!(member_trails.list_trails()),
        (some("AccessDeniedException"), Some(403))
    );
    assert!(trails.list_trails().send().await.is_ok());
}

/// An account whose check outlives `sweep.account_timeout_seconds` is ERROR/TIMEOUT, and the
/// calls it made before the timeout still reach summary.json (the tally is kept outside the
/// timed work).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_account_keeps_its_calls_in_the_tally() {
    let moto = Moto::start();
    let (_, members) = org_with_chains(&moto, "us-east-1", &[("slow", Break::None)]).await;
    let slow = members[0].0.clone();
    // The member's CloudTrail answers after 4 s; its check may take 2.
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![Rule::latency_ms(4000..=4000)
            .service("cloudtrail")
            .account(&slow)],
        11,
    )
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("orgsweep.toml");
    std::fs::write(&config, "[sweep]\naccount_timeout_seconds = 2\n").unwrap();
    let run = check(
        &proxy.emulator(),
        config.to_str().unwrap(),
        &tmp.path().join("out"),
    )
    .await;
    assert_eq!(run.out.status.code(), Some(3), "{}", run.stderr());
    for ((account, _), (status, reason)) in &run.cells {
        if *account == slow {
            assert_eq!((status.as_str(), reason.as_str()), ("ERROR", "TIMEOUT"));
        }
    }
    // DescribeRegions is called once at the session's start (the management account's check
    // reuses it) and once by the member, whose call is counted although its check timed out.
    let calls = crate::check_scenarios::api_calls(&run.summary);
    assert_eq!(calls.get("EC2:DescribeRegions"), Some(&2), "{calls:?}");
    assert!(
        calls.get("STS:AssumeRole").is_some_and(|n| *n >= 1),
        "{calls:?}"
    );
}
