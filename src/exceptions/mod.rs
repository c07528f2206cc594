//! Exceptions: FAIL cells the organization has decided to accept, each with an owner, a reason
//! and an expiry date (`--exceptions FILE`, issue 19). A report that cannot record a decision
//! stays red forever and gets ignored; one that records them without owners or expiry hides
//! risk. So every exception is owned, dated, counted and reported when unused or expiring.
//!
//! Pure: reading the file ([`parse`]), deciding a cell ([`decide`]), changing its verdict
//! ([`apply`]) and the run's tally ([`ExceptionLedger`]) take values and return values. The
//! sweep calls them per cell; the reports read the ledger.
//!
//! ```text
//! let set = exceptions::load(path, exceptions::table_controls)?;     // exit 2 on Err
//! let today = exceptions::utc_day(now);
//! let mut ledger = ExceptionLedger::new(&set, today);
//! // per cell:
//! let outcome = exceptions::decide(&set, &cell, today);
//! ledger.record(&outcome);
//! let verdict = exceptions::apply(verdict, &outcome.effect);
//! ```

mod apply;
mod error;
mod ledger;
mod matching;
mod model;
mod parse;
mod unknown_ous;

#[cfg(test)]
mod tests;

pub use apply::{apply, apply_to_row};
pub use error::{ExceptionsError, Problem, Which, EXCEPTION_KEYS, FILE_KEYS};
pub use ledger::{ExceptionLedger, LedgerEntry, WARN_DAYS};
pub use matching::{decide, Cell, Effect, Outcome};
pub use model::{Exception, ExceptionSet, Scope};
pub use parse::{controls_under, load, parse, table_controls};
pub use unknown_ous::{unknown_ous, UnknownOu};

/// The UTC calendar day of `now`: an exception holds through the end of its day in UTC,
/// whatever the machine's time zone.
pub(crate) fn utc_day(now: time::OffsetDateTime) -> time::Date {
    now.to_offset(time::UtcOffset::UTC).date()
}
