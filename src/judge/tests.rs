//! Unit tests of the judge: every reason code, and the traps of the chain (README "How it works"), on hand-made facts.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::controls::Control;
use crate::facts::*;
use crate::failure::{CallFailure, FailureKind};
const CIS_PATTERN: &str =
    "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";

const ACCT: &str = "111122223333";
const MGMT: &str = "999988887777";
const HOME: &str = "us-east-1";

fn regions() -> Vec<String> {
    ["eu-west-1", "us-east-1", "us-west-2"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn topic_arn(acct: &str) -> String {
    format!("arn:aws:sns:{HOME}:{acct}:alerts")
}

fn confirmed(acct: &str) -> TopicFacts {
    TopicFacts {
        subscriptions: vec![SubscriptionFacts {
            arn: format!("{}:0b1c", topic_arn(acct)),
            protocol: "email".into(),
            endpoint: "sec@example.com".into(),
        }],
        delivery: Some(Ok(default_delivery(acct))),
    }
}

/// What a fresh SNS topic reports: the default topic policy, no encryption.
fn default_delivery(acct: &str) -> TopicDelivery {
    TopicDelivery {
        policy: Some(format!(
            r#"{{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"{}","Condition":{{"StringEquals":{{"AWS:SourceOwner":"{acct}"}}}}}}]}}"#,
            topic_arn(acct)
        )),
        kms_master_key_id: None,
        key: None,
    }
}

fn alarm(acct: &str) -> AlarmFacts {
    AlarmFacts {
        arn: format!("arn:aws:cloudwatch:{HOME}:{acct}:alarm:console-auth"),
        name: "console-auth".into(),
        actions_enabled: true,
        alarm_actions: vec![topic_arn(acct)],
        comparison_operator: "GreaterThanOrEqualToThreshold".into(),
        threshold: Some(1.0),
        evaluation_periods: 1,
        datapoints_to_alarm: None,
        metric: AlarmMetric::Single(MetricStat {
            namespace: "CIS".into(),
            metric_name: "ConsoleAuthFailures".into(),
            dimensions: BTreeMap::new(),
            statistic: Some("Sum".into()),
            extended_statistic: None,
        }),
    }
}

fn filter(pattern: &str) -> MetricFilterFacts {
    MetricFilterFacts {
        name: "console-auth".into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            namespace: "CIS".into(),
            metric_name: "ConsoleAuthFailures".into(),
            value: "1".into(),
            dimensions: BTreeMap::new(),
        }],
    }
}

fn group_arn(acct: &str) -> String {
    format!("arn:aws:logs:{HOME}:{acct}:log-group:cloudtrail")
}

/// A complete chain owned by `acct`.
fn trail(acct: &str, name: &str) -> TrailFacts {
    TrailFacts {
        arn: format!("arn:aws:cloudtrail:{HOME}:{acct}:trail/{name}"),
        name: name.into(),
        home_region: HOME.into(),
        config: Ok(TrailConfig {
            is_multi_region: true,
            is_organization_trail: false,
            include_global_service_events: true,
            log_group_arn: Some(format!("{}:*", group_arn(acct))),
            log_role_arn: Some(format!("arn:aws:iam::{acct}:role/ct-logs")),
            status: Some(Ok(TrailStatus::logging(true))),
            selectors: Some(Ok(EventSelectors::Classic(vec![ClassicSelector {
                include_management_events: true,
                read_write_type: "All".into(),
                exclude_management_event_sources: vec![],
            }]))),
            log_group: Some(Ok(LogGroupFacts {
                found_arn: Some(format!("{}:*", group_arn(acct))),
                filters: Some(Ok(vec![filter(CIS_PATTERN)])),
                alarms: Some(Ok(vec![alarm(acct)])),
                topics: [(topic_arn(acct), Ok(confirmed(acct)))]
                    .into_iter()
                    .collect(),
                alarm_history: BTreeMap::new(),
            })),
        }),
    }
}

fn account(acct: &str, trails: Vec<TrailFacts>) -> AccountFacts {
    AccountFacts {
        account_id: acct.into(),
        partition: "aws".into(),
        enabled_regions: Ok(regions().into_iter().collect::<BTreeSet<_>>()),
        trails: Some(Ok(trails)),
        regional_lookup_failures: BTreeMap::new(),
    }
}

/// The control these tests judge: console authentication failures.
fn console() -> &'static Control {
    crate::controls::default_control()
}

/// The console control's cells of an account.
fn judge_account(
    facts: &AccountFacts,
    org: &[OrgChain],
    columns: &[String],
) -> BTreeMap<String, crate::verdict::Verdict> {
    super::judge_account(facts, org, columns, &[console()], &JudgeSettings::default())
        .remove(0)
        .1
}

fn org_chains(management: &AccountFacts) -> Vec<OrgChain> {
    super::org_chains(management, &[console()], &JudgeSettings::default())
}

fn org_covers_everything(chains: &[OrgChain]) -> bool {
    super::org_covers_everything(chains, &[console()])
}

fn cfg(t: &mut TrailFacts) -> &mut TrailConfig {
    t.config.as_mut().unwrap()
}

fn group(t: &mut TrailFacts) -> &mut LogGroupFacts {
    cfg(t).log_group.as_mut().unwrap().as_mut().unwrap()
}

fn first_filter(t: &mut TrailFacts) -> &mut MetricFilterFacts {
    &mut group(t).filters.as_mut().unwrap().as_mut().unwrap()[0]
}

fn first_alarm(t: &mut TrailFacts) -> &mut AlarmFacts {
    &mut group(t).alarms.as_mut().unwrap().as_mut().unwrap()[0]
}

fn judge_one(t: TrailFacts) -> BTreeMap<String, crate::verdict::Verdict> {
    judge_account(&account(ACCT, vec![t]), &[], &regions())
}

/// The (status, reason) of every region, which the tests compare whole.
fn cells(
    v: &BTreeMap<String, crate::verdict::Verdict>,
) -> Vec<(String, &'static str, &'static str)> {
    v.iter()
        .map(|(r, v)| (r.clone(), v.status.as_str(), v.reason.as_str()))
        .collect()
}

fn all(status: &'static str, reason: &'static str) -> Vec<(String, &'static str, &'static str)> {
    regions().into_iter().map(|r| (r, status, reason)).collect()
}

fn failure(kind: FailureKind) -> CallFailure {
    CallFailure::new(kind, "test:Op", "refused")
}

#[test]
fn a_complete_chain_passes_every_region_with_its_resources() {
    let v = judge_one(trail(ACCT, "main"));
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));
    let chain = &v["eu-west-1"].chain;
    assert_eq!(
        chain.trail_arn.as_deref(),
        Some("arn:aws:cloudtrail:us-east-1:111122223333:trail/main")
    );
    assert_eq!(
        chain.log_group_arn.as_deref(),
        Some(group_arn(ACCT).as_str())
    );
    assert_eq!(chain.filter_name.as_deref(), Some("console-auth"));
    assert!(chain
        .alarm_arn
        .as_deref()
        .unwrap()
        .ends_with(":alarm:console-auth"));
    assert_eq!(chain.topic_arn.as_deref(), Some(topic_arn(ACCT).as_str()));
}

#[test]
fn no_trail_fails_everywhere() {
    let v = judge_account(&account(ACCT, vec![]), &[], &regions());
    assert_eq!(cells(&v), all("FAIL", "NO_TRAIL"));
}

#[test]
fn a_single_region_trail_fails_at_home_and_is_no_trail_elsewhere() {
    let mut t = trail(ACCT, "local");
    cfg(&mut t).is_multi_region = false;
    let v = judge_one(t);
    assert_eq!(
        cells(&v),
        vec![
            ("eu-west-1".into(), "FAIL", "NO_TRAIL"),
            ("us-east-1".into(), "FAIL", "TRAIL_NOT_MULTI_REGION"),
            ("us-west-2".into(), "FAIL", "NO_TRAIL"),
        ]
    );
}

#[test]
fn each_broken_trail_link_has_its_reason() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).status = Some(Ok(TrailStatus::logging(false)));
    assert_eq!(cells(&judge_one(t)), all("FAIL", "TRAIL_NOT_LOGGING"));

    let mut t = trail(ACCT, "t");
    cfg(&mut t).selectors = Some(Ok(EventSelectors::Classic(vec![])));
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_MANAGEMENT_EVENTS"));

    let mut t = trail(ACCT, "t");
    cfg(&mut t).include_global_service_events = false;
    assert_eq!(
        cells(&judge_one(t)),
        all("FAIL", "NO_GLOBAL_SERVICE_EVENTS")
    );

    let mut t = trail(ACCT, "t");
    cfg(&mut t).log_group_arn = None;
    cfg(&mut t).log_group = None;
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_CLOUDWATCH_LOGS"));

    let mut t = trail(ACCT, "t");
    group(&mut t).found_arn = None;
    group(&mut t).filters = None;
    assert_eq!(cells(&judge_one(t)), all("FAIL", "LOG_GROUP_MISSING"));

    let mut t = trail(ACCT, "t");
    group(&mut t).filters = Some(Ok(vec![]));
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_METRIC_FILTER"));
}

#[test]
fn advanced_selectors_set_to_read_only_fail() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).selectors = Some(Ok(EventSelectors::Advanced(vec![AdvancedSelector {
        name: Some("mgmt".into()),
        field_selectors: vec![
            FieldSelector {
                field: "eventCategory".into(),
                equals: vec!["Management".into()],
                ..FieldSelector::default()
            },
            FieldSelector {
                field: "readOnly".into(),
                equals: vec!["true".into()],
                ..FieldSelector::default()
            },
        ],
    }])));
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "NO_MANAGEMENT_EVENTS"));
    assert!(v["us-east-1"].detail.contains("readOnly"));
}

#[test]
fn advanced_selectors_for_all_management_events_pass() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).selectors = Some(Ok(EventSelectors::Advanced(vec![AdvancedSelector {
        name: None,
        field_selectors: vec![FieldSelector {
            field: "eventCategory".into(),
            equals: vec!["Management".into()],
            ..FieldSelector::default()
        }],
    }])));
    assert_eq!(cells(&judge_one(t)), all("PASS", "COMPLIANT"));
}

#[test]
fn a_same_named_log_group_in_another_region_or_account_does_not_count() {
    let mut t = trail(ACCT, "t");
    group(&mut t).found_arn =
        Some("arn:aws:logs:eu-west-1:111122223333:log-group:cloudtrail:*".into());
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "LOG_GROUP_MISSING"));
    assert!(
        v["us-east-1"].detail.contains("eu-west-1"),
        "{}",
        v["us-east-1"].detail
    );

    let mut t = trail(ACCT, "t");
    group(&mut t).found_arn =
        Some("arn:aws:logs:us-east-1:444455556666:log-group:cloudtrail".into());
    assert_eq!(cells(&judge_one(t)), all("FAIL", "LOG_GROUP_MISSING"));
}

#[test]
fn narrow_and_garbage_patterns_fail_with_their_reasons() {
    let mut t = trail(ACCT, "t");
    first_filter(&mut t).pattern =
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && ($.userIdentity.type = IAMUser) }"#.into();
    assert_eq!(cells(&judge_one(t)), all("FAIL", "PATTERN_TOO_NARROW"));

    let mut t = trail(ACCT, "t");
    first_filter(&mut t).pattern =
        r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed"#.into();
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "PATTERN_INVALID"));
    assert!(v["us-east-1"].detail.contains("not valid"));
}

#[test]
fn a_reordered_requoted_pattern_passes() {
    let mut t = trail(ACCT, "t");
    first_filter(&mut t).pattern =
        r#"{($.errorMessage="Failed authentication")&&($.eventName="ConsoleLogin")}"#.into();
    assert_eq!(cells(&judge_one(t)), all("PASS", "COMPLIANT"));
}

#[test]
fn alarm_links_have_their_reasons() {
    let mut t = trail(ACCT, "t");
    group(&mut t).alarms = Some(Ok(vec![]));
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_ALARM"));

    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).threshold = Some(5.0);
    assert_eq!(cells(&judge_one(t)), all("FAIL", "ALARM_CANNOT_FIRE"));

    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).actions_enabled = false;
    assert_eq!(cells(&judge_one(t)), all("FAIL", "ALARM_ACTIONS_DISABLED"));

    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).alarm_actions = vec![];
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_ALARM_ACTION"));
}

#[test]
fn an_alarm_with_an_extra_dimension_is_not_on_the_metric() {
    let mut t = trail(ACCT, "t");
    if let AlarmMetric::Single(s) = &mut first_alarm(&mut t).metric {
        s.dimensions.insert("Environment".into(), "prod".into());
    }
    let name = first_alarm(&mut t).name.clone();
    let judged = judge_one(t);
    assert_eq!(cells(&judged), all("FAIL", "NO_ALARM"));
    // The detail names the alarm and the dimension, not "no alarm at all".
    let detail = &judged.values().next().unwrap().detail;
    assert!(detail.contains(&format!("alarm {name} ")), "{detail}");
    assert!(detail.contains("{Environment=prod}"), "{detail}");
    assert!(!detail.starts_with("no alarm"), "{detail}");
}

#[test]
fn an_alarm_in_another_region_does_not_count() {
    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).arn = format!("arn:aws:cloudwatch:eu-west-1:{ACCT}:alarm:console-auth");
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_ALARM"));
}

#[test]
fn a_metric_math_alarm_passes_when_it_returns_the_metric_and_fails_otherwise() {
    let stat = MetricStat {
        namespace: "CIS".into(),
        metric_name: "ConsoleAuthFailures".into(),
        dimensions: BTreeMap::new(),
        statistic: Some("Sum".into()),
        extended_statistic: None,
    };
    let q = |id: &str, e: Option<&str>, m: Option<MetricStat>, r: bool| MetricQuery {
        id: id.into(),
        expression: e.map(String::from),
        metric: m,
        return_data: r,
    };
    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).metric = AlarmMetric::Math(vec![
        q("m1", None, Some(stat.clone()), false),
        q("e1", Some("FILL(m1, 0)"), None, true),
    ]);
    assert_eq!(cells(&judge_one(t)), all("PASS", "COMPLIANT"));

    let mut t = trail(ACCT, "t");
    first_alarm(&mut t).metric = AlarmMetric::Math(vec![
        q("m1", None, Some(stat), false),
        q("e1", Some("RATE(m1)"), None, true),
    ]);
    assert_eq!(cells(&judge_one(t)), all("FAIL", "ALARM_CANNOT_FIRE"));
}

#[test]
fn pending_subscriptions_and_missing_topics_do_not_count() {
    let mut t = trail(ACCT, "t");
    let pending = TopicFacts {
        subscriptions: vec![SubscriptionFacts {
            arn: "PendingConfirmation".into(),
            protocol: "email".into(),
            endpoint: "sec@example.com".into(),
        }],
        delivery: Some(Ok(default_delivery(ACCT))),
    };
    group(&mut t).topics = [(topic_arn(ACCT), Ok(pending))].into_iter().collect();
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "NO_CONFIRMED_SUBSCRIPTION"));
    assert!(v["us-east-1"].detail.contains("none confirmed"));

    let mut t = trail(ACCT, "t");
    group(&mut t).topics = [(topic_arn(ACCT), Err(failure(FailureKind::NotFound)))]
        .into_iter()
        .collect();
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "NO_CONFIRMED_SUBSCRIPTION"));
    assert!(v["us-east-1"].detail.contains("does not exist"));
}

#[test]
fn two_trails_where_only_the_second_is_complete_pass() {
    let mut broken = trail(ACCT, "first");
    cfg(&mut broken).status = Some(Ok(TrailStatus::logging(false)));
    let v = judge_account(
        &account(ACCT, vec![broken, trail(ACCT, "second")]),
        &[],
        &regions(),
    );
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));
    assert!(v["us-east-1"]
        .chain
        .trail_arn
        .as_deref()
        .unwrap()
        .ends_with("/second"));
}

#[test]
fn the_chain_that_got_furthest_names_the_reason() {
    let mut early = trail(ACCT, "early");
    cfg(&mut early).status = Some(Ok(TrailStatus::logging(false)));
    let mut late = trail(ACCT, "late");
    first_alarm(&mut late).actions_enabled = false;
    let v = judge_account(&account(ACCT, vec![early, late]), &[], &regions());
    assert_eq!(cells(&v), all("FAIL", "ALARM_ACTIONS_DISABLED"));
}

#[test]
fn a_failed_call_is_an_error_not_a_failure() {
    let mut t = trail(ACCT, "t");
    group(&mut t).alarms = Some(Err(failure(FailureKind::Throttled)));
    assert_eq!(cells(&judge_one(t)), all("ERROR", "THROTTLED"));

    let mut t = trail(ACCT, "t");
    cfg(&mut t).status = Some(Err(failure(FailureKind::AccessDenied)));
    assert_eq!(cells(&judge_one(t)), all("ERROR", "ACCESS_DENIED"));

    let mut facts = account(ACCT, vec![]);
    facts.trails = Some(Err(failure(FailureKind::Timeout)));
    assert_eq!(
        cells(&judge_account(&facts, &[], &regions())),
        all("ERROR", "TIMEOUT")
    );
}

#[test]
fn a_complete_chain_wins_over_an_undecided_one() {
    let mut unsure = trail(ACCT, "unsure");
    cfg(&mut unsure).status = Some(Err(failure(FailureKind::Throttled)));
    let v = judge_account(
        &account(ACCT, vec![unsure, trail(ACCT, "good")]),
        &[],
        &regions(),
    );
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));
}

#[test]
fn regions_not_enabled_are_skipped_and_a_failed_discovery_is_an_error() {
    let mut facts = account(ACCT, vec![trail(ACCT, "t")]);
    facts.enabled_regions = Ok(["us-east-1".to_string()].into_iter().collect());
    let v = judge_account(&facts, &[], &regions());
    assert_eq!(
        cells(&v),
        vec![
            ("eu-west-1".into(), "SKIPPED", "REGION_NOT_ENABLED"),
            ("us-east-1".into(), "PASS", "COMPLIANT"),
            ("us-west-2".into(), "SKIPPED", "REGION_NOT_ENABLED"),
        ]
    );
    facts.enabled_regions = Err(failure(FailureKind::AccessDenied));
    assert_eq!(
        cells(&judge_account(&facts, &[], &regions())),
        all("ERROR", "ACCESS_DENIED")
    );
}

fn management_with_org_trail(complete: bool) -> AccountFacts {
    let mut t = trail(MGMT, "org");
    cfg(&mut t).is_organization_trail = true;
    if !complete {
        first_alarm(&mut t).actions_enabled = false;
    }
    account(MGMT, vec![t])
}

#[test]
fn a_complete_organization_chain_covers_every_account_whatever_its_own_trails() {
    let management = management_with_org_trail(true);
    let org = org_chains(&management);
    assert_eq!(org.len(), 1);
    assert!(org_covers_everything(&org));

    let mut member = account(ACCT, vec![]);
    member.trails = None; // not even read
    assert_eq!(
        cells(&judge_account(&member, &org, &regions())),
        all("PASS", "COVERED_BY_ORG_TRAIL")
    );
    assert_eq!(
        cells(&judge_account(&management, &org, &regions())),
        all("PASS", "COVERED_BY_ORG_TRAIL")
    );
}

#[test]
fn a_broken_organization_chain_is_one_more_candidate() {
    let org = org_chains(&management_with_org_trail(false));
    assert!(!org_covers_everything(&org));

    // The member's own chain gets less far: the organization chain names the reason.
    let mut own = trail(ACCT, "own");
    cfg(&mut own).status = Some(Ok(TrailStatus::logging(false)));
    let v = judge_account(&account(ACCT, vec![own]), &org, &regions());
    assert_eq!(cells(&v), all("FAIL", "ALARM_ACTIONS_DISABLED"));
    assert!(v["us-east-1"].detail.starts_with("organization trail"));

    // The member's own complete chain passes on its own.
    let v = judge_account(&account(ACCT, vec![trail(ACCT, "own")]), &org, &regions());
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));

    // No own trail at all: the organization chain's broken link is the reason.
    let v = judge_account(&account(ACCT, vec![]), &org, &regions());
    assert_eq!(cells(&v), all("FAIL", "ALARM_ACTIONS_DISABLED"));
}

#[test]
fn the_organization_trail_is_not_judged_twice_as_the_members_own() {
    let management = management_with_org_trail(false);
    let org = org_chains(&management);
    // A member that can see the organization trail (as on AWS) does not count it as its own.
    let shadow = management.trails.clone().unwrap().unwrap().remove(0);
    let v = judge_account(&account(ACCT, vec![shadow]), &org, &regions());
    assert_eq!(cells(&v), all("FAIL", "ALARM_ACTIONS_DISABLED"));
    assert!(v["us-east-1"].detail.starts_with("organization trail"));
}

#[test]
fn a_pattern_that_also_matches_successful_sign_ins_fails() {
    for noisy in [
        r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }"#,
        r#"{ $.eventName = ConsoleLogin }"#,
    ] {
        let mut t = trail(ACCT, "t");
        first_filter(&mut t).pattern = noisy.into();
        let v = judge_one(t);
        assert_eq!(cells(&v), all("FAIL", "PATTERN_TOO_BROAD"), "{noisy}");
        assert!(
            v["us-east-1"].detail.contains("successful"),
            "{}",
            v["us-east-1"].detail
        );
    }
    // Broader without the noise passes: any error message on a console sign-in.
    let mut t = trail(ACCT, "t");
    first_filter(&mut t).pattern =
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = *) }"#.into();
    assert_eq!(cells(&judge_one(t)), all("PASS", "COMPLIANT"));
}

// ------------------------------------------------------------------ which filter is about which control

/// The console control's cells when the log group holds exactly these filters.
fn with_filters(patterns: &[&str]) -> BTreeMap<String, crate::verdict::Verdict> {
    let mut t = trail(ACCT, "t");
    group(&mut t).filters = Some(Ok(patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut f = filter(p);
            f.name = format!("f{i}");
            f
        })
        .collect()));
    judge_one(t)
}

#[test]
fn another_controls_filter_is_no_metric_filter_for_this_one() {
    let root = crate::controls::get("root-usage").unwrap().reference.texts[0].clone();
    let v = with_filters(&[&root]);
    assert_eq!(cells(&v), all("FAIL", "NO_METRIC_FILTER"));
}

#[test]
fn a_near_miss_is_too_narrow_and_the_closest_is_named() {
    let v = with_filters(&[
        r#"{ $.userIdentity.type = "Root" }"#,
        r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.type = IAMUser }"#,
    ]);
    assert_eq!(cells(&v), all("FAIL", "PATTERN_TOO_NARROW"));
    assert_eq!(v["us-east-1"].chain.filter_name.as_deref(), Some("f1"));
    assert!(
        v["us-east-1"].detail.contains("filter f1"),
        "{}",
        v["us-east-1"].detail
    );
}

#[test]
fn a_filter_that_matches_no_failed_sign_in_is_no_metric_filter_but_is_mentioned() {
    let v = with_filters(&[
        r#"{ $.eventName = ConsoleLogin && $.errorMessage != "Failed authentication" }"#,
    ]);
    assert_eq!(cells(&v), all("FAIL", "NO_METRIC_FILTER"));
    assert!(
        v["us-east-1"].detail.contains("filter f0 mentions them"),
        "{}",
        v["us-east-1"].detail
    );
}

#[test]
fn noisy_beats_narrow_and_a_serving_filter_beats_both() {
    let noisy = r#"{ $.eventName = ConsoleLogin }"#;
    let narrow = r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.awsRegion = us-east-1 }"#;
    assert_eq!(
        cells(&with_filters(&[narrow, noisy])),
        all("FAIL", "PATTERN_TOO_BROAD")
    );
    assert_eq!(
        cells(&with_filters(&[narrow, noisy, CIS_PATTERN])),
        all("PASS", "COMPLIANT")
    );
}

#[test]
fn an_invalid_filter_counts_for_the_controls_whose_values_it_mentions() {
    assert_eq!(
        cells(&with_filters(&[r#"{ $.eventName = ConsoleLogin && }"#])),
        all("FAIL", "PATTERN_INVALID")
    );
    assert_eq!(
        cells(&with_filters(&[r#"{ $.eventName = CreateVpc && }"#])),
        all("FAIL", "NO_METRIC_FILTER")
    );
}

#[test]
fn every_control_is_judged_on_its_own_filters() {
    let mut t = trail(ACCT, "t");
    let root = crate::controls::get("root-usage").unwrap();
    let mut f = filter(&root.reference.texts[0]);
    f.name = "root".into();
    group(&mut t)
        .filters
        .as_mut()
        .unwrap()
        .as_mut()
        .unwrap()
        .push(f);
    let both = [console(), root];
    let v = super::judge_account(
        &account(ACCT, vec![t]),
        &[],
        &regions(),
        &both,
        &JudgeSettings::default(),
    );
    assert_eq!(v[0].0, "console-auth-failures");
    assert_eq!(cells(&v[0].1), all("PASS", "COMPLIANT"));
    // root-usage's filter publishes the same metric in this fixture, so its alarm serves too.
    assert_eq!(cells(&v[1].1), all("PASS", "COMPLIANT"));
    assert_eq!(
        v[1].1["us-east-1"].chain.filter_name.as_deref(),
        Some("root")
    );
}

fn status_with(error: Option<&str>, last_delivery_ago: Option<i64>) -> TrailStatus {
    TrailStatus {
        is_logging: true,
        delivery_error: error.map(str::to_string),
        last_delivery: last_delivery_ago.map(|ago| 10_000_000 - ago),
        read_at: 10_000_000,
    }
}

#[test]
fn a_delivery_error_without_a_recent_delivery_fails_after_the_log_group() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).status = Some(Ok(status_with(
        Some("AccessDeniedException"),
        Some(3 * 86_400),
    )));
    let v = judge_one(t.clone());
    assert_eq!(cells(&v), all("FAIL", "LOGS_DELIVERY_FAILING"));
    assert!(
        v["us-east-1"].detail.contains("AccessDeniedException"),
        "{}",
        v["us-east-1"].detail
    );
    assert_eq!(
        v["us-east-1"].chain.trail_role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/ct-logs")
    );
    // A missing group is the earlier link.
    group(&mut t).found_arn = None;
    assert_eq!(cells(&judge_one(t)), all("FAIL", "LOG_GROUP_MISSING"));
    // The threshold is a setting: three days is within a week.
    let mut t = trail(ACCT, "t");
    cfg(&mut t).status = Some(Ok(status_with(
        Some("AccessDeniedException"),
        Some(3 * 86_400),
    )));
    let week = JudgeSettings {
        logs_delivery_max_age_secs: 7 * 86_400,
        ..JudgeSettings::default()
    };
    let v = super::judge_account(
        &account(ACCT, vec![t]),
        &[],
        &regions(),
        &[console()],
        &week,
    );
    assert_eq!(cells(&v[0].1), all("PASS", "COMPLIANT"));
}

#[test]
fn a_recovered_delivery_passes_and_says_so() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).status = Some(Ok(status_with(Some("AccessDeniedException"), Some(600))));
    let v = judge_one(t);
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));
    assert!(
        v["eu-west-1"].detail.contains("delivered since"),
        "{}",
        v["eu-west-1"].detail
    );
    let mut never = trail(ACCT, "t");
    cfg(&mut never).status = Some(Ok(status_with(Some("AccessDeniedException"), None)));
    assert_eq!(
        cells(&judge_one(never)),
        all("FAIL", "LOGS_DELIVERY_FAILING")
    );
}

fn with_delivery(t: &mut TrailFacts, edit: impl FnOnce(&mut TopicDelivery)) {
    let topic = group(t)
        .topics
        .get_mut(&topic_arn(ACCT))
        .unwrap()
        .as_mut()
        .unwrap();
    edit(topic.delivery.as_mut().unwrap().as_mut().unwrap());
}

#[test]
fn a_topic_on_the_sns_managed_key_blocks_the_notification() {
    let mut t = trail(ACCT, "t");
    with_delivery(&mut t, |d| {
        d.kms_master_key_id = Some("alias/aws/sns".into())
    });
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "NOTIFICATION_BLOCKED"));
    assert!(matches!(
        v["us-east-1"].chain.blocked_by,
        Some(crate::verdict::NotificationBlock::ManagedKey { .. })
    ));
    assert!(v["us-east-1"].detail.contains("alias/aws/sns"));
}

#[test]
fn a_pending_subscription_is_the_earlier_link_than_a_blocked_topic() {
    let mut t = trail(ACCT, "t");
    with_delivery(&mut t, |d| {
        d.kms_master_key_id = Some("alias/aws/sns".into())
    });
    let topic = group(&mut t)
        .topics
        .get_mut(&topic_arn(ACCT))
        .unwrap()
        .as_mut()
        .unwrap();
    topic.subscriptions[0].arn = "PendingConfirmation".into();
    assert_eq!(
        cells(&judge_one(t)),
        all("FAIL", "NO_CONFIRMED_SUBSCRIPTION")
    );
}

#[test]
fn a_denying_topic_policy_blocks_and_an_unreadable_one_is_an_error() {
    let mut t = trail(ACCT, "t");
    let topic = topic_arn(ACCT);
    with_delivery(&mut t, |d| {
        d.policy = Some(format!(
            r#"{{"Statement":[{{"Sid":"NoAlarms","Effect":"Deny","Principal":{{"Service":"cloudwatch.amazonaws.com"}},"Action":"sns:Publish","Resource":"{topic}"}}]}}"#
        ))
    });
    let v = judge_one(t);
    assert_eq!(cells(&v), all("FAIL", "NOTIFICATION_BLOCKED"));
    assert!(
        v["us-east-1"].detail.contains("NoAlarms"),
        "{}",
        v["us-east-1"].detail
    );

    let mut t = trail(ACCT, "t");
    group(&mut t)
        .topics
        .get_mut(&topic)
        .unwrap()
        .as_mut()
        .unwrap()
        .delivery = Some(Err(failure(FailureKind::AccessDenied)));
    assert_eq!(cells(&judge_one(t)), all("ERROR", "ACCESS_DENIED"));
}

#[test]
fn an_unevaluable_topic_policy_passes_with_a_note() {
    let mut t = trail(ACCT, "t");
    let topic = topic_arn(ACCT);
    with_delivery(&mut t, |d| {
        d.policy = Some(format!(
            r#"{{"Statement":[{{"Sid":"OnlyVpce","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"{topic}","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"vpce-1a2b"}}}}}}]}}"#
        ))
    });
    let v = judge_one(t);
    assert_eq!(cells(&v), all("PASS", "COMPLIANT"));
    assert!(
        v["us-east-1"].detail.contains("cannot tell"),
        "{}",
        v["us-east-1"].detail
    );
}

#[test]
fn failing_alarm_actions_fail_the_chain_when_history_was_read() {
    let mut t = trail(ACCT, "t");
    let alarm_arn = first_alarm(&mut t).arn.clone();
    let failed = AlarmAction {
        time: 100,
        succeeded: false,
        summary: format!("Failed to execute action {}", topic_arn(ACCT)),
    };
    group(&mut t)
        .alarm_history
        .insert(alarm_arn.clone(), Ok(vec![failed.clone()]));
    let v = judge_one(t.clone());
    assert_eq!(cells(&v), all("FAIL", "ALARM_ACTION_FAILING"));
    group(&mut t).alarm_history.insert(alarm_arn, Ok(vec![]));
    assert_eq!(cells(&judge_one(t)), all("PASS", "COMPLIANT"));
}

#[test]
fn selectors_are_judged_per_control() {
    let mut t = trail(ACCT, "t");
    cfg(&mut t).selectors = Some(Ok(EventSelectors::Classic(vec![ClassicSelector {
        include_management_events: true,
        read_write_type: "All".into(),
        exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
    }])));
    let kms = crate::controls::get("kms-cmk-disable-delete").unwrap();
    let root = crate::controls::get("root-usage").unwrap();
    let v = super::judge_account(
        &account(ACCT, vec![t]),
        &[],
        &regions(),
        &[console(), kms, root],
        &JudgeSettings::default(),
    );
    assert_eq!(cells(&v[0].1), all("PASS", "COMPLIANT"));
    assert_eq!(cells(&v[1].1), all("FAIL", "NO_MANAGEMENT_EVENTS"));
    assert!(v[1].1["us-east-1"].detail.contains("kms.amazonaws.com"));
    // Root usage has no filter here; what matters is that the selectors did not stop it.
    assert_eq!(cells(&v[2].1), all("FAIL", "NO_METRIC_FILTER"));
}

/// A second member of the organization.
const OTHER: &str = "444455556666";

/// The management account with an organization trail whose only filter is the CIS pattern
/// with `extra` conjoined.
fn management_with_central_filter(extra: &str) -> AccountFacts {
    let mut management = management_with_org_trail(true);
    let trails = management.trails.as_mut().unwrap().as_mut().unwrap();
    first_filter(&mut trails[0]).pattern = format!(
        "{{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") && {extra} }}"
    );
    management
}

#[test]
fn a_central_filter_pinned_on_recipient_accounts_covers_only_those() {
    let management = management_with_central_filter(&format!(
        "(($.recipientAccountId = \"{ACCT}\") || ($.recipientAccountId = \"{MGMT}\"))"
    ));
    let org = org_chains(&management);
    // Not complete for everyone, so members are judged one by one.
    assert!(!org_covers_everything(&org));
    let settings = JudgeSettings::default();
    assert!(org_covers_account(&org, &[console()], ACCT, &settings));
    assert!(!org_covers_account(&org, &[console()], OTHER, &settings));

    let named = judge_account(&account(ACCT, vec![]), &org, &regions());
    assert_eq!(cells(&named), all("PASS", "COVERED_BY_ORG_TRAIL"));
    assert_eq!(
        cells(&judge_account(&management, &org, &regions())),
        all("PASS", "COVERED_BY_ORG_TRAIL")
    );
    let other = judge_account(&account(OTHER, vec![]), &org, &regions());
    assert_eq!(cells(&other), all("FAIL", "PATTERN_TOO_NARROW"));
    let detail = &other["eu-west-1"].detail;
    assert!(detail.starts_with("organization trail"), "{detail}");
    assert!(
        detail.contains("$.recipientAccountId")
            && detail.contains(ACCT)
            && detail.contains(&format!("account {OTHER}")),
        "{detail}"
    );
    // A member's own complete chain still passes.
    let own = judge_account(&account(OTHER, vec![trail(OTHER, "own")]), &org, &regions());
    assert_eq!(cells(&own), all("PASS", "COMPLIANT"));
}

#[test]
fn a_central_filter_pinned_on_the_callers_account_stays_too_narrow() {
    // userIdentity.accountId is the caller's account, not the one the event is recorded for.
    let management =
        management_with_central_filter(&format!("($.userIdentity.accountId = \"{ACCT}\")"));
    let org = org_chains(&management);
    for member in [ACCT, OTHER] {
        let v = judge_account(&account(member, vec![]), &org, &regions());
        assert_eq!(cells(&v), all("FAIL", "PATTERN_TOO_NARROW"), "{member}");
    }
}

#[test]
fn a_broken_organization_chain_is_named_with_owner_region_and_log_group() {
    let org = org_chains(&management_with_org_trail(false));
    let v = judge_account(&account(ACCT, vec![]), &org, &regions());
    let detail = &v["eu-west-1"].detail;
    for part in [
        format!("owner account {MGMT}"),
        format!("home region {HOME}"),
        format!("log group {}", group_arn(MGMT)),
    ] {
        assert!(detail.contains(&part), "{part} not in {detail}");
    }
}

/// The management account's organization chain, its alarm notifying a topic of the `audit`
/// account with `policy` and one subscription (`arn` as its subscription ARN).
fn org_chain_to_audit_topic(policy: String, subscription: &str) -> AccountFacts {
    let mut management = management_with_org_trail(true);
    let trails = management.trails.as_mut().unwrap().as_mut().unwrap();
    let t = &mut trails[0];
    let topic = topic_arn(OTHER);
    first_alarm(t).alarm_actions = vec![topic.clone()];
    let mut facts = confirmed(OTHER);
    facts.subscriptions[0].arn = subscription.into();
    facts.delivery.as_mut().unwrap().as_mut().unwrap().policy = Some(policy);
    group(t).topics = [(topic, Ok(facts))].into_iter().collect();
    management
}

fn audit_policy(extra: &str) -> String {
    let topic = topic_arn(OTHER);
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"{topic}","Condition":{{"StringEquals":{{"AWS:SourceOwner":"{OTHER}"}}}}}}{extra}]}}"#
    )
}

fn with_org(settings: JudgeSettings) -> JudgeSettings {
    JudgeSettings {
        organization: Some(std::sync::Arc::new(OrgContext {
            id: "o-a1b2c3d4e5".into(),
            paths: [
                (MGMT.to_string(), "o-a1b2c3d4e5/r-ab12/".to_string()),
                (
                    ACCT.to_string(),
                    "o-a1b2c3d4e5/r-ab12/ou-ab12-1/".to_string(),
                ),
            ]
            .into_iter()
            .collect(),
        })),
        ..settings
    }
}

#[test]
fn a_topic_in_another_account_needs_a_grant_for_the_alarms_account() {
    let confirmed_arn = format!("{}:0b1c", topic_arn(OTHER));
    let judge = |policy: String, settings: &JudgeSettings| {
        let management = org_chain_to_audit_topic(policy, &confirmed_arn);
        let org = super::org_chains(&management, &[console()], settings);
        super::judge_account(
            &account(ACCT, vec![]),
            &org,
            &regions(),
            &[console()],
            settings,
        )
        .remove(0)
        .1
    };
    let plain = JudgeSettings::default();
    let v = judge(audit_policy(""), &plain);
    assert_eq!(cells(&v), all("FAIL", "NOTIFICATION_BLOCKED"));
    let for_account = format!(
        r#",{{"Effect":"Allow","Principal":{{"Service":"cloudwatch.amazonaws.com"}},"Action":"sns:Publish","Resource":"*","Condition":{{"StringEquals":{{"aws:SourceAccount":"{MGMT}"}}}}}}"#
    );
    assert_eq!(
        cells(&judge(audit_policy(&for_account), &plain)),
        all("PASS", "COVERED_BY_ORG_TRAIL")
    );
    let org_wide = r#",{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"*","Condition":{"StringEquals":{"aws:SourceOrgID":"o-a1b2c3d4e5"}}}"#;
    let v = judge(audit_policy(org_wide), &with_org(plain.clone()));
    assert_eq!(cells(&v), all("PASS", "COVERED_BY_ORG_TRAIL"));
    // Without the organization it cannot be told: complete, with a note saying so.
    let v = judge(audit_policy(org_wide), &plain);
    assert_eq!(cells(&v), all("PASS", "COVERED_BY_ORG_TRAIL"));
    assert!(v["us-east-1"].detail.contains("aws:SourceOrgID"));
    let other_org = org_wide.replace("o-a1b2c3d4e5", "o-zzzzzzzzzz");
    let v = judge(audit_policy(&other_org), &with_org(plain.clone()));
    assert_eq!(cells(&v), all("FAIL", "NOTIFICATION_BLOCKED"));
    // A topic policy that is not JSON: cannot tell, with the parse error, never a panic.
    let v = judge("{\"Statement\": [".into(), &with_org(plain));
    assert_eq!(cells(&v), all("PASS", "COVERED_BY_ORG_TRAIL"));
    assert!(v["us-east-1"].detail.contains("not valid JSON"));
}

#[test]
fn a_central_topic_with_only_a_pending_subscription_does_not_count() {
    let org_wide = r#",{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"*","Condition":{"StringEquals":{"aws:SourceOrgID":"o-a1b2c3d4e5"}}}"#;
    let management = org_chain_to_audit_topic(audit_policy(org_wide), "PendingConfirmation");
    let settings = with_org(JudgeSettings::default());
    let org = super::org_chains(&management, &[console()], &settings);
    let v = super::judge_account(
        &account(ACCT, vec![]),
        &org,
        &regions(),
        &[console()],
        &settings,
    )
    .remove(0)
    .1;
    assert_eq!(cells(&v), all("FAIL", "NO_CONFIRMED_SUBSCRIPTION"));
    assert!(v["us-east-1"].detail.contains(&topic_arn(OTHER)));
}

#[test]
fn a_broken_organization_chain_is_one_root_cause_for_every_member_it_breaks() {
    let management = management_with_org_trail(false);
    let org = org_chains(&management);
    let judged = |facts: &AccountFacts| {
        super::judge_account(
            facts,
            &org,
            &regions(),
            &[console()],
            &JudgeSettings::default(),
        )
    };
    let rows = [
        (ACCT, judged(&account(ACCT, vec![]))),
        (OTHER, judged(&account(OTHER, vec![]))),
        // Its own complete chain: not affected.
        (
            "555566667777",
            judged(&account("555566667777", vec![trail("555566667777", "own")])),
        ),
        (MGMT, judged(&management)),
    ];
    let causes = root_causes(&org, rows.iter().map(|(a, c)| (*a, c.as_slice())));
    assert_eq!(causes.len(), 1, "{causes:?}");
    let cause = &causes[0];
    assert_eq!(cause.control, console().id);
    assert_eq!(cause.owner_account, MGMT);
    assert_eq!(cause.link, "alarm_enabled");
    assert_eq!(cause.reason, "ALARM_ACTIONS_DISABLED");
    assert_eq!(cause.accounts_affected, 3);
    assert_eq!(cause.home_region, HOME);
    assert_eq!(
        cause.log_group_arn.as_deref(),
        Some(group_arn(MGMT).as_str())
    );
    let json = serde_json::to_value(cause).unwrap();
    for key in [
        "control",
        "owner_account",
        "link",
        "reason",
        "accounts_affected",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    // A complete organization chain is no cause at all.
    let complete = org_chains(&management_with_org_trail(true));
    let rows = [(
        ACCT,
        judge_account(&account(ACCT, vec![]), &complete, &regions()),
    )];
    let rows: Vec<(&str, Vec<ControlCells>)> = rows
        .into_iter()
        .map(|(a, cells)| (a, vec![(console().id.clone(), cells)]))
        .collect();
    assert!(root_causes(&complete, rows.iter().map(|(a, c)| (*a, c.as_slice()))).is_empty());
}
