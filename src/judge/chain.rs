//! Follows one trail's chain for one control, link by link, and says how far it got: complete,
//! broken at a link (with the reason and a line to act on), or unknown at a link because a call
//! failed. Where the chain branches (several filters, alarms, topics) the best branch counts.
//! The trail's own links are the same for every control but global service events, which only
//! controls whose events come from global services need.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::controls::Control;
use crate::facts::{
    log_group_name, normalize_log_group_arn, parse_arn, AlarmFacts, Fetched, LogGroupFacts,
    MetricFilterFacts, MetricTransformation, TopicFacts, TrailConfig, TrailFacts,
};
use crate::failure::{CallFailure, FailureKind};
use crate::pattern::{Fit, PatternVerdict};
use crate::verdict::{ChainResources, Reason};

use super::alarm::{alarm_problem, sns_topics, AlarmProblem};
use super::delivery::{self, Finding, Notification};
use super::policy_eval::SourceOrg;
use super::selectors::records_control_events;

/// What the judge is told besides the facts (configuration, not AWS state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgeSettings {
    /// A CloudWatch Logs delivery error counts once the last delivery is older than this.
    pub logs_delivery_max_age_secs: i64,
    /// The window the alarm histories were read over (`--alarm-history DAYS`), for details.
    pub alarm_history_days: u32,
    /// The organization, when the sweep knows it: topic and key policies that grant on
    /// `aws:SourceOrgID` / `aws:SourceOrgPaths` are then decided.
    pub organization: Option<Arc<OrgContext>>,
}

impl Default for JudgeSettings {
    fn default() -> Self {
        JudgeSettings {
            logs_delivery_max_age_secs: delivery::DEFAULT_LOGS_DELIVERY_MAX_AGE_HOURS as i64 * 3600,
            alarm_history_days: 0,
            organization: None,
        }
    }
}

/// The organization as policies name it: its id and each account's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgContext {
    /// `o-…`.
    pub id: String,
    /// Account id → `o-…/r-…/ou-…/` (the value of `aws:SourceOrgPaths` for that account).
    pub paths: BTreeMap<String, String>,
}

impl OrgContext {
    /// The organization keys of a publishing account; `None` for an account not in it.
    pub(crate) fn source_org(&self, account: &str) -> Option<SourceOrg<'_>> {
        let path = self.paths.get(account)?;
        Some(SourceOrg { id: &self.id, path })
    }
}

/// The links of the chain, in order: a chain broken at a later link got further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Link {
    Trail,
    MultiRegion,
    Logging,
    ManagementEvents,
    GlobalEvents,
    CloudWatchLogs,
    LogGroup,
    LogsDelivery,
    MetricFilter,
    Pattern,
    Alarm,
    AlarmFires,
    AlarmEnabled,
    AlarmAction,
    Subscription,
    Notification,
    ActionHistory,
    Complete,
}

impl Link {
    /// A stable name for reports (`root_causes[].link`).
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Trail => "trail",
            Link::MultiRegion => "multi_region",
            Link::Logging => "logging",
            Link::ManagementEvents => "management_events",
            Link::GlobalEvents => "global_events",
            Link::CloudWatchLogs => "cloudwatch_logs",
            Link::LogGroup => "log_group",
            Link::LogsDelivery => "logs_delivery",
            Link::MetricFilter => "metric_filter",
            Link::Pattern => "pattern",
            Link::Alarm => "alarm",
            Link::AlarmFires => "alarm_fires",
            Link::AlarmEnabled => "alarm_enabled",
            Link::AlarmAction => "alarm_action",
            Link::Subscription => "subscription",
            Link::Notification => "notification",
            Link::ActionHistory => "action_history",
            Link::Complete => "complete",
        }
    }
}

/// How far one chain (or branch of it) got.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Complete {
        chain: ChainResources,
        detail: String,
    },
    Broken {
        link: Link,
        reason: Reason,
        detail: String,
        chain: ChainResources,
    },
    Unknown {
        link: Link,
        failure: CallFailure,
        chain: ChainResources,
    },
}

impl Outcome {
    pub fn link(&self) -> Link {
        match self {
            Outcome::Complete { .. } => Link::Complete,
            Outcome::Broken { link, .. } | Outcome::Unknown { link, .. } => *link,
        }
    }

    pub fn chain(&self) -> &ChainResources {
        match self {
            Outcome::Complete { chain, .. }
            | Outcome::Broken { chain, .. }
            | Outcome::Unknown { chain, .. } => chain,
        }
    }

    pub(crate) fn is_complete(&self) -> bool {
        matches!(self, Outcome::Complete { .. })
    }

    fn broken(
        link: Link,
        reason: Reason,
        detail: impl Into<String>,
        chain: &ChainResources,
    ) -> Outcome {
        Outcome::Broken {
            link,
            reason,
            detail: detail.into(),
            chain: chain.clone(),
        }
    }

    fn unknown(link: Link, failure: &CallFailure, chain: &ChainResources) -> Outcome {
        Outcome::Unknown {
            link,
            failure: failure.clone(),
            chain: chain.clone(),
        }
    }
}

/// Picks what decides among alternatives: any complete one; else an unknown one (it might have
/// been complete, so the answer is "could not decide"); else the one that got furthest
/// (the first of equals, so reports are stable).
pub fn best(outcomes: impl IntoIterator<Item = Outcome>) -> Option<Outcome> {
    let mut best: Option<Outcome> = None;
    for o in outcomes {
        let better = match (&best, &o) {
            (None, _) => true,
            (Some(Outcome::Complete { .. }), _) => false,
            (_, Outcome::Complete { .. }) => true,
            (Some(Outcome::Unknown { link: a, .. }), Outcome::Unknown { link: b, .. }) => b > a,
            (Some(Outcome::Unknown { .. }), _) => false,
            (_, Outcome::Unknown { .. }) => true,
            (Some(current), candidate) => candidate.link() > current.link(),
        };
        if better {
            best = Some(o);
        }
    }
    best
}

/// A fact the collector should have read for this link but did not: a bug, reported as an
/// error rather than guessed; named by the call that reads it.
fn not_collected(call: &str) -> CallFailure {
    CallFailure::not_made(
        FailureKind::Other,
        call,
        "the collector did not read it (a bug in orgsweep: please report it)",
    )
}

fn need<'a, T>(fact: &'a Option<Fetched<T>>, call: &str) -> Result<&'a T, CallFailure> {
    match fact {
        None => Err(not_collected(call)),
        Some(Err(f)) => Err(f.clone()),
        Some(Ok(v)) => Ok(v),
    }
}

/// Follows one trail's chain for `control`. `account_id` is the account that owns the trail.
pub fn evaluate_trail(
    trail: &TrailFacts,
    account_id: &str,
    control: &Control,
    settings: &JudgeSettings,
) -> Outcome {
    evaluate_trail_for(trail, account_id, control, settings, None)
}

/// [`evaluate_trail`] for the events of one `member` account: an organization trail's log
/// group holds every account's events, so a filter that pins `$.recipientAccountId` serves the
/// accounts it names and no other.
pub(crate) fn evaluate_trail_for(
    trail: &TrailFacts,
    account_id: &str,
    control: &Control,
    settings: &JudgeSettings,
    member: Option<&str>,
) -> Outcome {
    let mut chain = ChainResources {
        trail_arn: Some(trail.arn.clone()),
        ..ChainResources::default()
    };
    let config = match &trail.config {
        Ok(c) => c,
        Err(f) => return Outcome::unknown(Link::MultiRegion, f, &chain),
    };
    chain.trail_role_arn = config.log_role_arn.clone();
    let mut notes = Vec::new();
    let outcome = match trail_links(trail, config, control, &mut chain, &mut notes) {
        Err(outcome) => outcome,
        Ok(log_group_arn) => log_group_links(
            config,
            &log_group_arn,
            (account_id, member),
            control,
            settings,
            &mut chain,
            &mut notes,
        ),
    };
    with_notes(outcome, &notes)
}

/// A complete chain's detail carries what is worth knowing about it (a past delivery error, a
/// source its trail leaves out, a policy orgsweep could not evaluate).
/// Where a complete chain's detail ends and the notes the judge adds to it begin: what a PASS
/// says beyond the chain itself (the OCSF line keeps only this part).
pub const NOTES_START: &str = "; note: ";

fn with_notes(outcome: Outcome, notes: &[String]) -> Outcome {
    match outcome {
        Outcome::Complete { chain, detail } if !notes.is_empty() => Outcome::Complete {
            detail: format!("{detail}{NOTES_START}{}", notes.join("; ")),
            chain,
        },
        other => other,
    }
}

/// The trail's own links; on success returns the normalized log group ARN. The error is the
/// outcome itself (a broken or unknown link), returned early; its size does not matter here.
#[allow(clippy::result_large_err)]
fn trail_links(
    trail: &TrailFacts,
    c: &TrailConfig,
    control: &Control,
    chain: &mut ChainResources,
    notes: &mut Vec<String>,
) -> Result<String, Outcome> {
    let name = &trail.name;
    if !c.is_multi_region {
        return Err(Outcome::broken(
            Link::MultiRegion,
            Reason::TrailNotMultiRegion,
            format!(
                "trail {name} records only {}; CIS needs a multi-region trail",
                trail.home_region
            ),
            chain,
        ));
    }
    match need(&c.status, "CloudTrail:GetTrailStatus").map(|s| s.is_logging) {
        Err(f) => return Err(Outcome::unknown(Link::Logging, &f, chain)),
        Ok(false) => {
            return Err(Outcome::broken(
                Link::Logging,
                Reason::TrailNotLogging,
                format!("trail {name} is not logging; start it with cloudtrail start-logging"),
                chain,
            ))
        }
        Ok(true) => {}
    }
    match need(&c.selectors, "CloudTrail:GetEventSelectors") {
        Err(f) => return Err(Outcome::unknown(Link::ManagementEvents, &f, chain)),
        Ok(selectors) => {
            match records_control_events(selectors, &control.events, &control.reference.catches) {
                Err(why) => {
                    return Err(Outcome::broken(
                        Link::ManagementEvents,
                        Reason::NoManagementEvents,
                        format!("trail {name}: {why}"),
                        chain,
                    ))
                }
                Ok(found) => notes.extend(found.into_iter().map(|n| format!("trail {name}: {n}"))),
            }
        }
    }
    if control.global_events && !c.include_global_service_events {
        return Err(Outcome::broken(
            Link::GlobalEvents,
            Reason::NoGlobalServiceEvents,
            format!(
                "trail {name} excludes global service events, where {} are recorded",
                control.reference.catches
            ),
            chain,
        ));
    }
    let Some(arn) = &c.log_group_arn else {
        return Err(Outcome::broken(
            Link::CloudWatchLogs,
            Reason::NoCloudwatchLogs,
            format!("trail {name} does not deliver to CloudWatch Logs"),
            chain,
        ));
    };
    let arn = normalize_log_group_arn(arn).to_string();
    chain.log_group_arn = Some(arn.clone());
    Ok(arn)
}

fn log_group_links(
    c: &TrailConfig,
    arn: &str,
    (account_id, member): (&str, Option<&str>),
    control: &Control,
    settings: &JudgeSettings,
    chain: &mut ChainResources,
    notes: &mut Vec<String>,
) -> Outcome {
    let name = log_group_name(arn).unwrap_or(arn);
    let parts = parse_arn(arn);
    let log_group = match need(&c.log_group, "CloudWatchLogs:DescribeLogGroups") {
        Err(f) => return Outcome::unknown(Link::LogGroup, &f, chain),
        Ok(g) => g,
    };
    match log_group.found_arn.as_deref().map(normalize_log_group_arn) {
        Some(found) if found == arn => {}
        Some(found) => {
            return Outcome::broken(
                Link::LogGroup,
                Reason::LogGroupMissing,
                format!("the trail delivers to {arn}, which does not exist (a group of that name is at {found})"),
                chain,
            )
        }
        None => {
            let place = parts
                .as_ref()
                .map(|p| format!(" in {} of account {}", p.region, p.account))
                .unwrap_or_default();
            return Outcome::broken(
                Link::LogGroup,
                Reason::LogGroupMissing,
                format!("log group {name}{place} does not exist"),
                chain,
            );
        }
    }
    if let Some(Ok(status)) = &c.status {
        match delivery::logs_delivery(status, settings.logs_delivery_max_age_secs) {
            Finding::Clear => {}
            Finding::Note(n) => notes.push(n),
            Finding::Broken(detail) => {
                return Outcome::broken(
                    Link::LogsDelivery,
                    Reason::LogsDeliveryFailing,
                    format!("log group {name}: {detail}"),
                    chain,
                )
            }
        }
    }
    let filters = match need(&log_group.filters, "CloudWatchLogs:DescribeMetricFilters") {
        Err(f) => return Outcome::unknown(Link::MetricFilter, &f, chain),
        Ok(f) => f,
    };
    let (region, account) = parts
        .map(|p| (p.region.to_string(), p.account.to_string()))
        .unwrap_or_else(|| (String::new(), account_id.to_string()));
    let fits: Vec<(&MetricFilterFacts, std::sync::Arc<Fit>)> = filters
        .iter()
        .map(|f| {
            (
                f,
                crate::pattern::fit_cached(&f.pattern, &control.reference),
            )
        })
        .collect();
    // Judged for the member's events, a filter that pins `recipientAccountId` may serve.
    let serves_member = |f: &MetricFilterFacts| {
        member.is_some_and(|m| {
            crate::pattern::judge::fit_for_recipient(&f.pattern, &control.reference, m).serves()
        })
    };
    let serving: Vec<&MetricFilterFacts> = fits
        .iter()
        .filter(|(f, fit)| fit.serves() || serves_member(f))
        .map(|(f, _)| *f)
        .collect();
    if !serving.is_empty() {
        let place = AlarmPlace {
            region: &region,
            account: &account,
            group: log_group,
            settings,
        };
        return best(serving.into_iter().map(|f| filter_links(f, &place, chain)))
            .expect("serving is not empty");
    }
    no_serving_filter(name, &fits, control, chain, member)
}

/// No filter serves the control: name the one that comes closest, or say there is none.
/// Noisy (catches everything, also the must-not-match class) beats a near miss (catches only
/// part), which beats a related filter that does not parse.
fn no_serving_filter(
    group: &str,
    fits: &[(&MetricFilterFacts, std::sync::Arc<Fit>)],
    control: &Control,
    chain: &ChainResources,
    member: Option<&str>,
) -> Outcome {
    let with_filter = |f: &MetricFilterFacts| {
        let mut c = chain.clone();
        c.filter_name = Some(f.name.clone());
        c
    };
    if let Some((f, fit)) = fits
        .iter()
        .find(|(_, fit)| fit.verdict.catches_all && fit.verdict.matches_success)
    {
        return Outcome::broken(
            Link::Pattern,
            Reason::PatternTooBroad,
            format!("filter {}: {}", f.name, fit.verdict.explanation),
            &with_filter(f),
        );
    }
    let closest = fits
        .iter()
        .filter(|(_, fit)| fit.near_miss)
        .max_by(|(a, fa), (b, fb)| fa.closeness.cmp(&fb.closeness).then(b.name.cmp(&a.name)));
    if let Some((f, fit)) = closest {
        let detail = match recipient_restriction(&f.pattern, member) {
            Some(restriction) => format!("filter {}: {restriction}", f.name),
            None => format!(
                "filter {} matches only some of the {}: {}",
                f.name, control.reference.catches, fit.verdict.explanation
            ),
        };
        return Outcome::broken(
            Link::Pattern,
            Reason::PatternTooNarrow,
            detail,
            &with_filter(f),
        );
    }
    if let Some((f, fit)) = fits
        .iter()
        .find(|(_, fit)| !fit.verdict.parse_ok && fit.related)
    {
        return Outcome::broken(
            Link::Pattern,
            Reason::PatternInvalid,
            format!(
                "filter {}: the pattern is not valid: {}",
                f.name,
                fit.verdict.error.as_deref().unwrap_or("parse error")
            ),
            &with_filter(f),
        );
    }
    let mut detail = if fits.is_empty() {
        format!("log group {group} has no metric filter")
    } else {
        format!(
            "none of the {} metric filter(s) of log group {group} catches {}",
            fits.len(),
            control.reference.catches
        )
    };
    let related: Vec<String> = fits
        .iter()
        .filter(|(_, fit)| fit.related)
        .take(2)
        .map(|(f, fit)| {
            format!(
                "filter {} mentions them but {}",
                f.name,
                lower_first(&fit.verdict.explanation)
            )
        })
        .collect();
    if !related.is_empty() {
        detail.push_str(&format!(" ({})", related.join("; ")));
    }
    Outcome::broken(Link::MetricFilter, Reason::NoMetricFilter, detail, chain)
}

/// For a member judged on a central log group: the sentence that says a filter counts only the
/// events of the accounts its `recipientAccountId` comparison names, and this one is not among
/// them.
fn recipient_restriction(pattern: &str, member: Option<&str>) -> Option<String> {
    let member = member?;
    if !crate::pattern::judge::reads_recipient(pattern) {
        return None;
    }
    let values = crate::pattern::judge::recipient_values(pattern);
    Some(format!(
        "the pattern restricts $.recipientAccountId to {}, so it does not count the events recorded for account {member}",
        if values.is_empty() {
            "some accounts".to_string()
        } else {
            values.join(", ")
        }
    ))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Why a filter pattern does not serve `control`, or `None` when it does: it must parse,
/// catch every event the control's reference catches, and not match its must-not-match class
/// (an alarm that fires on every sign-in no longer tells anyone about failures). The one place
/// this rule lives: the judge, the remediation planner and `orgsweep pattern` ask here.
pub(crate) fn pattern_problem(pattern: &str, control: &Control) -> Option<(Reason, String)> {
    verdict_problem(&crate::pattern::judge_cached(pattern, &control.reference))
}

/// [`pattern_problem`] for a verdict already at hand.
pub(crate) fn verdict_problem(verdict: &PatternVerdict) -> Option<(Reason, String)> {
    if !verdict.parse_ok {
        return Some((
            Reason::PatternInvalid,
            format!(
                "the pattern is not valid: {}",
                verdict.error.as_deref().unwrap_or("parse error")
            ),
        ));
    }
    if !verdict.catches_all {
        return Some((Reason::PatternTooNarrow, verdict.explanation.clone()));
    }
    if verdict.matches_success {
        return Some((Reason::PatternTooBroad, verdict.explanation.clone()));
    }
    None
}

/// Where a filter's alarms must be: the log group's account and region, and what was read there.
struct AlarmPlace<'a> {
    region: &'a str,
    account: &'a str,
    group: &'a LogGroupFacts,
    settings: &'a JudgeSettings,
}

fn filter_links(
    filter: &MetricFilterFacts,
    place: &AlarmPlace<'_>,
    chain: &ChainResources,
) -> Outcome {
    let mut chain = chain.clone();
    chain.filter_name = Some(filter.name.clone());
    if filter.transformations.is_empty() {
        return Outcome::broken(
            Link::Alarm,
            Reason::NoAlarm,
            format!("filter {} publishes no metric", filter.name),
            &chain,
        );
    }
    best(
        filter
            .transformations
            .iter()
            .map(|m| metric_links(m, place, &chain)),
    )
    .expect("transformations is not empty")
}

fn metric_links(
    metric: &MetricTransformation,
    place: &AlarmPlace<'_>,
    chain: &ChainResources,
) -> Outcome {
    let alarms = match need(&place.group.alarms, "CloudWatch:DescribeAlarms") {
        Err(f) => return Outcome::unknown(Link::Alarm, &f, chain),
        Ok(a) => a,
    };
    let on_metric: Vec<(&AlarmFacts, Option<AlarmProblem>)> = alarms
        .iter()
        .map(|a| (a, alarm_problem(a, metric, place.region, place.account)))
        .filter(|(_, p)| !matches!(p, Some(AlarmProblem::Elsewhere | AlarmProblem::OtherMetric)))
        .collect();
    if on_metric.is_empty() {
        let dims = if metric.dimensions.is_empty() {
            String::new()
        } else {
            format!(" with dimensions {:?}", metric.dimensions)
        };
        // An alarm on the same name whose dimensions differ is not "no alarm" to the person
        // who made it: name it, and the dimension that keeps it from seeing the metric.
        let near_miss = alarms.iter().find_map(|a| match &a.metric {
            crate::facts::AlarmMetric::Single(m)
                if m.namespace == metric.namespace && m.metric_name == metric.metric_name =>
            {
                Some(format!(
                    "alarm {} watches {}/{} with dimensions {}, but the filter publishes it with {}: CloudWatch treats them as different metrics, so the alarm never sees the filter's data points; make the alarm's dimensions equal the filter's",
                    a.name,
                    m.namespace,
                    m.metric_name,
                    dims_text(&m.dimensions),
                    dims_text(&metric.dimensions)
                ))
            }
            _ => None,
        });
        let detail = near_miss.unwrap_or_else(|| {
            format!(
                "no alarm in {} watches metric {}/{}{dims}",
                place.region, metric.namespace, metric.metric_name
            )
        });
        return Outcome::broken(Link::Alarm, Reason::NoAlarm, detail, chain);
    }
    best(
        on_metric
            .into_iter()
            .map(|(a, problem)| alarm_links(a, problem, place, chain)),
    )
    .expect("on_metric is not empty")
}

/// Dimensions as a person reads them: `{Name=Value, …}`, or `none`.
fn dims_text(dims: &std::collections::BTreeMap<String, String>) -> String {
    if dims.is_empty() {
        return "none".to_string();
    }
    let parts: Vec<String> = dims.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

fn alarm_links(
    alarm: &AlarmFacts,
    problem: Option<AlarmProblem>,
    place: &AlarmPlace<'_>,
    chain: &ChainResources,
) -> Outcome {
    let topics = &place.group.topics;
    let mut chain = chain.clone();
    chain.alarm_arn = Some(alarm.arn.clone());
    match problem {
        Some(AlarmProblem::CannotFire(why)) => {
            return Outcome::broken(Link::AlarmFires, Reason::AlarmCannotFire, why, &chain)
        }
        Some(AlarmProblem::ActionsDisabled) => {
            return Outcome::broken(
                Link::AlarmEnabled,
                Reason::AlarmActionsDisabled,
                format!("alarm {} has its actions disabled", alarm.name),
                &chain,
            )
        }
        Some(AlarmProblem::NoSnsAction) => {
            return Outcome::broken(
                Link::AlarmAction,
                Reason::NoAlarmAction,
                format!("alarm {} notifies no SNS topic", alarm.name),
                &chain,
            )
        }
        Some(AlarmProblem::Elsewhere | AlarmProblem::OtherMetric) | None => {}
    }
    best(sns_topics(alarm).into_iter().map(|topic| {
        let mut chain = chain.clone();
        chain.topic_arn = Some(topic.to_string());
        match topics.get(topic) {
            None => Outcome::unknown(
                Link::Subscription,
                &not_collected("SNS:ListSubscriptionsByTopic"),
                &chain,
            ),
            Some(Err(f)) if f.is_not_found() => Outcome::broken(
                Link::Subscription,
                Reason::NoConfirmedSubscription,
                format!("topic {topic} does not exist"),
                &chain,
            ),
            Some(Err(f)) => Outcome::unknown(Link::Subscription, f, &chain),
            Some(Ok(t)) => {
                let confirmed = t.subscriptions.iter().filter(|s| s.is_confirmed()).count();
                if confirmed > 0 {
                    let detail = format!(
                        "alarm {} notifies {topic} ({confirmed} confirmed subscription{})",
                        alarm.name,
                        if confirmed == 1 { "" } else { "s" }
                    );
                    deliverable(alarm, topic, t, place, chain, detail)
                } else {
                    let pending = t.subscriptions.len();
                    Outcome::broken(
                        Link::Subscription,
                        Reason::NoConfirmedSubscription,
                        if pending == 0 {
                            format!("topic {topic} has no subscription")
                        } else {
                            format!("topic {topic} has {pending} subscription(s), none confirmed")
                        },
                        &chain,
                    )
                }
            }
        }
    }))
    .expect("a usable alarm has an SNS topic")
}

/// The last links, once the topic has a confirmed subscriber: can the alarm publish to it, and
/// (with `--alarm-history`) have its actions been succeeding?
fn deliverable(
    alarm: &AlarmFacts,
    topic: &str,
    facts: &TopicFacts,
    place: &AlarmPlace<'_>,
    mut chain: ChainResources,
    detail: String,
) -> Outcome {
    let mut notes = Vec::new();
    match &facts.delivery {
        None => {
            return Outcome::unknown(
                Link::Notification,
                &not_collected("SNS:GetTopicAttributes"),
                &chain,
            )
        }
        Some(Err(f)) if f.is_not_found() => {
            return Outcome::broken(
                Link::Subscription,
                Reason::NoConfirmedSubscription,
                format!("topic {topic} does not exist"),
                &chain,
            )
        }
        Some(Err(f)) => return Outcome::unknown(Link::Notification, f, &chain),
        Some(Ok(d)) => {
            match delivery::notification(d, topic, &alarm.arn, publisher_org(alarm, place)) {
                Notification::Deliverable => {}
                Notification::CannotTell(found) => notes.extend(found),
                Notification::Unknown(f) => {
                    return Outcome::unknown(Link::Notification, &f, &chain)
                }
                Notification::Blocked { block, detail } => {
                    chain.blocked_by = Some(block);
                    return Outcome::broken(
                        Link::Notification,
                        Reason::NotificationBlocked,
                        detail,
                        &chain,
                    );
                }
            }
        }
    }
    match place.group.alarm_history.get(&alarm.arn) {
        None => {}
        Some(Err(f)) => return Outcome::unknown(Link::ActionHistory, f, &chain),
        Some(Ok(history)) => {
            match delivery::action_history(
                history,
                &alarm.name,
                topic,
                place.settings.alarm_history_days,
            ) {
                Finding::Clear => {}
                Finding::Note(n) => notes.push(n),
                Finding::Broken(d) => {
                    return Outcome::broken(
                        Link::ActionHistory,
                        Reason::AlarmActionFailing,
                        d,
                        &chain,
                    )
                }
            }
        }
    }
    with_notes(Outcome::Complete { chain, detail }, &notes)
}

/// The organization keys of the account an alarm publishes for, when the organization is known.
fn publisher_org<'a>(alarm: &AlarmFacts, place: &'a AlarmPlace<'_>) -> Option<SourceOrg<'a>> {
    let account = parse_arn(&alarm.arn).map(|p| p.account)?;
    place.settings.organization.as_ref()?.source_org(account)
}
