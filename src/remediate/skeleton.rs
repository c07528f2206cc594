//! Cells → what fixes them (pure). Every FAIL cell broken at a link from the log group on names
//! the log group its trail really delivers to; cells naming the same group (every region of a
//! multi-region trail, every account of an organization trail, every control) share one
//! target, so it is planned once. Links orgsweep will not touch (the trail itself) become
//! manual steps; ERROR cells make their account *unplanned*.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::{log_group_ref, normalize_log_group_arn, parse_arn};
use crate::judge::ControlCells;
use crate::verdict::{ChainResources, Reason, Status};

use super::cells::Cell;
use super::delivery_steps;
use super::manual::{self, ManualStep};
use super::plan::{TargetPlan, Unplanned};

/// The reasons whose fix is in the log group, filter, alarm or topic: orgsweep plans them.
pub(crate) const REMEDIABLE: [Reason; 10] = [
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

/// The cells of one account, as the check judged them.
pub(crate) struct AccountCells<'a> {
    pub account_id: &'a str,
    pub partition: &'a str,
    pub controls: &'a [ControlCells],
}

/// Targets (without actions yet), manual steps and unplanned accounts.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Skeleton {
    pub targets: Vec<TargetPlan>,
    pub manual_steps: Vec<ManualStep>,
    pub unplanned: Vec<Unplanned>,
}

/// A manual step is one per (account that acts, reason, subject): the subject is the trail, or
/// for a blocked notification the topic, for failing alarm actions the alarm.
type ManualKey = (String, Reason, Option<String>);

/// The resource a manual step for `reason` is about, when it is not the trail.
fn delivery_subject(reason: Reason, chain: &ChainResources) -> Option<&str> {
    match reason {
        Reason::NotificationBlocked => chain.topic_arn.as_deref(),
        Reason::NoConfirmedSubscription => delivery_steps::cross_account_topic(chain),
        Reason::AlarmActionFailing => chain.alarm_arn.as_deref(),
        _ => None,
    }
}

/// Groups the failing cells by what fixes them. `org_trails` are the ARNs of organization
/// trails (their log group is the management account's; their manual steps are run there).
pub(crate) fn skeleton(accounts: &[AccountCells<'_>], org_trails: &BTreeSet<String>) -> Skeleton {
    let mut targets: BTreeMap<String, TargetPlan> = BTreeMap::new();
    let mut manual_cells: BTreeMap<ManualKey, (String, ChainResources, Vec<Cell>)> =
        BTreeMap::new();
    let mut unplanned: BTreeMap<(String, Reason), Unplanned> = BTreeMap::new();
    let mut add_unplanned = |account: &str, reason: Reason, region: &str, detail: String| {
        let u = unplanned
            .entry((account.to_string(), reason))
            .or_insert_with(|| Unplanned {
                account_id: account.to_string(),
                regions: Vec::new(),
                reason,
                detail,
            });
        if !u.regions.iter().any(|r| r == region) {
            u.regions.push(region.to_string());
        }
    };

    for account in accounts {
        for (control, verdicts) in account.controls {
            for (region, verdict) in verdicts {
                let cell = Cell {
                    account_id: account.account_id.to_string(),
                    region: region.clone(),
                    control: control.clone(),
                    reason: verdict.reason,
                };
                match verdict.status {
                    // An excepted cell is a decision recorded by the organization: not planned.
                    Status::Pass | Status::Skipped | Status::Excepted => {}
                    Status::Error => add_unplanned(
                        account.account_id,
                        verdict.reason,
                        region,
                        verdict.detail.clone(),
                    ),
                    // A topic of another account is not orgsweep's to write: a manual step
                    // there (below), never an action in an account it did not plan for.
                    Status::Fail
                        if REMEDIABLE.contains(&verdict.reason)
                            && !(verdict.reason == Reason::NoConfirmedSubscription
                                && delivery_steps::cross_account_topic(&verdict.chain)
                                    .is_some()) =>
                    {
                        let target = verdict
                            .chain
                            .log_group_arn
                            .as_deref()
                            .zip(verdict.chain.trail_arn.as_deref())
                            .and_then(|(lg, trail)| new_target(lg, trail, org_trails));
                        match target {
                            Some(t) => {
                                let t = targets.entry(t.log_group_arn.clone()).or_insert(t);
                                if !t.controls.contains(control) {
                                    t.controls.push(control.clone());
                                }
                                t.cells.push(cell);
                            }
                            None => add_unplanned(
                                account.account_id,
                                verdict.reason,
                                region,
                                format!(
                                    "the check did not name the trail's log group: {}",
                                    verdict.detail
                                ),
                            ),
                        }
                    }
                    Status::Fail => {
                        let trail = delivery_subject(verdict.reason, &verdict.chain)
                            .map(str::to_string)
                            .or_else(|| verdict.chain.trail_arn.clone());
                        // The account that must act: the trail's owner (an organization trail is
                        // the management account's), else the account itself.
                        let owner_part = trail.as_deref().and_then(parse_arn);
                        let owner = owner_part
                            .as_ref()
                            .map(|p| p.account.to_string())
                            .unwrap_or_else(|| account.account_id.to_string());
                        let partition = owner_part
                            .map(|p| p.partition.to_string())
                            .unwrap_or_else(|| account.partition.to_string());
                        manual_cells
                            .entry((owner, verdict.reason, trail))
                            .or_insert_with(|| (partition, verdict.chain.clone(), Vec::new()))
                            .2
                            .push(cell);
                    }
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
    manual_cells.retain(|(owner, reason, trail), (_, _, cells)| {
        if *reason == Reason::NoTrail && trail.is_none() && single_region_owners.contains(owner) {
            folded.entry(owner.clone()).or_default().append(cells);
            false
        } else {
            true
        }
    });
    let mut manual_steps = Vec::new();
    let mut folded_done = BTreeSet::new();
    for ((owner, reason, trail), (partition, chain, mut cells)) in manual_cells {
        if reason == Reason::TrailNotMultiRegion && folded_done.insert(owner.clone()) {
            if let Some(more) = folded.remove(&owner) {
                cells.extend(more);
            }
        }
        let org = trail.as_ref().is_some_and(|t| org_trails.contains(t));
        cells.sort();
        let step = match delivery_steps::step(reason, &owner, &partition, &chain, cells.clone()) {
            Some(step) => step,
            None => manual::step(reason, &owner, &partition, trail.as_deref(), org, cells),
        };
        manual_steps.push(step);
    }

    let mut targets: Vec<TargetPlan> = targets.into_values().collect();
    for t in &mut targets {
        t.cells.sort();
        t.controls.sort_by_key(|c| crate::controls::order_of(c));
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
        controls: Vec::new(),
        cells: Vec::new(),
        actions: Vec::new(),
        conflicts: Vec::new(),
        incomplete: Vec::new(),
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Verdict;

    const MGMT: &str = "123456789012";
    const AUDIT: &str = "444455556666";
    const ORG_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/org";
    const ORG_GROUP: &str =
        "arn:aws:logs:us-east-1:123456789012:log-group:aws-controltower/CloudTrailLogs-a1b2";

    fn cells(reason: Reason, topic_account: &str) -> Vec<ControlCells> {
        let v = Verdict::new(Status::Fail, reason, "x").with_chain(ChainResources {
            trail_arn: Some(ORG_TRAIL.into()),
            log_group_arn: Some(ORG_GROUP.into()),
            alarm_arn: Some(format!("arn:aws:cloudwatch:us-east-1:{MGMT}:alarm:a")),
            topic_arn: Some(format!("arn:aws:sns:us-east-1:{topic_account}:alerts")),
            ..Default::default()
        });
        vec![(
            "console-auth-failures".into(),
            [("us-east-1".to_string(), v)].into_iter().collect(),
        )]
    }

    fn plan(reason: Reason, topic_account: &str, members: &[&str]) -> Skeleton {
        let rows: Vec<(String, Vec<ControlCells>)> = members
            .iter()
            .map(|m| (m.to_string(), cells(reason, topic_account)))
            .collect();
        let accounts: Vec<AccountCells> = rows
            .iter()
            .map(|(id, c)| AccountCells {
                account_id: id,
                partition: "aws",
                controls: c,
            })
            .collect();
        skeleton(&accounts, &[ORG_TRAIL.to_string()].into_iter().collect())
    }

    #[test]
    fn an_organization_chain_is_planned_once_in_the_management_account() {
        let s = plan(
            Reason::NoAlarm,
            MGMT,
            &["111111111111", "222222222222", MGMT],
        );
        assert_eq!(s.targets.len(), 1);
        let t = &s.targets[0];
        assert_eq!(
            (t.account_id.as_str(), t.region.as_str()),
            (MGMT, "us-east-1")
        );
        assert_eq!(t.log_group_arn, ORG_GROUP);
        assert!(t.organization_trail);
        assert_eq!(t.cells.len(), 3);
        assert!(s.manual_steps.is_empty());
    }

    #[test]
    fn a_central_topic_without_a_subscriber_is_one_manual_step_in_its_account() {
        let s = plan(
            Reason::NoConfirmedSubscription,
            AUDIT,
            &["111111111111", "222222222222"],
        );
        assert!(s.targets.is_empty(), "{:?}", s.targets);
        assert_eq!(s.manual_steps.len(), 1);
        let step = &s.manual_steps[0];
        assert_eq!(step.account_id, AUDIT);
        assert!(step.commands[0].starts_with("aws sns subscribe"));
        assert_eq!(step.cells.len(), 2);
        // The alarm account's own topic stays orgsweep's to plan.
        let s = plan(Reason::NoConfirmedSubscription, MGMT, &["111111111111"]);
        assert_eq!(s.targets.len(), 1);
        assert!(s.manual_steps.is_empty());
    }
}
