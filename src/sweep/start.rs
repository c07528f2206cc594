//! Why a sweep could not start, said so that a person can act on it: the endpoint and region
//! tried, the kind of failure (the connection, the credentials, the organization), and what to
//! do. A sweep that cannot start writes no report: there is nothing to report on.

use std::fmt;

use crate::failure::{CallFailure, FailureKind};

/// What the sweep was doing when it could not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStep {
    /// `sts:GetCallerIdentity`: who is calling.
    Identify,
    /// `organizations:DescribeOrganization` and the listing of accounts.
    Organization,
    /// `ec2:DescribeRegions`: the regions to sweep.
    Regions,
}

/// The kind of failure, as the person at the terminal needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFailure {
    ConnectionRefused,
    Dns,
    Tls,
    Timeout,
    CredentialsMissing,
    CredentialsRejected,
    NotManagementAccount,
    Other,
}

impl StartFailure {
    /// Reads the kind off a failed call: the error code and status first, then the words of the
    /// HTTP stack's own error chain (the SDK does not type connection failures any finer).
    pub fn of(step: StartStep, failure: &CallFailure) -> StartFailure {
        let text = failure.message.to_ascii_lowercase();
        let code = failure.code.as_deref().unwrap_or("");
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        if has(&["connection refused"]) {
            StartFailure::ConnectionRefused
        } else if has(&[
            "dns error",
            "failed to lookup address",
            "name or service not known",
            "no such host",
            "temporary failure in name resolution",
            "nodename nor servname",
        ]) {
            StartFailure::Dns
        } else if has(&["tls", "certificate", "handshake"]) {
            StartFailure::Tls
        } else if has(&[
            "no credentials",
            "credentials provider",
            "failed to load credentials",
            "credentialsnotloaded",
            "could not find credentials",
        ]) {
            StartFailure::CredentialsMissing
        } else if failure.kind == FailureKind::Timeout || has(&["timed out", "timeout"]) {
            StartFailure::Timeout
        } else if matches!(
            code,
            "InvalidClientTokenId"
                | "UnrecognizedClientException"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "ExpiredTokenException"
                | "IncompleteSignature"
        ) || (step == StartStep::Identify && failure.kind == FailureKind::AccessDenied)
        {
            StartFailure::CredentialsRejected
        } else if step == StartStep::Organization
            && (code == "AWSOrganizationsNotInUseException"
                || failure.kind == FailureKind::AccessDenied)
        {
            StartFailure::NotManagementAccount
        } else {
            StartFailure::Other
        }
    }

    /// What the failure is, in a few words.
    pub fn what(self) -> &'static str {
        match self {
            StartFailure::ConnectionRefused => "the connection was refused",
            StartFailure::Dns => "the endpoint's host name could not be resolved (DNS)",
            StartFailure::Tls => "the TLS connection to the endpoint failed",
            StartFailure::Timeout => "the endpoint did not answer in time",
            StartFailure::CredentialsMissing => "no AWS credentials were found",
            StartFailure::CredentialsRejected => "AWS rejected the credentials",
            StartFailure::NotManagementAccount => {
                "the caller cannot read the organization (not its management account or a delegated administrator)"
            }
            StartFailure::Other => "AWS answered with an error",
        }
    }

    /// What to do about it.
    pub(crate) fn todo(self) -> &'static str {
        match self {
            StartFailure::ConnectionRefused | StartFailure::Dns | StartFailure::Tls => {
                "check AWS_ENDPOINT_URL (unset it for AWS itself) and AWS_REGION, and that the endpoint is up"
            }
            StartFailure::Timeout => {
                "check the network path to the endpoint; sweep.max_attempts and the backoff settings in the config bound how long orgsweep tries"
            }
            StartFailure::CredentialsMissing => {
                "give credentials of the management account through the standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, SSO, an instance role)"
            }
            StartFailure::CredentialsRejected => {
                "the keys are unknown, expired or mistyped: refresh them (aws sso login, a new session token) or pick another AWS_PROFILE"
            }
            StartFailure::NotManagementAccount => {
                "run orgsweep with credentials of the organization's management account or a delegated administrator for AWS Organizations"
            }
            StartFailure::Other => "read AWS's answer above; `orgsweep accounts` tries the same first calls",
        }
    }
}

/// A sweep that could not start: where it tried, what failed, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartError {
    pub step: StartStep,
    pub kind: StartFailure,
    /// The endpoint tried (`AWS_ENDPOINT_URL`), or `None` for AWS's own.
    pub endpoint: Option<String>,
    pub region: String,
    /// Attempts per call the sweep allowed (sweep.max_attempts).
    pub attempts: u32,
    pub failure: CallFailure,
}

impl StartError {
    pub fn new(
        step: StartStep,
        failure: CallFailure,
        endpoint: Option<String>,
        region: String,
        attempts: u32,
    ) -> StartError {
        StartError {
            kind: StartFailure::of(step, &failure),
            step,
            endpoint,
            region,
            attempts,
            failure,
        }
    }
}

impl fmt::Display for StartError {
    /// One paragraph: what could not be done, where, why, and what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let doing = match self.step {
            StartStep::Identify => "identify the caller",
            StartStep::Organization => "read the organization",
            StartStep::Regions => "list the regions",
        };
        let endpoint = match &self.endpoint {
            Some(e) => format!("endpoint {e}"),
            None => "AWS's public endpoint".to_string(),
        };
        let code = match (&self.failure.code, self.failure.status) {
            (Some(c), Some(s)) => format!(" ({c}, HTTP {s})"),
            (Some(c), None) => format!(" ({c})"),
            (None, Some(s)) => format!(" (HTTP {s})"),
            (None, None) => String::new(),
        };
        write!(
            f,
            "orgsweep could not start: cannot {doing} with {} at {endpoint}, region {}: {}{code}. \
             Tried up to {} time(s) per call (sweep.max_attempts). Nothing was swept and no report was written. \
             What to do: {}.",
            self.failure.operation,
            self.region,
            self.kind.what(),
            self.attempts,
            self.kind.todo()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FailureKind, code: Option<&str>, message: &str) -> CallFailure {
        let mut f = CallFailure::new(kind, "sts:GetCallerIdentity", message);
        f.code = code.map(str::to_string);
        f
    }

    #[test]
    fn kinds_come_from_the_error_chain_and_codes() {
        let of = |step, f: &CallFailure| StartFailure::of(step, f);
        let io = |m: &str| failure(FailureKind::Other, None, m);
        use StartStep::*;
        assert_eq!(
            of(Identify, &io("dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)")),
            StartFailure::ConnectionRefused
        );
        assert_eq!(
            of(Identify, &io("dispatch failure: other: client error (Connect): dns error: failed to lookup address information: Name or service not known")),
            StartFailure::Dns
        );
        assert_eq!(
            of(
                Identify,
                &io("dispatch failure: other: invalid peer certificate: UnknownIssuer")
            ),
            StartFailure::Tls
        );
        assert_eq!(
            of(
                Identify,
                &io("dispatch failure: other: no credentials in the property bag")
            ),
            StartFailure::CredentialsMissing
        );
        assert_eq!(
            of(
                Identify,
                &failure(FailureKind::Timeout, None, "the call timed out")
            ),
            StartFailure::Timeout
        );
        assert_eq!(
            of(
                Identify,
                &failure(
                    FailureKind::AccessDenied,
                    Some("InvalidClientTokenId"),
                    "bad"
                )
            ),
            StartFailure::CredentialsRejected
        );
        assert_eq!(
            of(
                Organization,
                &failure(
                    FailureKind::AccessDenied,
                    Some("AWSOrganizationsNotInUseException"),
                    "x"
                )
            ),
            StartFailure::NotManagementAccount
        );
        assert_eq!(
            of(
                Organization,
                &failure(FailureKind::Other, Some("ServiceUnavailable"), "x")
            ),
            StartFailure::Other
        );
    }

    #[test]
    fn the_message_names_endpoint_region_kind_and_remedy() {
        let e = StartError::new(
            StartStep::Identify,
            failure(
                FailureKind::Other,
                None,
                "tcp connect error: Connection refused",
            ),
            Some("http://127.0.0.1:9".into()),
            "us-east-1".into(),
            3,
        );
        let text = e.to_string();
        for part in [
            "http://127.0.0.1:9",
            "us-east-1",
            "connection was refused",
            "AWS_ENDPOINT_URL",
            "no report",
        ] {
            assert!(text.contains(part), "{part} missing from: {text}");
        }
        assert!(!text.contains('\n'));
    }
}
