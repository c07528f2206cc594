//! The run: one `check` or one `remediate`, from a request to the files on disk, between the
//! command line (flags, prompts, printing, the exit code) and the library (discover, assume,
//! collect, judge, report, remediate).
//!
//! A run takes plain values and a [`Stop`] (after mini-redis's `server::run(listener,
//! shutdown)`), and returns how it ended or a [`RunError`] that says what failed. It never
//! exits the process and never reads a flag.

pub mod check;
mod excepting;
pub mod remediate;
mod stop;

use std::fmt;

use crate::files::FileError;
use crate::report::changes::CompareError;
use crate::sweep::start::StartError;
use crate::sweep::SweepError;

pub use crate::outcome::{Ended, Signal};
pub use excepting::Excepting;
pub use stop::{Stop, StopSender};

/// Why a run stopped before doing its job.
#[derive(Debug)]
pub enum RunError {
    /// A selection or an input file the user must fix (an account or region the organization
    /// does not have, a plan file orgsweep refuses); nothing was done.
    Usage(String),
    /// `--compare` names a directory that cannot be compared with; nothing was done.
    Compare(CompareError),
    /// The sweep could not start (endpoint, credentials, organization); nothing was done.
    Start(Box<StartError>),
    /// The output directory cannot be made or written; nothing was done.
    OutputDir(FileError),
    /// A report could not be written after the work was done: the report is incomplete.
    Write(FileError),
}

impl From<SweepError> for RunError {
    fn from(e: SweepError) -> Self {
        match e {
            SweepError::Usage(m) => RunError::Usage(m),
            SweepError::Start(s) => RunError::Start(s),
        }
    }
}

impl From<CompareError> for RunError {
    fn from(e: CompareError) -> Self {
        RunError::Compare(e)
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Usage(m) => f.write_str(m),
            RunError::OutputDir(e) => write!(
                f,
                "cannot write the output directory: {e}; pass a writable --output-dir"
            ),
            RunError::Compare(e) => e.fmt(f),
            RunError::Start(e) => e.fmt(f),
            RunError::Write(e) => write!(f, "the report is incomplete: {e}"),
        }
    }
}
