//! What an exceptions file says once it is read and checked: plain data, no TOML left in it.
//! Every value here has passed its check, so matching never has to doubt it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use time::Date;

/// The exceptions of one file, in the file's order (ties between exceptions go to the first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExceptionSet {
    /// The file they came from, for messages.
    pub file: PathBuf,
    pub exceptions: Vec<Exception>,
}

/// One recorded decision: which cells, why, who answers for it, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Stable and unique in the file; every output shows it.
    pub id: String,
    pub controls: Scope,
    /// `None`: the key is not set (any account, if `ous` is set).
    pub accounts: Option<BTreeSet<String>>,
    /// OU or root ids; an OU covers every OU below it. `None`: the key is not set.
    pub ous: Option<BTreeSet<String>>,
    pub regions: Scope,
    pub reason: String,
    pub owner: String,
    /// The last day it holds, through 23:59:59 UTC.
    pub expires: Date,
    /// The line of its `[[exception]]` header, so warnings can point at it.
    pub line: usize,
}

/// Either every value of a dimension, or the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `controls = ["all"]`, `regions = ["*"]`, or the key left out.
    Every,
    /// Control ids (resolved from ids, benchmark numbers or Security Hub ids) or region names.
    Only(BTreeSet<String>),
}

impl Scope {
    pub fn covers(&self, value: &str) -> bool {
        match self {
            Scope::Every => true,
            Scope::Only(set) => set.contains(value),
        }
    }
}

impl Exception {
    /// Whether it has run out on `today` (a UTC date): it holds through its `expires` day.
    pub fn expired_on(&self, today: Date) -> bool {
        today > self.expires
    }

    /// Days from `today` to its last day: 0 on the last day, negative once expired.
    pub fn days_left(&self, today: Date) -> i64 {
        (self.expires - today).whole_days()
    }
}

impl ExceptionSet {
    pub fn get(&self, id: &str) -> Option<&Exception> {
        self.exceptions.iter().find(|e| e.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.exceptions.is_empty()
    }
}
