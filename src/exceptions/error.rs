//! A mistake in an exceptions file, as data: where it is (file, line, column, which exception,
//! which key) and what is wrong. Rendering it says what to type next, in the manner of
//! `config.rs`; the command layer only prints it and exits 2.

use std::fmt;
use std::path::PathBuf;

/// The keys an `[[exception]]` table may hold, in the order the example file documents them.
pub const EXCEPTION_KEYS: [&str; 8] = [
    "id", "controls", "accounts", "ous", "regions", "reason", "owner", "expires",
];

/// The keys the file itself may hold.
pub const FILE_KEYS: [&str; 1] = ["exception"];

/// Why a file was refused, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionsError {
    pub file: PathBuf,
    /// 1-based; `None` only when the file could not be read. (`u32`s keep the error small.)
    pub line: Option<u32>,
    /// 1-based, in characters; `None` where the whole line is meant.
    pub column: Option<u32>,
    /// The exception the mistake is in, when it is in one (boxed: keeps the error small).
    pub exception: Option<Box<Which>>,
    /// The key at fault (`expires`, `accounts`, …), when there is one.
    pub key: Option<String>,
    pub problem: Problem,
}

/// An exception by its place in the file (1-based) and, once read, its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Which {
    pub ordinal: usize,
    pub id: Option<String>,
}

/// What is wrong. Each variant renders with the next step to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file cannot be read (missing, a directory, not UTF-8).
    Unreadable(String),
    /// TOML syntax, as the `toml` crate words it.
    NotToml(String),
    /// A key the file or a table does not have; lists the keys it does have.
    UnknownKey { allowed: &'static [&'static str] },
    /// A value of the wrong TOML type.
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A required key is not there.
    Missing,
    /// A text or a list with nothing in it.
    Empty,
    /// An id outside its shape.
    BadId(String),
    /// `expires` that is not a calendar date.
    BadDate(String),
    /// An id used before, at `first_line`.
    DuplicateId { id: String, first_line: usize },
    /// A control word the controls table does not know (the resolver's own message).
    UnknownControl(String),
    /// Not a 12-digit account id (the shared validator's message).
    BadAccount(String),
    /// Not an OU or root id (the shared validator's message).
    BadOu(String),
    /// Not a region name nor `*` (the shared validator's message).
    BadRegion(String),
    /// Neither `accounts` nor `ous` is set.
    NoScope,
}

impl ExceptionsError {
    /// The example a missing or empty key is completed with.
    fn example(&self) -> &'static str {
        match self.key.as_deref() {
            Some("id") => "id = \"sandbox-ou\"",
            Some("reason") => "reason = \"why the risk is accepted or how it is watched instead\"",
            Some("owner") => "owner = \"secops@example.com\"",
            Some("expires") => "expires = \"2027-06-30\"",
            Some("controls") => "controls = [\"all\"]",
            Some("accounts") => "accounts = [\"111122223333\"]",
            Some("ous") => "ous = [\"ou-ab12-cd34ef56\"]",
            Some("regions") => "regions = [\"*\"]",
            _ => "see config/exceptions.example.toml",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable(e) => write!(
                f,
                "cannot read the file: {e}; pass an existing exceptions file (--exceptions or sweep.exceptions_file)"
            ),
            Problem::NotToml(m) => write!(
                f,
                "not valid TOML: {m}; see config/exceptions.example.toml for the form"
            ),
            Problem::UnknownKey { allowed } => write!(
                f,
                "unknown key; remove it or fix its spelling (allowed here: {})",
                allowed.join(", ")
            ),
            Problem::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            Problem::Missing => f.write_str("is required"),
            Problem::Empty => f.write_str("is empty"),
            Problem::BadId(id) => write!(
                f,
                "`{id}` is not a usable id: 1 to 64 letters, digits, `-`, `_` or `.`"
            ),
            Problem::BadDate(v) => write!(
                f,
                "`{v}` is not a date; write the last day the exception holds as YYYY-MM-DD, e.g. \"2027-06-30\" (it holds through the end of that day, UTC)"
            ),
            Problem::DuplicateId { id, first_line } => write!(
                f,
                "the id `{id}` is already used by the exception at line {first_line}; every exception needs its own id (outputs and comparisons follow it)"
            ),
            Problem::UnknownControl(m) => f.write_str(m),
            Problem::BadAccount(m) => f.write_str(m),
            Problem::BadOu(m) => write!(
                f,
                "{m}; copy the id from the Organizations console or `aws organizations list-organizational-units-for-parent`"
            ),
            Problem::BadRegion(m) => write!(f, "{m}; or \"*\" for every region"),
            Problem::NoScope => f.write_str(
                "sets neither `accounts` nor `ous`; add at least one, e.g. accounts = [\"111122223333\"] or ous = [\"ou-ab12-cd34ef56\"] (an exception without them would cover the whole organization)",
            ),
        }
    }
}

impl fmt::Display for ExceptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(which) = &self.exception {
            write!(f, "exception #{}", which.ordinal)?;
            if let Some(id) = &which.id {
                write!(f, " (`{id}`)")?;
            }
            f.write_str(", ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.problem)?;
        match self.problem {
            Problem::Missing => write!(f, "; add it, e.g. {}", self.example())?,
            Problem::Empty => write!(f, "; write a value, e.g. {}", self.example())?,
            _ => {}
        }
        Ok(())
    }
}

impl std::error::Error for ExceptionsError {}
