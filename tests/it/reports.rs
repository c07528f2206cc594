//! The periodic-report files (issue 13) from real sweeps: what changed since an earlier run
//! (`--compare DIR|latest` → changes.csv, summary.json, the closing line), the directories
//! `--compare` refuses, and every line of findings.ocsf.jsonl validated against the OCSF
//! schema by `scripts/validate-ocsf` (the `ocsf-json-schema` package's export, `jsonschema`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use futures::future::join_all;

use crate::check_scenarios::read;
use crate::{control_count, explain, text};
use testkit::seed::{self, NewAccount};
use testkit::{seed_chain, Break, ChainSpec, Emulator, Moto};

const HOME: &str = "us-east-1";
const REGIONS: &str = "us-east-1,eu-west-1";

/// `orgsweep check --output-dir DIR ARGS`, run in `cwd`.
fn check_into(em: &Emulator, cwd: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    em.command(env!("CARGO_BIN_EXE_orgsweep"))
        .current_dir(cwd)
        .args(["check", "--regions", REGIONS, "--output-dir"])
        .arg(dir)
        .args(args)
        .output()
        .expect("run orgsweep")
}

/// changes.csv as `(account name, region, change, before, after)` rows.
fn changes(dir: &Path) -> BTreeSet<(String, String, String, String, String)> {
    let text = read(dir, "changes.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>().join(","),
        "account_id,account_name,region,control,before_status,before_reason,after_status,after_reason,change"
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[1].to_string(),
                r[2].to_string(),
                r[8].to_string(),
                format!("{}/{}", &r[4], &r[5]),
                format!("{}/{}", &r[6], &r[7]),
            )
        })
        .collect()
}

/// Sweep, break 3 accounts, fix 2 others, sweep again with `--compare`: changes.csv holds
/// exactly those cells, summary.json counts them, the closing screen says so. Then
/// `--compare latest` finds the newest complete run under reports/ of the working directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sweep_reports_exactly_what_changed() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let states = [
        ("steady", Break::None),
        ("to-stop", Break::None),
        ("to-lose-filter", Break::None),
        ("to-lose-alarm", Break::None),
        ("steady-broken", Break::NoAlarm),
        ("to-start", Break::NotLogging),
        ("to-get-alarm", Break::NoAlarm),
    ];
    let new: Vec<NewAccount> = states
        .iter()
        .map(|(n, _)| NewAccount::new(*n, format!("{n}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let accounts = join_all(ids.iter().map(|id| moto.account(id))).await;
    join_all(accounts.iter().zip(&states).map(|(a, (_, b))| {
        let moto = &moto;
        async move { seed_chain(moto, a, &b.apply(ChainSpec::compliant(HOME))).await }
    }))
    .await;

    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("reports").join("2026-11-24T06-00-00Z");
    let out = check_into(&moto, work.path(), &first, &["--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    // The first run has nothing to compare with: no changes.csv.
    assert!(!first.join("changes.csv").exists());

    // Break three: stop a trail, delete a filter, delete an alarm. Fix two.
    let spec = ChainSpec::compliant(HOME);
    let account = |name: &str| &accounts[states.iter().position(|(n, _)| *n == name).unwrap()];
    account("to-stop")
        .stop_logging(HOME, &spec.trail_name())
        .await;
    account("to-lose-filter")
        .logs(HOME)
        .delete_metric_filter()
        .log_group_name(spec.log_group_name())
        .filter_name(spec.filter_name())
        .send()
        .await
        .unwrap();
    account("to-lose-alarm")
        .cloudwatch(HOME)
        .delete_alarms()
        .alarm_names(spec.alarm_name())
        .send()
        .await
        .unwrap();
    account("to-start")
        .start_logging(HOME, &spec.trail_name())
        .await;
    let fixed = seed_chain(
        &moto,
        account("to-get-alarm"),
        &ChainSpec::compliant(HOME).prefix("fix"),
    )
    .await;
    assert!(fixed.alarm_arn.is_some());

    let second = work.path().join("reports").join("2026-12-01T06-00-00Z");
    let out = check_into(
        &moto,
        work.path(),
        &second,
        &["--compare", first.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let got = changes(&second);
    let mut want = BTreeSet::new();
    for region in ["eu-west-1", "us-east-1"] {
        for (name, after) in [
            ("to-stop", "FAIL/TRAIL_NOT_LOGGING"),
            ("to-lose-filter", "FAIL/NO_METRIC_FILTER"),
            ("to-lose-alarm", "FAIL/NO_ALARM"),
        ] {
            want.insert((
                name.to_string(),
                region.to_string(),
                "NEW_FAIL".to_string(),
                "PASS/COMPLIANT".to_string(),
                after.to_string(),
            ));
        }
        for (name, before) in [
            ("to-start", "FAIL/TRAIL_NOT_LOGGING"),
            ("to-get-alarm", "FAIL/NO_ALARM"),
        ] {
            want.insert((
                name.to_string(),
                region.to_string(),
                "FIXED".to_string(),
                before.to_string(),
                "PASS/COMPLIANT".to_string(),
            ));
        }
    }
    assert_eq!(got, want);
    let summary: serde_json::Value = serde_json::from_str(&read(&second, "summary.json")).unwrap();
    let counts = &summary["changes"]["counts"];
    assert_eq!(counts["NEW_FAIL"], 6, "{summary}");
    assert_eq!(counts["FIXED"], 4, "{summary}");
    let screen = text(&out.stdout) + &text(&out.stderr);
    assert!(screen.contains("changed since"), "{screen}");
    let page = read(&second, "report.html");
    assert!(
        page.contains("\"changes\":{"),
        "report.html carries the changes"
    );

    // `--compare latest`: the newest complete run under ./reports (the second one).
    let third = work.path().join("reports").join("2026-12-08T06-00-00Z");
    let out = check_into(
        &moto,
        work.path(),
        &third,
        &["--quiet", "--compare", "latest"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let summary: serde_json::Value = serde_json::from_str(&read(&third, "summary.json")).unwrap();
    assert!(
        summary["changes"]["compared_dir"]
            .as_str()
            .unwrap()
            .ends_with("2026-12-01T06-00-00Z"),
        "{summary}"
    );
    assert!(
        changes(&third).is_empty(),
        "nothing changed since the second run"
    );
}

/// `--compare` with a directory that does not exist, or holds no orgsweep report, is a usage
/// error (exit 2) that names the directory, before any AWS call; `latest` with no run under
/// reports/ too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_refuses_what_is_not_an_earlier_run() {
    let moto = Moto::start();
    seed::create_organization(&moto).await;
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("out");
    let missing = work.path().join("no-such-run");
    let foreign = work.path().join("holiday-photos");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("beach.jpg"), b"\xff\xd8\xff").unwrap();
    let garbled = work.path().join("garbled");
    std::fs::create_dir_all(&garbled).unwrap();
    std::fs::write(garbled.join("findings.csv"), "not,an,orgsweep\nfile\n").unwrap();
    let cases: [(PathBuf, &str); 3] = [
        (missing.clone(), "no such directory"),
        (foreign.clone(), "findings.csv"),
        (garbled.clone(), "findings.csv"),
    ];
    for (dir, why) in &cases {
        let out = check_into(
            &moto,
            work.path(),
            &out_dir,
            &["--compare", dir.to_str().unwrap()],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
        assert!(
            stderr.contains(dir.to_str().unwrap()) && stderr.contains(why),
            "{}: {stderr}",
            dir.display()
        );
        assert!(!out_dir.join("findings.csv").exists(), "nothing was swept");
    }
    let out = check_into(&moto, work.path(), &out_dir, &["--compare", "latest"]);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(text(&out.stderr).contains("reports"), "{}", explain(&out));
}

/// Every line of a real sweep's findings.ocsf.jsonl is a valid OCSF Compliance Finding, and
/// the finding uids are stable from run to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocsf_findings_validate_against_the_schema() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let breaks = [
        Break::None,
        Break::NoAlarm,
        Break::NoTrail,
        Break::SnsManagedKey,
    ];
    let new: Vec<NewAccount> = breaks
        .iter()
        .enumerate()
        .map(|(i, _)| NewAccount::new(format!("m{i}"), format!("m{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    for (id, b) in ids.iter().zip(breaks) {
        let account = moto.account(id).await;
        seed_chain(&moto, &account, &b.apply(ChainSpec::compliant(HOME))).await;
    }
    let work = tempfile::tempdir().unwrap();
    let mut uids = Vec::new();
    for run in ["a", "b"] {
        let dir = work.path().join(run);
        let out = check_into(&moto, work.path(), &dir, &["--quiet", "--controls", "all"]);
        assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
        let lines = validate_ocsf(&dir);
        assert!(lines >= 5 * 2 * control_count(), "{lines} findings");
        let side: serde_json::Value =
            serde_json::from_str(&read(&dir, "controls.ocsf.json")).unwrap();
        assert_eq!(
            side["controls"].as_object().unwrap().len(),
            control_count(),
            "{side}"
        );
        let mut these: Vec<String> = read(&dir, "findings.ocsf.jsonl")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(v["class_uid"], 2003);
                assert_eq!(v["metadata"]["version"], "1.8.0");
                v["finding_info"]["uid"].as_str().unwrap().to_string()
            })
            .collect();
        these.sort();
        uids.push(these);
    }
    assert_eq!(uids[0], uids[1], "finding uids are stable across runs");
    let unique: BTreeSet<&String> = uids[0].iter().collect();
    assert_eq!(unique.len(), uids[0].len(), "one uid per cell");
}

/// Validates every line of `dir`'s findings.ocsf.jsonl with scripts/validate-ocsf; the number
/// of lines.
fn validate_ocsf(dir: &Path) -> usize {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-emulator (scripts/test does)",
        python.display()
    );
    let validated = std::process::Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate-ocsf"))
        .arg(dir.join("findings.ocsf.jsonl"))
        .output()
        .expect("run scripts/validate-ocsf");
    let report = text(&validated.stdout) + &text(&validated.stderr);
    let lines = read(dir, "findings.ocsf.jsonl").lines().count();
    assert!(validated.status.success(), "{report}");
    assert!(
        report.contains(&format!("{lines} passed, 0 failed")),
        "{report}"
    );
    lines
}

/// `(finding uid, compliance status_id)` of every line of `dir`'s findings.ocsf.jsonl.
fn ocsf_cells(dir: &Path) -> BTreeSet<(String, i64)> {
    read(dir, "findings.ocsf.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["finding_info"]["uid"].as_str().unwrap().to_string(),
                v["compliance"]["status_id"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// findings.csv rows as `(finding uid, status)`.
fn csv_cells(dir: &Path) -> Vec<(String, String)> {
    let text = read(dir, "findings.csv");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                format!("orgsweep:{}:{}:{}", &r[0], &r[2], &r[3]),
                r[4].to_string(),
            )
        })
        .collect()
}

/// `--ocsf-cells non-pass` writes exactly the FAIL and ERROR cells; `changed` (with
/// `--compare`) exactly the cells whose status or reason changed, the fixed ones too (as PASS,
/// so that a consumer can close them). Every line validates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocsf_cells_writes_only_the_cells_asked_for() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let states = [
        ("steady", Break::None),
        ("to-break", Break::None),
        ("broken", Break::NoAlarm),
        ("to-fix", Break::NoAlarm),
    ];
    let new: Vec<NewAccount> = states
        .iter()
        .map(|(n, _)| NewAccount::new(*n, format!("{n}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let accounts = join_all(ids.iter().map(|id| moto.account(id))).await;
    for (a, (_, b)) in accounts.iter().zip(&states) {
        seed_chain(&moto, a, &b.apply(ChainSpec::compliant(HOME))).await;
    }
    let id_of = |name: &str| ids[states.iter().position(|(n, _)| *n == name).unwrap()].clone();
    let work = tempfile::tempdir().unwrap();
    let args = ["--quiet", "--controls", "console-auth-failures"];

    let first = work.path().join("first");
    let out = check_into(
        &moto,
        work.path(),
        &first,
        &[&args[..], &["--ocsf-cells", "non-pass"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    validate_ocsf(&first);
    let written: BTreeSet<String> = ocsf_cells(&first).into_iter().map(|(u, _)| u).collect();
    let all = csv_cells(&first);
    let want: BTreeSet<String> = all
        .iter()
        .filter(|(_, s)| s != "PASS" && s != "SKIPPED")
        .map(|(u, _)| u.clone())
        .collect();
    assert_eq!(written, want);
    for region in ["us-east-1", "eu-west-1"] {
        let uid = |n: &str| format!("orgsweep:{}:{region}:console-auth-failures", id_of(n));
        assert!(written.contains(&uid("broken")) && written.contains(&uid("to-fix")));
        assert!(!written.contains(&uid("steady")) && !written.contains(&uid("to-break")));
    }
    assert!(written.len() < all.len(), "the PASS cells are left out");

    // Break one, fix one; `changed` writes exactly their cells.
    let spec = ChainSpec::compliant(HOME);
    accounts[1]
        .cloudwatch(HOME)
        .delete_alarms()
        .alarm_names(spec.alarm_name())
        .send()
        .await
        .unwrap();
    seed_chain(
        &moto,
        &accounts[3],
        &ChainSpec::compliant(HOME).prefix("fix"),
    )
    .await;
    let second = work.path().join("second");
    let out = check_into(
        &moto,
        work.path(),
        &second,
        &[
            &args[..],
            &[
                "--compare",
                first.to_str().unwrap(),
                "--ocsf-cells",
                "changed",
            ],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert_eq!(validate_ocsf(&second), 4);
    let mut want = BTreeSet::new();
    for region in ["us-east-1", "eu-west-1"] {
        let uid = |n: &str| format!("orgsweep:{}:{region}:console-auth-failures", id_of(n));
        want.insert((uid("to-break"), 3)); // Fail
        want.insert((uid("to-fix"), 1)); // Pass: the consumer closes it
    }
    assert_eq!(ocsf_cells(&second), want);
}

/// An unknown `--ocsf-cells` value lists the valid ones; `changed` without `--compare` says
/// it needs it. Both exit 2 before any AWS call (port 9 answers nothing).
#[test]
fn ocsf_cells_refuses_what_it_cannot_do() {
    let em = Emulator::new("http://127.0.0.1:9");
    let dir = tempfile::tempdir().unwrap();
    let out = check_into(
        &em,
        dir.path(),
        &dir.path().join("o"),
        &["--ocsf-cells", "fails"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    let err = text(&out.stderr);
    for word in ["--ocsf-cells", "fails", "all", "non-pass", "changed"] {
        assert!(err.contains(word), "{word}: {err}");
    }
    let out = check_into(
        &em,
        dir.path(),
        &dir.path().join("o"),
        &["--ocsf-cells", "changed"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(text(&out.stderr).contains("--compare"), "{}", explain(&out));
    assert!(!dir.path().join("o").exists(), "nothing was swept");
}
