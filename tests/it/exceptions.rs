//! Exceptions end to end (issue 19): an OU with a sub-OU, one account for one control and
//! region, one expired exception, one unused, one naming an OU the organization lacks. Every
//! output respects them: the cells, summary.json, the exit code, OCSF, changes.csv against
//! the run without exceptions, and the remediation plan. A bad file stops before any AWS call.

use std::collections::BTreeMap;
use std::path::Path;

use crate::check_scenarios::{parse_findings, read, Finding};
use crate::{explain, orgsweep, text};
use testkit::seed::{self, NewAccount};
use testkit::{seed_chain, Break, ChainSpec, Emulator, Moto, MANAGEMENT_ACCOUNT_ID};

const REGIONS: &str = "us-east-1,eu-west-1";

/// `account → region → finding` of a report directory.
fn cells(dir: &Path) -> BTreeMap<(String, String), Finding> {
    parse_findings(&read(dir, "findings.csv"))
        .into_iter()
        .map(|f| ((f.account_id.clone(), f.region.clone()), f))
        .collect()
}

fn check(em: &Emulator, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--quiet", "--regions", REGIONS, "--output-dir"];
    let d = dir.to_str().unwrap().to_string();
    args.push(&d);
    args.extend_from_slice(extra);
    orgsweep(em, &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceptions_reach_every_output() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let sandbox = seed::create_ou(&moto, &org.root_id, "Sandbox").await;
    let deep = seed::create_ou(&moto, &sandbox, "Deep").await;
    let new = [
        NewAccount::new("sb-a", "sb-a@example.com").under(&sandbox),
        NewAccount::new("sb-b", "sb-b@example.com").under(&deep),
        NewAccount::new("acct-x", "x@example.com"),
        NewAccount::new("acct-y", "y@example.com"),
        NewAccount::new("ok", "ok@example.com"),
    ];
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let breaks = [
        Break::NoAlarm,
        Break::NoMetricFilter,
        Break::NoAlarm,
        Break::NoAlarm,
        Break::None,
    ];
    for (id, brk) in ids.iter().zip(breaks) {
        let account = moto.account(id).await;
        seed_chain(
            &moto,
            &account,
            &brk.apply(ChainSpec::compliant("us-east-1")),
        )
        .await;
    }
    let (sb_a, sb_b, x, y, ok) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("exceptions.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[exception]]
id = "sandbox"
controls = ["all"]
ous = ["{sandbox}"]
reason = "sandboxes are exempt"
owner = "platform@example.com"
expires = "2099-12-31"

[[exception]]
id = "x-console"
controls = ["5.6"]
accounts = ["{x}"]
regions = ["us-east-1"]
reason = "monitored in Splunk"
owner = "secops@example.com"
expires = "2099-06-30"

[[exception]]
id = "old"
accounts = ["{y}"]
reason = "accepted until the migration"
owner = "secops@example.com"
expires = "2020-01-01"

[[exception]]
id = "unused"
accounts = ["{ok}"]
ous = ["ou-zzzz-zzzzzzzz"]
reason = "never needed"
owner = "secops@example.com"
expires = "2099-01-01"

[[exception]]
id = "mgmt"
accounts = ["{MANAGEMENT_ACCOUNT_ID}"]
reason = "the management account is watched by the org trail's own team"
owner = "root@example.com"
expires = "2099-01-01"
"#
        ),
    )
    .unwrap();
    let file_arg = file.to_str().unwrap();

    // Without exceptions, then with them, compared.
    let before = work.path().join("before");
    let out = check(&moto, &before, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let after = work.path().join("after");
    let before_arg = before.to_str().unwrap();
    let out = check(
        &moto,
        &after,
        &["--exceptions", file_arg, "--compare", before_arg],
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert!(
        text(&out.stderr).contains("ou-zzzz-zzzzzzzz"),
        "an unknown OU is a warning on stderr: {}",
        explain(&out)
    );

    let got = cells(&after);
    let cell = |a: &str, r: &str| &got[&(a.to_string(), r.to_string())];
    for region in ["us-east-1", "eu-west-1"] {
        for (account, reason) in [(sb_a, "NO_ALARM"), (sb_b, "NO_METRIC_FILTER")] {
            let c = cell(account, region);
            assert_eq!((c.status.as_str(), c.reason.as_str()), ("EXCEPTED", reason));
            assert_eq!(c.exception, "sandbox");
            assert!(
                c.detail.starts_with(
                    "exception sandbox (owner platform@example.com, expires 2099-12-31)"
                ),
                "{}",
                c.detail
            );
        }
        let c = cell(y, region);
        assert_eq!((c.status.as_str(), c.reason.as_str()), ("FAIL", "NO_ALARM"));
        assert!(
            c.detail.starts_with("exception old expired on 2020-01-01"),
            "{}",
            c.detail
        );
        assert_eq!(cell(ok, region).status, "PASS");
        assert_eq!(cell(MANAGEMENT_ACCOUNT_ID, region).status, "EXCEPTED");
    }
    assert_eq!(cell(x, "us-east-1").status, "EXCEPTED");
    assert_eq!(cell(x, "us-east-1").exception, "x-console");
    assert_eq!(
        cell(x, "eu-west-1").status,
        "FAIL",
        "the exception names one region"
    );
    assert_eq!(cell(x, "eu-west-1").exception, "");
    assert!(read(&after, "matrix.csv").contains("EXCEPTED"));

    let summary: serde_json::Value = serde_json::from_str(&read(&after, "summary.json")).unwrap();
    assert_eq!(summary["statuses"]["EXCEPTED"], 7, "{summary}");
    assert_eq!(summary["statuses"]["FAIL"], 3, "{summary}");
    let ledger: BTreeMap<String, (u64, bool, bool)> = summary["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                (
                    e["cells"].as_u64().unwrap(),
                    e["expired"].as_bool().unwrap(),
                    e["unused"].as_bool().unwrap(),
                ),
            )
        })
        .collect();
    let expect: BTreeMap<String, (u64, bool, bool)> = [
        ("sandbox", (4, false, false)),
        ("x-console", (1, false, false)),
        ("old", (0, true, false)),
        ("unused", (0, false, true)),
        ("mgmt", (2, false, false)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(ledger, expect);
    assert!(summary["warnings"][0]
        .as_str()
        .unwrap()
        .contains("ou-zzzz-zzzzzzzz"));

    // changes.csv: exactly the seven excepted cells, as EXCEPTED.
    let changes = read(&after, "changes.csv");
    let rows: Vec<&str> = changes.lines().skip(1).collect();
    assert_eq!(rows.len(), 7, "{changes}");
    assert!(
        rows.iter()
            .all(|r| r.ends_with(",FAIL,NO_ALARM,EXCEPTED,NO_ALARM,EXCEPTED")
                || r.ends_with(",FAIL,NO_METRIC_FILTER,EXCEPTED,NO_METRIC_FILTER,EXCEPTED")
                || r.contains(",EXCEPTED,")),
        "{changes}"
    );
    assert_eq!(summary["changes"]["counts"]["EXCEPTED"], 7, "{summary}");

    // OCSF: an excepted cell is a failing control whose finding is suppressed.
    let ocsf = read(&after, "findings.ocsf.jsonl");
    let uid = format!("orgsweep:{sb_a}:us-east-1:console-auth-failures");
    let line: serde_json::Value = ocsf
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["finding_info"]["uid"] == uid.as_str())
        .expect("the excepted cell's finding");
    assert_eq!(line["compliance"]["status_id"], 3, "Fail: {line}");
    assert_eq!(line["status_id"], 3, "Suppressed: {line}");
    assert!(line["compliance"]["status_detail"]
        .as_str()
        .unwrap()
        .starts_with("exception sandbox"));

    // The page carries the exceptions.
    let page = read(&after, "report.html");
    assert!(page.contains("x-console") && page.contains("EXCEPTED"));

    // Every cell of the selection excepted: exit 0.
    let only = work.path().join("only");
    let out = check(
        &moto,
        &only,
        &["--exceptions", file_arg, "--accounts", sb_a],
    );
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));

    // Remediation leaves excepted cells out and says so.
    let plan = work.path().join("plan.json");
    let out = orgsweep(
        &moto,
        &[
            "remediate",
            "--regions",
            REGIONS,
            "--exceptions",
            file_arg,
            "--plan-out",
            plan.to_str().unwrap(),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Left out 7 excepted cell(s)"),
        "{}",
        explain(&out)
    );
    let plan = crate::read_plan(&plan);
    let planned: Vec<&str> = plan
        .targets
        .iter()
        .filter(|t| !t.actions.is_empty())
        .map(|t| t.account_id.as_str())
        .collect();
    for excepted in [sb_a.as_str(), sb_b.as_str(), MANAGEMENT_ACCOUNT_ID] {
        assert!(
            !planned.contains(&excepted),
            "{excepted} planned: {planned:?}"
        );
    }
    assert!(planned.contains(&y.as_str()), "{planned:?}");
}

#[test]
fn a_bad_exceptions_file_stops_before_any_aws_call() {
    // Nothing listens there: an AWS call would exit 4, not 2.
    let em = Emulator::new("http://127.0.0.1:9");
    let work = tempfile::tempdir().unwrap();
    let cases = [
        ("not toml", "[[exception]\nid = ", ".toml:1:"),
        (
            "unknown key",
            "[[exception]]\nid = \"a\"\naccounts = [\"111122223333\"]\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\ncolour = \"red\"\n",
            "colour",
        ),
        (
            "bad account",
            "[[exception]]\nid = \"a\"\naccounts = [\"1234\"]\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n",
            "accounts",
        ),
    ];
    for (what, body, says) in cases {
        let file = work.path().join(format!("{}.toml", what.replace(' ', "-")));
        std::fs::write(&file, body).unwrap();
        let out = orgsweep(&em, &["check", "--exceptions", file.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", explain(&out));
        assert!(
            err.contains(file.to_str().unwrap()),
            "{what}: names the file: {err}"
        );
        assert!(err.contains(says), "{what}: says {says}: {err}");
        assert!(
            err.contains("--exceptions"),
            "{what}: names the flag: {err}"
        );
    }
}
