//! The tally of a run: per exception, how many cells it excepted, whether it has expired, and
//! whether it was unused (covered no FAIL cell). Reports list it so that exceptions are
//! reviewed: an unused one is stale, an expiring one needs a decision.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use time::Date;

use super::matching::{Effect, Outcome};
use super::model::ExceptionSet;

/// An exception needs attention this many days before it expires (and after).
pub const WARN_DAYS: i64 = 30;

/// Per exception, in file order, what the run made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionLedger {
    entries: Vec<LedgerEntry>,
    index: BTreeMap<String, usize>,
}

/// One exception's line in the summary: `{id, owner, expires, cells, expired, unused}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub id: String,
    pub owner: String,
    #[serde(serialize_with = "as_iso_date")]
    pub expires: Date,
    /// Cells it turned from FAIL into EXCEPTED.
    pub cells: usize,
    /// Its last day is before the run's day.
    pub expired: bool,
    /// It covered no FAIL cell of the run.
    pub unused: bool,
    /// FAIL cells it covered, excepted or not (outranked, or expired).
    #[serde(skip)]
    pub matched: usize,
    /// Days from the run's day to its last day; negative once expired.
    #[serde(skip)]
    pub days_left: i64,
}

impl LedgerEntry {
    /// Expired, or expires within [`WARN_DAYS`]: the report and closing screen warn about it.
    #[cfg(test)]
    pub(crate) fn needs_attention(&self) -> bool {
        self.days_left <= WARN_DAYS
    }
}

impl ExceptionLedger {
    /// An empty tally of `set` for a run on `today` (a UTC date): every exception unused so far.
    pub fn new(set: &ExceptionSet, today: Date) -> Self {
        let entries: Vec<LedgerEntry> = set
            .exceptions
            .iter()
            .map(|e| LedgerEntry {
                id: e.id.clone(),
                owner: e.owner.clone(),
                expires: e.expires,
                cells: 0,
                expired: e.expired_on(today),
                unused: true,
                matched: 0,
                days_left: e.days_left(today),
            })
            .collect();
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        ExceptionLedger { entries, index }
    }

    /// Counts one cell's outcome.
    pub fn record(&mut self, outcome: &Outcome<'_>) {
        for e in &outcome.matched {
            if let Some(entry) = self.entry_mut(&e.id) {
                entry.matched += 1;
                entry.unused = false;
            }
        }
        if let Effect::Excepted(e) = outcome.effect {
            if let Some(entry) = self.entry_mut(&e.id) {
                entry.cells += 1;
            }
        }
    }

    /// Adds another tally of the same set (accounts are judged concurrently, each with its own).
    #[cfg(test)]
    pub(crate) fn merge(&mut self, other: &ExceptionLedger) {
        for theirs in &other.entries {
            if let Some(ours) = self.entry_mut(&theirs.id) {
                ours.cells += theirs.cells;
                ours.matched += theirs.matched;
                ours.unused &= theirs.unused;
            }
        }
    }

    /// Every exception, in file order.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// Cells excepted in all.
    pub fn excepted_cells(&self) -> usize {
        self.entries.iter().map(|e| e.cells).sum()
    }

    fn entry_mut(&mut self, id: &str) -> Option<&mut LedgerEntry> {
        let i = *self.index.get(id)?;
        self.entries.get_mut(i)
    }
}

fn as_iso_date<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}
