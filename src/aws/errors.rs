//! Classifies a failed AWS call as throttled, access denied, not found, timeout or other.
//!
//! The HTTP status counts as much as the error code: the emulator answers some errors with XML
//! or HTML bodies (`Content-Type: text/html` even for JSON services) from which the SDK cannot
//! read a code, and a 403 with no readable code is still access denied.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::failure::one_line;
pub use crate::failure::{CallFailure, FailureKind};

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
pub(crate) fn kind_of(code: Option<&str>, status: Option<u16>) -> FailureKind {
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
pub(crate) fn classify<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> CallFailure
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
        // A connection that failed: the innermost causes say what happened (refused, DNS,
        // TLS); the outer layers only repeat "dispatch failure".
        (None, SdkError::DispatchFailure(_)) => innermost_causes(err),
        (None, _) => DisplayErrorContext(err).to_string(),
    };
    CallFailure {
        kind,
        operation: crate::failure::Attempt::Call(operation.to_string()),
        region: None,
        code,
        status,
        message: one_line(&message),
    }
}

/// The last few messages of an error's source chain, outermost first: where the cause is.
fn innermost_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if chain.last() != Some(&text) {
            chain.push(text);
        }
        next = e.source();
    }
    let keep = chain.len().saturating_sub(3);
    chain[keep..].join(": ")
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
}
