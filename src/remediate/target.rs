//! One target's current state → the actions that complete its chain for each of its controls
//! (pure). Only what a chain lacks: a filter that already serves a control is reused (its
//! metric gets the alarm), the configured topic is reused when it exists, subscriptions are
//! kept. Nothing orgsweep did not create is changed: a filter or alarm of a configured name
//! with other settings is a *conflict*, reported and left alone.

use std::collections::BTreeMap;

use crate::controls::{self, Control};
use crate::facts::{
    is_sns_managed_key, AlarmFacts, AlarmMetric, Fetched, MetricFilterFacts, MetricTransformation,
    SubscriptionFacts, TopicFacts,
};
use crate::judge::alarm::{sns_topics, usable};
use crate::judge::chain::pattern_problem;

use super::action::{managed_tags, Action};
use super::names::{ControlNames, PlanConfig};
use super::plan::TargetPlan;
use super::policy::{policy_has_statement, policy_statement};

/// The alarm orgsweep puts: one event in five minutes fires it.
pub(crate) const ALARM_STATISTIC: &str = "Sum";
pub(crate) const ALARM_PERIOD: i32 = 300;
pub(crate) const ALARM_THRESHOLD: f64 = 1.0;
pub(crate) const ALARM_COMPARISON: &str = "GreaterThanOrEqualToThreshold";
pub(crate) const ALARM_EVALUATION_PERIODS: i32 = 1;
pub(crate) const ALARM_TREAT_MISSING_DATA: &str = "notBreaching";

/// The current state of one target, read just before planning or applying it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetState {
    pub log_group_exists: bool,
    /// The log group's metric filters (none when it does not exist).
    pub filters: Vec<MetricFilterFacts>,
    /// The metric alarms of the target's account and region.
    pub alarms: Vec<AlarmFacts>,
    /// The topics of usable alarms on the filters' metrics, by ARN.
    pub topics: BTreeMap<String, Fetched<TopicFacts>>,
    /// The configured topic in the target's region; `None` when it does not exist.
    pub topic: Option<TopicState>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicState {
    pub arn: String,
    /// The `Policy` attribute (JSON text).
    pub policy: Option<String>,
    /// The `KmsMasterKeyId` attribute, when the topic is encrypted.
    pub kms_master_key_id: Option<String>,
    pub subscriptions: Vec<SubscriptionFacts>,
}

/// Which metric a control's alarm goes on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MetricChoice {
    /// A filter that already serves the control: reuse its metric.
    Existing {
        filter_name: String,
        metric: MetricTransformation,
    },
    /// Put the control's filter.
    Ours(MetricTransformation),
    /// orgsweep's own filter (its name, its metric) carries the pattern orgsweep wrote under
    /// another benchmark, `old`: put the selected benchmark's pattern over it, in place.
    Update {
        old: String,
        metric: MetricTransformation,
    },
    /// Cannot put the control's filter (its name is taken by another pattern): why.
    Blocked(String),
}

impl MetricChoice {}

/// A metric whose one event adds at least 1, so `Sum >= 1` fires on one event.
fn counts_events(m: &MetricTransformation) -> bool {
    m.value.trim().parse::<f64>().is_ok_and(|v| v >= 1.0)
}

/// Whether a filter is one orgsweep created for `control` under some benchmark: the configured
/// name, orgsweep's metric (namespace, name, value 1), and exactly the pattern orgsweep writes
/// under one of the benchmarks. Metric filters cannot be tagged, so this triple is the marker;
/// a filter someone edited by hand fails it and is left alone.
pub(crate) fn created_by_orgsweep(
    f: &MetricFilterFacts,
    control: &Control,
    names: &ControlNames,
    namespace: &str,
) -> bool {
    let want = names.metric(namespace);
    f.name == names.filter_name
        && controls::remediation_texts(&control.id).contains(&f.pattern.as_str())
        && f.transformations.iter().any(|m| {
            m.namespace == want.namespace
                && m.metric_name == want.metric_name
                && m.value == want.value
        })
}

/// Picks the metric to alarm on for `control`: a filter that already serves it (the
/// configured name first, then by name), else the configured filter — updated in place when
/// it is orgsweep's own from another benchmark, blocked when its name is taken by a filter
/// orgsweep must not overwrite.
pub(crate) fn choose_metric(
    filters: &[MetricFilterFacts],
    control: &Control,
    names: &ControlNames,
    namespace: &str,
    log_group_name: &str,
) -> MetricChoice {
    let mut sorted: Vec<&MetricFilterFacts> = filters.iter().collect();
    sorted.sort_by_key(|f| (f.name != names.filter_name, f.name.clone()));
    for f in &sorted {
        if pattern_problem(&f.pattern, control).is_some() {
            continue;
        }
        if let Some(m) = f.transformations.iter().find(|m| counts_events(m)) {
            return MetricChoice::Existing {
                filter_name: f.name.clone(),
                metric: m.clone(),
            };
        }
    }
    if let Some(ours) = filters
        .iter()
        .find(|f| created_by_orgsweep(f, control, names, namespace))
    {
        return MetricChoice::Update {
            old: ours.pattern.clone(),
            metric: names.metric(namespace),
        };
    }
    if let Some(taken) = filters.iter().find(|f| f.name == names.filter_name) {
        let why = if let Some((_, problem)) = pattern_problem(&taken.pattern, control) {
            format!(
                "its pattern `{}` does not serve {}: {problem}",
                taken.pattern, control.id
            )
        } else {
            "it publishes no metric whose value counts each event".to_string()
        };
        return MetricChoice::Blocked(format!(
            "metric filter {} on {log_group_name} exists and {why}; orgsweep does not overwrite a filter it did not \
             create: correct or delete it, or set remediation.names.{}.filter_name to another name",
            names.filter_name, control.id
        ));
    }
    MetricChoice::Ours(names.metric(namespace))
}

/// What the apply does with a `PutMetricFilter`, given the filters of the log group as read
/// just before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilterPut {
    /// The filter is already there with this pattern and metric.
    Skip,
    /// No filter of the name: create it.
    Create,
    /// orgsweep's filter still has the older benchmark's pattern the plan saw: put over it.
    Update,
    /// Something else has the name: never overwritten.
    Refuse(String),
}

/// Decides a `PutMetricFilter` (pure; the apply's re-read feeds it). A filter of the name with
/// exactly the pattern and metric is done already; one with the pattern the plan said it
/// replaces (and orgsweep's metric) is updated; anything else of the name is left alone.
pub(crate) fn decide_filter_put(
    filters: &[MetricFilterFacts],
    filter_name: &str,
    pattern: &str,
    metric: &MetricTransformation,
    replaces: Option<&str>,
) -> FilterPut {
    let has_metric = |f: &MetricFilterFacts| {
        f.transformations.iter().any(|m| {
            m.namespace == metric.namespace
                && m.metric_name == metric.metric_name
                && m.value == metric.value
        })
    };
    let named: Vec<&MetricFilterFacts> = filters.iter().filter(|f| f.name == filter_name).collect();
    if named.iter().any(|f| f.pattern == pattern && has_metric(f)) {
        return FilterPut::Skip;
    }
    let Some(first) = named.first() else {
        return FilterPut::Create;
    };
    if let Some(old) = replaces {
        if named.iter().any(|f| f.pattern == old && has_metric(f)) {
            return FilterPut::Update;
        }
    }
    FilterPut::Refuse(format!(
        "a filter named {filter_name} exists with pattern `{}`; orgsweep does not overwrite a filter it did not create",
        first.pattern
    ))
}

/// Whether an alarm completes the chain on `metric`: usable, and one of its topics has a
/// confirmed subscription.
pub(crate) fn alarm_completes(
    a: &AlarmFacts,
    metric: &MetricTransformation,
    region: &str,
    account: &str,
    topics: &BTreeMap<String, Fetched<TopicFacts>>,
) -> bool {
    usable(a, metric, region, account)
        && sns_topics(a).iter().any(|t| {
            topics.get(*t).is_some_and(|f| {
                f.as_ref()
                    .is_ok_and(|t| t.subscriptions.iter().any(|s| s.is_confirmed()))
            })
        })
}

/// How an existing alarm of the configured name differs from the one orgsweep would put;
/// empty when it is that alarm.
pub(crate) fn alarm_differences(
    a: &AlarmFacts,
    metric: &MetricTransformation,
    topic_arn: &str,
) -> Vec<String> {
    let mut diffs = Vec::new();
    match &a.metric {
        AlarmMetric::Single(s) => {
            if s.namespace != metric.namespace
                || s.metric_name != metric.metric_name
                || s.dimensions != metric.dimensions
            {
                diffs.push(format!(
                    "watches {}/{} {:?} (wanted {}/{} {:?})",
                    s.namespace,
                    s.metric_name,
                    s.dimensions,
                    metric.namespace,
                    metric.metric_name,
                    metric.dimensions
                ));
            }
            if s.statistic.as_deref() != Some(ALARM_STATISTIC) {
                diffs.push(format!(
                    "statistic {} (wanted {ALARM_STATISTIC})",
                    s.statistic
                        .as_deref()
                        .or(s.extended_statistic.as_deref())
                        .unwrap_or("?")
                ));
            }
        }
        AlarmMetric::Math(_) => diffs.push("is a metric-math alarm".into()),
    }
    if a.threshold != Some(ALARM_THRESHOLD) {
        diffs.push(format!(
            "threshold {:?} (wanted {ALARM_THRESHOLD})",
            a.threshold
        ));
    }
    if a.comparison_operator != ALARM_COMPARISON {
        diffs.push(format!(
            "comparison {} (wanted {ALARM_COMPARISON})",
            a.comparison_operator
        ));
    }
    if a.evaluation_periods != ALARM_EVALUATION_PERIODS
        || a.datapoints_to_alarm.is_some_and(|d| d != 1)
    {
        diffs.push(format!(
            "{} evaluation period(s), {:?} datapoint(s) to alarm (wanted 1)",
            a.evaluation_periods, a.datapoints_to_alarm
        ));
    }
    if !a.actions_enabled {
        diffs.push("actions disabled".into());
    }
    if !a.alarm_actions.iter().any(|x| x == topic_arn) {
        diffs.push(format!("does not notify {topic_arn}"));
    }
    diffs
}

/// The alarm orgsweep puts for `control` on `metric`, notifying `topic_arn`.
pub fn alarm_action(
    control: &Control,
    names: &ControlNames,
    metric: &MetricTransformation,
    topic_arn: &str,
) -> Action {
    let numbers: Vec<String> = if control.benchmark.is_cis() {
        std::iter::once(format!("{} {}", control.benchmark.label(), control.number))
            .chain(control.security_hub.clone())
            .collect()
    } else {
        vec![control.number.clone()]
    };
    Action::PutMetricAlarm {
        control: control.id.clone(),
        alarm_name: names.alarm_name.clone(),
        alarm_description: format!(
            "{}: {} (managed by orgsweep)",
            numbers.join(" / "),
            control.title
        ),
        metric_namespace: metric.namespace.clone(),
        metric_name: metric.metric_name.clone(),
        dimensions: metric.dimensions.clone(),
        statistic: ALARM_STATISTIC.into(),
        period: ALARM_PERIOD,
        evaluation_periods: ALARM_EVALUATION_PERIODS,
        threshold: ALARM_THRESHOLD,
        comparison_operator: ALARM_COMPARISON.into(),
        treat_missing_data: ALARM_TREAT_MISSING_DATA.into(),
        actions_enabled: true,
        alarm_actions: vec![topic_arn.to_string()],
        tags: managed_tags(),
    }
}

/// Fills a skeleton target's actions, conflicts, incompleteness and notes from its state.
/// Order: the log group; each control's filter; the shared topic, its policy statement and
/// subscriptions; each control's alarm.
pub(crate) fn plan_target(
    skeleton: &TargetPlan,
    state: &TargetState,
    cfg: &PlanConfig,
) -> TargetPlan {
    let mut t = skeleton.clone();
    t.actions.clear();
    t.conflicts.clear();
    t.incomplete.clear();
    t.notes.clear();

    if !state.log_group_exists {
        t.actions.push(Action::CreateLogGroup {
            controls: t.controls.clone(),
            log_group_name: t.log_group_name.clone(),
            tags: managed_tags(),
        });
    }
    let filters: &[MetricFilterFacts] = if state.log_group_exists {
        &state.filters
    } else {
        &[]
    };
    let topic_arn = t.topic_arn(&cfg.topic_name);
    let mut alarms = Vec::new();
    let mut need_topic: Vec<String> = Vec::new();
    for id in t.controls.clone() {
        let (Some(control), Some(names)) = (controls::get_in(cfg.benchmark, &id), cfg.names(&id))
        else {
            t.incomplete.push(format!(
                "control {id} is not one this plan was made for: plan again"
            ));
            continue;
        };
        let metric = match choose_metric(
            filters,
            control,
            names,
            &cfg.metric_namespace,
            &t.log_group_name,
        ) {
            MetricChoice::Existing {
                filter_name,
                metric,
            } => {
                if filter_name != names.filter_name {
                    t.notes.push(format!(
                        "{id}: reuses metric filter {filter_name} (metric {}/{}), which already catches every one of the {}",
                        metric.namespace, metric.metric_name, control.reference.catches
                    ));
                }
                metric
            }
            MetricChoice::Ours(metric) => {
                let put = put_filter(
                    &id,
                    &t.log_group_name,
                    &names.filter_name,
                    control,
                    &metric,
                    None,
                );
                t.actions.push(put);
                metric
            }
            MetricChoice::Update { old, metric } => {
                t.notes.push(format!(
                    "{id}: metric filter {} is orgsweep's, with the pattern of another benchmark; it is updated \
                     in place to {}'s text",
                    names.filter_name,
                    cfg.benchmark.label()
                ));
                let put = put_filter(
                    &id,
                    &t.log_group_name,
                    &names.filter_name,
                    control,
                    &metric,
                    Some(old),
                );
                t.actions.push(put);
                metric
            }
            MetricChoice::Blocked(why) => {
                t.conflicts.push(why);
                t.incomplete.push(format!(
                    "{id}: no metric filter that catches every one of the {} can be added",
                    control.reference.catches
                ));
                continue;
            }
        };
        if let Some(a) = state
            .alarms
            .iter()
            .find(|a| alarm_completes(a, &metric, &t.region, &t.account_id, &state.topics))
        {
            t.notes.push(format!(
                "{id}: reuses alarm {} on {}/{}, which already notifies a confirmed subscriber",
                a.name, metric.namespace, metric.metric_name
            ));
            continue;
        }
        match state.alarms.iter().find(|a| a.name == names.alarm_name) {
            None => alarms.push(alarm_action(control, names, &metric, &topic_arn)),
            Some(a) => {
                let diffs = alarm_differences(a, &metric, &topic_arn);
                if !diffs.is_empty() {
                    t.conflicts.push(format!(
                        "alarm {} exists with other settings ({}); orgsweep does not change an alarm: correct or \
                         delete it, or set remediation.names.{id}.alarm_name to another name",
                        names.alarm_name,
                        diffs.join("; ")
                    ));
                    t.incomplete.push(format!(
                        "{id}: alarm {} cannot be put without overwriting it",
                        names.alarm_name
                    ));
                    continue;
                }
            }
        }
        need_topic.push(id);
    }
    if !need_topic.is_empty() {
        plan_topic(&mut t, state, cfg, &topic_arn, need_topic);
    }
    t.actions.extend(alarms);
    t
}

/// The shared topic's actions for the controls that alarm on it.
fn plan_topic(
    t: &mut TargetPlan,
    state: &TargetState,
    cfg: &PlanConfig,
    topic_arn: &str,
    controls: Vec<String>,
) {
    let existing_subs: &[SubscriptionFacts] = match &state.topic {
        None => {
            t.actions.push(Action::CreateTopic {
                controls: controls.clone(),
                topic_name: cfg.topic_name.clone(),
                topic_arn: topic_arn.to_string(),
                tags: managed_tags(),
            });
            t.actions.push(Action::AddTopicPolicyStatement {
                controls: controls.clone(),
                topic_arn: topic_arn.to_string(),
                statement: policy_statement(topic_arn, &t.account_id),
            });
            &[]
        }
        Some(topic) => {
            t.notes.push(format!("reuses topic {}", topic.arn));
            match topic.kms_master_key_id.as_deref() {
                Some(key) if is_sns_managed_key(key) => {
                    t.conflicts.push(format!(
                        "topic {topic_arn} is encrypted with the AWS managed key {key}, which CloudWatch cannot use; \
                         orgsweep does not change a topic's encryption: see the manual step for NOTIFICATION_BLOCKED \
                         (a customer managed key CloudWatch may use), or set remediation.topic_name to another topic"
                    ));
                    t.incomplete.push(format!(
                        "alarms cannot publish to {topic_arn} while it is encrypted with {key}"
                    ));
                }
                Some(key) => t.notes.push(format!(
                    "topic {topic_arn} is encrypted with KMS key {key}: its key policy must let cloudwatch.amazonaws.com \
                     use it (kms:Decrypt, kms:GenerateDataKey*); the re-check says whether it does"
                )),
                None => {}
            }
            match policy_has_statement(topic.policy.as_deref()) {
                Ok(true) => {}
                Ok(false) => t.actions.push(Action::AddTopicPolicyStatement {
                    controls: controls.clone(),
                    topic_arn: topic_arn.to_string(),
                    statement: policy_statement(topic_arn, &t.account_id),
                }),
                Err(why) => {
                    t.conflicts.push(format!(
                        "topic {topic_arn}: {why}; orgsweep will not rewrite it"
                    ));
                    t.incomplete.push(format!(
                        "CloudWatch may not be allowed to publish to {topic_arn}"
                    ));
                }
            }
            &topic.subscriptions
        }
    };
    let mut subscribed_now = Vec::new();
    for (protocol, endpoint) in cfg.endpoints() {
        if let Some(s) = existing_subs
            .iter()
            .find(|s| s.protocol == protocol && s.endpoint == endpoint)
        {
            if !s.is_confirmed() {
                t.notes.push(format!(
                    "{protocol}:{endpoint} is subscribed but not confirmed yet: the recipient must confirm it"
                ));
            }
            continue;
        }
        subscribed_now.push(format!("{protocol}:{endpoint}"));
        t.actions.push(Action::Subscribe {
            controls: controls.clone(),
            topic_arn: topic_arn.to_string(),
            protocol,
            endpoint,
        });
    }
    let confirmed = existing_subs.iter().any(|s| s.is_confirmed());
    if !confirmed && subscribed_now.is_empty() {
        if cfg.subscription_endpoints.is_empty() {
            t.incomplete.push(format!(
                "no subscription endpoint is configured, so topic {topic_arn} would notify nobody: add one to \
                 remediation.subscription_endpoints (e.g. \"email:security@example.com\") and plan again"
            ));
        } else {
            t.incomplete.push(format!(
                "topic {topic_arn} has no confirmed subscription yet"
            ));
        }
    }
    let needs_confirmation: Vec<&String> = subscribed_now
        .iter()
        .filter(|s| {
            !s.starts_with("lambda:") && !s.starts_with("sqs:") && !s.starts_with("firehose:")
        })
        .collect();
    if !needs_confirmation.is_empty() {
        t.notes.push(format!(
            "AWS asks {} to confirm the subscription; the cells pass once one is confirmed",
            needs_confirmation
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// orgsweep's filter for `control` on `log_group_name`, with the selected benchmark's pattern:
/// created, or put over orgsweep's own older text (`replaces`).
fn put_filter(
    control_id: &str,
    log_group_name: &str,
    filter_name: &str,
    control: &Control,
    metric: &MetricTransformation,
    replaces: Option<String>,
) -> Action {
    Action::PutMetricFilter {
        control: control_id.to_string(),
        log_group_name: log_group_name.to_string(),
        filter_name: filter_name.to_string(),
        filter_pattern: control.reference.texts[0].clone(),
        metric_namespace: metric.namespace.clone(),
        metric_name: metric.metric_name.clone(),
        metric_value: metric.value.clone(),
        replaces,
    }
}
