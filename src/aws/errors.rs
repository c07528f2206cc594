//! Classifies a failed AWS call as throttled, access denied, not found, timeout or other.
//!
//! The HTTP status counts as much as the error code: the emulator answers some errors with XML
//! or HTML bodies (`Content-Type: text/html` even for JSON services) from which the SDK cannot
//! read a code, and a 403 with no readable code is still access denied.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
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

    pub fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    pub fn is_not_found(&self) -> bool {
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

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "Rate exceeded",
];

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "AWSOrganizationsNotInUseException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
];

const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "TrailNotFoundException",
    "CloudTrailARNInvalidException",
    "NotFound",
    "NotFoundException",
    "ResourceNotFound",
];

/// Decides a kind from an error code and an HTTP status, either of which may be missing.
pub fn kind_of(code: Option<&str>, status: Option<u16>) -> FailureKind {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return FailureKind::Throttled;
        }
        if ACCESS_DENIED_CODES.contains(&code) {
            return FailureKind::AccessDenied;
        }
        if NOT_FOUND_CODES.contains(&code) {
            return FailureKind::NotFound;
        }
    }
    match status {
        Some(429) => FailureKind::Throttled,
        Some(401) | Some(403) => FailureKind::AccessDenied,
        Some(404) => FailureKind::NotFound,
        _ => FailureKind::Other,
    }
}

/// Classifies an SDK error of any operation.
pub fn classify<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_string);
    let kind = match err {
        SdkError::TimeoutError(_) => FailureKind::Timeout,
        _ => kind_of(code.as_deref(), status),
    };
    let message = match (err.message(), err) {
        (Some(m), _) => m.to_string(),
        (None, SdkError::TimeoutError(_)) => "the call timed out".to_string(),
        // The emulator's XML or HTML error bodies cannot be parsed by the SDK; its own wording
        // is then a parser trace, so say what is known instead.
        (None, SdkError::ServiceError(_) | SdkError::ResponseError(_)) if status.is_some() => {
            "the error body could not be read".to_string()
        }
        (None, _) => DisplayErrorContext(err).to_string(),
    };
    CallFailure {
        kind,
        operation: operation.to_string(),
        region: None,
        code,
        status,
        message: one_line(&message),
    }
}

/// Keeps messages to one bounded line so they fit a CSV cell and a terminal.
fn one_line(message: &str) -> String {
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
    fn codes_win_over_status() {
        assert_eq!(
            kind_of(Some("ThrottlingException"), Some(400)),
            FailureKind::Throttled
        );
        assert_eq!(
            kind_of(Some("Throttling"), Some(400)),
            FailureKind::Throttled
        );
        assert_eq!(
            kind_of(Some("AccessDeniedException"), Some(400)),
            FailureKind::AccessDenied
        );
        assert_eq!(
            kind_of(Some("TrailNotFoundException"), Some(400)),
            FailureKind::NotFound
        );
    }

    #[test]
    fn status_decides_when_the_code_is_unreadable() {
        assert_eq!(kind_of(None, Some(403)), FailureKind::AccessDenied);
        assert_eq!(kind_of(None, Some(429)), FailureKind::Throttled);
        assert_eq!(kind_of(None, Some(404)), FailureKind::NotFound);
        assert_eq!(kind_of(None, Some(500)), FailureKind::Other);
        assert_eq!(kind_of(Some("Weird"), Some(500)), FailureKind::Other);
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
