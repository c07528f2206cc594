//! The planner (pure): verdicts become targets, manual steps and unplanned accounts; one
//! target's current state becomes the actions that complete its chain.
//!
//! Rules (DESIGN.md §4):
//! - A target is the log group that the qualifying trail delivers to, in the account and region
//!   of its ARN. Every FAIL cell broken at a link from the log group on names it; cells naming
//!   the same group (every region of a multi-region trail, every account of an organization
//!   trail) share one target, so it is planned once.
//! - Only what the chain lacks: a working filter is reused (its metric gets the alarm), an
//!   existing topic of the configured name is reused, existing subscriptions are kept.
//! - Nothing orgsweep did not create is changed: a filter or alarm of the configured name with
//!   other settings is a *conflict*, reported and left alone.
//! - Links orgsweep will not touch (the trail itself) become manual steps; ERROR cells make
//!   their account *unplanned*.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::Remediation;
use crate::facts::{
    log_group_ref, normalize_log_group_arn, parse_arn, AlarmFacts, AlarmMetric, MetricFilterFacts,
    MetricTransformation, SubscriptionFacts,
};
use crate::judge::alarm::{can_fire_on_one_event, sns_topics, watches_metric};
use crate::verdict::{Reason, Status, Verdict};

use super::manual::{self, ManualStep};

/// What a plan file says it is.
pub const PLAN_FORMAT: &str = "orgsweep-remediation-plan";
pub const PLAN_VERSION: u32 = 1;

/// The tag on everything orgsweep creates (metric filters cannot be tagged).
pub const MANAGED_BY_KEY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "orgsweep";

/// The `Sid` of the topic-policy statement that lets CloudWatch publish.
pub const POLICY_SID: &str = "OrgsweepAllowCloudWatchAlarms";

/// The alarm orgsweep puts: one failed sign-in in five minutes fires it.
pub const ALARM_STATISTIC: &str = "Sum";
pub const ALARM_PERIOD: i32 = 300;
pub const ALARM_THRESHOLD: f64 = 1.0;
pub const ALARM_COMPARISON: &str = "GreaterThanOrEqualToThreshold";
pub const ALARM_EVALUATION_PERIODS: i32 = 1;
pub const ALARM_TREAT_MISSING_DATA: &str = "notBreaching";

/// The reasons whose fix is in the log group, filter, alarm or topic: orgsweep plans them.
pub const REMEDIABLE: [Reason; 10] = [
    Reason::LogGroupMissing,
    Reason::NoMetricFilter,
    Reason::PatternInvalid,
    Reason::PatternTooNarrow,
    Reason::PatternTooBroad,
    Reason::NoAlarm,
    Reason::AlarmCannotFire,
    Reason::AlarmActionsDisabled,
    Reason::NoAlarmAction,
    Reason::NoConfirmedSubscription,
];

/// The names a plan was made with (from `[remediation]` of the config file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    pub filter_name: String,
    pub metric_namespace: String,
    pub metric_name: String,
    pub alarm_name: String,
    pub topic_name: String,
    /// `protocol:endpoint`, as in the config file.
    pub subscription_endpoints: Vec<String>,
}

impl PlanConfig {
    pub fn from_config(r: &Remediation) -> PlanConfig {
        PlanConfig {
            filter_name: r.filter_name.clone(),
            metric_namespace: r.metric_namespace.clone(),
            metric_name: r.metric_name.clone(),
            alarm_name: r.alarm_name.clone(),
            topic_name: r.topic_name.clone(),
            subscription_endpoints: r.subscription_endpoints.clone(),
        }
    }
}

/// One cell of the matrix a target or a manual step fixes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub account_id: String,
    pub region: String,
    pub reason: Reason,
}

/// One change. Every parameter the call takes is here, so a reviewer sees exactly what will
/// be sent; the account and region are the target's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", deny_unknown_fields)]
pub enum Action {
    /// `logs:CreateLogGroup` — only for a log group the trail names but that does not exist.
    CreateLogGroup {
        log_group_name: String,
        tags: BTreeMap<String, String>,
    },
    /// `logs:PutMetricFilter` with the CIS pattern.
    PutMetricFilter {
        log_group_name: String,
        filter_name: String,
        filter_pattern: String,
        metric_namespace: String,
        metric_name: String,
        metric_value: String,
    },
    /// `sns:CreateTopic` — skipped when the topic exists (it is reused, not re-tagged).
    CreateTopic {
        topic_name: String,
        topic_arn: String,
        tags: BTreeMap<String, String>,
    },
    /// `sns:GetTopicAttributes`, then `sns:SetTopicAttributes Policy` with `statement` added to
    /// the existing statements (none is dropped); skipped when a statement with its `Sid` exists.
    AddTopicPolicyStatement {
        topic_arn: String,
        statement: serde_json::Value,
    },
    /// `sns:Subscribe`, skipped when the endpoint is already subscribed.
    Subscribe {
        topic_arn: String,
        protocol: String,
        endpoint: String,
    },
    /// `cloudwatch:PutMetricAlarm`, only when no alarm of that name exists.
    PutMetricAlarm {
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
                ..
            } => format!(
                "metric {metric_namespace}/{metric_name} += {metric_value} on {filter_pattern}"
            ),
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

/// One log group's chain to complete, in the account and region that own it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetPlan {
    pub account_id: String,
    pub region: String,
    pub partition: String,
    pub log_group_arn: String,
    pub log_group_name: String,
    /// The trail that delivers to the log group.
    pub trail_arn: String,
    pub organization_trail: bool,
    /// The cells this target completes (for an organization trail: cells of many accounts).
    pub cells: Vec<Cell>,
    pub actions: Vec<Action>,
    /// Resources of the configured names that orgsweep did not create and will not change.
    pub conflicts: Vec<String>,
    /// Why the chain stays incomplete even after these actions (empty: it will be complete).
    pub incomplete: Vec<String>,
    /// What is reused, and what needs a person after the apply (email confirmations).
    pub notes: Vec<String>,
}

impl TargetPlan {
    /// The accounts whose cells this target fixes, plus its own.
    pub fn accounts(&self) -> BTreeSet<String> {
        let mut a: BTreeSet<String> = self.cells.iter().map(|c| c.account_id.clone()).collect();
        a.insert(self.account_id.clone());
        a
    }

    /// The ARN of the configured topic in this target's account and region.
    pub fn topic_arn(&self, topic_name: &str) -> String {
        format!(
            "arn:{}:sns:{}:{}:{topic_name}",
            self.partition, self.region, self.account_id
        )
    }
}

/// An account (or some of its regions) the check could not decide, so nothing is planned there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unplanned {
    pub account_id: String,
    pub regions: Vec<String>,
    pub reason: Reason,
    pub detail: String,
}

/// The whole plan: what the JSON file holds and the table shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: String,
    pub version: u32,
    /// The organization's id (`o-…`), when known.
    pub organization_id: String,
    pub management_account_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub config: PlanConfig,
    pub targets: Vec<TargetPlan>,
    pub manual_steps: Vec<ManualStep>,
    pub unplanned: Vec<Unplanned>,
}

impl Plan {
    pub fn action_count(&self) -> usize {
        self.targets.iter().map(|t| t.actions.len()).sum()
    }

    /// Every account a re-check after the apply should look at.
    pub fn touched_accounts(&self) -> BTreeSet<String> {
        self.targets
            .iter()
            .filter(|t| !t.actions.is_empty())
            .flat_map(|t| t.accounts())
            .collect()
    }
}

/// The cells of one account, as the check judged them.
pub struct AccountCells<'a> {
    pub account_id: &'a str,
    pub partition: &'a str,
    pub verdicts: &'a BTreeMap<String, Verdict>,
}

/// Targets (without actions yet), manual steps and unplanned accounts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Skeleton {
    pub targets: Vec<TargetPlan>,
    pub manual_steps: Vec<ManualStep>,
    pub unplanned: Vec<Unplanned>,
}

/// A manual step is one per (account that acts, reason, trail).
type ManualKey = (String, Reason, Option<String>);

/// Groups the failing cells by what fixes them. `org_trails` are the ARNs of organization
/// trails (their log group is the management account's; their manual steps are run there).
pub fn skeleton(accounts: &[AccountCells<'_>], org_trails: &BTreeSet<String>) -> Skeleton {
    let mut targets: BTreeMap<String, TargetPlan> = BTreeMap::new();
    let mut manual_cells: BTreeMap<ManualKey, (String, Vec<Cell>)> = BTreeMap::new();
    let mut unplanned: BTreeMap<(String, Reason), Unplanned> = BTreeMap::new();

    for account in accounts {
        for (region, verdict) in account.verdicts {
            let cell = Cell {
                account_id: account.account_id.to_string(),
                region: region.clone(),
                reason: verdict.reason,
            };
            match verdict.status {
                Status::Pass | Status::Skipped => {}
                Status::Error => {
                    unplanned
                        .entry((account.account_id.to_string(), verdict.reason))
                        .or_insert_with(|| Unplanned {
                            account_id: account.account_id.to_string(),
                            regions: Vec::new(),
                            reason: verdict.reason,
                            detail: verdict.detail.clone(),
                        })
                        .regions
                        .push(region.clone());
                }
                Status::Fail if REMEDIABLE.contains(&verdict.reason) => {
                    let target = verdict
                        .chain
                        .log_group_arn
                        .as_deref()
                        .zip(verdict.chain.trail_arn.as_deref())
                        .and_then(|(lg, trail)| new_target(lg, trail, org_trails));
                    match target {
                        Some(t) => targets
                            .entry(t.log_group_arn.clone())
                            .or_insert(t)
                            .cells
                            .push(cell),
                        None => {
                            unplanned
                                .entry((account.account_id.to_string(), verdict.reason))
                                .or_insert_with(|| Unplanned {
                                    account_id: account.account_id.to_string(),
                                    regions: Vec::new(),
                                    reason: verdict.reason,
                                    detail: format!(
                                        "the check did not name the trail's log group: {}",
                                        verdict.detail
                                    ),
                                })
                                .regions
                                .push(region.clone());
                        }
                    }
                }
                Status::Fail => {
                    let trail = verdict.chain.trail_arn.clone();
                    // The account that must act: the trail's owner (an organization trail is
                    // the management account's), else the account itself.
                    let owner = trail
                        .as_deref()
                        .and_then(parse_arn)
                        .map(|p| p.account.to_string())
                        .unwrap_or_else(|| account.account_id.to_string());
                    let partition = trail
                        .as_deref()
                        .and_then(parse_arn)
                        .map(|p| p.partition.to_string())
                        .unwrap_or_else(|| account.partition.to_string());
                    manual_cells
                        .entry((owner, verdict.reason, trail))
                        .or_insert_with(|| (partition, Vec::new()))
                        .1
                        .push(cell);
                }
            }
        }
    }

    // A single-region trail made multi-region also covers the account's NO_TRAIL regions.
    let single_region_owners: BTreeSet<String> = manual_cells
        .keys()
        .filter(|(_, r, t)| *r == Reason::TrailNotMultiRegion && t.is_some())
        .map(|(a, _, _)| a.clone())
        .collect();
    let mut folded: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    manual_cells.retain(|(owner, reason, trail), (_, cells)| {
        if *reason == Reason::NoTrail && trail.is_none() && single_region_owners.contains(owner) {
            folded.entry(owner.clone()).or_default().append(cells);
            false
        } else {
            true
        }
    });
    let mut manual_steps = Vec::new();
    let mut folded_done = BTreeSet::new();
    for ((owner, reason, trail), (partition, mut cells)) in manual_cells {
        if reason == Reason::TrailNotMultiRegion && folded_done.insert(owner.clone()) {
            if let Some(more) = folded.remove(&owner) {
                cells.extend(more);
            }
        }
        let org = trail.as_ref().is_some_and(|t| org_trails.contains(t));
        cells.sort();
        manual_steps.push(manual::step(
            reason,
            &owner,
            &partition,
            trail.as_deref(),
            org,
            cells,
        ));
    }

    let mut targets: Vec<TargetPlan> = targets.into_values().collect();
    for t in &mut targets {
        t.cells.sort();
    }
    Skeleton {
        targets,
        manual_steps,
        unplanned: unplanned.into_values().collect(),
    }
}

fn new_target(
    log_group_arn: &str,
    trail_arn: &str,
    org_trails: &BTreeSet<String>,
) -> Option<TargetPlan> {
    let arn = normalize_log_group_arn(log_group_arn);
    let r = log_group_ref(arn)?;
    let partition = parse_arn(arn)?.partition.to_string();
    Some(TargetPlan {
        account_id: r.account.to_string(),
        region: r.region.to_string(),
        partition,
        log_group_arn: arn.to_string(),
        log_group_name: r.name.to_string(),
        trail_arn: trail_arn.to_string(),
        organization_trail: org_trails.contains(trail_arn),
        cells: Vec::new(),
        actions: Vec::new(),
        conflicts: Vec::new(),
        incomplete: Vec::new(),
        notes: Vec::new(),
    })
}

/// The current state of one target, read just before planning or applying it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetState {
    pub log_group_exists: bool,
    /// The log group's metric filters (none when it does not exist).
    pub filters: Vec<MetricFilterFacts>,
    /// Alarms on the metric the plan would alarm on (see [`choose_metric`]), with the topics
    /// of alarms that could complete the chain filled in.
    pub alarms_on_metric: Vec<AlarmFacts>,
    /// The alarm of the configured name in the target's region, if any.
    pub named_alarm: Option<AlarmFacts>,
    /// The configured topic in the target's region; `None` when it does not exist.
    pub topic: Option<TopicState>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicState {
    pub arn: String,
    /// The `Policy` attribute (JSON text).
    pub policy: Option<String>,
    pub subscriptions: Vec<SubscriptionFacts>,
}

/// Which metric the alarm goes on.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricChoice {
    /// A filter that already catches every failed sign-in: reuse its metric.
    Existing {
        filter_name: String,
        metric: MetricTransformation,
    },
    /// Put the configured filter.
    Ours(MetricTransformation),
    /// Cannot put the configured filter (its name is taken by another pattern): why.
    Blocked(String),
}

impl MetricChoice {
    pub fn metric(&self) -> Option<&MetricTransformation> {
        match self {
            MetricChoice::Existing { metric, .. } | MetricChoice::Ours(metric) => Some(metric),
            MetricChoice::Blocked(_) => None,
        }
    }
}

/// The metric orgsweep's own filter publishes.
pub fn our_metric(cfg: &PlanConfig) -> MetricTransformation {
    MetricTransformation {
        namespace: cfg.metric_namespace.clone(),
        metric_name: cfg.metric_name.clone(),
        value: "1".into(),
        dimensions: BTreeMap::new(),
        alarms: None,
    }
}

/// A metric whose one event adds at least 1, so `Sum >= 1` fires on one failed sign-in.
fn counts_events(m: &MetricTransformation) -> bool {
    m.value.trim().parse::<f64>().is_ok_and(|v| v >= 1.0)
}

/// Picks the metric to alarm on: a filter that already catches every failed sign-in (the
/// configured name first, then by name), else the configured filter — unless that name is
/// taken by a filter orgsweep must not overwrite.
pub fn choose_metric(
    filters: &[MetricFilterFacts],
    cfg: &PlanConfig,
    log_group_name: &str,
) -> MetricChoice {
    let mut sorted: Vec<&MetricFilterFacts> = filters.iter().collect();
    sorted.sort_by_key(|f| (f.name != cfg.filter_name, f.name.clone()));
    for f in &sorted {
        if crate::judge::chain::pattern_problem(&f.pattern).is_some() {
            continue;
        }
        if let Some(m) = f.transformations.iter().find(|m| counts_events(m)) {
            let mut metric = m.clone();
            metric.alarms = None;
            return MetricChoice::Existing {
                filter_name: f.name.clone(),
                metric,
            };
        }
    }
    if let Some(taken) = filters.iter().find(|f| f.name == cfg.filter_name) {
        let why = if let Some((_, problem)) = crate::judge::chain::pattern_problem(&taken.pattern) {
            format!("its pattern `{}` does not serve: {problem}", taken.pattern)
        } else {
            "it publishes no metric whose value counts each event".to_string()
        };
        return MetricChoice::Blocked(format!(
            "metric filter {} on {log_group_name} exists and {why}; orgsweep does not overwrite a filter it did not \
             create: correct or delete it, or set remediation.filter_name to another name",
            cfg.filter_name
        ));
    }
    MetricChoice::Ours(our_metric(cfg))
}

/// Whether an alarm (in the target's region and account) completes the chain on `metric`.
pub fn alarm_completes(
    a: &AlarmFacts,
    metric: &MetricTransformation,
    region: &str,
    account: &str,
) -> bool {
    parse_arn(&a.arn).is_some_and(|p| p.region == region && p.account == account)
        && watches_metric(a, metric)
        && can_fire_on_one_event(a, metric).is_ok()
        && a.actions_enabled
        && sns_topics(a).iter().any(|t| {
            a.topics.get(*t).is_some_and(|f| {
                f.as_ref()
                    .is_ok_and(|t| t.subscriptions.iter().any(|s| s.is_confirmed()))
            })
        })
}

/// How an existing alarm of the configured name differs from the one orgsweep would put;
/// empty when it is that alarm.
pub fn alarm_differences(
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

/// The statement letting CloudWatch alarms of `account` publish to the topic.
pub fn policy_statement(topic_arn: &str, account: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": { "Service": "cloudwatch.amazonaws.com" },
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "AWS:SourceAccount": account } }
    })
}

fn statements(policy: &serde_json::Value) -> Result<Vec<serde_json::Value>, String> {
    match policy.get("Statement") {
        None => Ok(Vec::new()),
        Some(serde_json::Value::Array(a)) => Ok(a.clone()),
        Some(o @ serde_json::Value::Object(_)) => Ok(vec![o.clone()]),
        Some(_) => Err("its Statement is neither a list nor an object".into()),
    }
}

/// Whether the policy already holds a statement with orgsweep's `Sid`.
pub fn policy_has_statement(policy: Option<&str>) -> Result<bool, String> {
    let Some(text) = policy.filter(|p| !p.trim().is_empty()) else {
        return Ok(false);
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("the topic policy is not valid JSON: {e}"))?;
    Ok(statements(&value)?
        .iter()
        .any(|s| s.get("Sid").and_then(|v| v.as_str()) == Some(POLICY_SID)))
}

/// The policy with `statement` added; every existing statement and key is kept. `None` when
/// a statement with the same `Sid` is already there (nothing to change).
pub fn merge_policy(
    existing: Option<&str>,
    statement: &serde_json::Value,
) -> Result<Option<String>, String> {
    let sid = statement
        .get("Sid")
        .and_then(|v| v.as_str())
        .unwrap_or(POLICY_SID);
    let mut policy = match existing.filter(|p| !p.trim().is_empty()) {
        None => serde_json::json!({ "Version": "2012-10-17", "Statement": [] }),
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| format!("the topic policy is not valid JSON: {e}"))?,
    };
    if !policy.is_object() {
        return Err("the topic policy is not a JSON object".into());
    }
    let mut list = statements(&policy)?;
    if list
        .iter()
        .any(|s| s.get("Sid").and_then(|v| v.as_str()) == Some(sid))
    {
        return Ok(None);
    }
    list.push(statement.clone());
    policy["Statement"] = serde_json::Value::Array(list);
    if policy.get("Version").is_none() {
        policy["Version"] = serde_json::Value::String("2012-10-17".into());
    }
    Ok(Some(policy.to_string()))
}

pub fn managed_tags() -> BTreeMap<String, String> {
    BTreeMap::from([(MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string())])
}

/// The alarm orgsweep puts on `metric`, notifying `topic_arn`.
pub fn alarm_action(cfg: &PlanConfig, metric: &MetricTransformation, topic_arn: &str) -> Action {
    Action::PutMetricAlarm {
        alarm_name: cfg.alarm_name.clone(),
        alarm_description:
            "CIS 4.6 / Security Hub CloudWatch.6: AWS Management Console authentication failures \
                            (managed by orgsweep)"
                .into(),
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

/// The endpoints of the config, split into (protocol, endpoint) as SNS takes them.
pub fn endpoints(cfg: &PlanConfig) -> Vec<(String, String)> {
    cfg.subscription_endpoints
        .iter()
        .filter_map(|e| crate::validate::subscription_endpoint(e).ok())
        .collect()
}

/// Fills a skeleton target's actions, conflicts, incompleteness and notes from its state.
pub fn plan_target(skeleton: &TargetPlan, state: &TargetState, cfg: &PlanConfig) -> TargetPlan {
    let mut t = skeleton.clone();
    t.actions.clear();
    t.conflicts.clear();
    t.incomplete.clear();
    t.notes.clear();

    if !state.log_group_exists {
        t.actions.push(Action::CreateLogGroup {
            log_group_name: t.log_group_name.clone(),
            tags: managed_tags(),
        });
    }
    let filters: &[MetricFilterFacts] = if state.log_group_exists {
        &state.filters
    } else {
        &[]
    };
    let metric = match choose_metric(filters, cfg, &t.log_group_name) {
        MetricChoice::Existing {
            filter_name,
            metric,
        } => {
            if filter_name != cfg.filter_name {
                t.notes.push(format!(
                    "reuses metric filter {filter_name} (metric {}/{}), which already catches every failed sign-in",
                    metric.namespace, metric.metric_name
                ));
            }
            metric
        }
        MetricChoice::Ours(metric) => {
            t.actions.push(Action::PutMetricFilter {
                log_group_name: t.log_group_name.clone(),
                filter_name: cfg.filter_name.clone(),
                filter_pattern: crate::controls::default_control().reference.texts[0].clone(),
                metric_namespace: metric.namespace.clone(),
                metric_name: metric.metric_name.clone(),
                metric_value: metric.value.clone(),
            });
            metric
        }
        MetricChoice::Blocked(why) => {
            t.conflicts.push(why);
            t.incomplete.push(
                "no metric filter that catches every failed console sign-in can be added".into(),
            );
            return t;
        }
    };

    if let Some(a) = state
        .alarms_on_metric
        .iter()
        .find(|a| alarm_completes(a, &metric, &t.region, &t.account_id))
    {
        t.notes.push(format!(
            "reuses alarm {} on {}/{}, which already notifies a confirmed subscriber",
            a.name, metric.namespace, metric.metric_name
        ));
        return t;
    }

    let topic_arn = t.topic_arn(&cfg.topic_name);
    let put_alarm = match &state.named_alarm {
        None => true,
        Some(a) => {
            let diffs = alarm_differences(a, &metric, &topic_arn);
            if !diffs.is_empty() {
                t.conflicts.push(format!(
                    "alarm {} exists with other settings ({}); orgsweep does not change an alarm: correct or \
                     delete it, or set remediation.alarm_name to another name",
                    cfg.alarm_name,
                    diffs.join("; ")
                ));
                t.incomplete.push(format!(
                    "alarm {} cannot be put without overwriting it",
                    cfg.alarm_name
                ));
                return t;
            }
            false
        }
    };

    let existing_subs: &[SubscriptionFacts] = match &state.topic {
        None => {
            t.actions.push(Action::CreateTopic {
                topic_name: cfg.topic_name.clone(),
                topic_arn: topic_arn.clone(),
                tags: managed_tags(),
            });
            t.actions.push(Action::AddTopicPolicyStatement {
                topic_arn: topic_arn.clone(),
                statement: policy_statement(&topic_arn, &t.account_id),
            });
            &[]
        }
        Some(topic) => {
            t.notes.push(format!("reuses topic {}", topic.arn));
            match policy_has_statement(topic.policy.as_deref()) {
                Ok(true) => {}
                Ok(false) => t.actions.push(Action::AddTopicPolicyStatement {
                    topic_arn: topic_arn.clone(),
                    statement: policy_statement(&topic_arn, &t.account_id),
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
    for (protocol, endpoint) in endpoints(cfg) {
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
            topic_arn: topic_arn.clone(),
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
            "AWS asks {} to confirm the subscription; the cell passes once one is confirmed",
            needs_confirmation
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if put_alarm {
        t.actions.push(alarm_action(cfg, &metric, &topic_arn));
    }
    t
}

#[cfg(test)]
#[path = "plan_tests.rs"]
pub(crate) mod tests;
