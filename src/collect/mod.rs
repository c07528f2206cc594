//! Collect (I/O only): one account's facts, following the call plan of DESIGN.md §1.
//!
//! 1. `DescribeRegions` and `ListTrails`, concurrently.
//! 2. Per home region, one `DescribeTrails` for the trails homed there.
//! 3. Per multi-region trail, concurrently: `GetTrailStatus`, `GetEventSelectors`, and the log
//!    group (`DescribeLogGroups` + `DescribeMetricFilters`).
//! 4. For filters whose pattern catches every failed sign-in: `DescribeAlarmsForMetric` (and,
//!    only when no usable alarm shows, `DescribeAlarms` for metric-math alarms), then
//!    `ListSubscriptionsByTopic` for the topics of usable alarms.
//! 5. Only when no multi-region trail exists: `DescribeTrails` in each swept region not yet
//!    seen, to find single-region trails (`ListTrails` on the emulator shows only the calling
//!    region's).
//!
//! A compliant account costs nine calls whatever its number of regions.

pub mod metrics;
pub mod regions;
pub mod trails;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::future::join_all;

use crate::aws::{AccountClients, CallFailure};
use crate::facts::{
    AccountFacts, AlarmFacts, Fetched, MetricTransformation, TrailConfig, TrailFacts,
};
use crate::judge::alarm::{can_fire_on_one_event, sns_topics, watches_metric};

/// What the sweep already knows when it collects an account.
#[derive(Debug, Clone, Default)]
pub struct CollectPlan {
    /// Regions swept (the matrix columns).
    pub columns: Vec<String>,
    /// A complete organization chain covers the account: read no trail at all.
    pub skip_trails: bool,
    /// A multi-region organization trail exists, so single-region trails cannot decide a cell.
    pub org_trail_multi_region: bool,
    /// Enabled regions, when already discovered (the management account's).
    pub known_enabled: Option<BTreeSet<String>>,
}

/// Gathers one account's facts. Never fails: failed calls are recorded where they belong.
pub async fn collect_account(
    clients: &AccountClients,
    partition: &str,
    plan: &CollectPlan,
) -> AccountFacts {
    let enabled = async {
        match &plan.known_enabled {
            Some(known) => Ok(known.clone()),
            None => regions::discover(clients, partition)
                .await
                .map(|r| r.enabled),
        }
    };
    let mut facts = AccountFacts {
        account_id: clients.account_id.clone(),
        partition: partition.to_string(),
        enabled_regions: Ok(BTreeSet::new()),
        trails: None,
        regional_lookup_failures: BTreeMap::new(),
    };
    if plan.skip_trails {
        facts.enabled_regions = enabled.await;
        return facts;
    }
    let (enabled, listed) = tokio::join!(enabled, trails::list(clients));
    facts.enabled_regions = enabled;
    let listed = match listed {
        Ok(l) => l,
        Err(f) => {
            facts.trails = Some(Err(f));
            return facts;
        }
    };
    let mut trails = describe_by_home_region(clients, listed).await;

    let any_multi_region = trails
        .iter()
        .any(|t| t.config.as_ref().is_ok_and(|c| c.is_multi_region));
    if !any_multi_region && !plan.org_trail_multi_region {
        if let Ok(enabled) = &facts.enabled_regions {
            let seen: BTreeSet<&str> = trails.iter().map(|t| t.home_region.as_str()).collect();
            let default_region = clients.default_region();
            let to_look: Vec<&String> = plan
                .columns
                .iter()
                .filter(|r| {
                    enabled.contains(*r) && !seen.contains(r.as_str()) && **r != default_region
                })
                .collect();
            let found = join_all(to_look.iter().map(|r| trails::homed_in(clients, r))).await;
            for (region, result) in to_look.into_iter().zip(found) {
                match result {
                    Ok(list) => trails.extend(list.into_iter().map(|(r, c)| TrailFacts {
                        arn: r.arn,
                        name: r.name,
                        home_region: r.home_region,
                        config: Ok(c),
                    })),
                    Err(f) => {
                        facts.regional_lookup_failures.insert(region.clone(), f);
                    }
                }
            }
        }
    }

    let read = join_all(trails.iter().map(|t| read_chain(clients, t))).await;
    for (trail, config) in trails.iter_mut().zip(read) {
        if let Some(config) = config {
            trail.config = Ok(config);
        }
    }
    facts.trails = Some(Ok(trails));
    facts
}

/// One `DescribeTrails` per home region for the listed trails.
async fn describe_by_home_region(
    clients: &AccountClients,
    listed: Vec<trails::TrailRef>,
) -> Vec<TrailFacts> {
    let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in &listed {
        by_region
            .entry(t.home_region.clone())
            .or_default()
            .push(t.arn.clone());
    }
    let described = join_all(by_region.iter().map(|(region, arns)| async move {
        (
            region.clone(),
            trails::describe(clients, region, arns).await,
        )
    }))
    .await;
    let described: HashMap<String, Result<BTreeMap<String, TrailConfig>, CallFailure>> =
        described.into_iter().collect();
    listed
        .into_iter()
        .map(|t| {
            let config = match &described[&t.home_region] {
                Ok(map) => map.get(&t.arn).cloned().ok_or_else(|| {
                    CallFailure::new(
                        crate::aws::FailureKind::NotFound,
                        "CloudTrail:DescribeTrails",
                        format!("trail {} was listed but not described", t.arn),
                    )
                    .in_region(&t.home_region)
                }),
                Err(f) => Err(f.clone()),
            };
            TrailFacts {
                arn: t.arn,
                name: t.name,
                home_region: t.home_region,
                config,
            }
        })
        .collect()
}

/// Reads the rest of a multi-region trail's chain; `None` for trails with nothing to read.
async fn read_chain(clients: &AccountClients, trail: &TrailFacts) -> Option<TrailConfig> {
    let config = trail.config.as_ref().ok()?;
    if !config.is_multi_region {
        return None;
    }
    let group = async {
        match &config.log_group_arn {
            Some(arn) => Some(metrics::log_group(clients, arn).await),
            None => None,
        }
    };
    let (logging, selectors, group) = tokio::join!(
        trails::is_logging(clients, trail),
        trails::selectors(clients, trail),
        group
    );
    let mut config = config.clone();
    config.is_logging = Some(logging);
    config.selectors = Some(selectors);
    config.log_group = group;
    if let (Some(arn), Some(Ok(group))) = (config.log_group_arn.clone(), config.log_group.as_mut())
    {
        if let Some(Ok(filters)) = group.filters.as_mut() {
            let target = crate::facts::log_group_ref(&arn)?;
            let region = target.region.to_string();
            let account = target.account.to_string();
            let metrics: Vec<&mut MetricTransformation> = filters
                .iter_mut()
                .filter(|f| crate::judge::chain::pattern_problem(&f.pattern).is_none())
                .flat_map(|f| f.transformations.iter_mut())
                .collect();
            let alarms = join_all(
                metrics
                    .iter()
                    .map(|m| alarms_on(clients, &region, &account, m)),
            )
            .await;
            for (metric, alarms) in metrics.into_iter().zip(alarms) {
                metric.alarms = Some(alarms);
            }
            fill_topics(
                clients,
                filters
                    .iter_mut()
                    .flat_map(|f| f.transformations.iter_mut()),
            )
            .await;
        }
    }
    Some(config)
}

/// Whether an alarm could complete the chain but for its topic: worth reading its topics.
fn usable(alarm: &AlarmFacts, metric: &MetricTransformation, region: &str, account: &str) -> bool {
    crate::facts::parse_arn(&alarm.arn).is_some_and(|p| p.region == region && p.account == account)
        && watches_metric(alarm, metric)
        && can_fire_on_one_event(alarm, metric).is_ok()
        && alarm.actions_enabled
        && !sns_topics(alarm).is_empty()
}

/// Alarms on a metric; falls back to every alarm of the region (metric-math alarms, which
/// `DescribeAlarmsForMetric` does not return) only when no usable one shows.
async fn alarms_on(
    clients: &AccountClients,
    region: &str,
    account: &str,
    metric: &MetricTransformation,
) -> Fetched<Vec<AlarmFacts>> {
    let mut alarms = metrics::alarms_for_metric(clients, region, metric).await?;
    if !alarms.iter().any(|a| usable(a, metric, region, account)) {
        let known: BTreeSet<String> = alarms.iter().map(|a| a.arn.clone()).collect();
        let more = metrics::all_alarms(clients, region).await?;
        alarms.extend(
            more.into_iter()
                .filter(|a| !known.contains(&a.arn) && watches_metric(a, metric)),
        );
    }
    Ok(alarms)
}

/// Reads each distinct topic of the usable alarms once, concurrently, and fills them in.
async fn fill_topics<'a>(
    clients: &AccountClients,
    metrics: impl Iterator<Item = &'a mut MetricTransformation>,
) {
    let metrics: Vec<&mut MetricTransformation> = metrics.collect();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for m in &metrics {
        if let Some(Ok(alarms)) = &m.alarms {
            for a in alarms {
                if a.actions_enabled && watches_metric(a, m) && can_fire_on_one_event(a, m).is_ok()
                {
                    wanted.extend(sns_topics(a).into_iter().map(str::to_string));
                }
            }
        }
    }
    let wanted: Vec<String> = wanted.into_iter().collect();
    let read = join_all(wanted.iter().map(|t| metrics::topic(clients, t))).await;
    let topics: HashMap<String, Fetched<crate::facts::TopicFacts>> =
        wanted.into_iter().zip(read).collect();
    for m in metrics {
        if let Some(Ok(alarms)) = &mut m.alarms {
            for a in alarms.iter_mut() {
                for t in sns_topics(a)
                    .into_iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
                {
                    if let Some(found) = topics.get(&t) {
                        a.topics.insert(t, found.clone());
                    }
                }
            }
        }
    }
}
