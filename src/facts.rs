//! Plain facts about one account, as gathered from AWS. No SDK type appears here: the judge
//! and the remediation planner read these, and unit tests build them by hand.
//!
//! `Fetched<T>` is a fact or the failed call that should have produced it. `Option<Fetched<T>>`
//! is a fact the collector did not need to read (an earlier link of the chain already broke).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::failure::CallFailure;

pub(crate) type Fetched<T> = Result<T, CallFailure>;

/// Everything the judge needs about one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountFacts {
    pub account_id: String,
    pub partition: String,
    /// Regions enabled for the account, in the caller's partition.
    pub enabled_regions: Fetched<BTreeSet<String>>,
    /// The account's own trails; `None` when they were not read because a complete
    /// organization chain already covers the account.
    pub trails: Option<Fetched<Vec<TrailFacts>>>,
    /// Regions whose single-region trails were looked for, and the lookups that failed there.
    pub regional_lookup_failures: BTreeMap<String, CallFailure>,
}

/// One trail, read in its home region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailFacts {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    pub config: Fetched<TrailConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailConfig {
    pub is_multi_region: bool,
    pub is_organization_trail: bool,
    pub include_global_service_events: bool,
    /// `CloudWatchLogsLogGroupArn`, e.g. `arn:aws:logs:us-east-1:111122223333:log-group:ct:*`.
    pub log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`: the role CloudTrail delivers to the log group with.
    #[serde(default)]
    pub log_role_arn: Option<String>,
    /// `GetTrailStatus`.
    pub status: Option<Fetched<TrailStatus>>,
    pub selectors: Option<Fetched<EventSelectors>>,
    pub log_group: Option<Fetched<LogGroupFacts>>,
}

/// What `GetTrailStatus` says: whether the trail logs, and how delivery to CloudWatch Logs went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailStatus {
    pub is_logging: bool,
    /// `LatestCloudWatchLogsDeliveryError`: the last error CloudTrail had delivering to the log
    /// group. It carries no time of its own.
    pub delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`, in seconds since the epoch.
    pub last_delivery: Option<i64>,
    /// When the status was read, in seconds since the epoch: how old the last delivery is is
    /// measured from here, so judging stays a function of the facts.
    pub read_at: i64,
}

impl TrailStatus {
    /// A logging trail with no delivery trouble (tests, and the planner's what-if).
    pub fn logging(is_logging: bool) -> TrailStatus {
        TrailStatus {
            is_logging,
            delivery_error: None,
            last_delivery: None,
            read_at: 0,
        }
    }
}

/// A trail's event selectors: classic or advanced, never both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventSelectors {
    Classic(Vec<ClassicSelector>),
    Advanced(Vec<AdvancedSelector>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassicSelector {
    pub include_management_events: bool,
    /// `All`, `ReadOnly` or `WriteOnly`.
    pub read_write_type: String,
    pub exclude_management_event_sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub field_selectors: Vec<FieldSelector>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldSelector {
    pub field: String,
    pub equals: Vec<String>,
    pub not_equals: Vec<String>,
    pub starts_with: Vec<String>,
    pub not_starts_with: Vec<String>,
    pub ends_with: Vec<String>,
    pub not_ends_with: Vec<String>,
}

/// The log group a trail delivers to, looked up by name in the region and account of its ARN,
/// with what the chain needs after it: its filters, the alarms of its region, the topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupFacts {
    /// The ARN of the group of that name found there (without the trailing `:*`), if any.
    pub found_arn: Option<String>,
    /// Metric filters of that group (read only when it exists).
    pub filters: Option<Fetched<Vec<MetricFilterFacts>>>,
    /// The metric alarms of the group's account and region (`DescribeAlarms`, once for every
    /// control); read only when the group has filters.
    pub alarms: Option<Fetched<Vec<AlarmFacts>>>,
    /// The SNS topics that usable alarms on the filters' metrics notify, by ARN. A topic that
    /// does not exist is a `NotFound` failure.
    pub topics: BTreeMap<String, Fetched<TopicFacts>>,
    /// With `--alarm-history`: the actions of those alarms in the window, by alarm ARN, newest
    /// first. Empty when not asked for.
    #[serde(default)]
    pub alarm_history: BTreeMap<String, Fetched<Vec<AlarmAction>>>,
}

/// One action an alarm took (`DescribeAlarmHistory`, type `Action`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmAction {
    /// Seconds since the epoch.
    pub time: i64,
    pub succeeded: bool,
    /// `HistorySummary`, e.g. `Failed to execute action arn:aws:sns:...`.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilterFacts {
    pub name: String,
    pub pattern: String,
    pub transformations: Vec<MetricTransformation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTransformation {
    pub namespace: String,
    pub metric_name: String,
    /// `metricValue`: usually `1`; may be a `$.field` reference.
    pub value: String,
    pub dimensions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmFacts {
    pub arn: String,
    pub name: String,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub comparison_operator: String,
    pub threshold: Option<f64>,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: Option<i32>,
    pub metric: AlarmMetric,
}

/// What an alarm watches: one metric, or a metric-math expression over several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AlarmMetric {
    Single(MetricStat),
    Math(Vec<MetricQuery>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricStat {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `SampleCount`, `Average`, ...; `None` with an extended (percentile) statistic.
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
}

impl MetricStat {
    /// Whether this is the filter's metric: same namespace, name and dimensions (AWS treats a
    /// metric with other dimensions as another metric).
    pub fn is(&self, metric: &MetricTransformation) -> bool {
        self.namespace == metric.namespace
            && self.metric_name == metric.metric_name
            && self.dimensions == metric.dimensions
    }
}

impl AlarmFacts {
    /// Whether the alarm evaluates `metric`, directly or inside a metric-math expression.
    pub fn watches(&self, metric: &MetricTransformation) -> bool {
        match &self.metric {
            AlarmMetric::Single(stat) => stat.is(metric),
            AlarmMetric::Math(queries) => queries
                .iter()
                .filter_map(|q| q.metric.as_ref())
                .any(|s| s.is(metric)),
        }
    }

    /// The actions meant for SNS: ARNs of service `sns`, and ARN-like actions that name SNS but
    /// do not parse (those are reported, not dropped). Auto Scaling, EC2 and SSM actions notify
    /// nobody.
    pub(crate) fn sns_actions(&self) -> Vec<&str> {
        self.alarm_actions
            .iter()
            .filter(|a| match parse_arn(a) {
                Some(p) => p.service.eq_ignore_ascii_case("sns"),
                None => a.starts_with("arn:") && a.to_ascii_lowercase().contains(":sns:"),
            })
            .map(String::as_str)
            .collect()
    }
}

/// Where an alarm's topic lives, seen from the alarm's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TopicPlace {
    /// In the alarm's own account.
    Here,
    /// In another account (named): read it there, with that account's role.
    Account(String),
    /// Not a topic orgsweep can read: a malformed ARN, or another partition. The sentence says
    /// why and names the ARN.
    Unreadable(String),
}

/// Where the topic of `arn` lives, for an alarm of `account` in `partition`.
pub(crate) fn topic_place(arn: &str, account: &str, partition: &str) -> TopicPlace {
    let malformed = |why: &str| {
        TopicPlace::Unreadable(format!(
            "alarm action {arn} is not a valid SNS topic ARN ({why}); fix the alarm's action"
        ))
    };
    let Some(p) = parse_arn(arn) else {
        return malformed("an SNS topic ARN is arn:PARTITION:sns:REGION:ACCOUNT:NAME");
    };
    if !p.service.eq_ignore_ascii_case("sns") {
        return malformed("not an SNS ARN");
    }
    if p.region.is_empty() {
        return malformed("it names no region");
    }
    if p.account.len() != 12 || !p.account.bytes().all(|b| b.is_ascii_digit()) {
        return malformed("the account is not 12 digits");
    }
    if p.resource.is_empty() || p.resource.contains(':') {
        return malformed("the topic name is empty or holds a colon");
    }
    if p.partition != partition {
        return TopicPlace::Unreadable(format!(
            "topic {arn} is in partition {}, and this sweep runs in partition {partition}, so orgsweep cannot read it",
            p.partition
        ));
    }
    if p.account == account {
        TopicPlace::Here
    } else {
        TopicPlace::Account(p.account.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricQuery {
    pub id: String,
    pub expression: Option<String>,
    pub metric: Option<MetricStat>,
    pub return_data: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicFacts {
    pub subscriptions: Vec<SubscriptionFacts>,
    /// What decides whether CloudWatch can publish to the topic; `None` when not read (the
    /// remediation's re-reads need only the subscriptions).
    #[serde(default)]
    pub delivery: Option<Fetched<TopicDelivery>>,
}

/// `GetTopicAttributes` (`Policy`, `KmsMasterKeyId`) and, for a customer managed key, its key
/// policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDelivery {
    /// The topic's access policy (JSON text).
    pub policy: Option<String>,
    /// `KmsMasterKeyId` as set on the topic: a key id, key ARN, alias name or alias ARN.
    pub kms_master_key_id: Option<String>,
    /// The key behind `kms_master_key_id`; `None` when the topic is not encrypted or the key
    /// is the AWS managed `alias/aws/sns` (judged from the attribute alone).
    pub key: Option<Fetched<KeyFacts>>,
}

/// A KMS key a topic is encrypted with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFacts {
    pub arn: String,
    /// `KeyManager` is `AWS` (an AWS managed key, whose policy no one can change).
    pub aws_managed: bool,
    /// The `default` key policy (JSON text).
    pub policy: String,
}

/// The AWS managed key for SNS: CloudWatch cannot use it, so an alarm cannot publish to a topic
/// encrypted with it.
pub(crate) const SNS_MANAGED_KEY_ALIAS: &str = "alias/aws/sns";

/// Whether a `KmsMasterKeyId` names the AWS managed SNS key (by alias name or alias ARN).
pub(crate) fn is_sns_managed_key(key_id: &str) -> bool {
    key_id == SNS_MANAGED_KEY_ALIAS || key_id.ends_with(&format!(":{SNS_MANAGED_KEY_ALIAS}"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionFacts {
    /// `PendingConfirmation` (or `Deleted`) when the subscription is not confirmed.
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
}

impl SubscriptionFacts {
    pub(crate) fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// The parts of an ARN the judge compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnParts<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Splits `arn:partition:service:region:account:resource` (the resource may hold colons).
pub(crate) fn parse_arn(arn: &str) -> Option<ArnParts<'_>> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    Some(ArnParts {
        partition: it.next()?,
        service: it.next()?,
        region: it.next()?,
        account: it.next()?,
        resource: it.next()?,
    })
}

/// Where a log group ARN points.
pub(crate) struct LogGroupRef<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub name: &'a str,
}

pub(crate) fn log_group_ref(arn: &str) -> Option<LogGroupRef<'_>> {
    let parts = parse_arn(normalize_log_group_arn(arn))?;
    Some(LogGroupRef {
        region: parts.region,
        account: parts.account,
        name: log_group_name(arn)?,
    })
}

/// A log group ARN without the `:*` CloudTrail appends, so ARNs compare equal.
pub(crate) fn normalize_log_group_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// The log group name inside a log group ARN.
pub fn log_group_name(arn: &str) -> Option<&str> {
    parse_arn(normalize_log_group_arn(arn))?
        .resource
        .strip_prefix("log-group:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_parts() {
        let p = parse_arn("arn:aws:logs:eu-west-1:012345678901:log-group:a:b:*").unwrap();
        assert_eq!(p.region, "eu-west-1");
        assert_eq!(p.account, "012345678901");
        assert_eq!(p.resource, "log-group:a:b:*");
        assert!(parse_arn("not-an-arn").is_none());
    }

    #[test]
    fn log_group_names_come_from_arns() {
        assert_eq!(
            log_group_name("arn:aws:logs:us-east-1:1:log-group:aws-cloudtrail-logs:*"),
            Some("aws-cloudtrail-logs")
        );
        assert_eq!(
            log_group_name("arn:aws:logs:us-east-1:1:log-group:x"),
            Some("x")
        );
        assert_eq!(log_group_name("arn:aws:sns:us-east-1:1:x"), None);
    }

    #[test]
    fn topics_are_placed_by_their_arn() {
        let here = "111122223333";
        let at = |arn: &str| topic_place(arn, here, "aws");
        assert_eq!(at("arn:aws:sns:us-east-1:111122223333:t"), TopicPlace::Here);
        assert_eq!(
            at("arn:aws:sns:us-east-1:444455556666:aws-accelerator-HighNotifications"),
            TopicPlace::Account("444455556666".into())
        );
        for bad in [
            "arn:aws:sns:us-east-1:4444:t",
            "arn:aws:sns::444455556666:t",
            "arn:aws:sns:us-east-1:444455556666:",
            "arn:aws:sns:us-east-1",
            "arn:aws-cn:sns:cn-north-1:444455556666:t",
        ] {
            match at(bad) {
                TopicPlace::Unreadable(why) => assert!(why.contains(bad), "{why}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_sns_actions_are_kept_and_other_services_dropped() {
        let alarm = AlarmFacts {
            arn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:a".into(),
            name: "a".into(),
            actions_enabled: true,
            alarm_actions: vec![
                "arn:aws:sns:us-east-1:111122223333:t".into(),
                "arn:aws:sns:us-east-1".into(),
                "arn:aws:automate:us-east-1:ec2:stop".into(),
                "not-an-arn".into(),
            ],
            comparison_operator: "GreaterThanOrEqualToThreshold".into(),
            threshold: Some(1.0),
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            metric: AlarmMetric::Math(vec![]),
        };
        assert_eq!(
            alarm.sns_actions(),
            vec![
                "arn:aws:sns:us-east-1:111122223333:t",
                "arn:aws:sns:us-east-1"
            ]
        );
    }

    #[test]
    fn pending_subscriptions_are_not_confirmed() {
        let s = |arn: &str| SubscriptionFacts {
            arn: arn.into(),
            protocol: "email".into(),
            endpoint: "a@b.c".into(),
        };
        assert!(!s("PendingConfirmation").is_confirmed());
        assert!(!s("Deleted").is_confirmed());
        assert!(s("arn:aws:sns:us-east-1:1:t:abc").is_confirmed());
    }
}
