//! Collect (I/O only): one account's facts, following the call plan (README "How it works").
//!
//! 1. `DescribeRegions` and `ListTrails`, concurrently.
//! 2. Per home region, one `DescribeTrails` for the trails homed there.
//! 3. Per multi-region trail, concurrently: `GetTrailStatus`, `GetEventSelectors`, and the log
//!    group (`DescribeLogGroups` + `DescribeMetricFilters`).
//! 4. When the group has filters: `DescribeAlarms` of its region, once for every control
//!    (metric-math alarms included), then `ListSubscriptionsByTopic` and `GetTopicAttributes`
//!    once per topic that an alarm on one of the filters' metrics notifies (and
//!    `kms:GetKeyPolicy` once per customer managed key of those topics; with
//!    `--alarm-history`, `DescribeAlarmHistory` once per such alarm). A topic of another
//!    account is read there, once per sweep ([`topics`]); an action that is no readable topic
//!    ARN is recorded as a failure naming it.
//! 5. Only when no multi-region trail exists: `DescribeTrails` in each swept region not yet
//!    seen, to find single-region trails (`ListTrails` on the emulator shows only the calling
//!    region's).
//!
//! The collector judges nothing: which filter serves which control is the judge's question. A
//! compliant account costs ten calls whatever its number of regions and controls.

pub mod delivery;
pub mod metrics;
pub mod regions;
pub mod topics;
pub mod trails;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use crate::aws::{AccountClients, CallFailure, FailureKind};
use crate::facts::{
    topic_place, AccountFacts, AlarmFacts, Fetched, LogGroupFacts, MetricTransformation,
    TopicFacts, TopicPlace, TrailConfig, TrailFacts,
};
use topics::CentralTopics;

/// Calls of one account in flight at once, per fan-out (regions, trails, topics, alarms): an
/// account with dozens of trails or topics must not open a connection for each at once while
/// the sweep is already in as many accounts as `--concurrency` allows.
pub(crate) const IN_ACCOUNT_CONCURRENCY: usize = 8;

/// Runs `work` at most [`IN_ACCOUNT_CONCURRENCY`] at a time; results in the order given.
pub(crate) async fn bounded<F: std::future::Future>(
    work: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    stream::iter(work)
        .buffered(IN_ACCOUNT_CONCURRENCY)
        .collect()
        .await
}

/// What the sweep already knows when it collects an account.
#[derive(Debug, Clone, Default)]
pub(crate) struct CollectPlan {
    /// Regions swept (the matrix columns).
    pub columns: Vec<String>,
    /// A complete organization chain covers the account: read no trail at all.
    pub skip_trails: bool,
    /// A multi-region organization trail exists, so single-region trails cannot decide a cell.
    pub org_trail_multi_region: bool,
    /// Enabled regions, when already discovered (the management account's).
    pub known_enabled: Option<BTreeSet<String>>,
    /// Read the action history of the alarms on the filters' metrics over this many days
    /// (0: do not).
    pub alarm_history_days: u32,
    /// The sweep's shared reader of other accounts' topics; without it such a topic is read
    /// with this account's credentials.
    pub central_topics: Option<Arc<CentralTopics>>,
}

/// Gathers one account's facts. Never fails: failed calls are recorded where they belong.
pub(crate) async fn collect_account(
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
            let found = bounded(to_look.iter().map(|r| trails::homed_in(clients, r))).await;
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

    let read = bounded(
        trails
            .iter()
            .map(|t| read_chain(clients, t, plan, partition)),
    )
    .await;
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
    let described = bounded(by_region.iter().map(|(region, arns)| async move {
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
    partition: &str,
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
        config.log_group = Some(Ok(read_alarms_and_topics(
            clients, &arn, group, plan, partition,
        )
        .await));
    } else {
        config.log_group = group;
    }
    Some(config)
}

/// The alarms of the group's region (when it has filters) and the topics of the alarms on one
/// of its filters' metrics, each topic read once.
async fn read_alarms_and_topics(
    clients: &AccountClients,
    arn: &str,
    mut group: LogGroupFacts,
    plan: &CollectPlan,
    partition: &str,
) -> LogGroupFacts {
    let Some(target) = crate::facts::log_group_ref(arn) else {
        return group;
    };
    let region = target.region.to_string();
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
        let watching = watching_alarms(alarms, &metrics);
        let reader = TopicReader {
            clients,
            partition,
            with_delivery: true,
            central: plan.central_topics.as_deref(),
        };
        let (topics, history) = tokio::join!(reader.read(alarms, &metrics), async {
            if plan.alarm_history_days == 0 {
                return BTreeMap::new();
            }
            let named: Vec<(String, String)> = watching
                .iter()
                .map(|a| (a.arn.clone(), a.name.clone()))
                .collect();
            delivery::alarm_histories(clients, &region, &named, plan.alarm_history_days).await
        });
        group.topics = topics;
        group.alarm_history = history;
    }
    group.alarms = Some(alarms);
    group
}

/// The alarms that watch one of `metrics` (a fact; whether they can complete a chain is the
/// judge's question), each once.
fn watching_alarms<'a>(
    alarms: &'a [AlarmFacts],
    metrics: &[&MetricTransformation],
) -> Vec<&'a AlarmFacts> {
    alarms
        .iter()
        .filter(|a| metrics.iter().any(|m| a.watches(m)))
        .collect()
}

/// Reads, once each and concurrently, the topics that alarms on `metrics` notify (for the
/// remediation's re-reads: only the account's own alarms, `with_delivery` as asked).
pub(crate) async fn usable_alarm_topics(
    clients: &AccountClients,
    alarms: &[AlarmFacts],
    metrics: &[&MetricTransformation],
    region: &str,
    account: &str,
    with_delivery: bool,
) -> BTreeMap<String, Fetched<TopicFacts>> {
    let here: Vec<AlarmFacts> = alarms
        .iter()
        .filter(|a| {
            crate::facts::parse_arn(&a.arn)
                .is_some_and(|p| p.region == region && p.account == account)
        })
        .cloned()
        .collect();
    // The alarms' own partition: the remediation sweeps no other.
    let partition = here
        .first()
        .and_then(|a| crate::facts::parse_arn(&a.arn))
        .map(|p| p.partition.to_string())
        .unwrap_or_else(|| "aws".into());
    let reader = TopicReader {
        clients,
        partition: &partition,
        with_delivery,
        central: None,
    };
    reader.read(&here, metrics).await
}

/// How one account reads its alarms' topics.
struct TopicReader<'a> {
    clients: &'a AccountClients,
    partition: &'a str,
    with_delivery: bool,
    central: Option<&'a CentralTopics>,
}

impl TopicReader<'_> {
    /// The topics the alarms on `metrics` notify: the account's own read here (attributes and
    /// keys too `with_delivery`), another account's through the sweep's shared reader, and an
    /// action that is no readable topic ARN recorded as a failure that names it.
    async fn read(
        &self,
        alarms: &[AlarmFacts],
        metrics: &[&MetricTransformation],
    ) -> BTreeMap<String, Fetched<TopicFacts>> {
        let wanted: BTreeSet<String> = watching_alarms(alarms, metrics)
            .into_iter()
            .flat_map(|a| a.sns_actions())
            .map(str::to_string)
            .collect();
        let account = &self.clients.account_id;
        let mut found = BTreeMap::new();
        let mut here = Vec::new();
        let mut elsewhere = Vec::new();
        for arn in wanted {
            match topic_place(&arn, account, self.partition) {
                TopicPlace::Here => here.push(arn),
                TopicPlace::Account(_) if self.central.is_some() => elsewhere.push(arn),
                TopicPlace::Account(_) => here.push(arn),
                TopicPlace::Unreadable(why) => {
                    let failure = CallFailure::not_made(
                        FailureKind::Other,
                        "SNS:ListSubscriptionsByTopic",
                        why,
                    );
                    found.insert(arn, Err(failure));
                }
            }
        }
        let (read, mut deliveries, central) = tokio::join!(
            bounded(here.iter().map(|t| metrics::topic(self.clients, t))),
            async {
                if self.with_delivery {
                    delivery::topics_delivery(self.clients, &here).await
                } else {
                    BTreeMap::new()
                }
            },
            async {
                match self.central {
                    Some(c) => bounded(elsewhere.iter().map(|t| c.read(t))).await,
                    None => Vec::new(),
                }
            }
        );
        for (arn, topic) in here.into_iter().zip(read) {
            let d = deliveries.remove(&arn);
            let topic = topic.map(|mut t| {
                t.delivery = d;
                t
            });
            found.insert(arn, topic);
        }
        found.extend(elsewhere.into_iter().zip(central));
        found
    }
}

#[cfg(test)]
mod bounded_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn an_account_keeps_its_calls_in_flight_bounded_and_in_order() {
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let (now, most) = (&now, &most);
        let out = bounded((0..50).map(|i| async move {
            let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(in_flight, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(2)).await;
            now.fetch_sub(1, Ordering::SeqCst);
            i
        }))
        .await;
        assert_eq!(out, (0..50).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), IN_ACCOUNT_CONCURRENCY);
    }
}
