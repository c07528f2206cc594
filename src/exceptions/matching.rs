//! Which exception, if any, decides a cell. Pure: the cell, the exceptions and today's date
//! in, a decision out. Only a FAIL cell is ever decided; a pass, an error or a skip is never
//! touched, so an exception cannot hide what the tool could not see.

use time::Date;

use super::model::{Exception, ExceptionSet};
use crate::verdict::Status;

/// One cell of the matrix, as matching sees it.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    pub account_id: &'a str,
    /// The ids of the root and the OUs above the account, from the root down to its parent.
    pub ou_path: &'a [String],
    pub region: &'a str,
    /// A control id of the controls table.
    pub control: &'a str,
    pub status: Status,
}

/// What the exceptions do to a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect<'e> {
    /// No exception covers it, or it is not a FAIL.
    Unchanged,
    /// It becomes EXCEPTED by this exception (of those in force, the one that expires last).
    Excepted(&'e Exception),
    /// Only expired exceptions cover it; it stays FAIL and says so (the one that expired last).
    Expired(&'e Exception),
}

/// The decision for one cell, with every exception that covered it (for the ledger: an
/// exception outranked by another on every cell it covers is still used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'e> {
    pub effect: Effect<'e>,
    /// Every exception covering this FAIL cell, in file order; empty for any other status.
    pub matched: Vec<&'e Exception>,
}

impl Exception {
    /// Whether every key it sets matches the cell (its status and its expiry aside). An OU
    /// covers the accounts of every OU below it.
    pub fn covers(&self, cell: &Cell<'_>) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|accounts| accounts.contains(cell.account_id))
            && self
                .ous
                .as_ref()
                .is_none_or(|ous| cell.ou_path.iter().any(|ou| ous.contains(ou)))
            && self.regions.covers(cell.region)
            && self.controls.covers(cell.control)
    }
}

/// Decides one cell on `today` (a UTC date; see `super::utc_day`).
pub fn decide<'e>(set: &'e ExceptionSet, cell: &Cell<'_>, today: Date) -> Outcome<'e> {
    if cell.status != Status::Fail {
        return Outcome {
            effect: Effect::Unchanged,
            matched: Vec::new(),
        };
    }
    let matched: Vec<&Exception> = set.exceptions.iter().filter(|e| e.covers(cell)).collect();
    let in_force = last_to_expire(matched.iter().copied().filter(|e| !e.expired_on(today)));
    let effect = match in_force {
        Some(e) => Effect::Excepted(e),
        None => last_to_expire(matched.iter().copied()).map_or(Effect::Unchanged, Effect::Expired),
    };
    Outcome { effect, matched }
}

/// The exception that expires last; on a tie, the first in the file.
fn last_to_expire<'e>(exceptions: impl Iterator<Item = &'e Exception>) -> Option<&'e Exception> {
    exceptions.fold(None, |best, e| match best {
        Some(b) if b.expires >= e.expires => Some(b),
        _ => Some(e),
    })
}
