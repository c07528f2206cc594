//! The I/O of remediation: read one target's current state, and carry out one action.
//!
//! Each action re-reads what it would change just before changing it, and does nothing when
//! the change is already there: a second apply changes nothing, and the emulator's habit of
//! adding a duplicate metric filter on a second put never shows. Something of the configured
//! name that orgsweep did not make (another pattern, another alarm) is a conflict: reported,
//! never overwritten.

use aws_sdk_cloudwatch::types as cw;

use crate::aws::errors::classify;
use crate::aws::{AccountClients, CallFailure, FailureKind};
use crate::collect::{metrics, usable_alarm_topics};
use crate::facts::{MetricFilterFacts, MetricTransformation};

use super::action::Action;
use super::names::PlanConfig;
use super::plan::TargetPlan;
use super::policy::merge_policy;
use super::target::{alarm_differences, decide_filter_put, FilterPut, TargetState, TopicState};

/// What became of one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionResult {
    /// The change was made.
    Done(String),
    /// Nothing to do: already there, or no longer needed.
    Skipped(String),
    /// Not done: the call failed, or something orgsweep did not create is in the way.
    Failed(String),
}

impl ActionResult {
    /// The `result` column of actions.csv.
    pub fn cell(&self) -> String {
        match self {
            ActionResult::Done(m) => format!("done: {m}"),
            ActionResult::Skipped(m) => format!("skipped: {m}"),
            ActionResult::Failed(m) => format!("failed: {m}"),
        }
    }

    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, ActionResult::Failed(_))
    }
}

fn wrong_account(clients: &AccountClients, t: &TargetPlan) -> Option<CallFailure> {
    (clients.account_id != t.account_id).then(|| {
        CallFailure::not_made(
            FailureKind::Other,
            "CloudWatchLogs:DescribeLogGroups",
            format!(
                "clients of account {} cannot act on {}",
                clients.account_id, t.log_group_arn
            ),
        )
    })
}

/// Reads what planning a target needs: the log group and its filters, every alarm of its
/// region, the topics that usable alarms on its filters' metrics (and the metrics orgsweep
/// would add) notify, and the configured topic.
pub async fn probe(
    clients: &AccountClients,
    t: &TargetPlan,
    cfg: &PlanConfig,
) -> Result<TargetState, CallFailure> {
    if let Some(f) = wrong_account(clients, t) {
        return Err(f);
    }
    let group = metrics::log_group(clients, &t.log_group_arn).await?;
    let log_group_exists = group.found_arn.is_some();
    let filters = match group.filters {
        Some(Ok(f)) => f,
        Some(Err(f)) => return Err(f),
        None => Vec::new(),
    };
    let topic_arn = t.topic_arn(&cfg.topic_name);
    let (alarms, topic) = tokio::join!(
        metrics::all_alarms(clients, &t.region),
        topic_state(clients, &topic_arn)
    );
    let alarms = alarms?;
    let topic = topic?;
    let ours: Vec<MetricTransformation> = cfg
        .controls
        .iter()
        .map(|n| n.metric(&cfg.metric_namespace))
        .collect();
    let metrics: Vec<&MetricTransformation> = filters
        .iter()
        .flat_map(|f| &f.transformations)
        .chain(&ours)
        .collect();
    let topics =
        usable_alarm_topics(clients, &alarms, &metrics, &t.region, &t.account_id, false).await;
    Ok(TargetState {
        log_group_exists,
        filters,
        alarms,
        topics,
        topic,
    })
}

/// The configured topic's policy and subscriptions; `None` when it does not exist.
async fn topic_state(
    clients: &AccountClients,
    topic_arn: &str,
) -> Result<Option<TopicState>, CallFailure> {
    let Some(attributes) = topic_attributes(clients, topic_arn).await? else {
        return Ok(None);
    };
    let subs = metrics::topic(clients, topic_arn).await?;
    Ok(Some(TopicState {
        arn: topic_arn.to_string(),
        policy: attributes.policy,
        kms_master_key_id: attributes.kms_master_key_id,
        subscriptions: subs.subscriptions,
    }))
}

fn region_of(arn: &str) -> String {
    crate::facts::parse_arn(arn)
        .map(|p| p.region.to_string())
        .unwrap_or_default()
}

/// A topic's `Policy` and `KmsMasterKeyId`.
struct TopicAttributes {
    policy: Option<String>,
    kms_master_key_id: Option<String>,
}

/// `GetTopicAttributes`: `None` when the topic does not exist.
async fn topic_attributes(
    clients: &AccountClients,
    topic_arn: &str,
) -> Result<Option<TopicAttributes>, CallFailure> {
    let region = region_of(topic_arn);
    match clients
        .sns(&region)
        .get_topic_attributes()
        .topic_arn(topic_arn)
        .send()
        .await
    {
        Ok(out) => {
            let get = |k: &str| {
                out.attributes()
                    .and_then(|a| a.get(k))
                    .filter(|v| !v.is_empty())
                    .cloned()
            };
            Ok(Some(TopicAttributes {
                policy: get("Policy"),
                kms_master_key_id: get("KmsMasterKeyId"),
            }))
        }
        Err(e) => {
            let f = classify("SNS:GetTopicAttributes", &e).in_region(&region);
            if f.is_not_found() {
                Ok(None)
            } else {
                Err(f)
            }
        }
    }
}

async fn log_group_filters(
    clients: &AccountClients,
    t: &TargetPlan,
) -> Result<(bool, Vec<MetricFilterFacts>), CallFailure> {
    let group = metrics::log_group(clients, &t.log_group_arn).await?;
    let filters = match group.filters {
        Some(Ok(f)) => f,
        Some(Err(f)) => return Err(f),
        None => Vec::new(),
    };
    Ok((group.found_arn.is_some(), filters))
}

/// Carries out one action of target `t`, after re-reading what it would change.
pub async fn execute(clients: &AccountClients, t: &TargetPlan, action: &Action) -> ActionResult {
    if let Some(f) = wrong_account(clients, t) {
        return ActionResult::Failed(f.to_string());
    }
    match run(clients, t, action).await {
        Ok(result) => result,
        Err(f) => ActionResult::Failed(f.to_string()),
    }
}

async fn run(
    clients: &AccountClients,
    t: &TargetPlan,
    action: &Action,
) -> Result<ActionResult, CallFailure> {
    let region = t.region.as_str();
    match action {
        Action::CreateLogGroup {
            log_group_name,
            tags,
            ..
        } => {
            let (exists, _) = log_group_filters(clients, t).await?;
            if exists {
                return Ok(ActionResult::Skipped("the log group exists".into()));
            }
            let mut call = clients
                .logs(region)
                .create_log_group()
                .log_group_name(log_group_name);
            for (k, v) in tags {
                call = call.tags(k, v);
            }
            call.send()
                .await
                .map_err(|e| classify("CloudWatchLogs:CreateLogGroup", &e).in_region(region))?;
            Ok(ActionResult::Done("created".into()))
        }
        Action::PutMetricFilter {
            log_group_name,
            filter_name,
            filter_pattern,
            metric_namespace,
            metric_name,
            metric_value,
            replaces,
            ..
        } => {
            let (exists, filters) = log_group_filters(clients, t).await?;
            if !exists {
                return Ok(ActionResult::Failed(format!(
                    "log group {log_group_name} does not exist"
                )));
            }
            let metric = MetricTransformation {
                namespace: metric_namespace.clone(),
                metric_name: metric_name.clone(),
                value: metric_value.clone(),
                dimensions: Default::default(),
            };
            // Real CloudWatch Logs replaces a filter put under an existing name; the emulator
            // adds a second one. The decision reads every filter of the name, so either way a
            // second apply finds the new pattern and skips.
            let done = match decide_filter_put(
                &filters,
                filter_name,
                filter_pattern,
                &metric,
                replaces.as_deref(),
            ) {
                FilterPut::Skip => return Ok(ActionResult::Skipped("the filter exists".into())),
                FilterPut::Refuse(why) => return Ok(ActionResult::Failed(why)),
                FilterPut::Create => "created",
                FilterPut::Update => "updated in place to the selected benchmark's pattern",
            };
            let transformation = aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                .metric_namespace(metric_namespace)
                .metric_name(metric_name)
                .metric_value(metric_value)
                .build()
                .map_err(|e| {
                    CallFailure::new(
                        FailureKind::Other,
                        "CloudWatchLogs:PutMetricFilter",
                        e.to_string(),
                    )
                })?;
            clients
                .logs(region)
                .put_metric_filter()
                .log_group_name(log_group_name)
                .filter_name(filter_name)
                .filter_pattern(filter_pattern)
                .metric_transformations(transformation)
                .send()
                .await
                .map_err(|e| classify("CloudWatchLogs:PutMetricFilter", &e).in_region(region))?;
            Ok(ActionResult::Done(done.into()))
        }
        Action::CreateTopic {
            topic_name,
            topic_arn,
            tags,
            ..
        } => {
            if topic_attributes(clients, topic_arn).await?.is_some() {
                return Ok(ActionResult::Skipped("the topic exists; reused".into()));
            }
            let mut call = clients.sns(region).create_topic().name(topic_name);
            for (k, v) in tags {
                let tag = aws_sdk_sns::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| {
                        CallFailure::new(FailureKind::Other, "SNS:CreateTopic", e.to_string())
                    })?;
                call = call.tags(tag);
            }
            let out = call
                .send()
                .await
                .map_err(|e| classify("SNS:CreateTopic", &e).in_region(region))?;
            let made = out.topic_arn().unwrap_or_default();
            if made != topic_arn {
                return Ok(ActionResult::Failed(format!(
                    "SNS created {made}, not the planned {topic_arn}"
                )));
            }
            Ok(ActionResult::Done("created".into()))
        }
        Action::AddTopicPolicyStatement {
            topic_arn,
            statement,
            ..
        } => {
            let Some(TopicAttributes { policy, .. }) = topic_attributes(clients, topic_arn).await?
            else {
                return Ok(ActionResult::Failed(format!(
                    "topic {topic_arn} does not exist"
                )));
            };
            let merged = match merge_policy(policy.as_deref(), statement) {
                Ok(Some(m)) => m,
                Ok(None) => {
                    return Ok(ActionResult::Skipped(
                        "the statement is in the policy".into(),
                    ))
                }
                Err(why) => {
                    return Ok(ActionResult::Failed(format!(
                        "{why}; the policy was not changed"
                    )))
                }
            };
            clients
                .sns(region)
                .set_topic_attributes()
                .topic_arn(topic_arn)
                .attribute_name("Policy")
                .attribute_value(merged)
                .send()
                .await
                .map_err(|e| classify("SNS:SetTopicAttributes", &e).in_region(region))?;
            Ok(ActionResult::Done(
                "statement added, existing statements kept".into(),
            ))
        }
        Action::Subscribe {
            topic_arn,
            protocol,
            endpoint,
            ..
        } => {
            let existing = metrics::topic(clients, topic_arn).await?;
            if let Some(s) = existing
                .subscriptions
                .iter()
                .find(|s| &s.protocol == protocol && &s.endpoint == endpoint)
            {
                return Ok(ActionResult::Skipped(if s.is_confirmed() {
                    "already subscribed".into()
                } else {
                    "already subscribed, waiting for confirmation".into()
                }));
            }
            let out = clients
                .sns(region)
                .subscribe()
                .topic_arn(topic_arn)
                .protocol(protocol)
                .endpoint(endpoint)
                .return_subscription_arn(true)
                .send()
                .await
                .map_err(|e| classify("SNS:Subscribe", &e).in_region(region))?;
            let arn = out.subscription_arn().unwrap_or_default();
            Ok(ActionResult::Done(if arn.starts_with("arn:") {
                "subscribed".into()
            } else {
                "subscribed; the recipient must confirm".into()
            }))
        }
        Action::PutMetricAlarm {
            control: _,
            alarm_name,
            alarm_description,
            metric_namespace,
            metric_name,
            dimensions,
            statistic,
            period,
            evaluation_periods,
            threshold,
            comparison_operator,
            treat_missing_data,
            actions_enabled,
            alarm_actions,
            tags,
        } => {
            if let Some(existing) = metrics::alarm_named(clients, region, alarm_name).await? {
                let metric = MetricTransformation {
                    namespace: metric_namespace.clone(),
                    metric_name: metric_name.clone(),
                    value: "1".into(),
                    dimensions: dimensions.clone(),
                };
                let topic = alarm_actions
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default();
                let diffs = alarm_differences(&existing, &metric, topic);
                return Ok(if diffs.is_empty() {
                    ActionResult::Skipped("the alarm exists".into())
                } else {
                    ActionResult::Failed(format!(
                        "alarm {alarm_name} exists with other settings ({}); orgsweep does not change it",
                        diffs.join("; ")
                    ))
                });
            }
            let mut call = clients
                .cloudwatch(region)
                .put_metric_alarm()
                .alarm_name(alarm_name)
                .alarm_description(alarm_description)
                .namespace(metric_namespace)
                .metric_name(metric_name)
                .statistic(cw::Statistic::from(statistic.as_str()))
                .period(*period)
                .evaluation_periods(*evaluation_periods)
                .threshold(*threshold)
                .comparison_operator(cw::ComparisonOperator::from(comparison_operator.as_str()))
                .treat_missing_data(treat_missing_data)
                .actions_enabled(*actions_enabled)
                .set_alarm_actions(Some(alarm_actions.clone()));
            for (k, v) in dimensions {
                call = call.dimensions(cw::Dimension::builder().name(k).value(v).build());
            }
            for (k, v) in tags {
                call = call.tags(cw::Tag::builder().key(k).value(v).build());
            }
            call.send()
                .await
                .map_err(|e| classify("CloudWatch:PutMetricAlarm", &e).in_region(region))?;
            Ok(ActionResult::Done("created".into()))
        }
    }
}
