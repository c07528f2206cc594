//! The whole CIS monitoring family on the emulator (issue 12), through the real binary: every
//! control complete, and broken at each link in turn with the other fourteen complete; an
//! account with a subset of controls; official spellings other than the reference; an
//! organization trail complete for some controls and not others; the call budget of a
//! compliant member with all fifteen controls; selection by id, CIS number and Security Hub
//! id; and a remediation of every control that converges on one shared topic.

use std::collections::BTreeMap;

use futures::future::join_all;

use crate::check_scenarios::{check, CheckRun, Finding};
use crate::{control_count, explain, orgsweep, text};
use testkit::family::{seed_family, FamilySpec};
use testkit::seed::{self, NewAccount};
use testkit::Break;
use testkit::{Emulator, Moto, MANAGEMENT_ACCOUNT_ID};

const HOME: &str = "us-east-1";
const OTHER: &str = "eu-west-1";
const REGIONS: &str = "us-east-1,eu-west-1";

fn ids() -> Vec<&'static str> {
    orgsweep::controls::table()
        .iter()
        .map(|c| c.id.as_str())
        .collect()
}

/// `account → control → region → finding`.
fn by_control(run: &CheckRun) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Finding>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeMap<String, Finding>>> = BTreeMap::new();
    for f in &run.findings {
        let previous = out
            .entry(f.account_id.clone())
            .or_default()
            .entry(f.control.clone())
            .or_default()
            .insert(f.region.clone(), f.clone());
        assert!(previous.is_none(), "two findings for one cell: {f:?}");
    }
    out
}

async fn org_with_members(em: &Emulator, names: &[String]) -> Vec<String> {
    let org = seed::create_organization(em).await;
    let new: Vec<NewAccount> = names
        .iter()
        .map(|n| NewAccount::new(n.clone(), format!("{n}@example.com")))
        .collect();
    seed::create_accounts(em, &org.root_id, &new).await
}

/// Every control, in every region and account, gets exactly its reason; an account lacking
/// some controls gets NO_METRIC_FILTER for those alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_is_judged_at_every_link() {
    let moto = Moto::start();
    let controls = ids();
    // One member per control, that control broken (rotating through the links), the rest
    // complete; one complete member in Security Hub spellings; one with a subset.
    let mut specs: Vec<(String, FamilySpec)> = Vec::new();
    for (i, id) in controls.iter().enumerate() {
        let brk = Break::ROTATION[i % Break::ROTATION.len()];
        specs.push((
            format!("broken-{i:02}"),
            FamilySpec::complete(HOME).set(id, brk),
        ));
    }
    // Security Hub's spellings (they mean the same as CIS's, or more: CloudWatch.2 has no
    // exclusions) pass under the default benchmark.
    let hub = orgsweep::controls::Benchmark::parse("security-hub").unwrap();
    let mut spelled = FamilySpec::complete(HOME);
    for (id, brk) in &mut spelled.controls {
        if let Some(c) = orgsweep::controls::get_in(hub, id) {
            *brk = Break::Spelled(&c.reference.texts[0]);
        }
    }
    // Security Hub's CloudWatch.3 text is narrower than CIS 5.2 (it leaves out root and
    // failed sign-ins): a near miss. So is its CloudWatch.10, which lacks
    // ModifySecurityGroupRules (CIS v5.0.0 and later name it).
    for id in ["console-signin-without-mfa", "security-group-changes"] {
        let text = &orgsweep::controls::get_in(hub, id).unwrap().reference.texts[0];
        spelled = spelled.set(id, Break::Pattern(text));
    }
    specs.push(("security-hub-spellings".into(), spelled));
    specs.push((
        "subset".into(),
        FamilySpec::only(HOME, &["root-usage", "console-auth-failures"]),
    ));
    let names: Vec<String> = specs.iter().map(|(n, _)| n.clone()).collect();
    let members = org_with_members(&moto, &names).await;
    let accounts = join_all(members.iter().map(|id| moto.account(id))).await;
    join_all(
        accounts
            .iter()
            .zip(&specs)
            .map(|(a, (_, spec))| seed_family(&moto, a, spec)),
    )
    .await;

    let run = check(&moto, &["--regions", REGIONS, "--controls", "all"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let cells = by_control(&run);
    let mut wrong = Vec::new();
    for (member, (name, spec)) in members.iter().zip(&specs) {
        let got = &cells[member];
        assert_eq!(
            got.len(),
            control_count(),
            "{name}: every control has its row"
        );
        for id in &controls {
            let expected = match spec.controls.iter().find(|(c, _)| c == id) {
                None => ("FAIL", "NO_METRIC_FILTER"),
                Some((_, Break::Pattern(_))) => ("FAIL", "PATTERN_TOO_NARROW"),
                Some((_, brk)) => brk.verdict(),
            };
            for region in [HOME, OTHER] {
                let f = &got[*id][region];
                if (f.status.as_str(), f.reason.as_str()) != expected {
                    wrong.push(format!(
                        "{name} {id} {region}: want {expected:?}, got {} {} ({})",
                        f.status, f.reason, f.detail
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The near miss names the filter and what it misses; the matrix has a row per
    // (account, control) in table order; the summary counts per control.
    let narrow = &cells[&members[1]][controls[1]][HOME];
    assert_eq!(narrow.filter_name, format!("fam-{}", controls[1]));
    assert!(
        narrow.detail.contains("matches only some of"),
        "{}",
        narrow.detail
    );
    let mut reader = csv::Reader::from_reader(run.matrix.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec!["account_id", "account_name", "control", OTHER, HOME]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), (members.len() + 1) * control_count());
    let first: Vec<&str> = rows
        .iter()
        .take(control_count())
        .map(|r| r.get(2).unwrap())
        .collect();
    assert_eq!(first, controls, "controls in table order");
    let per_control = run.summary["controls"].as_object().unwrap();
    assert_eq!(per_control.len(), control_count());
    assert_eq!(
        run.summary["controls_checked"].as_array().unwrap().len(),
        control_count()
    );
    assert!(
        text(&run.output.stdout).contains("control "),
        "{}",
        explain(&run.output)
    );
}

/// A compliant member with all fifteen controls and every region costs exactly 11 calls: the
/// trail, filters, alarms and topic are each read once for every control.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compliant_member_with_every_control_stays_within_the_call_budget() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["compliant".into()]).await;
    let account = moto.account(&members[0]).await;
    seed_family(&moto, &account, &FamilySpec::complete(HOME)).await;
    // Every enabled region of the partition (no --regions).
    let with = check(&moto, &["--controls", "all"]);
    let baseline = check(
        &moto,
        &["--controls", "all", "--accounts", MANAGEMENT_ACCOUNT_ID],
    );
    let member_cells: Vec<&Finding> = with
        .findings
        .iter()
        .filter(|f| f.account_id == members[0] && f.status != "SKIPPED")
        .collect();
    assert!(
        member_cells.len() >= control_count() * 17,
        "{}",
        member_cells.len()
    );
    assert!(
        member_cells.iter().all(|f| f.status == "PASS"),
        "{:?}",
        member_cells.iter().find(|f| f.status != "PASS")
    );
    let before = baseline.api_calls();
    let extra: u64 = with
        .api_calls()
        .iter()
        .map(|(op, n)| n - before.get(op).copied().unwrap_or(0))
        .sum();
    let member_ops: BTreeMap<String, u64> = with
        .api_calls()
        .into_iter()
        .map(|(op, n)| (op.clone(), n - before.get(&op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let want: BTreeMap<String, u64> = crate::check_scenarios::COMPLIANT_MEMBER_CALLS
        .iter()
        .map(|op| (op.to_string(), 1))
        .collect();
    assert_eq!(member_ops, want, "{extra} calls");
    assert_eq!(with.summary["retries"], 0);
}

/// An organization trail complete for some controls covers those in every account; for the
/// others each account is judged on its own trail, and the broken organization chain is one
/// more candidate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_trail_covers_the_controls_it_completes() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["own-trail".into(), "no-trail".into()]).await;
    let management = moto.account(MANAGEMENT_ACCOUNT_ID).await;
    let covered = ["root-usage", "console-auth-failures", "vpc-changes"];
    seed_family(
        &moto,
        &management,
        &FamilySpec::only(HOME, &covered).organization_trail(),
    )
    .await;
    let own = moto.account(&members[0]).await;
    let mut spec = FamilySpec::complete(HOME).set("nacl-changes", Break::NoAlarm);
    spec.prefix = "own".into();
    seed_family(&moto, &own, &spec).await;

    let run = check(&moto, &["--regions", REGIONS, "--controls", "all"]);
    let cells = by_control(&run);
    for account in [MANAGEMENT_ACCOUNT_ID, &members[0], &members[1]] {
        for id in ids() {
            for region in [HOME, OTHER] {
                let f = &cells[account][id][region];
                let want = if covered.contains(&id) {
                    ("PASS", "COVERED_BY_ORG_TRAIL")
                } else if account == members[0] {
                    if id == "nacl-changes" {
                        ("FAIL", "NO_ALARM")
                    } else {
                        ("PASS", "COMPLIANT")
                    }
                } else {
                    // The organization chain is the only candidate: its broken link.
                    ("FAIL", "NO_METRIC_FILTER")
                };
                assert_eq!(
                    (f.status.as_str(), f.reason.as_str()),
                    want,
                    "{account} {id} {region}: {}",
                    f.detail
                );
                if want.1 == "NO_METRIC_FILTER" {
                    assert!(f.detail.starts_with("organization trail"), "{}", f.detail);
                }
            }
        }
    }
}

/// `--controls` takes ids, the default benchmark's (CIS v7.0.0) numbers and Security Hub ids; an
/// unknown one is a usage error that lists the valid ids, from the flag and from the config
/// file alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controls_are_selected_by_id_number_or_security_hub_id() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["m".into()]).await;
    let account = moto.account(&members[0]).await;
    seed_family(&moto, &account, &FamilySpec::complete(HOME)).await;
    let run = check(
        &moto,
        &[
            "--regions",
            HOME,
            "--accounts",
            &members[0],
            "--controls",
            "5.3,CloudWatch.6,vpc-changes",
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let got: Vec<&str> = run
        .findings
        .iter()
        .filter(|f| f.account_id == members[0])
        .map(|f| f.control.as_str())
        .collect();
    assert_eq!(
        got,
        vec!["root-usage", "console-auth-failures", "vpc-changes"]
    );

    let out = orgsweep(&moto, &["check", "--controls", "4.99"]);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("--controls") && err.contains("`4.99`"),
        "{err}"
    );
    assert!(err.contains("organizations-changes"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orgsweep.toml");
    std::fs::write(
        &config,
        "[sweep]\ncontrols = [\"root-usage\", \"CloudWatch.99\"]\n",
    )
    .unwrap();
    let out = orgsweep(
        &moto,
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--controls",
            "",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(
        err.contains("sweep.controls") && err.contains("CloudWatch.99"),
        "{err}"
    );

    let out = orgsweep(&moto, &["controls"]);
    assert_eq!(out.status.code(), Some(0));
    let listing = text(&out.stdout);
    for id in ids() {
        assert!(listing.contains(id), "{listing}");
    }
    let out = orgsweep(
        &moto,
        &[
            "pattern",
            "--control",
            "5.3",
            "--json",
            "{ $.userIdentity.type = Root }",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["control"], "root-usage");
    assert_eq!(v["catches_all"], true);
    assert_eq!(out.status.code(), Some(0));
}

/// Remediating every control of an account with a bare log group: 15 filters, 15 alarms, one
/// shared topic and its subscription; the re-check passes everywhere; a second apply changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remediating_every_control_converges_on_one_topic() {
    let moto = Moto::start();
    let members = org_with_members(&moto, &["bare".into()]).await;
    let account = moto.account(&members[0]).await;
    // A complete trail and log group, no filter at all.
    let mut spec = FamilySpec::complete(HOME);
    spec.controls.clear();
    seed_family(&moto, &account, &spec).await;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orgsweep.toml");
    std::fs::write(
        &config,
        "[remediation]\nsubscription_endpoints = [\"email:security@example.com\"]\n",
    )
    .unwrap();
    let report = dir.path().join("after");
    let apply = |out: &std::path::Path| {
        orgsweep(
            &moto,
            &[
                "remediate",
                "--apply",
                "--yes",
                "--quiet",
                "--controls",
                "all",
                "--regions",
                REGIONS,
                "--accounts",
                &members[0],
                "--config",
                config.to_str().unwrap(),
                "--output-dir",
                out.to_str().unwrap(),
            ],
        )
    };
    let first = apply(&report);
    assert_eq!(first.status.code(), Some(0), "{}", explain(&first));
    let actions = std::fs::read_to_string(report.join("actions.csv")).unwrap();
    let count = |name: &str| {
        actions
            .lines()
            .filter(|l| l.contains(&format!(",{name},")))
            .count()
    };
    assert_eq!(count("PutMetricFilter"), control_count(), "{actions}");
    assert_eq!(count("PutMetricAlarm"), control_count(), "{actions}");
    assert_eq!(count("CreateTopic"), 1, "{actions}");
    assert_eq!(count("Subscribe"), 1, "{actions}");
    let cells = crate::check_scenarios::parse_findings(
        &std::fs::read_to_string(report.join("findings.csv")).unwrap(),
    );
    assert_eq!(cells.len(), control_count() * 2);
    assert!(cells.iter().all(|f| f.status == "PASS"), "{cells:?}");

    let again = dir.path().join("again");
    let second = apply(&again);
    assert_eq!(second.status.code(), Some(0), "{}", explain(&second));
    assert!(
        text(&second.stdout).contains("Nothing to apply")
            || text(&second.stdout).contains("0 action"),
        "{}",
        explain(&second)
    );
    // One topic for all controls (besides the seeded one).
    let topics = account
        .sns(HOME)
        .list_topics()
        .send()
        .await
        .unwrap()
        .topics()
        .len();
    assert_eq!(topics, 2, "the seeded topic and orgsweep's shared one");
}
