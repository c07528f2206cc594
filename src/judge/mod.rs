//! The pure judge: an account's facts (plus the organization's chains) become one verdict per
//! control and region. No I/O here; `tests.rs` covers every reason code and the traps of
//! the chain (README "How it works").

pub mod alarm;
pub mod chain;
pub mod delivery;
pub mod metric_math;
pub mod policy_eval;
pub mod root_causes;
pub mod selectors;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::controls::Control;
use crate::facts::{normalize_log_group_arn, parse_arn, AccountFacts, TrailFacts};
use crate::verdict::{Reason, Status, Verdict};

pub use chain::{best, evaluate_trail, JudgeSettings, Link, OrgContext, Outcome, NOTES_START};
pub use root_causes::{root_causes, RootCause, RootCauseTally};

/// One control's cells of an account: its verdict per region.
pub(crate) type ControlCells = (String, BTreeMap<String, Verdict>);

/// An organization trail's chains, judged once in the management account, per control.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgChain {
    pub trail_arn: String,
    pub owner_account: String,
    pub home_region: String,
    pub multi_region: bool,
    /// The log group the trail delivers to (normalized ARN), when it names one.
    pub log_group_arn: Option<String>,
    /// Control id → how far that control's chain got, judged for every account at once.
    pub outcomes: BTreeMap<String, Outcome>,
    /// The trail, kept to judge per member the controls of `per_member`.
    trail: Arc<TrailFacts>,
    /// Controls whose chain is not complete for everyone but whose log group has a filter that
    /// pins `$.recipientAccountId`: those are judged again for each member's events.
    per_member: BTreeSet<String>,
}

impl OrgChain {
    fn covers(&self, region: &str) -> bool {
        self.multi_region || self.home_region == region
    }

    fn outcome(&self, control: &Control) -> Option<&Outcome> {
        self.outcomes.get(&control.id)
    }

    /// How far the chain of `control` got for the events of `account`.
    pub(crate) fn outcome_for(
        &self,
        control: &Control,
        account: &str,
        settings: &JudgeSettings,
    ) -> Option<Cow<'_, Outcome>> {
        let plain = self.outcome(control)?;
        if !self.per_member.contains(&control.id) {
            return Some(Cow::Borrowed(plain));
        }
        Some(Cow::Owned(chain::evaluate_trail_for(
            &self.trail,
            &self.owner_account,
            control,
            settings,
            Some(account),
        )))
    }

    /// The organization chain as a member's detail names it: trail, owner account, home region
    /// and log group (one root cause for every member it breaks).
    pub fn describe(&self) -> String {
        format!(
            "organization trail {} (owner account {}, home region {}, log group {})",
            self.trail_arn,
            self.owner_account,
            self.home_region,
            self.log_group_arn.as_deref().unwrap_or("none")
        )
    }

    /// Complete for `control` in every region, for every account.
    #[cfg(test)]
    pub(crate) fn complete_everywhere(&self, control: &Control) -> bool {
        self.multi_region && self.outcome(control).is_some_and(Outcome::is_complete)
    }

    /// Complete for `control` in every region, for the events of `account`.
    pub(crate) fn complete_everywhere_for(
        &self,
        control: &Control,
        account: &str,
        settings: &JudgeSettings,
    ) -> bool {
        self.multi_region
            && self
                .outcome_for(control, account, settings)
                .is_some_and(|o| o.is_complete())
    }
}

/// Whether any filter of the trail's log group pins `$.recipientAccountId`.
fn pins_recipient(trail: &TrailFacts) -> bool {
    let Ok(config) = &trail.config else {
        return false;
    };
    let Some(Ok(group)) = &config.log_group else {
        return false;
    };
    let Some(Ok(filters)) = &group.filters else {
        return false;
    };
    filters
        .iter()
        .any(|f| crate::pattern::judge::reads_recipient(&f.pattern))
}

/// The organization chains among the management account's own trails, for each control.
pub(crate) fn org_chains(
    management: &AccountFacts,
    controls: &[&Control],
    settings: &JudgeSettings,
) -> Vec<OrgChain> {
    let Some(Ok(trails)) = &management.trails else {
        return Vec::new();
    };
    trails
        .iter()
        .filter_map(|t| {
            let c = t.config.as_ref().ok()?;
            if !c.is_organization_trail {
                return None;
            }
            let outcomes: BTreeMap<String, Outcome> = controls
                .iter()
                .map(|ctl| {
                    (
                        ctl.id.clone(),
                        evaluate_trail(t, &management.account_id, ctl, settings),
                    )
                })
                .collect();
            let pinned = pins_recipient(t);
            let per_member = outcomes
                .iter()
                .filter(|(_, o)| pinned && !o.is_complete())
                .map(|(id, _)| id.clone())
                .collect();
            Some(OrgChain {
                trail_arn: t.arn.clone(),
                owner_account: management.account_id.clone(),
                home_region: t.home_region.clone(),
                multi_region: c.is_multi_region,
                log_group_arn: c
                    .log_group_arn
                    .as_deref()
                    .map(|a| normalize_log_group_arn(a).to_string()),
                outcomes,
                trail: Arc::new(t.clone()),
                per_member,
            })
        })
        .collect()
}

/// Whether complete organization chains cover every region for every one of `controls`, for
/// every account: then members need no trail calls.
#[cfg(test)]
pub(crate) fn org_covers_everything(chains: &[OrgChain], controls: &[&Control]) -> bool {
    controls
        .iter()
        .all(|ctl| chains.iter().any(|c| c.complete_everywhere(ctl)))
}

/// Whether complete organization chains cover every region for every one of `controls`, for
/// the events of `account` (a central filter may serve only the accounts it names): then the
/// account needs no trail calls.
pub(crate) fn org_covers_account(
    chains: &[OrgChain],
    controls: &[&Control],
    account: &str,
    settings: &JudgeSettings,
) -> bool {
    controls.iter().all(|ctl| {
        chains
            .iter()
            .any(|c| c.complete_everywhere_for(ctl, account, settings))
    })
}

/// A trail that belongs to this account's own candidates (organization trails, and trails
/// shadowed from other accounts, are judged through `OrgChain` instead).
fn own_trail(trail: &TrailFacts, account_id: &str) -> bool {
    let owned = parse_arn(&trail.arn).is_none_or(|p| p.account == account_id);
    let org = trail.config.as_ref().is_ok_and(|c| c.is_organization_trail);
    owned && !org
}

fn trail_covers(trail: &TrailFacts, region: &str) -> bool {
    match &trail.config {
        Ok(c) => c.is_multi_region || trail.home_region == region,
        // Unknown configuration: it may cover every region, so it is a candidate everywhere.
        Err(_) => true,
    }
}

/// One verdict per control and column region for an account, controls in the order given.
pub(crate) fn judge_account(
    facts: &AccountFacts,
    org: &[OrgChain],
    columns: &[String],
    controls: &[&Control],
    settings: &JudgeSettings,
) -> Vec<ControlCells> {
    controls
        .iter()
        .map(|control| {
            (
                control.id.clone(),
                judge_control(facts, org, columns, control, settings),
            )
        })
        .collect()
}

fn judge_control(
    facts: &AccountFacts,
    org: &[OrgChain],
    columns: &[String],
    control: &Control,
    settings: &JudgeSettings,
) -> BTreeMap<String, Verdict> {
    let enabled = match &facts.enabled_regions {
        Ok(e) => e,
        Err(f) => {
            return columns
                .iter()
                .map(|r| (r.clone(), Verdict::error(f)))
                .collect()
        }
    };
    let own: Vec<(&TrailFacts, Outcome)> = match &facts.trails {
        Some(Ok(trails)) => trails
            .iter()
            .filter(|t| own_trail(t, &facts.account_id))
            .map(|t| (t, evaluate_trail(t, &facts.account_id, control, settings)))
            .collect(),
        _ => Vec::new(),
    };
    // Each organization chain judged for this account once, not once per region.
    let org: Vec<(&OrgChain, Cow<'_, Outcome>)> = org
        .iter()
        .filter_map(|c| Some((c, c.outcome_for(control, &facts.account_id, settings)?)))
        .collect();
    columns
        .iter()
        .map(|region| {
            let verdict = if !enabled.contains(region) {
                Verdict::new(
                    Status::Skipped,
                    Reason::RegionNotEnabled,
                    format!("{region} is not enabled in this account"),
                )
            } else {
                judge_region(facts, &org, &own, region)
            };
            (region.clone(), verdict)
        })
        .collect()
}

fn judge_region(
    facts: &AccountFacts,
    org: &[(&OrgChain, Cow<'_, Outcome>)],
    own: &[(&TrailFacts, Outcome)],
    region: &str,
) -> Verdict {
    let org: Vec<&(&OrgChain, Cow<'_, Outcome>)> =
        org.iter().filter(|(c, _)| c.covers(region)).collect();
    if let Some((chain, outcome)) = org.iter().find(|(_, o)| o.is_complete()) {
        return Verdict::new(
            Status::Pass,
            Reason::CoveredByOrgTrail,
            format!(
                "organization trail {} (account {}) covers this account: {}",
                chain.trail_arn,
                chain.owner_account,
                complete_detail(outcome)
            ),
        )
        .with_chain(outcome.chain().clone());
    }
    // Candidates, each with the words that introduce it in a detail line.
    let mut candidates: Vec<(String, Outcome)> = org
        .iter()
        .map(|(c, o)| (format!("{}: ", c.describe()), Outcome::clone(o)))
        .collect();
    match &facts.trails {
        Some(Err(f)) => candidates.push((
            String::new(),
            Outcome::Unknown {
                link: Link::Trail,
                failure: f.clone(),
                chain: Default::default(),
            },
        )),
        Some(Ok(_)) => candidates.extend(
            own.iter()
                .filter(|(t, _)| trail_covers(t, region))
                .map(|(_, o)| (String::new(), o.clone())),
        ),
        None => {}
    }
    let best_index = best(candidates.iter().map(|(_, o)| o.clone()))
        .and_then(|b| candidates.iter().position(|(_, o)| *o == b));
    let Some(index) = best_index else {
        let mut detail = format!("no trail records management events in {region}");
        if let Some(f) = facts.regional_lookup_failures.get(region) {
            detail.push_str(&format!(
                " (looking for single-region trails here failed: {f})"
            ));
        }
        return Verdict::new(Status::Fail, Reason::NoTrail, detail);
    };
    let (intro, outcome) = &candidates[index];
    match outcome {
        Outcome::Complete { chain, .. } => {
            Verdict::new(Status::Pass, Reason::Compliant, complete_detail(outcome))
                .with_chain(chain.clone())
        }
        Outcome::Unknown { failure, chain, .. } => {
            let mut v = Verdict::error(failure);
            v.detail = format!("{intro}{}", v.detail);
            v.with_chain(chain.clone())
        }
        Outcome::Broken {
            reason,
            detail,
            chain,
            ..
        } => {
            let mut detail = format!("{intro}{detail}");
            if let Some(f) = facts.regional_lookup_failures.get(region) {
                detail.push_str(&format!(
                    " (looking for single-region trails here failed: {f})"
                ));
            }
            Verdict::new(Status::Fail, *reason, detail).with_chain(chain.clone())
        }
    }
}

fn complete_detail(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Complete { detail, chain } => format!(
            "trail {} -> {} -> filter {} -> {detail}",
            chain.trail_arn.as_deref().unwrap_or("?"),
            chain.log_group_arn.as_deref().unwrap_or("?"),
            chain.filter_name.as_deref().unwrap_or("?"),
        ),
        _ => String::new(),
    }
}
