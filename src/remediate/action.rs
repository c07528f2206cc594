//! One change remediation makes. Every parameter the call takes is here, so a reviewer sees
//! exactly what will be sent (the account and region are the target's), and every action says
//! which controls it serves: a filter or an alarm one, the shared log group, topic, policy
//! statement and subscriptions every control that needs them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::POLICY_SID;

/// The tag on everything orgsweep creates (metric filters cannot be tagged).
pub(crate) const MANAGED_BY_KEY: &str = "managed-by";
pub(crate) const MANAGED_BY_VALUE: &str = "orgsweep";

pub(crate) fn managed_tags() -> BTreeMap<String, String> {
    BTreeMap::from([(MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string())])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", deny_unknown_fields)]
pub enum Action {
    /// `logs:CreateLogGroup` — only for a log group the trail names but that does not exist.
    CreateLogGroup {
        controls: Vec<String>,
        log_group_name: String,
        tags: BTreeMap<String, String>,
    },
    /// `logs:PutMetricFilter` with the control's reference pattern under the plan's benchmark.
    PutMetricFilter {
        control: String,
        log_group_name: String,
        filter_name: String,
        filter_pattern: String,
        metric_namespace: String,
        metric_name: String,
        metric_value: String,
        /// Set when the filter exists as orgsweep created it under another benchmark: its
        /// current pattern, which this put replaces in place (same name, same metric). The
        /// apply puts only while the filter still has exactly this pattern.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
    },
    /// `sns:CreateTopic` — skipped when the topic exists (it is reused, not re-tagged).
    CreateTopic {
        controls: Vec<String>,
        topic_name: String,
        topic_arn: String,
        tags: BTreeMap<String, String>,
    },
    /// `sns:GetTopicAttributes`, then `sns:SetTopicAttributes Policy` with `statement` added to
    /// the existing statements (none is dropped); skipped when a statement with its `Sid` exists.
    AddTopicPolicyStatement {
        controls: Vec<String>,
        topic_arn: String,
        statement: serde_json::Value,
    },
    /// `sns:Subscribe`, skipped when the endpoint is already subscribed.
    Subscribe {
        controls: Vec<String>,
        topic_arn: String,
        protocol: String,
        endpoint: String,
    },
    /// `cloudwatch:PutMetricAlarm`, only when no alarm of that name exists.
    PutMetricAlarm {
        control: String,
        alarm_name: String,
        alarm_description: String,
        metric_namespace: String,
        metric_name: String,
        dimensions: BTreeMap<String, String>,
        statistic: String,
        period: i32,
        evaluation_periods: i32,
        threshold: f64,
        comparison_operator: String,
        treat_missing_data: String,
        actions_enabled: bool,
        alarm_actions: Vec<String>,
        tags: BTreeMap<String, String>,
    },
}

impl Action {
    /// The API-style name shown in tables and `actions.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::CreateLogGroup { .. } => "CreateLogGroup",
            Action::PutMetricFilter { .. } => "PutMetricFilter",
            Action::CreateTopic { .. } => "CreateTopic",
            Action::AddTopicPolicyStatement { .. } => "AddTopicPolicyStatement",
            Action::Subscribe { .. } => "Subscribe",
            Action::PutMetricAlarm { .. } => "PutMetricAlarm",
        }
    }

    /// The controls the action serves.
    pub fn controls(&self) -> Vec<&str> {
        match self {
            Action::PutMetricFilter { control, .. } | Action::PutMetricAlarm { control, .. } => {
                vec![control.as_str()]
            }
            Action::CreateLogGroup { controls, .. }
            | Action::CreateTopic { controls, .. }
            | Action::AddTopicPolicyStatement { controls, .. }
            | Action::Subscribe { controls, .. } => controls.iter().map(String::as_str).collect(),
        }
    }

    /// What the action creates or changes, in words a reviewer recognises.
    pub fn resource(&self) -> String {
        match self {
            Action::CreateLogGroup { log_group_name, .. } => format!("log group {log_group_name}"),
            Action::PutMetricFilter {
                log_group_name,
                filter_name,
                ..
            } => format!("filter {filter_name} on {log_group_name}"),
            Action::CreateTopic { topic_arn, .. } => topic_arn.clone(),
            Action::AddTopicPolicyStatement { topic_arn, .. } => format!("{topic_arn} policy"),
            Action::Subscribe {
                topic_arn,
                protocol,
                endpoint,
                ..
            } => format!("{protocol}:{endpoint} to {topic_arn}"),
            Action::PutMetricAlarm { alarm_name, .. } => format!("alarm {alarm_name}"),
        }
    }

    /// One line of the parameters that matter most.
    pub fn summary(&self) -> String {
        match self {
            Action::CreateLogGroup { .. } => {
                "the trail delivers to it but it does not exist".into()
            }
            Action::PutMetricFilter {
                filter_pattern,
                metric_namespace,
                metric_name,
                metric_value,
                replaces,
                ..
            } => {
                let mut s = format!(
                    "metric {metric_namespace}/{metric_name} += {metric_value} on {filter_pattern}"
                );
                if let Some(old) = replaces {
                    s.push_str(&format!(
                        " (updates orgsweep's filter in place; it had the older benchmark text {old})"
                    ));
                }
                s
            }
            Action::CreateTopic { .. } => "tagged managed-by=orgsweep".into(),
            Action::AddTopicPolicyStatement { .. } => {
                format!("statement {POLICY_SID}: cloudwatch.amazonaws.com may sns:Publish (other statements kept)")
            }
            Action::Subscribe { .. } => "subscribe".into(),
            Action::PutMetricAlarm {
                metric_namespace,
                metric_name,
                dimensions,
                statistic,
                period,
                threshold,
                comparison_operator,
                ..
            } => {
                let dims = if dimensions.is_empty() {
                    String::new()
                } else {
                    let d: Vec<String> =
                        dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!(" [{}]", d.join(","))
                };
                format!(
                    "{statistic} of {metric_namespace}/{metric_name}{dims} over {period}s {} {threshold} -> topic",
                    comparison_symbol(comparison_operator)
                )
            }
        }
    }

    /// Two actions with the same key do the same thing to the same resource.
    pub fn key(&self) -> (&'static str, String) {
        (self.name(), self.resource())
    }
}

fn comparison_symbol(op: &str) -> &str {
    match op {
        "GreaterThanOrEqualToThreshold" => ">=",
        "GreaterThanThreshold" => ">",
        other => other,
    }
}
