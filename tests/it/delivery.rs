//! Chains that cannot deliver (issue 14), on the emulator through the real binary: CloudTrail
//! reporting a CloudWatch Logs delivery error (patched into `GetTrailStatus` by the fault
//! proxy: moto never reports one), topics CloudWatch cannot publish to (the AWS managed SNS
//! key, a customer key whose policy leaves CloudWatch out, a denying topic policy), failing
//! alarm actions (`--alarm-history`, `DescribeAlarmHistory` stood in by the proxy), selectors
//! that leave out one control's events, and the manual steps remediation prints for them.
//! Every account without such a case keeps exactly the verdict it has without it.

use std::collections::BTreeMap;
use std::path::Path;

use futures::future::join_all;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::check_scenarios::{check, Finding};
use crate::{explain, orgsweep, read_plan};
use orgsweep::verdict::Reason;
use testkit::family::{seed_family, FamilySpec};
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::seed::{self, NewAccount};
use testkit::{seed_chain, Break, ChainSpec, Moto, Selectors};

const HOME: &str = "us-east-1";
const REGIONS: &str = "us-east-1,eu-west-1";
const DELIVERY_ERROR: &str = "AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/ct-logs/CloudTrail is not authorized to perform: logs:CreateLogStream";

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The members of this file's organization, each with its case.
const CASES: &[(&str, Case)] = &[
    ("healthy", Case::Chain(Break::None)),
    (
        "stale-delivery",
        Case::Delivery {
            last_hours_ago: Some(72),
        },
    ),
    (
        "never-delivered",
        Case::Delivery {
            last_hours_ago: None,
        },
    ),
    (
        "recovered-delivery",
        Case::Delivery {
            last_hours_ago: Some(1),
        },
    ),
    ("sns-managed-key", Case::Chain(Break::SnsManagedKey)),
    (
        "key-without-cloudwatch",
        Case::Chain(Break::KeyWithoutCloudWatch),
    ),
    ("key-with-cloudwatch", Case::Chain(Break::KeyWithCloudWatch)),
    ("topic-policy-denies", Case::Chain(Break::TopicPolicyDenies)),
    ("alarm-failing", Case::AlarmFailing),
];

#[derive(Debug, Clone, Copy)]
enum Case {
    Chain(Break),
    /// A compliant chain whose trail reports a delivery error, last delivered this long ago.
    Delivery {
        last_hours_ago: Option<i64>,
    },
    /// A compliant chain whose alarm's latest action failed.
    AlarmFailing,
}

impl Case {
    fn brk(self) -> Break {
        match self {
            Case::Chain(b) => b,
            _ => Break::None,
        }
    }
}

/// The history of an alarm whose latest action failed, as `DescribeAlarmHistory` gives it.
fn failed_history(alarm: &str, topic: &str) -> String {
    let at = OffsetDateTime::now_utc() - time::Duration::hours(2);
    let stamp = at.format(&Rfc3339).unwrap();
    format!(
        r#"<DescribeAlarmHistoryResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmHistoryResult><AlarmHistoryItems><member><AlarmName>{alarm}</AlarmName><AlarmType>MetricAlarm</AlarmType><Timestamp>{stamp}</Timestamp><HistoryItemType>Action</HistoryItemType><HistorySummary>Failed to execute action {topic}. Received error: "CloudWatch Alarms does not have authorization to access the SNS topic encryption key."</HistorySummary><HistoryData>{{"actionState":"Failed","notificationResource":"{topic}","error":"KMS.AccessDeniedException"}}</HistoryData></member></AlarmHistoryItems></DescribeAlarmHistoryResult><ResponseMetadata><RequestId>delivery-test</RequestId></ResponseMetadata></DescribeAlarmHistoryResponse>"#
    )
}

const EMPTY_HISTORY: &str = r#"<DescribeAlarmHistoryResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmHistoryResult><AlarmHistoryItems/></DescribeAlarmHistoryResult><ResponseMetadata><RequestId>delivery-test</RequestId></ResponseMetadata></DescribeAlarmHistoryResponse>"#;

/// `account name → region → finding` (one control).
fn by_name(findings: &[Finding]) -> BTreeMap<String, BTreeMap<String, Finding>> {
    let mut out: BTreeMap<String, BTreeMap<String, Finding>> = BTreeMap::new();
    for f in findings {
        out.entry(f.account_name.clone())
            .or_default()
            .insert(f.region.clone(), f.clone());
    }
    out
}

/// Every region of `name` has `(status, reason)`; returns the home region's finding.
fn expect<'a>(
    cells: &'a BTreeMap<String, BTreeMap<String, Finding>>,
    name: &str,
    status: &str,
    reason: &str,
) -> &'a Finding {
    let row = &cells[name];
    for (region, f) in row {
        assert_eq!(
            (f.status.as_str(), f.reason.as_str()),
            (status, reason),
            "{name} {region}: {}",
            f.detail
        );
    }
    &row[HOME]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_that_cannot_deliver_get_exactly_their_reasons() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let new: Vec<NewAccount> = CASES
        .iter()
        .map(|(n, _)| NewAccount::new(*n, format!("{n}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let made = join_all(ids.iter().zip(CASES).map(|(id, (_, case))| {
        let moto = &moto;
        async move {
            let account = moto.account(id).await;
            seed_chain(
                moto,
                &account,
                &case.brk().apply(ChainSpec::compliant(HOME)),
            )
            .await
        }
    }))
    .await;

    let mut rules = Vec::new();
    for ((id, (_, case)), chain) in ids.iter().zip(CASES).zip(&made) {
        match case {
            Case::Delivery { last_hours_ago } => {
                let mut patch = json!({ "LatestCloudWatchLogsDeliveryError": DELIVERY_ERROR });
                if let Some(h) = last_hours_ago {
                    patch["LatestCloudWatchLogsDeliveryTime"] = json!(now() - h * 3600);
                }
                rules.push(
                    Rule::patch_json(patch)
                        .operation("GetTrailStatus")
                        .account(id),
                );
            }
            Case::AlarmFailing => rules.push(
                Rule::stand_in(failed_history(
                    "cis-console-auth-failures",
                    chain.topic_arn.as_deref().unwrap(),
                ))
                .operation("DescribeAlarmHistory")
                .account(id),
            ),
            Case::Chain(_) => {}
        }
    }
    rules.push(Rule::stand_in(EMPTY_HISTORY).operation("DescribeAlarmHistory"));
    let proxy = FaultProxy::start(moto.endpoint(), rules, 1).await;
    let via = proxy.emulator();

    // Without --alarm-history: no history is read, the failing alarm passes.
    let plain = check(&via, &["--regions", REGIONS]);
    assert_eq!(plain.code(), Some(1), "{}", plain.stderr());
    let cells = by_name(&plain.findings);
    expect(&cells, "healthy", "PASS", "COMPLIANT");
    expect(&cells, "key-with-cloudwatch", "PASS", "COMPLIANT");
    expect(&cells, "alarm-failing", "PASS", "COMPLIANT");
    let stale = expect(&cells, "stale-delivery", "FAIL", "LOGS_DELIVERY_FAILING");
    assert!(
        stale.detail.contains("AccessDeniedException") && stale.detail.contains("3 days"),
        "{}",
        stale.detail
    );
    let never = expect(&cells, "never-delivered", "FAIL", "LOGS_DELIVERY_FAILING");
    assert!(never.detail.contains("never delivered"), "{}", never.detail);
    let recovered = expect(&cells, "recovered-delivery", "PASS", "COMPLIANT");
    assert!(
        recovered.detail.contains("delivered since")
            && recovered.detail.contains("AccessDeniedException"),
        "{}",
        recovered.detail
    );
    let managed = expect(&cells, "sns-managed-key", "FAIL", "NOTIFICATION_BLOCKED");
    assert!(
        managed.detail.contains("alias/aws/sns"),
        "{}",
        managed.detail
    );
    let key = expect(
        &cells,
        "key-without-cloudwatch",
        "FAIL",
        "NOTIFICATION_BLOCKED",
    );
    assert!(
        key.detail.contains("KMS key") && key.detail.contains("kms:Decrypt"),
        "{}",
        key.detail
    );
    let denied = expect(
        &cells,
        "topic-policy-denies",
        "FAIL",
        "NOTIFICATION_BLOCKED",
    );
    assert!(
        denied.detail.contains("NoServicePublish"),
        "{}",
        denied.detail
    );
    let calls = plain.api_calls();
    assert!(
        !calls.contains_key("CloudWatch:DescribeAlarmHistory"),
        "{calls:?}"
    );
    // One GetTopicAttributes per topic read (every member but none has one; the management
    // account has no chain); a key is read only for the two topics with a customer key.
    assert_eq!(
        calls["SNS:GetTopicAttributes"],
        CASES.len() as u64,
        "{calls:?}"
    );
    assert_eq!(calls["KMS:DescribeKey"], 2, "{calls:?}");
    assert_eq!(calls["KMS:GetKeyPolicy"], 2, "{calls:?}");

    // With --alarm-history: the failing alarm fails; every other cell is as before.
    let deep = check(&via, &["--regions", REGIONS, "--alarm-history", "7"]);
    let deep_cells = by_name(&deep.findings);
    let failing = expect(&deep_cells, "alarm-failing", "FAIL", "ALARM_ACTION_FAILING");
    assert!(
        failing.detail.contains("Failed to execute action"),
        "{}",
        failing.detail
    );
    for (name, row) in &cells {
        if name == "alarm-failing" {
            continue;
        }
        for (region, f) in row {
            let d = &deep_cells[name][region];
            assert_eq!(
                (&d.status, &d.reason),
                (&f.status, &f.reason),
                "{name} {region}"
            );
        }
    }
    // A call per usable alarm: every member with an alarm whose chain got that far.
    assert!(
        deep.api_calls()["CloudWatch:DescribeAlarmHistory"] >= 5,
        "{:?}",
        deep.api_calls()
    );

    // The threshold is a config key: with four days, a delivery three days ago still counts.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("orgsweep.toml");
    std::fs::write(&cfg, "[sweep]\nlogs_delivery_max_age_hours = 96\n").unwrap();
    let lenient = check(
        &via,
        &["--regions", REGIONS, "--config", cfg.to_str().unwrap()],
    );
    let lenient = by_name(&lenient.findings);
    expect(&lenient, "stale-delivery", "PASS", "COMPLIANT");
    expect(&lenient, "never-delivered", "FAIL", "LOGS_DELIVERY_FAILING");

    remediation_prints_the_manual_steps(&via, &ids, dir.path());
}

/// `remediate` (a dry run) changes none of these itself: each is a manual step with the exact
/// commands, in the account and region that must act.
fn remediation_prints_the_manual_steps(via: &testkit::Emulator, ids: &[String], dir: &Path) {
    let id = |name: &str| ids[CASES.iter().position(|(n, _)| *n == name).unwrap()].clone();
    let cfg = dir.join("remediate.toml");
    std::fs::write(
        &cfg,
        "[remediation]\nsubscription_endpoints = [\"email:security@example.com\"]\n",
    )
    .unwrap();
    let plan_path = dir.join("plan.json");
    let out = orgsweep(
        via,
        &[
            "remediate",
            "--quiet",
            "--config",
            cfg.to_str().unwrap(),
            "--regions",
            REGIONS,
            "--plan-out",
            plan_path.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        explain(&out)
    );
    let plan = read_plan(&plan_path);
    let step = |name: &str, reason: Reason| {
        plan.manual_steps
            .iter()
            .find(|m| m.account_id == id(name) && m.reason == reason)
            .unwrap_or_else(|| panic!("no {reason} step for {name}: {:#?}", plan.manual_steps))
    };
    let logs = step("stale-delivery", Reason::LogsDeliveryFailing);
    assert_eq!(logs.region, HOME);
    assert!(
        logs.commands[0]
            .contains("update-assume-role-policy --role-name CloudTrail_CloudWatchLogs_Role"),
        "{:?}",
        logs.commands
    );
    assert!(logs
        .commands
        .iter()
        .any(|c| c.contains("logs:PutLogEvents")));
    let managed = step("sns-managed-key", Reason::NotificationBlocked);
    assert!(
        managed.commands[0].contains("aws kms create-key"),
        "{:?}",
        managed.commands
    );
    assert!(managed.commands[1].contains("KmsMasterKeyId"));
    let key = step("key-without-cloudwatch", Reason::NotificationBlocked);
    assert!(
        key.commands.iter().any(|c| c.contains("put-key-policy")),
        "{:?}",
        key.commands
    );
    let policy = step("topic-policy-denies", Reason::NotificationBlocked);
    assert!(policy
        .commands
        .iter()
        .any(|c| c.contains("--attribute-name Policy")));
    // Nothing of these accounts is planned as an action: orgsweep does not touch them.
    for name in [
        "stale-delivery",
        "sns-managed-key",
        "key-without-cloudwatch",
        "topic-policy-denies",
    ] {
        assert!(
            plan.targets.iter().all(|t| t.account_id != id(name)),
            "{name} got a target"
        );
    }
}

/// Selectors that leave out one source break only the controls about it: the KMS exclusion
/// fails the KMS control alone; the sign-in exclusion the two console controls alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_break_only_the_controls_whose_events_they_leave_out() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let ids = seed::create_accounts(
        &moto,
        &org.root_id,
        &[
            NewAccount::new("no-kms", "no-kms@example.com"),
            NewAccount::new("no-signin", "no-signin@example.com"),
        ],
    )
    .await;
    let specs = [
        Selectors::ClassicExcluding(vec!["kms.amazonaws.com".into()]),
        Selectors::AdvancedExcluding(vec!["signin.amazonaws.com".into()]),
    ];
    for (id, selectors) in ids.iter().zip(specs) {
        let account = moto.account(id).await;
        seed_family(
            &moto,
            &account,
            &FamilySpec::complete(HOME).selectors(selectors),
        )
        .await;
    }
    let run = check(&moto, &["--regions", REGIONS, "--controls", "all"]);
    let broken: BTreeMap<&str, Vec<&str>> = BTreeMap::from([
        ("no-kms", vec!["kms-cmk-disable-delete"]),
        (
            "no-signin",
            vec!["console-signin-without-mfa", "console-auth-failures"],
        ),
    ]);
    for f in run
        .findings
        .iter()
        .filter(|f| broken.contains_key(f.account_name.as_str()))
    {
        let fails = broken[f.account_name.as_str()].contains(&f.control.as_str());
        let want = if fails {
            ("FAIL", "NO_MANAGEMENT_EVENTS")
        } else {
            ("PASS", "COMPLIANT")
        };
        assert_eq!(
            (f.status.as_str(), f.reason.as_str()),
            want,
            "{} {} {}: {}",
            f.account_name,
            f.control,
            f.region,
            f.detail
        );
        if fails {
            let source = if f.account_name == "no-kms" {
                "kms"
            } else {
                "signin"
            };
            assert!(
                f.detail.contains(&format!("{source}.amazonaws.com")),
                "{}",
                f.detail
            );
        }
        // Controls about every source pass, and say what they cannot see.
        if f.control == "root-usage" {
            assert!(f.detail.contains("leaves out"), "{}", f.detail);
        }
    }
}
