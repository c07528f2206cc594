//! Unit tests of the judge: every reason code, and the traps of DESIGN.md §1, on hand-made facts.

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
            is_logging: Some(Ok(true)),
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
    super::judge_account(facts, org, columns, &[console()])
        .remove(0)
        .1
}

fn org_chains(management: &AccountFacts) -> Vec<OrgChain> {
    super::org_chains(management, &[console()])
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
    cfg(&mut t).is_logging = Some(Ok(false));
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
    assert_eq!(cells(&judge_one(t)), all("FAIL", "NO_ALARM"));
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
    cfg(&mut broken).is_logging = Some(Ok(false));
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
    cfg(&mut early).is_logging = Some(Ok(false));
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
    cfg(&mut t).is_logging = Some(Err(failure(FailureKind::AccessDenied)));
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
    cfg(&mut unsure).is_logging = Some(Err(failure(FailureKind::Throttled)));
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
    cfg(&mut own).is_logging = Some(Ok(false));
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
    let v = super::judge_account(&account(ACCT, vec![t]), &[], &regions(), &both);
    assert_eq!(v[0].0, "console-auth-failures");
    assert_eq!(cells(&v[0].1), all("PASS", "COMPLIANT"));
    // root-usage's filter publishes the same metric in this fixture, so its alarm serves too.
    assert_eq!(cells(&v[1].1), all("PASS", "COMPLIANT"));
    assert_eq!(
        v[1].1["us-east-1"].chain.filter_name.as_deref(),
        Some("root")
    );
}
