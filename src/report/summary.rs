//! `summary.json`: counts per status and reason, API calls per operation, retries, time, and
//! whether the run is complete.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws::calls::OpCount;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// False until every selected account has been judged and the files sorted.
    pub complete: bool,
    /// `SIGINT` or `SIGTERM` when the run was stopped by a signal.
    pub interrupted: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub elapsed_seconds: f64,
    pub management_account_id: String,
    /// The benchmark the filters were judged against (`cis-7.0`, `security-hub`, ...).
    #[serde(default)]
    pub benchmark: String,
    pub regions: Vec<String>,
    /// The controls checked, in table order.
    pub controls_checked: Vec<String>,
    pub accounts_selected: usize,
    pub accounts_done: usize,
    /// Cells per status (PASS, FAIL, ERROR, SKIPPED).
    pub statuses: BTreeMap<String, usize>,
    /// Cells per reason code.
    pub reasons: BTreeMap<String, usize>,
    /// Cells per status, then reason (EXCEPTED cells keep their FAIL reason).
    #[serde(default)]
    pub reasons_by_status: BTreeMap<String, BTreeMap<String, usize>>,
    /// Accounts with at least one cell per status.
    pub accounts_by_status: BTreeMap<String, usize>,
    /// The same counts per control (cells per status and per reason, accounts per status).
    pub controls: BTreeMap<String, ControlCounts>,
    /// API calls per `Service:Operation` (calls, and attempts including retries).
    pub api_calls: BTreeMap<String, OpCount>,
    pub total_calls: u64,
    pub retries: u64,
    pub calls_per_account: f64,
    /// Accounts in the organization left out because they are not ACTIVE.
    pub inactive_accounts: Vec<String>,
    /// The accounts counted one way for every output: the organization, what the run selected
    /// and checked, what it did not check and why, and the headline.
    #[serde(default)]
    pub accounts: AccountCounts,
    /// The exceptions of `--exceptions`, in file order, with what the run made of each.
    #[serde(default)]
    pub exceptions: Vec<ExceptionEntry>,
    /// What the user should know but that did not stop the run (an exceptions file naming an
    /// OU the organization does not have).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Broken organization chains, each once, with how many accounts each breaks.
    #[serde(default)]
    pub root_causes: Vec<crate::judge::RootCause>,
    /// With `--compare`: what changed since the earlier run (counts per change type, notes).
    pub changes: Option<super::changes::ChangeSummary>,
}

/// One exception's line: `{id, owner, expires, cells, expired, unused}` (and the days left,
/// for the warnings of the page and the closing screen).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    pub id: String,
    pub owner: String,
    /// The last day it holds (UTC), `YYYY-MM-DD`.
    pub expires: String,
    /// Cells it turned from FAIL into EXCEPTED.
    pub cells: usize,
    pub expired: bool,
    /// It covered no FAIL cell of the run.
    pub unused: bool,
    /// Days from the run's day to its last day; negative once expired.
    pub days_left: i64,
}

impl ExceptionEntry {
    /// Expired, or expires within 30 days: warned about.
    pub(crate) fn needs_attention(&self) -> bool {
        self.days_left <= crate::exceptions::WARN_DAYS
    }
}

/// The accounts, counted one way for the summary, the page and the closing screen.
/// `in_organization` = `checked` + every count of `not_checked`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountCounts {
    pub in_organization: usize,
    /// Checked or excluded by the user (the rows of the reports).
    pub selected: usize,
    /// Checked so far (all selected ones, unless interrupted).
    pub checked: usize,
    pub not_checked: NotChecked,
    /// Checked accounts with no FAIL and no ERROR cell.
    pub fully_compliant: usize,
    /// Checked accounts with at least one FAIL cell.
    pub with_fail: usize,
    /// Checked accounts with at least one ERROR cell.
    pub with_error: usize,
}

/// Accounts of the organization the run did not check, by why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotChecked {
    /// Not ACTIVE (suspended, pending closure).
    pub suspended: usize,
    /// Left out with `--exclude-accounts` (their cells are SKIPPED/EXCLUDED).
    pub excluded: usize,
    /// Not under the OUs `--ous` names.
    pub outside_ous: usize,
    /// Not among the accounts `--accounts` names.
    pub not_named: usize,
    /// Selected, but the run was interrupted before their turn.
    pub interrupted: usize,
}

/// One control's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlCounts {
    pub statuses: BTreeMap<String, usize>,
    pub reasons: BTreeMap<String, usize>,
    pub accounts_by_status: BTreeMap<String, usize>,
}

/// Adds verdicts to status and reason counts; returns the statuses seen (for per-account counts).
fn tally<'a>(
    statuses: &mut BTreeMap<String, usize>,
    reasons: &mut BTreeMap<String, usize>,
    verdicts: impl Iterator<Item = &'a crate::verdict::Verdict>,
) -> std::collections::BTreeSet<&'static str> {
    let mut seen = std::collections::BTreeSet::new();
    for v in verdicts {
        *statuses.entry(v.status.as_str().into()).or_default() += 1;
        *reasons.entry(v.reason.as_str().into()).or_default() += 1;
        seen.insert(v.status.as_str());
    }
    seen
}

impl Summary {
    /// Adds one checked account's verdicts to the counts, overall and per control.
    pub fn count(&mut self, row: &super::AccountRow) {
        use crate::verdict::Status;
        self.accounts.checked += 1;
        let (fail, error) = (row.has(Status::Fail), row.has(Status::Error));
        self.accounts.with_fail += usize::from(fail);
        self.accounts.with_error += usize::from(error);
        self.accounts.fully_compliant += usize::from(!fail && !error);
        self.count_cells(row);
    }

    /// Adds the SKIPPED row of an account the user excluded.
    pub(crate) fn count_excluded(&mut self, row: &super::AccountRow) {
        self.count_cells(row);
    }

    /// The accounts not checked when the run ends: those selected but never reached.
    pub(crate) fn close_accounts(&mut self) {
        let a = &mut self.accounts;
        let to_check = a.selected.saturating_sub(a.not_checked.excluded);
        a.not_checked.interrupted = to_check.saturating_sub(a.checked);
    }

    fn count_cells(&mut self, row: &super::AccountRow) {
        self.accounts_done += 1;
        for v in row.verdicts() {
            *self
                .reasons_by_status
                .entry(v.status.as_str().into())
                .or_default()
                .entry(v.reason.as_str().into())
                .or_default() += 1;
        }
        let seen = tally(&mut self.statuses, &mut self.reasons, row.verdicts());
        for s in seen {
            *self.accounts_by_status.entry(s.into()).or_default() += 1;
        }
        for (control, cells) in &row.controls {
            let c = self.controls.entry(control.clone()).or_default();
            for s in tally(&mut c.statuses, &mut c.reasons, cells.values()) {
                *c.accounts_by_status.entry(s.into()).or_default() += 1;
            }
        }
    }

    /// Records the API-call tally.
    pub(crate) fn set_calls(&mut self, calls: BTreeMap<String, OpCount>) {
        self.total_calls = calls.values().map(|c| c.calls).sum();
        self.retries = calls
            .values()
            .map(|c| c.attempts.saturating_sub(c.calls))
            .sum();
        self.calls_per_account = if self.accounts_done == 0 {
            0.0
        } else {
            self.total_calls as f64 / self.accounts_done as f64
        };
        self.api_calls = calls;
    }

    /// How the cells counted so far end the command (any ERROR, else any FAIL, else clean).
    pub fn ended(&self) -> crate::outcome::Ended {
        let has = |s: &str| self.statuses.get(s).copied().unwrap_or(0) > 0;
        crate::outcome::Ended::from_statuses(has("ERROR"), has("FAIL"))
    }
}
