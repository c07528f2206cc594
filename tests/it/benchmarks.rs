//! The benchmark a user audits against (issue 17), through the real binary on the emulator: a
//! v4.0-era security-group filter passes under CIS v4.0.0 and is too narrow under the default
//! (v7.0.0, which adds ModifySecurityGroupRules); remediation under the default brings the
//! filter orgsweep created to the v7.0.0 text in place, leaves one it did not create alone,
//! and a second apply changes nothing.

use futures::future::join_all;

use orgsweep::controls::{self, Benchmark};

use crate::check_scenarios::{check, parse_findings, Finding};
use crate::{explain, orgsweep, text};
use testkit::family::{seed_family, FamilySpec};
use testkit::seed::{self, FilterSpec, NewAccount};
use testkit::Break;
use testkit::{Emulator, Moto};

const HOME: &str = "us-east-1";
const SG: &str = "security-group-changes";

fn sg_text(benchmark: &str) -> &'static String {
    &controls::get_in(Benchmark::parse(benchmark).unwrap(), SG)
        .unwrap()
        .reference
        .texts[0]
}

async fn org_with_members(em: &Emulator, names: &[&str]) -> Vec<String> {
    let org = seed::create_organization(em).await;
    let new: Vec<NewAccount> = names
        .iter()
        .map(|n| NewAccount::new(n.to_string(), format!("{n}@example.com")))
        .collect();
    seed::create_accounts(em, &org.root_id, &new).await
}

fn cell<'a>(findings: &'a [Finding], account: &str, control: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.account_id == account && f.control == control && f.region == HOME)
        .unwrap_or_else(|| panic!("no {account} {control} {HOME} cell in {findings:?}"))
}

/// A complete family whose security-group filter has the v4.0.0 text: PASS under cis-4.0
/// (flag or environment), FAIL PATTERN_TOO_NARROW under the default, naming the event that
/// slips through; the other controls pass under both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v4_security_group_filter_passes_under_v4_and_is_too_narrow_under_v7() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["v4-era"]).await;
    let account = moto.account(&members[0]).await;
    let v4 = sg_text("cis-4.0");
    assert!(!v4.contains("ModifySecurityGroupRules"));
    seed_family(
        &moto,
        &account,
        &FamilySpec::complete(HOME).set(SG, Break::Spelled(v4)),
    )
    .await;
    let base = ["--regions", HOME, "--accounts", members[0].as_str()];

    let mut args = base.to_vec();
    args.extend(["--controls", "all", "--benchmark", "cis-4.0"]);
    let v4_run = check(&moto, &args);
    assert_eq!(v4_run.code(), Some(0), "{}", v4_run.stderr());
    assert!(v4_run
        .findings
        .iter()
        .filter(|f| f.account_id == members[0])
        .all(|f| f.status == "PASS"));

    let mut args = base.to_vec();
    args.extend(["--controls", "all"]);
    let default_run = check(&moto, &args);
    assert_eq!(default_run.code(), Some(1), "{}", default_run.stderr());
    let sg = cell(&default_run.findings, &members[0], SG);
    assert_eq!(
        (sg.status.as_str(), sg.reason.as_str()),
        ("FAIL", "PATTERN_TOO_NARROW")
    );
    assert!(
        sg.detail.contains("ModifySecurityGroupRules"),
        "{}",
        sg.detail
    );
    let others: Vec<&Finding> = default_run
        .findings
        .iter()
        .filter(|f| f.account_id == members[0] && f.control != SG)
        .collect();
    assert_eq!(others.len(), 14);
    assert!(others.iter().all(|f| f.status == "PASS"), "{others:?}");

    // The environment selects too; the v7.0 number (5.10) is not a v4.0 number, 4.10 is.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("env");
    let mut args = vec![
        "check",
        "--quiet",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ];
    args.extend(base);
    args.extend(["--controls", "4.10"]);
    let out = moto
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .env("ORGSWEEP_BENCHMARK", "cis-4.0")
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    let env_cells = parse_findings(&std::fs::read_to_string(out_dir.join("findings.csv")).unwrap());
    let sg = cell(&env_cells, &members[0], SG);
    assert_eq!(sg.status, "PASS", "{sg:?}");

    // `orgsweep pattern` judges the same way and names the benchmark.
    let v4 = sg_text("cis-4.0");
    let judged = |extra: &[&str]| {
        let mut a = vec!["pattern", "--json", "--control", SG];
        a.extend_from_slice(extra);
        a.push(v4.as_str());
        let out = orgsweep(&moto, &a);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", explain(&out)));
        (out.status.code(), v)
    };
    let (code, v) = judged(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(v["benchmark"], "cis-7.0");
    assert_eq!(v["number"], "5.10");
    assert_eq!(
        (v["catches_all"].as_bool(), v["strict_cis"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(
        v["explanation"]
            .as_str()
            .unwrap()
            .contains("ModifySecurityGroupRules"),
        "{v}"
    );
    let (code, v) = judged(&["--benchmark", "cis-4.0"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["benchmark"], "cis-4.0");
    assert_eq!(
        (v["catches_all"].as_bool(), v["strict_cis"].as_bool()),
        (Some(true), Some(true))
    );
}

/// The security-group filters of a log group, as (name, pattern, metric name).
async fn sg_filters(
    account: &testkit::seed::Account,
    group: &str,
) -> Vec<(String, String, String)> {
    let out = account
        .logs(HOME)
        .describe_metric_filters()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    out.metric_filters()
        .iter()
        .filter(|f| f.filter_name().unwrap_or_default().ends_with(SG))
        .map(|f| {
            (
                f.filter_name().unwrap_or_default().to_string(),
                f.filter_pattern().unwrap_or_default().to_string(),
                f.metric_transformations()
                    .first()
                    .map(|m| m.metric_name().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Under the default benchmark, remediation rewrites the v4.0-era filter orgsweep created
/// (its name, its metric, the v4.0 text) to the v7.0 text, in place, and completes its chain;
/// a filter of the same name that a person changed (another metric) is never touched; a second
/// apply changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remediation_updates_orgsweeps_older_filter_in_place_and_only_that() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["ours", "hand-made"]).await;
    let accounts = join_all(members.iter().map(|id| moto.account(id))).await;
    let mut bare = FamilySpec::complete(HOME);
    bare.controls.clear();
    join_all(accounts.iter().map(|a| seed_family(&moto, a, &bare))).await;
    let group = bare.log_group_name();
    let v4 = sg_text("cis-4.0");
    let v7 = sg_text("cis-7.0");
    let metric = controls::get(SG).unwrap().metric_name.clone();
    for (a, metric) in accounts
        .iter()
        .zip([metric.clone(), "HandTunedSG".to_string()])
    {
        a.put_metric_filter(
            HOME,
            &FilterSpec {
                log_group: group.clone(),
                name: format!("orgsweep-{SG}"),
                pattern: v4.clone(),
                namespace: "CISBenchmark".into(),
                metric,
                value: "1".into(),
                dimensions: Vec::new(),
            },
        )
        .await;
    }

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orgsweep.toml");
    std::fs::write(
        &config,
        "[remediation]\nsubscription_endpoints = [\"email:security@example.com\"]\n",
    )
    .unwrap();
    let accounts_arg = members.join(",");
    let apply = |out: &std::path::Path| {
        orgsweep(
            &moto,
            &[
                "remediate",
                "--apply",
                "--yes",
                "--quiet",
                "--controls",
                SG,
                "--regions",
                HOME,
                "--accounts",
                &accounts_arg,
                "--config",
                config.to_str().unwrap(),
                "--output-dir",
                out.to_str().unwrap(),
            ],
        )
    };
    let first_dir = dir.path().join("first");
    let first = apply(&first_dir);
    // The re-check covers the accounts the apply touched; the hand-made filter's account is
    // reported as a conflict the plan cannot complete.
    assert_eq!(first.status.code(), Some(0), "{}", explain(&first));
    let out = text(&first.stdout);
    assert!(
        out.contains(&format!("{} us-east-1", members[1]))
            && out.contains("conflict: metric filter orgsweep-security-group-changes")
            && out.contains("does not overwrite a filter it did not create"),
        "{out}"
    );
    let actions = std::fs::read_to_string(first_dir.join("actions.csv")).unwrap();
    let filter_rows: Vec<&str> = actions
        .lines()
        .filter(|l| l.contains(",PutMetricFilter,"))
        .collect();
    assert_eq!(filter_rows.len(), 1, "{actions}");
    assert!(
        filter_rows[0].contains(&members[0]) && filter_rows[0].contains("updated in place"),
        "{actions}"
    );

    // Ours now has the v7.0 text (CloudWatch Logs replaces a filter put under its name; the
    // emulator keeps the old one beside it, so look for the new one).
    let ours = sg_filters(&accounts[0], &group).await;
    assert!(
        ours.iter()
            .any(|(n, p, m)| n == &format!("orgsweep-{SG}") && p == v7 && m == &metric),
        "{ours:?}"
    );
    // The hand-made one is untouched, and nothing else was put there.
    let theirs = sg_filters(&accounts[1], &group).await;
    assert_eq!(
        theirs,
        vec![(
            format!("orgsweep-{SG}"),
            v4.clone(),
            "HandTunedSG".to_string()
        )]
    );

    let cells = parse_findings(&std::fs::read_to_string(first_dir.join("findings.csv")).unwrap());
    assert_eq!(cell(&cells, &members[0], SG).status, "PASS", "{cells:?}");

    let second_dir = dir.path().join("second");
    let second = apply(&second_dir);
    // Nothing left to do; the hand-made filter's cell still fails (exit 1), as before.
    assert_eq!(second.status.code(), Some(1), "{}", explain(&second));
    assert!(
        text(&second.stdout).contains("Nothing to apply: 0 actions taken"),
        "{}",
        explain(&second)
    );
    let again = std::fs::read_to_string(second_dir.join("actions.csv")).unwrap_or_default();
    assert!(
        !again.lines().any(|l| l.contains(&members[0])),
        "a second apply changes nothing in the account it fixed: {again}\n{}",
        explain(&second)
    );
    assert_eq!(sg_filters(&accounts[0], &group).await, ours);
    assert_eq!(sg_filters(&accounts[1], &group).await, theirs);
}
