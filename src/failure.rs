//! A call that could not be made, as plain data: what the judge, the verdicts and the plans
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

/// One call that could not be made, as plain data the judge can reason about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFailure {
    pub kind: FailureKind,
    /// `Service:Operation`, or what the tool was doing.
    pub operation: String,
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
            operation: operation.into(),
            region: None,
            code: None,
            status: None,
            message: one_line(&message.into()),
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
        write!(f, " failed")?;
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
