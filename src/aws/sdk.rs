//! The base SDK configuration: the standard AWS chain (profiles, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...) plus our bounded retries and timeouts, and who the caller is.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::errors::{classify, CallFailure};
use super::CallCounter;

/// Retry and timeout settings applied to every client the tool makes.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkSettings {
    /// Attempts per call, the first included (the SDK's standard retry strategy).
    pub max_attempts: u32,
    /// First backoff between attempts; it grows exponentially with jitter up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Bound on one call, retries included.
    pub call_timeout: Duration,
    /// Bound on one attempt.
    pub attempt_timeout: Duration,
}

impl Default for SdkSettings {
    fn default() -> Self {
        SdkSettings {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            call_timeout: Duration::from_secs(120),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// The region used when the standard chain names none.
pub(crate) const FALLBACK_REGION: &str = "us-east-1";

/// Loads the standard AWS configuration and applies our retry and timeout settings.
pub async fn base_config(settings: &SdkSettings) -> SdkConfig {
    let retry = RetryConfig::standard()
        .with_max_attempts(settings.max_attempts.max(1))
        .with_initial_backoff(settings.initial_backoff)
        .with_max_backoff(settings.max_backoff);
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(settings.call_timeout)
        .operation_attempt_timeout(settings.attempt_timeout)
        .connect_timeout(Duration::from_secs(10))
        .build();
    let loaded = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts)
        .load()
        .await;
    if loaded.region().is_some() {
        loaded
    } else {
        loaded
            .into_builder()
            .region(Region::new(FALLBACK_REGION))
            .build()
    }
}

/// The retry partition every client uses: the standard retry strategy with an unlimited token
/// bucket. The SDK's default bucket (500 tokens per service and region, shared by every client in
/// the process) is a circuit breaker for one application; across thousands of accounts under
/// sustained throttling it would run dry and fail calls early. Attempts stay bounded by
/// `sweep.max_attempts` and the backoff, and the per-account timeout bounds the rest.
pub(crate) fn retry_partition() -> aws_smithy_runtime::client::retries::RetryPartition {
    use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
    static PARTITION: std::sync::OnceLock<RetryPartition> = std::sync::OnceLock::new();
    PARTITION
        .get_or_init(|| {
            RetryPartition::custom("orgsweep")
                .token_bucket(TokenBucket::unlimited())
                .build()
        })
        .clone()
}

/// Who is calling: the management account (or a delegated one) and its partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub partition: String,
}

impl CallerIdentity {
    pub(crate) async fn fetch(
        config: &SdkConfig,
        counter: &CallCounter,
    ) -> Result<Self, CallFailure> {
        let sts = crate::aws::counted_client!(aws_sdk_sts, config, counter);
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| classify("sts:GetCallerIdentity", &e))?;
        let arn = out.arn().unwrap_or_default().to_string();
        Ok(CallerIdentity {
            account_id: out.account().unwrap_or_default().to_string(),
            partition: partition_of_arn(&arn).unwrap_or("aws").to_string(),
            arn,
        })
    }
}

/// The partition field of an ARN (`aws`, `aws-us-gov`, `aws-cn`, ...).
pub fn partition_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(p)) if !p.is_empty() => Some(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_come_from_arns() {
        assert_eq!(
            partition_of_arn("arn:aws:iam::123456789012:root"),
            Some("aws")
        );
        assert_eq!(
            partition_of_arn("arn:aws-us-gov:sts::1:assumed-role/x/y"),
            Some("aws-us-gov")
        );
        assert_eq!(partition_of_arn("nonsense"), None);
    }
}
