//! Collect (I/O only): one account's facts, following the call plan (README "How it works").
//!
//! 1. `DescribeRegions` and `ListTrails`, concurrently.
//! 2. Per home region, one `DescribeTrails` for the trails homed there.
//! 3. Per multi-region trail, concurrently: `GetTrailStatus`, `GetEventSelectors`, and the log
//!    group (`DescribeLogGroups` + `DescribeMetricFilters`).
//! 4. When the group has filters: `DescribeAlarms` of its region, once for every control
//!    (metric-math alarms included), then `ListSubscriptionsByTopic` and `GetTopicAttributes`
//!    once per topic that a usable alarm on one of the filters' metrics notifies (and
//!    `kms:GetKeyPolicy` once per customer managed key of those topics; with
//!    `--alarm-history`, `DescribeAlarmHistory` once per such alarm).
//! 5. Only when no multi-region trail exists: `DescribeTrails` in each swept region not yet
//!    seen, to find single-region trails (`ListTrails` on the emulator shows only the calling
//!    region's).
//!
//! The collector judges nothing: which filter serves which control is the judge's question. A
//! compliant account costs ten calls whatever its number of regions and controls.

pub mod delivery;
pub mod metrics;
pub mod regions;
pub mod trails;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::future::join_all;

use crate::aws::{AccountClients, CallFailure};
use crate::facts::{
    AccountFacts, AlarmFacts, Fetched, LogGroupFacts, MetricTransformation, TopicFacts,
    TrailConfig, TrailFacts,
};
use crate::judge::alarm::{sns_topics, usable};

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
    /// Read the usable alarms' action history over this many days (0: do not).
    pub alarm_history_days: u32,
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

    let read = join_all(trails.iter().map(|t| read_chain(clients, t, plan))).await;
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
async fn read_chain(
    clients: &AccountClients,
    trail: &TrailFacts,
    plan: &CollectPlan,
) -> Option<TrailConfig> {
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
    let (status, selectors, group) = tokio::join!(
        trails::status(clients, trail),
        trails::selectors(clients, trail),
        group
    );
    let mut config = config.clone();
    config.status = Some(status);
    config.selectors = Some(selectors);
    if let (Some(arn), Some(Ok(group))) = (config.log_group_arn.clone(), group.as_ref().cloned()) {
        config.log_group = Some(Ok(read_alarms_and_topics(clients, &arn, group, plan).await));
    } else {
        config.log_group = group;
    }
    Some(config)
}

/// The alarms of the group's region (when it has filters) and the topics of the alarms that
/// could complete a chain on one of its filters' metrics, each topic read once.
async fn read_alarms_and_topics(
    clients: &AccountClients,
    arn: &str,
    mut group: LogGroupFacts,
    plan: &CollectPlan,
) -> LogGroupFacts {
    let Some(target) = crate::facts::log_group_ref(arn) else {
        return group;
    };
    let (region, account) = (target.region.to_string(), target.account.to_string());
    let Some(Ok(filters)) = &group.filters else {
        return group;
    };
    if filters.is_empty() {
        return group;
    }
    let alarms = metrics::all_alarms(clients, &region).await;
    if let Ok(alarms) = &alarms {
        let metrics: Vec<&MetricTransformation> =
            filters.iter().flat_map(|f| &f.transformations).collect();
        let usable_alarms = usable_alarms(alarms, &metrics, &region, &account);
        let (topics, history) = tokio::join!(
            usable_alarm_topics(clients, alarms, &metrics, &region, &account, true),
            async {
                if plan.alarm_history_days == 0 {
                    return BTreeMap::new();
                }
                let named: Vec<(String, String)> = usable_alarms
                    .iter()
                    .map(|a| (a.arn.clone(), a.name.clone()))
                    .collect();
                delivery::alarm_histories(clients, &region, &named, plan.alarm_history_days).await
            }
        );
        group.topics = topics;
        group.alarm_history = history;
    }
    group.alarms = Some(alarms);
    group
}

/// The alarms that could complete a chain on one of `metrics`, each once.
fn usable_alarms<'a>(
    alarms: &'a [AlarmFacts],
    metrics: &[&MetricTransformation],
    region: &str,
    account: &str,
) -> Vec<&'a AlarmFacts> {
    alarms
        .iter()
        .filter(|a| metrics.iter().any(|m| usable(a, m, region, account)))
        .collect()
}

/// Reads, once each and concurrently, the topics that usable alarms on `metrics` notify: their
/// subscriptions, and with `with_delivery` what decides whether CloudWatch can publish to them.
pub async fn usable_alarm_topics(
    clients: &AccountClients,
    alarms: &[AlarmFacts],
    metrics: &[&MetricTransformation],
    region: &str,
    account: &str,
    with_delivery: bool,
) -> BTreeMap<String, Fetched<TopicFacts>> {
    let wanted: BTreeSet<String> = usable_alarms(alarms, metrics, region, account)
        .into_iter()
        .flat_map(sns_topics)
        .map(str::to_string)
        .collect();
    let wanted: Vec<String> = wanted.into_iter().collect();
    let (read, mut deliveries) = tokio::join!(
        join_all(wanted.iter().map(|t| metrics::topic(clients, t))),
        async {
            if with_delivery {
                delivery::topics_delivery(clients, &wanted).await
            } else {
                BTreeMap::new()
            }
        }
    );
    wanted
        .into_iter()
        .zip(read)
        .map(|(arn, topic)| {
            let d = deliveries.remove(&arn);
            (
                arn,
                topic.map(|mut t| {
                    t.delivery = d;
                    t
                }),
            )
        })
        .collect()
}
