//! The plan: what a person reviews and `--apply --plan FILE` carries out. One target per log
//! group a qualifying trail really delivers to, with the actions that complete its chain for
//! every control that fails there; manual steps for the links orgsweep does not change; the
//! accounts the check could not decide. The planning itself is in [`super::skeleton`] (cells →
//! targets) and [`super::target`] (one target's state → its actions).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::verdict::Reason;

use super::action::Action;
use super::cells::Cell;
use super::manual::ManualStep;
use super::names::PlanConfig;

/// What a plan file says it is.
pub(crate) const PLAN_FORMAT: &str = "orgsweep-remediation-plan";
/// Version 2: the controls family (every cell and action carries its control).
pub(crate) const PLAN_VERSION: u32 = 2;

/// One log group's chains to complete, in the account and region that own it.
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
    /// The controls whose chains this target completes, in table order.
    pub controls: Vec<String>,
    /// The cells this target completes (for an organization trail: cells of many accounts).
    pub cells: Vec<Cell>,
    pub actions: Vec<Action>,
    /// Resources of the configured names that orgsweep did not create and will not change.
    pub conflicts: Vec<String>,
    /// Why a chain stays incomplete even after these actions (empty: they will be complete).
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
    /// FAIL cells left out because an exception accepts them, per exception.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excepted: Vec<ExceptedCells>,
}

/// How many FAIL cells one exception kept out of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptedCells {
    pub exception: String,
    pub cells: usize,
}

impl Plan {
    pub fn action_count(&self) -> usize {
        self.targets.iter().map(|t| t.actions.len()).sum()
    }

    /// Every account a re-check after the apply should look at.
    pub(crate) fn touched_accounts(&self) -> BTreeSet<String> {
        self.targets
            .iter()
            .filter(|t| !t.actions.is_empty())
            .flat_map(|t| t.accounts())
            .collect()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
pub(crate) mod tests;
