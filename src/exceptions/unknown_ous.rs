//! OUs an exceptions file names that the organization does not have. A warning, not an error:
//! organizations change, and an exceptions file reviewed last quarter should not stop a sweep.
//! The exception still holds for whatever else it names.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use super::model::ExceptionSet;

/// One OU id named by an exception and absent from the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOu {
    pub file: PathBuf,
    /// The line of the exception's header.
    pub line: usize,
    pub exception: String,
    pub ou: String,
}

/// Every OU id of `set` that is not in `known` (the organization's OU and root ids), in file
/// order.
pub fn unknown_ous(set: &ExceptionSet, known: &BTreeSet<String>) -> Vec<UnknownOu> {
    set.exceptions
        .iter()
        .flat_map(|e| {
            e.ous
                .iter()
                .flatten()
                .filter(|ou| !known.contains(*ou))
                .map(|ou| UnknownOu {
                    file: set.file.clone(),
                    line: e.line,
                    exception: e.id.clone(),
                    ou: ou.clone(),
                })
        })
        .collect()
}

impl fmt::Display for UnknownOu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: exception `{}` names OU {}, which is not in the organization (moved or deleted?); it covers no account there — update or remove it",
            self.file.display(),
            self.line,
            self.exception,
            self.ou
        )
    }
}
