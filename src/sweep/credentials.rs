//! Credentials for member accounts: `sts:AssumeRole` once per account, cached, and renewed
//! before they expire so a long sweep never runs on dead keys. The keys live only in memory;
//! `Credentials`' Debug output redacts them, and nothing here prints or writes them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_credential_types::Credentials;
use tokio::sync::Mutex;

use crate::aws::errors::classify;
use crate::aws::{CallFailure, FailureKind};

/// Renew this long before expiry.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// How to assume the member role.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: i32,
}

/// A caching, self-renewing assumed-role credentials provider.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sts: aws_sdk_sts::Client,
    spec: RoleSpec,
    cached: Mutex<Option<Credentials>>,
}

impl AssumedRole {
    pub fn new(sts: aws_sdk_sts::Client, spec: RoleSpec) -> Self {
        AssumedRole {
            inner: Arc::new(Inner {
                sts,
                spec,
                cached: Mutex::new(None),
            }),
        }
    }

    /// Current credentials, assuming the role when there are none or they are about to expire.
    pub async fn credentials(&self) -> Result<Credentials, CallFailure> {
        let mut cached = self.inner.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|exp| exp > SystemTime::now() + RENEW_BEFORE);
            if fresh {
                return Ok(c.clone());
            }
        }
        let spec = &self.inner.spec;
        let out = self
            .inner
            .sts
            .assume_role()
            .role_arn(&spec.role_arn)
            .role_session_name(&spec.session_name)
            .set_external_id(spec.external_id.clone())
            .duration_seconds(spec.duration_seconds)
            .send()
            .await
            .map_err(|e| {
                let mut f = classify("STS:AssumeRole", &e);
                if !matches!(f.kind, FailureKind::Throttled | FailureKind::Timeout) {
                    f.kind = FailureKind::AssumeRole;
                }
                f.message = format!("cannot assume {}: {}", spec.role_arn, f.message);
                f
            })?;
        let c = out.credentials().ok_or_else(|| {
            CallFailure::new(
                FailureKind::AssumeRole,
                "STS:AssumeRole",
                "the answer held no credentials",
            )
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "orgsweep-assume-role",
        );
        *cached = Some(creds.clone());
        Ok(creds)
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(|f| CredentialsError::provider_error(f.to_string()))
        })
    }
}
