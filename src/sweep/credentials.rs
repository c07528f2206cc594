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

/// The sweep's way into accounts: one [`AssumedRole`] per account, made on first use and kept,
/// so the account's own check and the reads of its topics for other accounts' alarms share
/// one set of credentials (and one `AssumeRole`). The caller's own account uses the caller's
/// credentials.
#[derive(Debug)]
pub(crate) struct Roles {
    sts: aws_sdk_sts::Client,
    base: aws_config::SdkConfig,
    caller_account: String,
    partition: String,
    /// Role name, session name, external id and duration, as configured.
    template: RoleSpec,
    roles: std::sync::Mutex<std::collections::HashMap<String, AssumedRole>>,
}

impl Roles {
    /// `template.role_arn` holds the role *name*; the ARN is made per account.
    pub fn new(
        sts: aws_sdk_sts::Client,
        base: aws_config::SdkConfig,
        caller_account: String,
        partition: String,
        template: RoleSpec,
    ) -> Self {
        Roles {
            sts,
            base,
            caller_account,
            partition,
            template,
            roles: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    fn role(&self, account_id: &str) -> AssumedRole {
        let mut roles = self.roles.lock().unwrap_or_else(|e| e.into_inner());
        roles
            .entry(account_id.to_string())
            .or_insert_with(|| {
                let mut spec = self.template.clone();
                spec.role_arn = format!(
                    "arn:{}:iam::{account_id}:role/{}",
                    self.partition, self.template.role_arn
                );
                AssumedRole::new(self.sts.clone(), spec)
            })
            .clone()
    }

    /// The SDK config for an account: the caller's own for the account it is in, the assumed
    /// role otherwise (assumed now, so a role that cannot be assumed is reported as such).
    pub(crate) async fn config_for(
        &self,
        account_id: &str,
    ) -> Result<aws_config::SdkConfig, CallFailure> {
        if account_id == self.caller_account {
            return Ok(self.base.clone());
        }
        let role = self.role(account_id);
        role.credentials().await?;
        Ok(self
            .base
            .to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(role),
            )
            .build())
    }
}
