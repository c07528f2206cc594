//! Unit tests of the planner: no network, facts and verdicts built by hand.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::facts::{
    AlarmFacts, AlarmMetric, MetricFilterFacts, MetricStat, MetricTransformation,
    SubscriptionFacts, TopicFacts,
};
use crate::judge::ControlCells;
use crate::remediate::action::Action;
use crate::remediate::cells::Cell;
use crate::remediate::manual;
use crate::remediate::names::PlanConfig;
use crate::remediate::policy::{merge_policy, policy_has_statement, policy_statement, POLICY_SID};
use crate::remediate::skeleton::{skeleton, AccountCells};
use crate::remediate::target::{plan_target, TargetState, TopicState, ALARM_COMPARISON};
use crate::verdict::{ChainResources, Reason, Status, Verdict};

pub(crate) const ACCT: &str = "111122223333";
pub(crate) const MGMT: &str = "123456789012";
const LG: &str = "arn:aws:logs:us-east-1:111122223333:log-group:ct-logs";
const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
const CONSOLE: &str = "console-auth-failures";

/// The plan config for every control, with one email endpoint.
pub fn cfg() -> PlanConfig {
    let mut config = crate::config::Config::default();
    config.remediation.subscription_endpoints = vec!["email:sec@example.com".into()];
    let all: Vec<&crate::controls::Control> = crate::controls::table().iter().collect();
    PlanConfig::from_config(&config, &all)
}

fn fail(reason: Reason, trail: Option<&str>, lg: Option<&str>) -> Verdict {
    Verdict::new(Status::Fail, reason, "x").with_chain(ChainResources {
        trail_arn: trail.map(String::from),
        log_group_arn: lg.map(String::from),
        ..Default::default()
    })
}

/// One control's cells.
fn verdicts(cells: &[(&str, Verdict)]) -> Vec<ControlCells> {
    per_control(&[CONSOLE], cells)
}

/// The same cells for several controls.
fn per_control(controls: &[&str], cells: &[(&str, Verdict)]) -> Vec<ControlCells> {
    controls
        .iter()
        .map(|c| {
            (
                c.to_string(),
                cells
                    .iter()
                    .map(|(r, v)| (r.to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>(),
            )
        })
        .collect()
}

fn target_for(controls: &[&str]) -> TargetPlan {
    let v = per_control(
        controls,
        &[(
            "us-east-1",
            fail(Reason::NoMetricFilter, Some(TRAIL), Some(LG)),
        )],
    );
    let s = skeleton(
        &[AccountCells {
            account_id: ACCT,
            partition: "aws",
            controls: &v,
        }],
        &BTreeSet::new(),
    );
    s.targets[0].clone()
}

fn target() -> TargetPlan {
    target_for(&[CONSOLE])
}

fn filter(name: &str, pattern: &str, ns: &str, metric: &str) -> MetricFilterFacts {
    MetricFilterFacts {
        name: name.into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            namespace: ns.into(),
            metric_name: metric.into(),
            value: "1".into(),
            dimensions: BTreeMap::new(),
        }],
    }
}

fn alarm(name: &str, ns: &str, metric: &str, topic: &str) -> AlarmFacts {
    AlarmFacts {
        arn: format!("arn:aws:cloudwatch:us-east-1:{ACCT}:alarm:{name}"),
        name: name.into(),
        actions_enabled: true,
        alarm_actions: vec![topic.into()],
        comparison_operator: ALARM_COMPARISON.into(),
        threshold: Some(1.0),
        evaluation_periods: 1,
        datapoints_to_alarm: None,
        metric: AlarmMetric::Single(MetricStat {
            namespace: ns.into(),
            metric_name: metric.into(),
            dimensions: BTreeMap::new(),
            statistic: Some("Sum".into()),
            extended_statistic: None,
        }),
    }
}

fn topic_arn() -> String {
    format!("arn:aws:sns:us-east-1:{ACCT}:orgsweep-security-alarms")
}

fn names(t: &TargetPlan) -> Vec<&'static str> {
    t.actions.iter().map(Action::name).collect()
}

fn reference(id: &str) -> String {
    crate::controls::get(id).unwrap().reference.texts[0].clone()
}

/// A plan with every kind of action, for the plan-file tests.
pub(crate) fn sample_plan() -> Plan {
    let mut t = target();
    t = plan_target(&t, &TargetState::default(), &cfg());
    Plan {
        format: PLAN_FORMAT.into(),
        version: PLAN_VERSION,
        organization_id: "o-abc123".into(),
        management_account_id: MGMT.into(),
        created_at: "2025-01-02T03:04:05Z".into(),
        config: cfg(),
        targets: vec![t],
        manual_steps: vec![manual::step(
            Reason::TrailNotLogging,
            ACCT,
            "aws",
            Some(TRAIL),
            false,
            vec![Cell {
                account_id: ACCT.into(),
                region: "eu-west-1".into(),
                control: CONSOLE.into(),
                reason: Reason::TrailNotLogging,
            }],
        )],
        unplanned: vec![],
        excepted: Vec::new(),
    }
}

#[test]
fn a_multi_region_chain_is_one_target_in_the_log_groups_region() {
    let v = verdicts(&[
        (
            "eu-west-1",
            fail(
                Reason::NoMetricFilter,
                Some(TRAIL),
                Some(&format!("{LG}:*")),
            ),
        ),
        (
            "us-east-1",
            fail(Reason::NoMetricFilter, Some(TRAIL), Some(LG)),
        ),
        (
            "us-west-2",
            fail(Reason::NoMetricFilter, Some(TRAIL), Some(LG)),
        ),
        (
            "ap-south-1",
            Verdict::new(Status::Skipped, Reason::RegionNotEnabled, ""),
        ),
    ]);
    let s = skeleton(
        &[AccountCells {
            account_id: ACCT,
            partition: "aws",
            controls: &v,
        }],
        &BTreeSet::new(),
    );
    assert_eq!(s.targets.len(), 1);
    let t = &s.targets[0];
    assert_eq!(
        (t.account_id.as_str(), t.region.as_str()),
        (ACCT, "us-east-1")
    );
    assert_eq!(t.log_group_name, "ct-logs");
    assert_eq!(t.log_group_arn, LG);
    assert_eq!(t.cells.len(), 3);
    assert!(s.manual_steps.is_empty() && s.unplanned.is_empty());
}

#[test]
fn an_organization_trail_is_fixed_once_in_the_management_account() {
    let org_trail = format!("arn:aws:cloudtrail:us-east-1:{MGMT}:trail/org");
    let org_lg = format!("arn:aws:logs:us-east-1:{MGMT}:log-group:org-logs:*");
    let member = verdicts(&[
        (
            "us-east-1",
            fail(Reason::NoAlarm, Some(&org_trail), Some(&org_lg)),
        ),
        (
            "eu-west-1",
            fail(Reason::NoAlarm, Some(&org_trail), Some(&org_lg)),
        ),
    ]);
    let mgmt = member.clone();
    let s = skeleton(
        &[
            AccountCells {
                account_id: ACCT,
                partition: "aws",
                controls: &member,
            },
            AccountCells {
                account_id: MGMT,
                partition: "aws",
                controls: &mgmt,
            },
        ],
        &BTreeSet::from([org_trail.clone()]),
    );
    assert_eq!(s.targets.len(), 1);
    let t = &s.targets[0];
    assert_eq!(t.account_id, MGMT);
    assert!(t.organization_trail);
    assert_eq!(t.cells.len(), 4);
    assert_eq!(
        t.accounts(),
        BTreeSet::from([ACCT.to_string(), MGMT.to_string()])
    );
}

#[test]
fn unfixable_links_become_manual_steps_and_errors_unplanned_accounts() {
    let single = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/regional";
    let v = verdicts(&[
        (
            "eu-west-1",
            fail(Reason::TrailNotMultiRegion, Some(single), None),
        ),
        ("us-east-1", fail(Reason::NoTrail, None, None)),
        ("us-west-2", fail(Reason::NoTrail, None, None)),
    ]);
    let other = verdicts(&[(
        "us-east-1",
        Verdict::new(
            Status::Error,
            Reason::AssumeRoleFailed,
            "sts:AssumeRole failed",
        ),
    )]);
    let third = verdicts(&[
        ("us-east-1", fail(Reason::NoTrail, None, None)),
        ("eu-west-1", fail(Reason::NoTrail, None, None)),
    ]);
    let s = skeleton(
        &[
            AccountCells {
                account_id: ACCT,
                partition: "aws",
                controls: &v,
            },
            AccountCells {
                account_id: "222233334444",
                partition: "aws",
                controls: &other,
            },
            AccountCells {
                account_id: "333344445555",
                partition: "aws",
                controls: &third,
            },
        ],
        &BTreeSet::new(),
    );
    assert!(s.targets.is_empty());
    assert_eq!(s.manual_steps.len(), 2, "{:#?}", s.manual_steps);
    let multi = s
        .manual_steps
        .iter()
        .find(|m| m.account_id == ACCT)
        .unwrap();
    assert_eq!(multi.reason, Reason::TrailNotMultiRegion);
    assert_eq!(
        multi.cells.len(),
        3,
        "NO_TRAIL regions folded into making the trail multi-region"
    );
    assert_eq!(
        multi.commands,
        vec!["aws cloudtrail update-trail --name regional --is-multi-region-trail --include-global-service-events --region eu-west-1"]
    );
    let none = s
        .manual_steps
        .iter()
        .find(|m| m.account_id == "333344445555")
        .unwrap();
    assert_eq!(none.reason, Reason::NoTrail);
    assert!(none.commands[0].contains("create-trail"));
    assert_eq!(s.unplanned.len(), 1);
    assert_eq!(s.unplanned[0].account_id, "222233334444");
    assert_eq!(s.unplanned[0].reason, Reason::AssumeRoleFailed);
}

#[test]
fn an_empty_log_group_gets_the_whole_chain_in_order() {
    let state = TargetState {
        log_group_exists: true,
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(
        names(&t),
        vec![
            "PutMetricFilter",
            "CreateTopic",
            "AddTopicPolicyStatement",
            "Subscribe",
            "PutMetricAlarm"
        ]
    );
    assert!(t.conflicts.is_empty() && t.incomplete.is_empty(), "{t:#?}");
    match &t.actions[0] {
        Action::PutMetricFilter {
            log_group_name,
            filter_pattern,
            metric_value,
            ..
        } => {
            assert_eq!(log_group_name, "ct-logs");
            assert_eq!(
                filter_pattern,
                crate::controls::default_control().reference.texts[0].as_str()
            );
            assert_eq!(metric_value, "1");
        }
        other => panic!("{other:?}"),
    }
    match &t.actions[4] {
        Action::PutMetricAlarm {
            statistic,
            period,
            threshold,
            comparison_operator,
            evaluation_periods,
            treat_missing_data,
            actions_enabled,
            alarm_actions,
            tags,
            ..
        } => {
            assert_eq!(
                (
                    statistic.as_str(),
                    *period,
                    *threshold,
                    comparison_operator.as_str(),
                    *evaluation_periods
                ),
                ("Sum", 300, 1.0, "GreaterThanOrEqualToThreshold", 1)
            );
            assert_eq!(treat_missing_data, "notBreaching");
            assert!(*actions_enabled);
            assert_eq!(alarm_actions, &vec![topic_arn()]);
            assert_eq!(tags.get("managed-by").map(String::as_str), Some("orgsweep"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_log_group_is_created_first() {
    let t = plan_target(&target(), &TargetState::default(), &cfg());
    assert_eq!(names(&t)[0], "CreateLogGroup");
    assert_eq!(names(&t)[1], "PutMetricFilter");
}

#[test]
fn a_working_foreign_filter_gets_only_an_alarm_on_its_metric() {
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "theirs",
            r#"{($.errorMessage="Failed authentication")&&($.eventName="ConsoleLogin")}"#,
            "Sec",
            "Fails",
        )],
        topic: Some(TopicState {
            arn: topic_arn(),
            policy: Some(
                serde_json::json!({"Version":"2012-10-17","Statement":[policy_statement(&topic_arn(), ACCT)]}).to_string(),
            ),
            kms_master_key_id: None,
            subscriptions: vec![SubscriptionFacts {
                arn: format!("{}:abc", topic_arn()),
                protocol: "email".into(),
                endpoint: "sec@example.com".into(),
            }],
        }),
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(names(&t), vec!["PutMetricAlarm"]);
    match &t.actions[0] {
        Action::PutMetricAlarm {
            metric_namespace,
            metric_name,
            ..
        } => assert_eq!(
            (metric_namespace.as_str(), metric_name.as_str()),
            ("Sec", "Fails")
        ),
        other => panic!("{other:?}"),
    }
    assert!(t
        .notes
        .iter()
        .any(|n| n.contains("reuses metric filter theirs")));
}

#[test]
fn a_narrow_filter_with_the_configured_name_is_a_conflict_not_overwritten() {
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "orgsweep-console-auth-failures",
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && ($.userIdentity.type = IAMUser) }"#,
            "CISBenchmark",
            "ConsoleAuthenticationFailures",
        )],
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert!(t.actions.is_empty(), "{t:#?}");
    assert!(
        t.conflicts[0].contains("does not overwrite"),
        "{:?}",
        t.conflicts
    );
    assert!(!t.incomplete.is_empty());
}

#[test]
fn a_narrow_filter_of_another_name_is_left_and_ours_added() {
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "narrow",
            r#"{ $.eventName = ConsoleLogin && $.userIdentity.type = Root }"#,
            "X",
            "Y",
        )],
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(names(&t)[0], "PutMetricFilter");
}

#[test]
fn an_alarm_of_the_configured_name_with_other_settings_is_reported() {
    let mut a = alarm(
        "orgsweep-console-auth-failures",
        "CISBenchmark",
        "ConsoleAuthenticationFailures",
        &topic_arn(),
    );
    a.threshold = Some(3.0);
    let state = TargetState {
        log_group_exists: true,
        alarms: vec![a],
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(names(&t), vec!["PutMetricFilter"]);
    assert!(t.conflicts[0].contains("threshold"), "{:?}", t.conflicts);
}

#[test]
fn our_alarm_in_place_needs_only_the_missing_subscription() {
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "orgsweep-console-auth-failures",
            crate::controls::default_control().reference.texts[0].as_str(),
            "CISBenchmark",
            "ConsoleAuthenticationFailures",
        )],
        alarms: vec![alarm(
            "orgsweep-console-auth-failures",
            "CISBenchmark",
            "ConsoleAuthenticationFailures",
            &topic_arn(),
        )],
        topic: Some(TopicState {
            arn: topic_arn(),
            policy: Some(
                serde_json::json!({"Statement":[policy_statement(&topic_arn(), ACCT)]}).to_string(),
            ),
            kms_master_key_id: None,
            subscriptions: vec![],
        }),
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(names(&t), vec!["Subscribe"]);
}

#[test]
fn without_endpoints_the_plan_says_the_chain_cannot_be_completed() {
    let mut c = cfg();
    c.subscription_endpoints.clear();
    let state = TargetState {
        log_group_exists: true,
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &c);
    assert_eq!(
        names(&t),
        vec![
            "PutMetricFilter",
            "CreateTopic",
            "AddTopicPolicyStatement",
            "PutMetricAlarm"
        ]
    );
    assert!(
        t.incomplete[0].contains("remediation.subscription_endpoints"),
        "{:?}",
        t.incomplete
    );
}

#[test]
fn a_complete_alarm_means_nothing_to_do() {
    let theirs = "arn:aws:sns:us-east-1:111122223333:theirs";
    let a = alarm(
        "theirs",
        "CISBenchmark",
        "ConsoleAuthenticationFailures",
        theirs,
    );
    let topics = BTreeMap::from([(
        theirs.to_string(),
        Ok(TopicFacts {
            subscriptions: vec![SubscriptionFacts {
                arn: format!("{theirs}:1"),
                protocol: "sms".into(),
                endpoint: "+1555".into(),
            }],
            delivery: None,
        }),
    )]);
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "f",
            crate::controls::default_control().reference.texts[0].as_str(),
            "CISBenchmark",
            "ConsoleAuthenticationFailures",
        )],
        alarms: vec![a],
        topics,
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert!(t.actions.is_empty(), "{t:#?}");
}

#[test]
fn policies_are_merged_never_replaced() {
    let existing = r#"{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Resource":"t"}]}"#;
    let stmt = policy_statement(&topic_arn(), ACCT);
    let merged = merge_policy(Some(existing), &stmt).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(v["Id"], "__default_policy_ID");
    assert_eq!(v["Version"], "2008-10-17");
    let list = v["Statement"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["Sid"], "__default_statement_ID");
    assert_eq!(list[1]["Sid"], POLICY_SID);
    assert!(policy_has_statement(Some(&merged)).unwrap());
    assert_eq!(
        merge_policy(Some(&merged), &stmt).unwrap(),
        None,
        "idempotent"
    );

    let single = r#"{"Statement":{"Sid":"one","Effect":"Deny"}}"#;
    let merged = merge_policy(Some(single), &stmt).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(v["Statement"].as_array().unwrap().len(), 2);
    assert!(merge_policy(Some("{not json"), &stmt).is_err());
    assert!(merge_policy(None, &stmt).unwrap().is_some());
}

#[test]
fn plan_json_round_trips_with_action_tags() {
    let plan = sample_plan();
    let text = serde_json::to_string(&plan).unwrap();
    assert!(text.contains(r#""action":"PutMetricFilter""#), "{text}");
    let back: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn every_action_says_its_controls() {
    let plan = sample_plan();
    let text = serde_json::to_string(&plan).unwrap();
    assert!(
        text.contains(r#""control":"console-auth-failures""#),
        "{text}"
    );
    for a in &plan.targets[0].actions {
        assert_eq!(a.controls(), vec![CONSOLE], "{a:?}");
    }
}

#[test]
fn all_controls_of_a_log_group_share_one_topic_and_get_a_filter_and_alarm_each() {
    let ids: Vec<&str> = crate::controls::table()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let skeleton = target_for(&ids);
    assert_eq!(skeleton.controls.len(), 15);
    let state = TargetState {
        log_group_exists: true,
        ..Default::default()
    };
    let t = plan_target(&skeleton, &state, &cfg());
    let count = |n: &str| names(&t).iter().filter(|x| **x == n).count();
    assert_eq!(count("PutMetricFilter"), 15);
    assert_eq!(count("PutMetricAlarm"), 15);
    assert_eq!(count("CreateTopic"), 1);
    assert_eq!(count("AddTopicPolicyStatement"), 1);
    assert_eq!(count("Subscribe"), 1);
    // The topic before any alarm, filters before the topic.
    let first_alarm = names(&t)
        .iter()
        .position(|n| *n == "PutMetricAlarm")
        .unwrap();
    let topic = names(&t).iter().position(|n| *n == "CreateTopic").unwrap();
    let last_filter = names(&t)
        .iter()
        .rposition(|n| *n == "PutMetricFilter")
        .unwrap();
    assert!(last_filter < topic && topic < first_alarm);
    // Each filter has its control's reference pattern and name; the topic serves all.
    for a in &t.actions {
        match a {
            Action::PutMetricFilter {
                control,
                filter_pattern,
                filter_name,
                ..
            } => {
                assert_eq!(*filter_pattern, reference(control));
                assert_eq!(*filter_name, format!("orgsweep-{control}"));
            }
            Action::CreateTopic { controls, .. } => assert_eq!(controls.len(), 15),
            _ => {}
        }
    }
    assert!(t.incomplete.is_empty(), "{:?}", t.incomplete);
}

#[test]
fn a_filter_serving_another_control_is_not_reused_for_this_one() {
    // The root-usage filter is in place; console authentication failures still needs its own.
    let state = TargetState {
        log_group_exists: true,
        filters: vec![filter(
            "orgsweep-root-usage",
            &reference("root-usage"),
            "CISBenchmark",
            "RootAccountUsage",
        )],
        ..Default::default()
    };
    let t = plan_target(&target(), &state, &cfg());
    assert_eq!(names(&t)[0], "PutMetricFilter");
    match &t.actions[0] {
        Action::PutMetricFilter { control, .. } => assert_eq!(control, CONSOLE),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cells_of_several_controls_name_their_control() {
    let v = per_control(
        &["root-usage", CONSOLE],
        &[("us-east-1", fail(Reason::NoAlarm, Some(TRAIL), Some(LG)))],
    );
    let s = skeleton(
        &[AccountCells {
            account_id: ACCT,
            partition: "aws",
            controls: &v,
        }],
        &BTreeSet::new(),
    );
    assert_eq!(s.targets.len(), 1);
    let t = &s.targets[0];
    // Table order: root-usage (4.3) before console-auth-failures (4.6).
    assert_eq!(t.controls, vec!["root-usage", CONSOLE]);
    let controls: BTreeSet<&str> = t.cells.iter().map(|c| c.control.as_str()).collect();
    assert_eq!(controls, BTreeSet::from(["root-usage", CONSOLE]));
}

/// The plan config for one control under a benchmark.
fn cfg_under(benchmark: &str, id: &str) -> PlanConfig {
    let mut config = crate::config::Config::default();
    config.remediation.subscription_endpoints = vec!["email:sec@example.com".into()];
    let b = crate::controls::Benchmark::parse(benchmark).unwrap();
    let c = crate::controls::get_in(b, id).unwrap();
    PlanConfig::from_config(&config, &[c])
}

fn sg_text(benchmark: &str) -> String {
    let b = crate::controls::Benchmark::parse(benchmark).unwrap();
    crate::controls::get_in(b, "security-group-changes")
        .unwrap()
        .reference
        .texts[0]
        .clone()
}

#[test]
fn orgsweeps_filter_from_an_older_benchmark_is_updated_in_place_and_no_other() {
    const SG: &str = "security-group-changes";
    let skeleton = target_for(&[SG]);
    let state = |f: MetricFilterFacts| TargetState {
        log_group_exists: true,
        filters: vec![f],
        ..Default::default()
    };
    let ours = filter(
        "orgsweep-security-group-changes",
        &sg_text("cis-4.0"),
        "CISBenchmark",
        "SecurityGroupChanges",
    );
    // Under the default (v7.0) orgsweep's v4.0-era filter is rewritten under its own name.
    let cfg = cfg_under("cis-7.0", SG);
    assert_eq!(cfg.benchmark.id(), "cis-7.0");
    let t = plan_target(&skeleton, &state(ours.clone()), &cfg);
    assert!(t.conflicts.is_empty(), "{t:#?}");
    match &t.actions[0] {
        Action::PutMetricFilter {
            filter_name,
            filter_pattern,
            replaces,
            metric_name,
            ..
        } => {
            assert_eq!(filter_name, "orgsweep-security-group-changes");
            assert_eq!(*filter_pattern, sg_text("cis-7.0"));
            assert!(filter_pattern.contains("ModifySecurityGroupRules"));
            assert_eq!(replaces.as_deref(), Some(sg_text("cis-4.0").as_str()));
            assert_eq!(metric_name, "SecurityGroupChanges");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.notes.iter().any(|n| n.contains("updated in place")),
        "{t:#?}"
    );
    // Under v4.0 the same filter serves: nothing to do for it.
    let t = plan_target(&skeleton, &state(ours), &cfg_under("cis-4.0", SG));
    assert!(!names(&t).contains(&"PutMetricFilter"), "{t:#?}");
    // A filter of orgsweep's name that a person changed (another metric, or another text) is
    // never overwritten.
    for theirs in [
        filter(
            "orgsweep-security-group-changes",
            &sg_text("cis-4.0"),
            "CISBenchmark",
            "HandTuned",
        ),
        filter(
            "orgsweep-security-group-changes",
            "{ $.eventName = CreateSecurityGroup }",
            "CISBenchmark",
            "SecurityGroupChanges",
        ),
    ] {
        let t = plan_target(&skeleton, &state(theirs), &cfg);
        assert!(!names(&t).contains(&"PutMetricFilter"), "{t:#?}");
        assert!(
            t.conflicts
                .iter()
                .any(|c| c.contains("does not overwrite a filter it did not create")),
            "{t:#?}"
        );
    }
}

#[test]
fn the_apply_puts_over_a_filter_only_while_it_has_the_pattern_the_plan_replaces() {
    use crate::remediate::target::{decide_filter_put, FilterPut};
    let name = "orgsweep-security-group-changes";
    let metric = MetricTransformation {
        namespace: "CISBenchmark".into(),
        metric_name: "SecurityGroupChanges".into(),
        value: "1".into(),
        dimensions: BTreeMap::new(),
    };
    let (v4, v7) = (sg_text("cis-4.0"), sg_text("cis-7.0"));
    let with = |p: &str| filter(name, p, "CISBenchmark", "SecurityGroupChanges");
    let decide = |fs: &[MetricFilterFacts], replaces: Option<&str>| {
        decide_filter_put(fs, name, &v7, &metric, replaces)
    };
    assert_eq!(decide(&[], None), FilterPut::Create);
    assert_eq!(decide(&[with(&v4)], Some(&v4)), FilterPut::Update);
    // Done already (the emulator keeps the old one beside the new: still done).
    assert_eq!(decide(&[with(&v7)], Some(&v4)), FilterPut::Skip);
    assert_eq!(decide(&[with(&v4), with(&v7)], Some(&v4)), FilterPut::Skip);
    // Changed since the plan, or never replaceable: refused.
    assert!(matches!(
        decide(&[with("{ $.eventName = X }")], Some(&v4)),
        FilterPut::Refuse(_)
    ));
    assert!(matches!(decide(&[with(&v4)], None), FilterPut::Refuse(_)));
    let other_metric = filter(name, &v4, "CISBenchmark", "HandTuned");
    assert!(matches!(
        decide(&[other_metric], Some(&v4)),
        FilterPut::Refuse(_)
    ));
}
