//! What a run produces, as plain values: one account's cells ([`AccountRow`]), how a run ended
//! ([`Ended`]) and the signal that stopped it ([`Signal`]). They sit on the pure floor so that
//! the sweep, the reports and the commands can all speak of them without importing each other.

use std::collections::BTreeMap;

use crate::judge::ControlCells;
use crate::verdict::{Status, Verdict};

/// One account's cells: per control (in table order), its verdict per column region.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account_id: String,
    pub account_name: String,
    pub controls: Vec<ControlCells>,
}

impl AccountRow {
    /// Every verdict of the account, control by control.
    pub fn verdicts(&self) -> impl Iterator<Item = &Verdict> {
        self.controls.iter().flat_map(|(_, cells)| cells.values())
    }

    /// One control's cells.
    pub fn control(&self, id: &str) -> Option<&BTreeMap<String, Verdict>> {
        self.controls.iter().find(|(c, _)| c == id).map(|(_, v)| v)
    }

    /// Whether any cell of the account has this status.
    pub fn has(&self, status: Status) -> bool {
        self.verdicts().any(|v| v.status == status)
    }
}

/// A stop request from outside: the process got SIGINT or SIGTERM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The signal's conventional name, as the files and messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The process exit code conventional for the signal (128 + its number).
    pub(crate) fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a run ended when it did its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every cell PASS or SKIPPED (or nothing to judge).
    Clean,
    /// At least one FAIL (a pattern that does not serve, for `orgsweep pattern`).
    Failed,
    /// At least one ERROR: the report is incomplete.
    Undecided,
    /// Stopped by SIGINT or SIGTERM; the files hold what was finished.
    Interrupted(Signal),
}

impl Ended {
    /// From the cells' statuses: any ERROR wins over any FAIL.
    pub(crate) fn from_statuses(errors: bool, fails: bool) -> Ended {
        if errors {
            Ended::Undecided
        } else if fails {
            Ended::Failed
        } else {
            Ended::Clean
        }
    }

    /// How a set of rows ends a run.
    pub(crate) fn of_rows<'a>(rows: impl IntoIterator<Item = &'a AccountRow>) -> Ended {
        let (mut errors, mut fails) = (false, false);
        for v in rows.into_iter().flat_map(|r| r.verdicts()) {
            errors |= v.status == Status::Error;
            fails |= v.status == Status::Fail;
        }
        Ended::from_statuses(errors, fails)
    }
}

/// Now, as summaries and plans write times: RFC 3339 in UTC, to the second (what a reader and
/// a plan's age check need).
pub fn now_rfc3339() -> String {
    use time::format_description::well_known::Rfc3339;
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_wins_over_any_fail() {
        assert_eq!(Ended::from_statuses(true, true), Ended::Undecided);
        assert_eq!(Ended::from_statuses(false, true), Ended::Failed);
        assert_eq!(Ended::from_statuses(false, false), Ended::Clean);
    }

    #[test]
    fn signals_have_their_conventional_codes() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Terminate.to_string(), "SIGTERM");
    }
}
