//! Follows one trail's chain link by link and says how far it got: complete, broken at a link
//! (with the reason and a line to act on), or unknown at a link because a call failed.
//! Where the chain branches (several filters, alarms, topics) the best branch counts.

use crate::facts::{
    log_group_name, normalize_log_group_arn, parse_arn, AlarmFacts, Fetched, MetricFilterFacts,
    MetricTransformation, TrailConfig, TrailFacts,
};
use crate::failure::{CallFailure, FailureKind};
use crate::verdict::{ChainResources, Reason};

use super::alarm::{can_fire_on_one_event, sns_topics, watches_metric};
use super::selectors::records_all_management_events;

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
    MetricFilter,
    Pattern,
    Alarm,
    AlarmFires,
    AlarmEnabled,
    AlarmAction,
    Subscription,
    Complete,
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

    pub fn is_complete(&self) -> bool {
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
/// error rather than guessed.
fn not_collected(what: &str) -> CallFailure {
    CallFailure::new(
        FailureKind::Other,
        "orgsweep",
        format!("{what} was not collected"),
    )
}

fn need<'a, T>(fact: &'a Option<Fetched<T>>, what: &str) -> Result<&'a T, CallFailure> {
    match fact {
        None => Err(not_collected(what)),
        Some(Err(f)) => Err(f.clone()),
        Some(Ok(v)) => Ok(v),
    }
}

/// Follows one trail's chain. `account_id` is the account that owns the trail.
pub fn evaluate_trail(trail: &TrailFacts, account_id: &str) -> Outcome {
    let mut chain = ChainResources {
        trail_arn: Some(trail.arn.clone()),
        ..ChainResources::default()
    };
    let config = match &trail.config {
        Ok(c) => c,
        Err(f) => return Outcome::unknown(Link::MultiRegion, f, &chain),
    };
    match trail_links(trail, config, &mut chain) {
        Err(outcome) => outcome,
        Ok(log_group_arn) => log_group_links(config, &log_group_arn, account_id, &mut chain),
    }
}

/// The trail's own links; on success returns the normalized log group ARN. The error is the
/// outcome itself (a broken or unknown link), returned early; its size does not matter here.
#[allow(clippy::result_large_err)]
fn trail_links(
    trail: &TrailFacts,
    c: &TrailConfig,
    chain: &mut ChainResources,
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
    match need(&c.is_logging, "trail status") {
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
    match need(&c.selectors, "event selectors") {
        Err(f) => return Err(Outcome::unknown(Link::ManagementEvents, &f, chain)),
        Ok(selectors) => {
            if let Err(why) = records_all_management_events(selectors) {
                return Err(Outcome::broken(
                    Link::ManagementEvents,
                    Reason::NoManagementEvents,
                    format!("trail {name}: {why}"),
                    chain,
                ));
            }
        }
    }
    if !c.include_global_service_events {
        return Err(Outcome::broken(
            Link::GlobalEvents,
            Reason::NoGlobalServiceEvents,
            format!(
                "trail {name} excludes global service events, where console sign-ins are recorded"
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
    account_id: &str,
    chain: &mut ChainResources,
) -> Outcome {
    let name = log_group_name(arn).unwrap_or(arn);
    let parts = parse_arn(arn);
    let log_group = match need(&c.log_group, "log group") {
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
    let filters = match need(&log_group.filters, "metric filters") {
        Err(f) => return Outcome::unknown(Link::MetricFilter, &f, chain),
        Ok(f) => f,
    };
    if filters.is_empty() {
        return Outcome::broken(
            Link::MetricFilter,
            Reason::NoMetricFilter,
            format!("log group {name} has no metric filter"),
            chain,
        );
    }
    let (region, account) = parts
        .map(|p| (p.region.to_string(), p.account.to_string()))
        .unwrap_or_else(|| (String::new(), account_id.to_string()));
    best(
        filters
            .iter()
            .map(|f| filter_links(f, &region, &account, chain)),
    )
    .expect("filters is not empty")
}

/// Why a filter pattern does not serve the control, or `None` when it does: it must parse,
/// catch every failed console sign-in the CIS pattern catches, and not match successful
/// sign-ins — an alarm that fires on every sign-in (`||` in place of `&&`, or `eventName`
/// alone) no longer tells anyone about failures. The one place this rule lives: the judge, the
/// collector and the remediation planner all ask here.
pub fn pattern_problem(pattern: &str) -> Option<(Reason, String)> {
    verdict_problem(&crate::pattern::judge_cached(
        pattern,
        &crate::controls::default_control().reference,
    ))
}

/// [`pattern_problem`] for a verdict already at hand.
pub fn verdict_problem(verdict: &crate::pattern::PatternVerdict) -> Option<(Reason, String)> {
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

fn filter_links(
    filter: &MetricFilterFacts,
    region: &str,
    account: &str,
    chain: &ChainResources,
) -> Outcome {
    let mut chain = chain.clone();
    chain.filter_name = Some(filter.name.clone());
    if let Some((reason, why)) = pattern_problem(&filter.pattern) {
        return Outcome::broken(
            Link::Pattern,
            reason,
            format!("filter {}: {why}", filter.name),
            &chain,
        );
    }
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
            .map(|m| metric_links(m, region, account, &chain)),
    )
    .expect("transformations is not empty")
}

fn metric_links(
    metric: &MetricTransformation,
    region: &str,
    account: &str,
    chain: &ChainResources,
) -> Outcome {
    let alarms = match need(&metric.alarms, "alarms") {
        Err(f) => return Outcome::unknown(Link::Alarm, &f, chain),
        Ok(a) => a,
    };
    let here = |a: &&AlarmFacts| {
        parse_arn(&a.arn).is_some_and(|p| p.region == region && p.account == account)
    };
    let on_metric: Vec<&AlarmFacts> = alarms
        .iter()
        .filter(here)
        .filter(|a| watches_metric(a, metric))
        .collect();
    if on_metric.is_empty() {
        let dims = if metric.dimensions.is_empty() {
            String::new()
        } else {
            format!(" with dimensions {:?}", metric.dimensions)
        };
        return Outcome::broken(
            Link::Alarm,
            Reason::NoAlarm,
            format!(
                "no alarm in {region} watches metric {}/{}{dims}",
                metric.namespace, metric.metric_name
            ),
            chain,
        );
    }
    best(on_metric.into_iter().map(|a| alarm_links(a, metric, chain)))
        .expect("on_metric is not empty")
}

fn alarm_links(
    alarm: &AlarmFacts,
    metric: &MetricTransformation,
    chain: &ChainResources,
) -> Outcome {
    let mut chain = chain.clone();
    chain.alarm_arn = Some(alarm.arn.clone());
    if let Err(why) = can_fire_on_one_event(alarm, metric) {
        return Outcome::broken(Link::AlarmFires, Reason::AlarmCannotFire, why, &chain);
    }
    if !alarm.actions_enabled {
        return Outcome::broken(
            Link::AlarmEnabled,
            Reason::AlarmActionsDisabled,
            format!("alarm {} has its actions disabled", alarm.name),
            &chain,
        );
    }
    let topics = sns_topics(alarm);
    if topics.is_empty() {
        return Outcome::broken(
            Link::AlarmAction,
            Reason::NoAlarmAction,
            format!("alarm {} notifies no SNS topic", alarm.name),
            &chain,
        );
    }
    best(topics.into_iter().map(|topic| {
        let mut chain = chain.clone();
        chain.topic_arn = Some(topic.to_string());
        match alarm.topics.get(topic) {
            None => Outcome::unknown(
                Link::Subscription,
                &not_collected("topic subscriptions"),
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
                    Outcome::Complete {
                        detail: format!(
                            "alarm {} notifies {topic} ({confirmed} confirmed subscription{})",
                            alarm.name,
                            if confirmed == 1 { "" } else { "s" }
                        ),
                        chain,
                    }
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
    .expect("topics is not empty")
}
