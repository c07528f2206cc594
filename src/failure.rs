//! An AWS call that failed (or that orgsweep could not make), as plain data: what the judge, the verdicts and the plans
//! reason about. Kept apart from the SDK so the pure core (and its fuzz targets) builds
//! without it; `aws::errors` turns SDK errors into these.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure a call met; decides the reason code of the cells it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FailureKind {
    Throttled,
    AccessDenied,
    NotFound,
    Timeout,
    AssumeRole,
    Other,
}

/// What failed: always named by AWS calls, never by a stand-in operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attempt {
    /// An AWS call (`Service:Operation`) that answered with an error or did not answer.
    Call(String),
    /// An AWS call orgsweep needed and did not make, because what it would need is missing
    /// (a topic in an account outside the organization, an ARN that is no ARN).
    NotMade(String),
    /// The account's calls together, past `sweep.account_timeout_seconds`.
    AccountCheck,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Call(op) | Attempt::NotMade(op) => f.write_str(op),
            Attempt::AccountCheck => f.write_str("the account's check"),
        }
    }
}

/// One AWS call that failed or could not be made, as plain data the judge can reason about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFailure {
    pub kind: FailureKind,
    pub operation: Attempt,
    /// The region the call went to, when it matters to a reader.
    pub region: Option<String>,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub message: String,
}

impl CallFailure {
    pub fn new(
        kind: FailureKind,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        CallFailure {
            kind,
            operation: Attempt::Call(operation.into()),
            region: None,
            code: None,
            status: None,
            message: one_line(&message.into()),
        }
    }

    /// `operation` was needed and not made: `why`.
    pub fn not_made(
        kind: FailureKind,
        operation: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        CallFailure {
            operation: Attempt::NotMade(operation.into()),
            ..CallFailure::new(kind, "", why)
        }
    }

    /// The account's calls did not finish within its time budget.
    pub fn account_timeout(why: impl Into<String>) -> Self {
        CallFailure {
            operation: Attempt::AccountCheck,
            ..CallFailure::new(FailureKind::Timeout, "", why)
        }
    }

    pub(crate) fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    pub(crate) fn is_not_found(&self) -> bool {
        self.kind == FailureKind::NotFound
    }
}

impl fmt::Display for CallFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if let Some(region) = &self.region {
            write!(f, " in {region}")?;
        }
        match self.operation {
            Attempt::NotMade(_) => write!(f, " not made")?,
            Attempt::AccountCheck => write!(f, " did not finish")?,
            Attempt::Call(_) => write!(f, " failed")?,
        }
        match (&self.code, self.status) {
            (Some(code), Some(status)) => write!(f, " ({code}, HTTP {status})")?,
            (Some(code), None) => write!(f, " ({code})")?,
            (None, Some(status)) => write!(f, " (HTTP {status})")?,
            (None, None) => {}
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Keeps messages to one bounded line so they fit a CSV cell and a terminal.
pub(crate) fn one_line(message: &str) -> String {
    let flat: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        let cut: String = flat.chars().take(297).collect();
        format!("{cut}...")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_whether_the_call_failed_or_was_not_made() {
        let failed = CallFailure::new(FailureKind::AccessDenied, "SNS:GetTopicAttributes", "no")
            .in_region("eu-west-1");
        assert_eq!(
            failed.to_string(),
            "SNS:GetTopicAttributes in eu-west-1 failed: no"
        );
        let skipped = CallFailure::not_made(
            FailureKind::AssumeRole,
            "STS:AssumeRole",
            "account 111122223333 is not in the organization",
        );
        assert_eq!(
            skipped.to_string(),
            "STS:AssumeRole not made: account 111122223333 is not in the organization"
        );
        let late = CallFailure::account_timeout("it took longer than 60s");
        assert_eq!(late.kind, FailureKind::Timeout);
        assert_eq!(
            late.to_string(),
            "the account's check did not finish: it took longer than 60s"
        );
    }

    #[test]
    fn messages_stay_on_one_short_line() {
        let f = CallFailure::new(FailureKind::Other, "x:Y", "a\nb\n\n  c");
        assert_eq!(f.message, "a b c");
        let long = "z".repeat(1000);
        assert!(
            CallFailure::new(FailureKind::Other, "x:Y", long)
                .message
                .len()
                <= 300
        );
    }
}
