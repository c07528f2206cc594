//! `orgsweep remediate` on the emulator (issue 6): a seeded organization in many states,
//! planned (the plan's content exactly), applied (every remediable cell PASS, the others keep
//! their reasons and manual steps, conflicts untouched), applied again (zero actions, no
//! duplicates in the emulator), and plan files that must be refused.

use std::path::{Path, PathBuf};
use std::process::Output;

use futures::future::join_all;
use orgsweep::remediate::{Action, Plan};
use orgsweep::verdict::Reason;

use crate::emulator_state::{Snapshot, ALARM, ENDPOINT, FILTER, HOME, OTHER, REGIONS, TOPIC};
use crate::{explain, findings, orgsweep, read_plan, text};
use testkit::chain::{CIS_PATTERN_REORDERED, NARROW_PATTERN};
use testkit::seed::{self, Account, AlarmSpec, NewAccount};
use testkit::{seed_chain, ChainSpec, Emulator, Moto, MANAGEMENT_ACCOUNT_ID};

/// A config file with one email endpoint.
fn config(dir: &Path) -> PathBuf {
    let path = dir.join("orgsweep.toml");
    std::fs::write(
        &path,
        format!("[remediation]\nsubscription_endpoints = [\"email:{ENDPOINT}\"]\n"),
    )
    .unwrap();
    path
}

fn remediate(em: &Emulator, config: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "remediate",
        "--quiet",
        "--config",
        config.to_str().unwrap(),
        "--regions",
        REGIONS,
    ];
    args.extend_from_slice(extra);
    orgsweep(em, &args)
}

fn action_names(plan: &Plan, account: &str) -> Vec<&'static str> {
    plan.targets
        .iter()
        .filter(|t| t.account_id == account)
        .flat_map(|t| t.actions.iter().map(Action::name))
        .collect()
}

async fn org_with_members(em: &Emulator, names: &[&str]) -> Vec<String> {
    let org = seed::create_organization(em).await;
    let new: Vec<NewAccount> = names
        .iter()
        .map(|n| NewAccount::new(*n, format!("{n}@example.com")))
        .collect();
    seed::create_accounts(em, &org.root_id, &new).await
}

/// Sets a topic policy with a statement of the account's own, to be kept.
async fn set_custom_policy(account: &Account, topic_arn: &str) {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Id": "custom",
        "Statement": [{
            "Sid": "KeepMe",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", account.id)},
            "Action": "sns:Publish",
            "Resource": topic_arn
        }]
    });
    account
        .sns(HOME)
        .set_topic_attributes()
        .topic_arn(topic_arn)
        .attribute_name("Policy")
        .attribute_value(policy.to_string())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_and_apply_again_on_an_organization_in_every_state() {
    let moto = Moto::start();
    let names = [
        "no-filter",
        "foreign-filter",
        "log-group-missing",
        "narrow",
        "topic-policy",
        "not-logging",
        "no-trail",
        "compliant",
        "alarm-conflict",
    ];
    let ids = org_with_members(&moto, &names).await;
    let accounts: Vec<Account> = join_all(ids.iter().map(|id| moto.account(id))).await;
    let id = |name: &str| ids[names.iter().position(|n| *n == name).unwrap()].clone();
    let acct = |name: &str| accounts[names.iter().position(|n| *n == name).unwrap()].clone();

    let specs: Vec<(&str, ChainSpec)> = vec![
        (
            "no-filter",
            ChainSpec::compliant(HOME)
                .prefix("nf")
                .without_metric_filter(),
        ),
        (
            "foreign-filter",
            ChainSpec::compliant(HOME)
                .prefix("ff")
                .pattern(CIS_PATTERN_REORDERED)
                .metric("Security", "FailedConsoleLogins")
                .without_alarm(),
        ),
        (
            "log-group-missing",
            ChainSpec::compliant(HOME).prefix("lm").log_group_missing(),
        ),
        (
            "narrow",
            ChainSpec::compliant(HOME)
                .prefix("nw")
                .pattern(NARROW_PATTERN),
        ),
        (
            "topic-policy",
            ChainSpec::compliant(HOME)
                .prefix("tp")
                .without_metric_filter(),
        ),
        (
            "not-logging",
            ChainSpec::compliant(HOME).prefix("nl").not_logging(),
        ),
        ("compliant", ChainSpec::compliant(HOME).prefix("ok")),
        (
            "alarm-conflict",
            ChainSpec::compliant(HOME)
                .prefix("ac")
                .without_metric_filter(),
        ),
    ];
    join_all(specs.iter().map(|(name, spec)| {
        let a = acct(name);
        let moto = &moto;
        async move {
            seed_chain(moto, &a, spec).await;
        }
    }))
    .await;
    // Our topic already exists in topic-policy, with a policy of its own.
    let tp = acct("topic-policy");
    let tp_topic = tp.create_topic(HOME, TOPIC, &[]).await;
    set_custom_policy(&tp, &tp_topic).await;
    // An alarm of the configured name, with other settings, that orgsweep did not make.
    let ac = acct("alarm-conflict");
    ac.put_alarm(
        HOME,
        &AlarmSpec {
            name: ALARM.into(),
            namespace: "Other".into(),
            metric: "Thing".into(),
            dimensions: vec![],
            statistic: "Average".into(),
            threshold: 5.0,
            comparison: "GreaterThanThreshold".into(),
            period: 60,
            evaluation_periods: 3,
            actions_enabled: true,
            actions: vec![],
        },
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let plan_path = dir.path().join("plan.json");

    // 1. The dry run: the plan, exactly.
    let out = remediate(&moto, &cfg, &["--plan-out", plan_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert!(text(&out.stdout).contains("Dry run"), "{}", explain(&out));
    let plan = read_plan(&plan_path);
    assert_eq!(plan.management_account_id, MANAGEMENT_ACCOUNT_ID);
    assert!(
        plan.organization_id.starts_with("o-"),
        "{}",
        plan.organization_id
    );
    let full = vec![
        "PutMetricFilter",
        "CreateTopic",
        "AddTopicPolicyStatement",
        "Subscribe",
        "PutMetricAlarm",
    ];
    assert_eq!(action_names(&plan, &id("no-filter")), full);
    assert_eq!(
        action_names(&plan, &id("foreign-filter")),
        vec![
            "CreateTopic",
            "AddTopicPolicyStatement",
            "Subscribe",
            "PutMetricAlarm"
        ]
    );
    let mut with_group = vec!["CreateLogGroup"];
    with_group.extend(&full);
    assert_eq!(action_names(&plan, &id("log-group-missing")), with_group);
    // Its narrow filter feeds the configured metric, whose alarm works: only our filter is added.
    assert_eq!(action_names(&plan, &id("narrow")), vec!["PutMetricFilter"]);
    let nw = plan
        .targets
        .iter()
        .find(|t| t.account_id == id("narrow"))
        .unwrap();
    assert!(
        nw.notes
            .iter()
            .any(|n| n.contains("reuses alarm nw-console-auth-failures")),
        "{nw:#?}"
    );
    assert_eq!(
        action_names(&plan, &id("topic-policy")),
        vec![
            "PutMetricFilter",
            "AddTopicPolicyStatement",
            "Subscribe",
            "PutMetricAlarm"
        ]
    );
    assert_eq!(
        action_names(&plan, &id("alarm-conflict")),
        vec!["PutMetricFilter"]
    );
    for quiet in ["not-logging", "no-trail", "compliant"] {
        assert!(action_names(&plan, &id(quiet)).is_empty(), "{quiet}");
    }
    // One target per account, in the log group's region, fixing both regions.
    assert_eq!(plan.targets.len(), 6, "{:#?}", plan.targets);
    for t in &plan.targets {
        assert_eq!(t.region, HOME);
        assert_eq!(t.cells.len(), 2, "{t:#?}");
        assert!(t.cells.iter().all(|c| c.account_id == t.account_id));
    }
    // The alarm goes on the foreign filter's metric; the filter is the CIS pattern.
    let ff = plan
        .targets
        .iter()
        .find(|t| t.account_id == id("foreign-filter"))
        .unwrap();
    assert!(ff.actions.iter().any(|a| matches!(a,
        Action::PutMetricAlarm { metric_namespace, metric_name, statistic, period, threshold, comparison_operator, evaluation_periods, treat_missing_data, actions_enabled, alarm_actions, tags, .. }
        if metric_namespace == "Security" && metric_name == "FailedConsoleLogins" && statistic == "Sum" && *period == 300
            && *threshold == 1.0 && comparison_operator == "GreaterThanOrEqualToThreshold" && *evaluation_periods == 1
            && treat_missing_data == "notBreaching" && *actions_enabled
            && alarm_actions == &vec![format!("arn:aws:sns:{HOME}:{}:{TOPIC}", id("foreign-filter"))]
            && tags.get("managed-by").map(String::as_str) == Some("orgsweep"))));
    let nf = plan
        .targets
        .iter()
        .find(|t| t.account_id == id("no-filter"))
        .unwrap();
    assert!(nf.actions.iter().any(|a| matches!(a,
        Action::PutMetricFilter { log_group_name, filter_name, filter_pattern, metric_value, .. }
        if log_group_name == "nf-cloudtrail-logs" && filter_name == FILTER
            && filter_pattern == testkit::cis_pattern() && metric_value == "1")));
    assert!(nf.actions.iter().any(|a| matches!(a,
        Action::Subscribe { protocol, endpoint, .. } if protocol == "email" && endpoint == ENDPOINT)));
    let conflict = plan
        .targets
        .iter()
        .find(|t| t.account_id == id("alarm-conflict"))
        .unwrap();
    assert!(
        conflict
            .conflicts
            .iter()
            .any(|c| c.contains("alarm orgsweep-console-auth-failures exists")),
        "{conflict:#?}"
    );
    // Manual steps: the trail that does not log, the accounts without a trail.
    let manual: Vec<(String, Reason)> = plan
        .manual_steps
        .iter()
        .map(|m| (m.account_id.clone(), m.reason))
        .collect();
    assert!(
        manual.contains(&(id("not-logging"), Reason::TrailNotLogging)),
        "{manual:?}"
    );
    assert!(
        manual.contains(&(id("no-trail"), Reason::NoTrail)),
        "{manual:?}"
    );
    assert!(
        manual.contains(&(MANAGEMENT_ACCOUNT_ID.to_string(), Reason::NoTrail)),
        "{manual:?}"
    );
    assert_eq!(manual.len(), 3, "{manual:?}");
    let nl = plan
        .manual_steps
        .iter()
        .find(|m| m.reason == Reason::TrailNotLogging)
        .unwrap();
    assert_eq!(
        nl.commands,
        vec![format!(
            "aws cloudtrail start-logging --name nl-trail --region {HOME}"
        )]
    );
    assert!(plan.unplanned.is_empty());
    // The table shows the same.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("aws cloudtrail start-logging --name nl-trail"),
        "{stdout}"
    );
    assert!(
        stdout.contains("conflict: alarm orgsweep-console-auth-failures exists"),
        "{stdout}"
    );

    // Nothing was changed by the dry run.
    assert!(Snapshot::read(&acct("no-filter"), HOME)
        .await
        .alarms_named(ALARM)
        .is_empty());

    // 2. No terminal and no --yes: refused before anything is done.
    let out = remediate(
        &moto,
        &cfg,
        &["--apply", "--plan", plan_path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(text(&out.stderr).contains("--yes"), "{}", explain(&out));

    // 3. Apply the reviewed plan.
    let report = dir.path().join("after");
    let out = remediate(
        &moto,
        &cfg,
        &[
            "--apply",
            "--yes",
            "--plan",
            plan_path.to_str().unwrap(),
            "--output-dir",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let cells = findings(&report);
    for name in [
        "no-filter",
        "foreign-filter",
        "log-group-missing",
        "narrow",
        "topic-policy",
    ] {
        for region in [HOME, OTHER] {
            assert_eq!(
                cells[&id(name)][region],
                ("PASS".to_string(), "COMPLIANT".to_string()),
                "{name} {region}\n{}",
                explain(&out)
            );
        }
    }
    assert_eq!(
        cells[&id("alarm-conflict")][HOME].1,
        "NO_ALARM",
        "{cells:?}"
    );
    // Unfixable accounts were not touched, so the re-check does not list them.
    assert!(!cells.contains_key(&id("not-logging")));
    let actions_csv = std::fs::read_to_string(report.join("actions.csv")).unwrap();
    assert!(
        actions_csv.starts_with("account,region,controls,action,resource,result\n"),
        "{actions_csv}"
    );
    let total: usize = plan.action_count();
    assert_eq!(actions_csv.lines().count(), total + 1, "{actions_csv}");
    assert!(!actions_csv.contains("failed"), "{actions_csv}");

    // What the tool did not create is unchanged; the topic policy kept its statement.
    let conflict_state = Snapshot::read(&ac, HOME).await;
    let conflict_alarms: Vec<_> = conflict_state
        .alarms_named(ALARM)
        .iter()
        .map(|a| a.threshold)
        .collect();
    assert_eq!(conflict_alarms, vec![Some(5.0)]);
    let tp_state = Snapshot::read(&tp, HOME).await;
    let policy = tp_state.topic_policy.clone().unwrap();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        vec!["KeepMe", "OrgsweepAllowCloudWatchAlarms"],
        "{policy}"
    );
    assert_eq!(policy["Id"], "custom");

    // 4. Apply again: nothing to do, and no duplicates.
    let before = join_all(accounts.iter().map(|a| Snapshot::read(a, HOME))).await;
    let out = remediate(
        &moto,
        &cfg,
        &[
            "--apply",
            "--yes",
            "--output-dir",
            dir.path().join("again").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    assert!(
        text(&out.stdout).contains("Nothing to apply: 0 actions taken."),
        "{}",
        explain(&out)
    );
    let after = join_all(accounts.iter().map(|a| Snapshot::read(a, HOME))).await;
    assert_eq!(before, after);
    for (name, s) in names.iter().zip(&after) {
        s.assert_no_duplicates(name);
        let subscriptions = s.subscriptions_to_our_topic();
        assert!(subscriptions.len() <= 1, "{name}: {subscriptions:?}");
    }
    let nf_state = &after[names.iter().position(|n| *n == "no-filter").unwrap()];
    assert_eq!(
        nf_state.filter_names(),
        vec![("nf-cloudtrail-logs".to_string(), FILTER.to_string())]
    );
    assert_eq!(
        nf_state.subscriptions_to_our_topic(),
        vec![format!("email:{ENDPOINT}")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_trail_is_remediated_once_in_the_management_account() {
    let moto = Moto::start();
    let ids = org_with_members(&moto, &["one", "two"]).await;
    let management = moto.management();
    seed_chain(
        &moto,
        &management,
        &ChainSpec::compliant(HOME)
            .prefix("org")
            .organization_trail()
            .without_metric_filter(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let plan_path = dir.path().join("plan.json");
    let out = remediate(&moto, &cfg, &["--plan-out", plan_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let plan = read_plan(&plan_path);
    assert_eq!(plan.targets.len(), 1, "{:#?}", plan.targets);
    let t = &plan.targets[0];
    assert_eq!(t.account_id, MANAGEMENT_ACCOUNT_ID);
    assert!(t.organization_trail);
    assert_eq!(t.cells.len(), 6, "3 accounts x 2 regions: {t:#?}");
    assert_eq!(
        t.actions.iter().map(Action::name).collect::<Vec<_>>(),
        vec![
            "PutMetricFilter",
            "CreateTopic",
            "AddTopicPolicyStatement",
            "Subscribe",
            "PutMetricAlarm"
        ]
    );

    let report = dir.path().join("after");
    let out = remediate(
        &moto,
        &cfg,
        &[
            "--apply",
            "--yes",
            "--plan",
            plan_path.to_str().unwrap(),
            "--output-dir",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    let cells = findings(&report);
    assert_eq!(cells.len(), 3);
    for (account, regions) in &cells {
        for (region, cell) in regions {
            assert_eq!(
                cell,
                &("PASS".to_string(), "COVERED_BY_ORG_TRAIL".to_string()),
                "{account} {region}"
            );
        }
    }
    let m = Snapshot::read(&management, HOME).await;
    assert_eq!(
        m.filter_names(),
        vec![("org-cloudtrail-logs".to_string(), FILTER.to_string())]
    );
    assert_eq!(m.alarms_named(ALARM).len(), 1);
    for id in &ids {
        let member = moto.account(id).await;
        let s = Snapshot::read(&member, HOME).await;
        assert!(
            s.filters.is_empty() && s.alarms_named(ALARM).is_empty() && s.topic_policy.is_none(),
            "{id}: {s:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_foreign_and_damaged_plan_files_are_refused() {
    let moto = Moto::start();
    let ids = org_with_members(&moto, &["one"]).await;
    let one = moto.account(&ids[0]).await;
    seed_chain(
        &moto,
        &one,
        &ChainSpec::compliant(HOME)
            .prefix("x")
            .without_metric_filter(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let plan_path = dir.path().join("plan.json");
    let out = remediate(&moto, &cfg, &["--plan-out", plan_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", explain(&out));
    let good = std::fs::read_to_string(&plan_path).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&good).unwrap();

    let try_plan = |name: &str, content: &str| -> String {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let out = remediate(
            &moto,
            &cfg,
            &["--apply", "--yes", "--plan", p.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2), "{name}: {}", explain(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("plan file {}", p.display())),
            "{name}: {stderr}"
        );
        stderr
    };

    value["created_at"] = "2020-01-01T00:00:00Z".into();
    let stderr = try_plan("stale.json", &value.to_string());
    assert!(stderr.contains("plan_max_age_hours"), "{stderr}");

    let mut foreign: serde_json::Value = serde_json::from_str(&good).unwrap();
    foreign["management_account_id"] = "999999999999".into();
    let stderr = try_plan("foreign.json", &foreign.to_string());
    assert!(stderr.contains("999999999999"), "{stderr}");

    let stderr = try_plan("truncated.json", &good[..good.len() / 2]);
    assert!(stderr.contains("truncated"), "{stderr}");

    let edited = good.replacen(
        testkit::cis_pattern().replace('"', "\\\"").as_str(),
        "{ $.eventName = ConsoleLogin && $.userIdentity.type = IAMUser }",
        1,
    );
    assert_ne!(edited, good);
    let stderr = try_plan("edited.json", &edited);
    assert!(stderr.contains("PutMetricFilter"), "{stderr}");

    // Nothing was applied by any refused plan.
    assert!(Snapshot::read(&one, HOME).await.filters.is_empty());
}
