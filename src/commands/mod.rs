//! One file per subcommand, each starting with what it does (after xsv), and the one place
//! where how a command ended becomes the process exit code.

pub mod accounts;
pub mod check;
pub mod controls;
pub mod pattern;
pub mod remediate;

use crate::sweep::SweepError;

/// How a command ended when it did its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every cell PASS or SKIPPED (or nothing to judge).
    Clean,
    /// At least one FAIL (a pattern that does not serve, for `orgsweep pattern`).
    Failed,
    /// At least one ERROR: the report is incomplete.
    Undecided,
    /// Stopped by SIGINT or SIGTERM; the files hold what was finished.
    Interrupted(&'static str),
}

/// Why a command stopped before doing its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// A flag, a configuration key, a plan file or an output directory the user must fix.
    Usage(String),
    /// The user declined the confirmation: nothing was changed.
    Declined,
    /// AWS would not answer what the command needs to start (who is calling, the organization).
    Aws(String),
    /// The work was done but its report could not be written completely.
    Output(String),
}

impl From<SweepError> for CommandError {
    fn from(e: SweepError) -> Self {
        match e {
            SweepError::Usage(m) => CommandError::Usage(m),
            SweepError::Aws(m) => CommandError::Aws(m),
        }
    }
}

impl Ended {
    /// From the cells' statuses: any ERROR wins over any FAIL.
    pub fn from_statuses(errors: bool, fails: bool) -> Ended {
        if errors {
            Ended::Undecided
        } else if fails {
            Ended::Failed
        } else {
            Ended::Clean
        }
    }
}

/// The exit code of DESIGN.md §3: 0 clean, 1 a FAIL, 2 usage (or a declined confirmation),
/// 3 an ERROR or an AWS failure or an incomplete report, 130/143 interrupted.
pub fn exit_code(result: &Result<Ended, CommandError>) -> i32 {
    match result {
        Ok(Ended::Clean) => 0,
        Ok(Ended::Failed) => 1,
        Ok(Ended::Undecided) => 3,
        Ok(Ended::Interrupted(signal)) => crate::signals::exit_code(signal),
        Err(CommandError::Usage(_) | CommandError::Declined) => 2,
        Err(CommandError::Aws(_) | CommandError::Output(_)) => 3,
    }
}

/// Prints the error, if any, and returns the exit code.
pub fn finish(result: Result<Ended, CommandError>) -> i32 {
    match &result {
        Err(CommandError::Usage(m)) | Err(CommandError::Aws(m)) => eprintln!("error: {m}"),
        Err(CommandError::Output(m)) => {
            eprintln!("error: the report is incomplete: {m}")
        }
        Err(CommandError::Declined) => eprintln!("Not applied: nothing was changed."),
        Ok(_) => {}
    }
    exit_code(&result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ending_has_its_code() {
        assert_eq!(exit_code(&Ok(Ended::Clean)), 0);
        assert_eq!(exit_code(&Ok(Ended::Failed)), 1);
        assert_eq!(exit_code(&Ok(Ended::Undecided)), 3);
        assert_eq!(exit_code(&Ok(Ended::Interrupted("SIGINT"))), 130);
        assert_eq!(exit_code(&Ok(Ended::Interrupted("SIGTERM"))), 143);
        assert_eq!(exit_code(&Err(CommandError::Usage("x".into()))), 2);
        assert_eq!(exit_code(&Err(CommandError::Declined)), 2);
        assert_eq!(exit_code(&Err(CommandError::Aws("x".into()))), 3);
        // A report that could not be written after the work is not a usage error.
        assert_eq!(exit_code(&Err(CommandError::Output("x".into()))), 3);
        assert_eq!(Ended::from_statuses(true, true), Ended::Undecided);
        assert_eq!(Ended::from_statuses(false, true), Ended::Failed);
    }
}
