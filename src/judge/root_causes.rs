//! One root cause for many cells. When an organization chain is broken for a control, every
//! member whose cell got its verdict from that chain fails for the same reason: a report should
//! say so once ("the organization chain breaks at the alarm: 412 accounts") rather than leave
//! the reader to find it in 412 rows. Pure: the organization chains and the judged rows in, the
//! list out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::verdict::Status;

use super::{ControlCells, OrgChain};

/// One broken organization chain for one control, and how many accounts it breaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCause {
    /// The control id.
    pub control: String,
    /// The account that owns the organization trail (the management account).
    pub owner_account: String,
    /// The broken link of the organization chain (`Link::as_str`: `alarm_enabled`, `pattern`,
    /// `subscription`, ...).
    pub link: String,
    /// The reason code the affected cells carry.
    pub reason: String,
    /// Accounts with at least one cell of this control that has this cause.
    pub accounts_affected: usize,
    pub trail_arn: String,
    pub home_region: String,
    /// The log group the trail delivers to, when it names one.
    pub log_group_arn: Option<String>,
}

/// The root causes among `rows` (account id, its judged controls): for each organization chain,
/// control and reason, the accounts with a FAIL or ERROR cell whose verdict came from that chain.
/// Sorted by control, then most accounts first; causes that break no account are left out.
pub fn root_causes<'a>(
    org: &[OrgChain],
    rows: impl IntoIterator<Item = (&'a str, &'a [ControlCells])>,
) -> Vec<RootCause> {
    let mut tally = RootCauseTally::default();
    for (_, controls) in rows {
        tally.add(controls);
    }
    tally.finish(org)
}

/// Counts root-cause candidates as accounts finish, so a sweep need not keep its rows: per
/// (control, trail, reason), the accounts with a FAIL or ERROR cell on that trail. With an
/// owner set, only trails of that account (organization trails are the management
/// account's) are kept, so a thousand members' own broken trails cost nothing here.
#[derive(Debug, Default)]
pub struct RootCauseTally {
    owner: Option<String>,
    affected: BTreeMap<(String, String, String), usize>,
}

impl RootCauseTally {
    /// A tally of the trails `owner` (the management account) owns.
    pub(crate) fn owned_by(owner: &str) -> Self {
        RootCauseTally {
            owner: Some(owner.to_string()),
            ..RootCauseTally::default()
        }
    }

    /// Adds one account's cells.
    pub(crate) fn add(&mut self, controls: &[ControlCells]) {
        let owned = |trail: &str| match &self.owner {
            None => true,
            Some(owner) => crate::facts::parse_arn(trail).is_some_and(|a| a.account == owner),
        };
        let mut keys = std::collections::BTreeSet::new();
        for (control, cells) in controls {
            for verdict in cells.values() {
                if !matches!(verdict.status, Status::Fail | Status::Error) {
                    continue;
                }
                let Some(trail) = &verdict.chain.trail_arn else {
                    continue;
                };
                if owned(trail) {
                    keys.insert((control, trail, verdict.reason.as_str()));
                }
            }
        }
        for (control, trail, reason) in keys {
            *self
                .affected
                .entry((control.clone(), trail.clone(), reason.to_string()))
                .or_default() += 1;
        }
    }

    /// The root causes: the candidates whose trail is one of the organization chains.
    pub fn finish(self, org: &[OrgChain]) -> Vec<RootCause> {
        let affected = self.affected;
        let mut causes: Vec<RootCause> = affected
            .into_iter()
            .filter_map(|((control, trail, reason), accounts)| {
                let chain = org.iter().find(|c| c.trail_arn == trail)?;
                let link = chain
                    .outcomes
                    .get(&control)
                    .map(|o| o.link().as_str())
                    .unwrap_or("trail");
                Some(RootCause {
                    control,
                    owner_account: chain.owner_account.clone(),
                    link: link.to_string(),
                    reason,
                    accounts_affected: accounts,
                    trail_arn: chain.trail_arn.clone(),
                    home_region: chain.home_region.clone(),
                    log_group_arn: chain.log_group_arn.clone(),
                })
            })
            .collect();
        causes.sort_by(|a, b| {
            a.control
                .cmp(&b.control)
                .then(b.accounts_affected.cmp(&a.accounts_affected))
                .then(a.reason.cmp(&b.reason))
        });
        causes
    }
}
