//! `orgsweep remediate --apply` under faults and interruption (issue 7):
//!
//! - through the fault proxy (30% throttled, ~5% 5xx, 50-200 ms latency) with some writes
//!   failing hard (5xx past every retry, AccessDenied), the first apply is partial; a re-run
//!   plans exactly what failed, completes it, every remediable cell is PASS, and the emulator
//!   holds no duplicate filter, subscription, alarm, topic or policy statement;
//! - SIGINT in the middle of the apply: exit 130, actions.csv holds whole rows of the finished
//!   actions, no re-check; a re-run plans only what is left and leaves no duplicates;
//! - SIGTERM in the middle of the re-check: exit 143, actions.csv complete, summary.json says
//!   `interrupted`;
//! - SIGTERM in the middle of `check` (SIGINT is covered in tests/it/sweep.rs): exit 143,
//!   whole rows, summary.json says `interrupted`.
//!
//! Figures go to stderr (`--nocapture`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use orgsweep::remediate::plan::Plan;

use crate::emulator_state::{Snapshot, ENDPOINT, HOME, OTHER, REGIONS, STATEMENT_SID, TOPIC};
use crate::{explain, findings, read_plan, text};
use testkit::chain::org_with_chains;
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::seed::Account;
use testkit::{Break, Emulator, Moto, MANAGEMENT_ACCOUNT_ID};

const WRITES: &[&str] = &[
    "CreateLogGroup",
    "PutMetricFilter",
    "CreateTopic",
    "SetTopicAttributes",
    "Subscribe",
    "PutMetricAlarm",
];

/// A config with quick retries (12 attempts, 10-200 ms), one email endpoint, and extra
/// `[sweep]` and `[remediation]` lines.
fn config(dir: &Path, sweep: &str, remediation: &str) -> PathBuf {
    let path = dir.join("orgsweep.toml");
    std::fs::write(
        &path,
        format!(
            "[sweep]\nmax_attempts = 12\ninitial_backoff_ms = 10\nmax_backoff_ms = 200\n{sweep}\n\
             [remediation]\nsubscription_endpoints = [\"email:{ENDPOINT}\"]\n{remediation}\n"
        ),
    )
    .unwrap();
    path
}

/// `orgsweep remediate --quiet --config CFG --regions REGIONS EXTRA…` against `em`, without
/// blocking the runtime the proxy runs on.
async fn remediate(em: &Emulator, cfg: &Path, extra: &[&str]) -> (Output, Duration) {
    let mut cmd = em.command(env!("CARGO_BIN_EXE_orgsweep"));
    cmd.args(["remediate", "--quiet", "--config"])
        .arg(cfg)
        .args(["--regions", REGIONS])
        .args(extra);
    let started = Instant::now();
    let out = tokio::process::Command::from(cmd)
        .output()
        .await
        .expect("cannot run orgsweep");
    (out, started.elapsed())
}

/// `remediate --apply --yes` with a fresh plan, saved to `plan_out`, and the re-check's reports
/// in `report`.
async fn apply_fresh(
    em: &Emulator,
    cfg: &Path,
    plan_out: &Path,
    report: &Path,
) -> (Output, Duration) {
    let (plan_out, report) = (plan_out.to_str().unwrap(), report.to_str().unwrap());
    remediate(
        em,
        cfg,
        &[
            "--apply",
            "--yes",
            "--plan-out",
            plan_out,
            "--output-dir",
            report,
        ],
    )
    .await
}

/// `(account, action name)` of every planned action.
fn planned(plan: &Plan) -> BTreeSet<(String, String)> {
    plan.targets
        .iter()
        .flat_map(|t| {
            t.actions
                .iter()
                .map(|a| (t.account_id.clone(), a.name().to_string()))
        })
        .collect()
}

/// One row of actions.csv.
#[derive(Debug, Clone)]
struct ActionRow {
    account: String,
    action: String,
    result: String,
}

/// actions.csv, checked to be whole: a header, then 6-field records, ending in a newline.
fn actions_csv(dir: &Path) -> Vec<ActionRow> {
    let raw = std::fs::read_to_string(dir.join("actions.csv")).expect("actions.csv");
    assert!(
        raw.starts_with("account,region,controls,action,resource,result\n"),
        "{raw}"
    );
    assert!(raw.ends_with('\n'), "a half-written last row:\n{raw}");
    let mut reader = csv::Reader::from_reader(raw.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("actions.csv is not valid CSV ({e}):\n{raw}"));
            assert_eq!(r.len(), 6, "{r:?}");
            let result = r[5].to_string();
            assert!(
                ["done: ", "skipped: ", "failed: "]
                    .iter()
                    .any(|p| result.starts_with(p)),
                "{r:?}"
            );
            ActionRow {
                account: r[0].to_string(),
                action: r[3].to_string(),
                result,
            }
        })
        .collect()
}

/// A seeded organization: the members' ids, names and chains (in us-east-1, multi-region).
struct Org {
    members: Vec<(String, Break)>,
}

impl Org {
    fn remediable(&self) -> impl Iterator<Item = &String> {
        self.members
            .iter()
            .filter(|(_, b)| !matches!(b, Break::None | Break::NoTrail))
            .map(|(id, _)| id)
    }
}

async fn seed_org(em: &Emulator, states: &[Break]) -> Org {
    let names: Vec<String> = (0..states.len())
        .map(|i| format!("member-{i:02}"))
        .collect();
    let members: Vec<(&str, Break)> = names
        .iter()
        .map(String::as_str)
        .zip(states.iter().copied())
        .collect();
    let (_, members) = org_with_chains(em, HOME, &members).await;
    Org { members }
}

async fn accounts(em: &Emulator, org: &Org) -> Vec<Account> {
    let mut all = vec![em.management()];
    for (id, _) in &org.members {
        all.push(em.account(id).await);
    }
    all
}

/// Snapshots of every account in both regions, each checked for duplicates.
async fn snapshots_without_duplicates(all: &[Account]) -> Vec<Snapshot> {
    let mut out = Vec::new();
    for a in all {
        for region in [HOME, OTHER] {
            let s = Snapshot::read(a, region).await;
            s.assert_no_duplicates(&format!("{} {region}", a.id));
            out.push(s);
        }
    }
    out
}

/// After a complete apply: each of `accounts` (all re-checked) PASS in both regions.
fn assert_pass<'a>(accounts: impl IntoIterator<Item = &'a String>, report: &Path, out: &Output) {
    let cells = findings(report);
    for id in accounts {
        for region in [HOME, OTHER] {
            assert_eq!(
                cells.get(id).and_then(|r| r.get(region)),
                Some(&("PASS".to_string(), "COMPLIANT".to_string())),
                "{id} {region}\n{}",
                explain(out)
            );
        }
    }
}

const STATES: &[Break] = &[
    Break::NoMetricFilter,
    Break::LogGroupMissing,
    Break::NoAlarm,
    Break::NarrowPattern,
    Break::NoMetricFilter,
    Break::NoAlarm,
    Break::LogGroupMissing,
    Break::NoMetricFilter,
    Break::None,
    Break::NoTrail,
];

/// The faults of issue 7: 50-200 ms on every call, 30% throttled, ~5% 5xx.
fn weather() -> Vec<Rule> {
    vec![
        Rule::throttle().probability(0.30),
        Rule::server_error(500).probability(0.025 / 0.70),
        Rule::server_error(503).probability(0.025 / 0.675),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remediation_under_faults_converges_on_a_rerun_without_duplicates() {
    let moto = Moto::start();
    let org = seed_org(&moto, STATES).await;
    let all = accounts(&moto, &org).await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "", "");

    // Writes that fail whatever the retries: every PutMetricAlarm of one account (HTTP 500,
    // retried 12 times), every Subscribe of another (AccessDenied, not retried), every
    // PutMetricFilter of a third (HTTP 503; its log group is created, its alarm too).
    let no_alarm = org.members[0].0.clone(); // NoMetricFilter
    let no_subscribe = org.members[2].0.clone(); // NoAlarm
    let no_filter = org.members[1].0.clone(); // LogGroupMissing
    let hard = vec![
        Rule::server_error(500)
            .operation("PutMetricAlarm")
            .account(&no_alarm),
        Rule::access_denied()
            .operation("Subscribe")
            .account(&no_subscribe),
        Rule::server_error(503)
            .operation("PutMetricFilter")
            .account(&no_filter),
    ];
    let mut rules = vec![Rule::latency_ms(50..=200)];
    rules.extend(hard);
    rules.extend(weather());
    let proxy = FaultProxy::start(moto.endpoint(), rules, 0x5eed_0007).await;
    let em = proxy.emulator();

    // 1. The first apply is partial.
    let plan1 = tmp.path().join("plan1.json");
    let report1 = tmp.path().join("first");
    let (out, took) = apply_fresh(&em, &cfg, &plan1, &report1).await;
    let stats = proxy.stats();
    eprintln!(
        "[remediate_faults] first apply, hard write failures + weather: exit {:?}, {:.2} s, proxy {stats:?}",
        out.status.code(),
        took.as_secs_f64()
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let first_plan = read_plan(&plan1);
    let all_actions = planned(&first_plan);
    // Every remediable account is planned (its own target), nothing else.
    let targets: BTreeSet<&String> = first_plan.targets.iter().map(|t| &t.account_id).collect();
    assert_eq!(
        targets,
        org.remediable().collect::<BTreeSet<_>>(),
        "{first_plan:#?}"
    );
    let rows = actions_csv(&report1);
    assert_eq!(rows.len(), first_plan.action_count(), "{}", explain(&out));
    let failed: BTreeSet<(String, String)> = rows
        .iter()
        .filter(|r| r.result.starts_with("failed"))
        .map(|r| (r.account.clone(), r.action.clone()))
        .collect();
    let want_failed: BTreeSet<(String, String)> = [
        (no_alarm.clone(), "PutMetricAlarm"),
        (no_subscribe.clone(), "Subscribe"),
        (no_filter.clone(), "PutMetricFilter"),
    ]
    .into_iter()
    .map(|(a, b)| (a, b.to_string()))
    .collect();
    assert_eq!(failed, want_failed, "{}", explain(&out));
    // Everything else was done, once.
    let done: BTreeSet<(String, String)> = rows
        .iter()
        .filter(|r| r.result.starts_with("done"))
        .map(|r| (r.account.clone(), r.action.clone()))
        .collect();
    assert_eq!(done.len() + failed.len(), rows.len(), "{}", explain(&out));
    assert_eq!(
        done.union(&failed).cloned().collect::<BTreeSet<_>>(),
        all_actions
    );
    // The weather was retried through, the hard failures were not: the re-check saw no ERROR,
    // and FAILs only in the three accounts.
    let cells = findings(&report1);
    for (account, regions) in &cells {
        for (region, (status, reason)) in regions {
            assert_ne!(status, "ERROR", "{account} {region} {reason}");
            let broken = want_failed.iter().any(|(a, _)| a == account);
            assert_eq!(
                status == "PASS",
                !broken,
                "{account} {region} {status} {reason}"
            );
        }
    }
    assert!(stats.faults_of("throttle") > 0 && stats.faults_of("access_denied") > 0);
    snapshots_without_duplicates(&all).await;

    // 2. The hard failures end; the weather goes on. The re-run plans exactly what failed.
    proxy.set_rules({
        let mut r = vec![Rule::latency_ms(50..=200)];
        r.extend(weather());
        r
    });
    proxy.reset_stats();
    let plan2 = tmp.path().join("plan2.json");
    let report2 = tmp.path().join("second");
    let (out, took) = apply_fresh(&em, &cfg, &plan2, &report2).await;
    eprintln!(
        "[remediate_faults] re-run under weather: exit {:?}, {:.2} s, proxy {:?}",
        out.status.code(),
        took.as_secs_f64(),
        proxy.stats()
    );
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    assert_eq!(planned(&read_plan(&plan2)), want_failed);
    let rows = actions_csv(&report2);
    assert_eq!(rows.len(), 3, "{}", explain(&out));
    assert!(
        rows.iter().all(|r| r.result.starts_with("done")),
        "{rows:#?}"
    );
    // The re-check of the three touched accounts: PASS (the others were PASS after step 1).
    assert_pass(want_failed.iter().map(|(a, _)| a), &report2, &out);
    assert_eq!(findings(&report2).len(), 3);
    let after = snapshots_without_duplicates(&all).await;
    // Where orgsweep made its own topic, the topic carries exactly one subscription to the
    // endpoint and one copy of the statement (the rest is `assert_no_duplicates`).
    let mut ours = 0;
    for s in &after {
        let Some(topic) = s.topics.iter().find(|t| t.ends_with(&format!(":{TOPIC}"))) else {
            continue;
        };
        ours += 1;
        let subscribed = s
            .subscriptions
            .iter()
            .filter(|x| &x.topic == topic && x.endpoint == ENDPOINT)
            .count();
        assert_eq!(subscribed, 1, "{s:#?}");
        assert_eq!(
            s.statement_sids()
                .iter()
                .filter(|x| *x == STATEMENT_SID)
                .count(),
            1,
            "{s:#?}"
        );
    }
    assert!(ours >= 4, "{after:#?}");

    // 3. A third run, still under the weather: nothing to do, nothing changes (exit 1: the
    // check before planning sees the NO_TRAIL cells).
    let (out, _) = remediate(
        &em,
        &cfg,
        &[
            "--apply",
            "--yes",
            "--output-dir",
            tmp.path().join("third").to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert!(
        text(&out.stdout).contains("Nothing to apply: 0 actions taken."),
        "{}",
        explain(&out)
    );
    assert_eq!(snapshots_without_duplicates(&all).await, after);
}

/// Waits until `path` has at least `lines` lines, while `child` runs.
async fn wait_for_lines(child: &mut std::process::Child, path: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let have = std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if have >= lines {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "orgsweep ended ({status}) before {} had {lines} lines",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} never had {lines} lines",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn kill(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

async fn wait(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap()
}

/// Accounts that all lack the metric filter: five actions each.
const SLOW_STATES: &[Break] = &[Break::NoMetricFilter; 6];

/// A reviewed plan (made straight against moto, quickly) for the slow applies.
async fn plan_file(moto: &Moto, cfg: &Path, dir: &Path) -> (PathBuf, Plan) {
    let path = dir.join("plan.json");
    let (out, _) = remediate(moto, cfg, &["--plan-out", path.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let plan = read_plan(&path);
    (path, plan)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_apply_leaves_the_finished_actions_and_a_rerun_completes() {
    let moto = Moto::start();
    let org = seed_org(&moto, SLOW_STATES).await;
    let all = accounts(&moto, &org).await;
    let tmp = tempfile::tempdir().unwrap();
    // Two targets at a time; each write waits 400 ms in the proxy: the 30 actions take ~7 s.
    let cfg = config(tmp.path(), "", "action_concurrency = 2");
    let (plan_path, plan) = plan_file(&moto, &cfg, tmp.path()).await;
    assert_eq!(plan.action_count(), 5 * SLOW_STATES.len());

    let proxy = FaultProxy::start(
        moto.endpoint(),
        WRITES
            .iter()
            .map(|w| Rule::latency_ms(400..=400).operation(w))
            .collect(),
        3,
    )
    .await;
    let report = tmp.path().join("interrupted");
    let started = Instant::now();
    let mut child = proxy
        .emulator()
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["remediate", "--quiet", "--config"])
        .arg(&cfg)
        .args(["--regions", REGIONS, "--apply", "--yes", "--plan"])
        .arg(&plan_path)
        .arg("--output-dir")
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgsweep");
    // The header and the first finished action.
    wait_for_lines(&mut child, &report.join("actions.csv"), 2).await;
    kill(&child, "-INT");
    let out = wait(child).await;
    eprintln!(
        "[remediate_faults] SIGINT during apply: exit {:?} after {:.2} s",
        out.status.code(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(out.status.code(), Some(130), "{}", explain(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Interrupted by SIGINT"),
        "{}",
        explain(&out)
    );
    assert!(
        text(&out.stderr).contains("interrupted"),
        "{}",
        explain(&out)
    );
    // actions.csv: whole rows of the finished actions; all done, fewer than planned.
    let rows = actions_csv(&report);
    eprintln!(
        "[remediate_faults] SIGINT: {} of {} actions finished",
        rows.len(),
        plan.action_count()
    );
    assert!(!rows.is_empty());
    assert!(
        rows.len() < plan.action_count(),
        "the run was really interrupted ({} rows)",
        rows.len()
    );
    assert!(
        rows.iter().all(|r| r.result.starts_with("done")),
        "{rows:#?}"
    );
    assert!(
        stdout.contains(&format!(
            "{} action(s) done, 0 skipped, 0 failed",
            rows.len()
        )),
        "{stdout}"
    );
    // No re-check was started.
    assert!(!report.join("matrix.csv").exists());
    let done: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.account.clone(), r.action.clone()))
        .collect();
    assert_eq!(done.len(), rows.len(), "an action twice: {rows:#?}");
    snapshots_without_duplicates(&all).await;

    // The re-run (a fresh plan) plans exactly what is left and completes it.
    let plan2 = tmp.path().join("rest.json");
    let report2 = tmp.path().join("rest");
    let (out, took) = apply_fresh(&moto, &cfg, &plan2, &report2).await;
    eprintln!(
        "[remediate_faults] re-run after SIGINT: exit {:?}, {:.2} s",
        out.status.code(),
        took.as_secs_f64()
    );
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    let rest = planned(&read_plan(&plan2));
    let everything = planned(&plan);
    assert!(rest.is_disjoint(&done), "re-planned a finished action");
    assert_eq!(
        rest.union(&done).cloned().collect::<BTreeSet<_>>(),
        everything
    );
    let rows2 = actions_csv(&report2);
    assert_eq!(rows2.len(), rest.len());
    assert!(
        rows2.iter().all(|r| r.result.starts_with("done")),
        "{rows2:#?}"
    );
    assert_pass(org.remediable(), &report2, &out);
    snapshots_without_duplicates(&all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_the_recheck_keeps_every_action_and_says_interrupted() {
    let moto = Moto::start();
    let org = seed_org(&moto, SLOW_STATES).await;
    let tmp = tempfile::tempdir().unwrap();
    // The re-check goes one account at a time.
    let cfg = config(tmp.path(), "concurrency = 1", "");
    let (plan_path, plan) = plan_file(&moto, &cfg, tmp.path()).await;

    // Reads are slow (the re-check), writes are not.
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![
            Rule::latency_ms(150..=150).service("cloudtrail"),
            Rule::latency_ms(150..=150)
                .service("monitoring")
                .operation("DescribeAlarms"),
        ],
        5,
    )
    .await;
    let report = tmp.path().join("report");
    let mut child = proxy
        .emulator()
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["remediate", "--quiet", "--config"])
        .arg(&cfg)
        .args(["--regions", REGIONS, "--apply", "--yes", "--plan"])
        .arg(&plan_path)
        .arg("--output-dir")
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgsweep");
    // The re-check has started once matrix.csv has its header.
    wait_for_lines(&mut child, &report.join("matrix.csv"), 1).await;
    // (Past the moment its signal listener starts.)
    tokio::time::sleep(Duration::from_millis(200)).await;
    kill(&child, "-TERM");
    let out = wait(child).await;
    assert_eq!(out.status.code(), Some(143), "{}", explain(&out));
    assert!(
        text(&out.stdout).contains("Interrupted during the re-check"),
        "{}",
        explain(&out)
    );
    // Every action finished and is listed.
    let rows = actions_csv(&report);
    assert_eq!(rows.len(), plan.action_count());
    assert!(
        rows.iter().all(|r| r.result.starts_with("done")),
        "{rows:#?}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("summary.json")).unwrap())
            .expect("summary.json is JSON");
    assert_eq!(summary["interrupted"], "SIGTERM", "{summary}");
    assert_eq!(summary["complete"], false, "{summary}");
    let cells = findings(&report);
    assert!(
        cells.len() < org.members.len(),
        "really interrupted: {cells:?}"
    );

    // A re-run has nothing left to do (exit 1: the check before planning sees the management
    // account's NO_TRAIL).
    let (out, _) = remediate(
        &moto,
        &cfg,
        &[
            "--apply",
            "--yes",
            "--output-dir",
            tmp.path().join("again").to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert!(
        text(&out.stdout).contains("Nothing to apply: 0 actions taken."),
        "{}",
        explain(&out)
    );
}

/// `check` under SIGTERM (SIGINT: tests/it/sweep.rs): exit 143, whole rows of the finished
/// accounts, summary.json incomplete and `interrupted: SIGTERM`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_check_leaves_valid_files() {
    let moto = Moto::start();
    let org = seed_org(&moto, &[Break::None; 8]).await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "concurrency = 1", "");
    let proxy = FaultProxy::start(moto.endpoint(), vec![Rule::latency_ms(100..=100)], 9).await;
    let report = tmp.path().join("report");
    let mut child = proxy
        .emulator()
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["check", "--quiet", "--config"])
        .arg(&cfg)
        .args(["--regions", REGIONS, "--output-dir"])
        .arg(&report)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgsweep");
    // The header and one finished account.
    wait_for_lines(&mut child, &report.join("matrix.csv"), 2).await;
    kill(&child, "-TERM");
    let out = wait(child).await;
    assert_eq!(out.status.code(), Some(143), "{}", explain(&out));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("summary.json")).unwrap())
            .expect("summary.json is JSON");
    assert_eq!(summary["interrupted"], "SIGTERM", "{summary}");
    assert_eq!(summary["complete"], false, "{summary}");
    let matrix = std::fs::read_to_string(report.join("matrix.csv")).unwrap();
    assert!(matrix.ends_with('\n'), "{matrix}");
    let mut reader = csv::Reader::from_reader(matrix.as_bytes());
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("matrix.csv: valid CSV"))
        .collect();
    assert!(
        !rows.is_empty() && rows.len() < org.members.len() + 1,
        "{matrix}"
    );
    assert_eq!(
        summary["accounts_done"].as_u64(),
        Some(rows.len() as u64),
        "{summary}"
    );
    for r in &rows {
        assert_eq!(r.len(), 5, "{r:?}");
        if &r[0] != MANAGEMENT_ACCOUNT_ID {
            assert_eq!((&r[3], &r[4]), ("PASS", "PASS"), "{r:?}");
        }
    }
    // findings.csv: the same accounts (rows land in the order accounts finish).
    let cells = findings(&report);
    assert_eq!(
        cells.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        rows.iter()
            .map(|r| r.get(0).unwrap())
            .collect::<BTreeSet<_>>()
    );
    assert!(cells.values().all(|r| r.len() == 2), "{cells:?}");
}
