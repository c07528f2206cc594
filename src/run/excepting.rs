//! The exceptions of a run: applied to each account's row as it finishes (before it is written
//! or planned), and tallied for the summary. One place, so `check` and `remediate`'s plan see
//! the same cells.

use std::sync::Arc;

use crate::exceptions::{self, ExceptionLedger, ExceptionSet};
use crate::organization::{OrgAccount, Organization};
use crate::outcome::AccountRow;
use crate::report::summary::ExceptionEntry;

pub struct Excepting {
    set: Arc<ExceptionSet>,
    today: time::Date,
    ledger: ExceptionLedger,
}

impl Excepting {
    /// The run's exceptions, judged as of today (UTC).
    pub fn new(set: Arc<ExceptionSet>) -> Excepting {
        let today = exceptions::utc_day(time::OffsetDateTime::now_utc());
        let ledger = ExceptionLedger::new(&set, today);
        Excepting { set, today, ledger }
    }

    /// Applies the exceptions to one account's cells.
    pub fn row(&mut self, account: &OrgAccount, row: &mut AccountRow) {
        exceptions::apply_to_row(
            &self.set,
            self.today,
            &account.lineage,
            row,
            &mut self.ledger,
        );
    }

    /// OUs the file names that the organization does not have: warnings, not errors.
    pub fn warnings(&self, organization: &Organization) -> Vec<String> {
        exceptions::unknown_ous(&self.set, &organization.parents)
            .iter()
            .map(|u| u.to_string())
            .collect()
    }

    /// Each exception with what the run made of it, in file order.
    pub fn entries(&self) -> Vec<ExceptionEntry> {
        self.ledger
            .entries()
            .iter()
            .map(|e| ExceptionEntry {
                id: e.id.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
                cells: e.cells,
                expired: e.expired,
                unused: e.unused,
                days_left: e.days_left,
            })
            .collect()
    }
}
