//! A private moto server per test, and SDK configs that talk to it.
//!
//! [`Moto::start`] finds moto_server (env `ORGSWEEP_MOTO_SERVER`, else
//! `<repo>/.venv/bin/moto_server` made by `scripts/setup-emulator`), starts it on a free
//! loopback port, waits until it answers and kills it when dropped. Each test gets its own
//! server, so tests run in parallel without sharing state. When moto is missing the test
//! panics with the set-up command: tests never skip silently.
//!
//! [`Emulator`] is a cheap handle on an endpoint (a [`Moto`] derefs to one; `examples/seed.rs`
//! makes one from `--endpoint`), with SDK configs for the management account and for any
//! member account through `sts:AssumeRole`.
//!
//! moto 5.2.5 facts relied on here (checked by experiment):
//! - Unsigned requests and unknown access keys act as the default account `123456789012`,
//!   which `CreateOrganization` makes the management account.
//! - `sts:AssumeRole` into `arn:aws:iam::<acct>:role/<any name>` always succeeds, for any
//!   12-digit account (even one not in the organization, a suspended one, or one whose role
//!   was deleted with `iam:DeleteRole`), and returns keys that act as `<acct>`.
//! - Startup takes about 1–2 s; `POST /moto-api/reset` wipes every account's state.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

use crate::{http, port};

/// The account moto treats unsigned requests and unknown keys as; the management account of a
/// seeded organization.
pub const MANAGEMENT_ACCOUNT_ID: &str = "123456789012";

/// Access key and secret that act as the management account.
pub const TEST_ACCESS_KEY: &str = "testing";
pub const TEST_SECRET_KEY: &str = "testing";

/// The default region of the configs made here.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The role `CreateAccount` makes in every new account (moto does too).
pub const MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// Where moto_server is: `ORGSWEEP_MOTO_SERVER`, else the venv of `scripts/setup-emulator`.
/// Panics, naming the set-up command, when it is missing.
pub fn moto_server_path() -> PathBuf {
    let path = match std::env::var_os("ORGSWEEP_MOTO_SERVER") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        // The kit is one directory below the repository root, which holds the venv.
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the kit is inside the repository")
            .join(".venv/bin/moto_server"),
    };
    if !path.is_file() {
        panic!(
            "the moto emulator is not installed: {} does not exist.\n\
             Run `scripts/setup-emulator` once (or run the tests with `scripts/test`, which does it), \
             or point ORGSWEEP_MOTO_SERVER at a moto_server executable.",
            path.display()
        );
    }
    path
}

/// A running private moto server; killed on drop.
pub struct Moto {
    child: Child,
    emulator: Emulator,
    port: u16,
    log: PathBuf,
}

impl Moto {
    /// Starts moto_server on a free loopback port and waits until it answers (retries on a
    /// port race). Panics with a clear message when moto is missing or will not start.
    pub fn start() -> Moto {
        let program = moto_server_path();
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = port::free_port();
            let log = std::env::temp_dir()
                .join(format!("orgsweep-moto-{}-{port}.log", std::process::id()));
            let log_file = std::fs::File::create(&log).expect("cannot create the moto log file");
            let mut child = Command::new(&program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log file"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run {}: {e}; run scripts/setup-emulator",
                        program.display()
                    )
                });
            let endpoint = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut ready = false;
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                if matches!(
                    http::request(&endpoint, "GET", "/moto-api/", None, Duration::from_secs(5)),
                    Ok((200, _))
                ) {
                    // Our child must be the one answering: if it lost the port, it exits.
                    std::thread::sleep(Duration::from_millis(50));
                    ready = child.try_wait().ok().flatten().is_none();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if ready {
                return Moto {
                    child,
                    emulator: Emulator::new(endpoint),
                    port,
                    log,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
        }
        panic!("moto_server did not start after 5 attempts; its last log:\n{last_log}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }
}

impl std::ops::Deref for Moto {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A handle on an emulator endpoint (`http://127.0.0.1:PORT`).
#[derive(Debug, Clone)]
pub struct Emulator {
    endpoint: String,
}

impl Emulator {
    pub fn new(endpoint: impl Into<String>) -> Emulator {
        Emulator {
            endpoint: endpoint.into().trim_end_matches('/').to_string(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK config for the management account (the `testing` keys) in `region`.
    pub fn config(&self, region: &str) -> SdkConfig {
        self.config_with_keys(region, TEST_ACCESS_KEY, TEST_SECRET_KEY, None)
    }

    /// An SDK config with explicit keys: short retries and timeouts, nothing read from the
    /// environment or profile files.
    pub fn config_with_keys(
        &self,
        region: &str,
        access_key: &str,
        secret: &str,
        token: Option<String>,
    ) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                access_key,
                secret,
                token,
                None,
                "orgsweep-test-support",
            )))
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(120))
                    .connect_timeout(Duration::from_secs(10))
                    .build(),
            )
            .build()
    }

    /// An SDK config that acts as `account_id`, by `sts:AssumeRole` into its
    /// `OrganizationAccountAccessRole` from the management account.
    pub async fn config_for_account(&self, account_id: &str, region: &str) -> SdkConfig {
        let sts = aws_sdk_sts::Client::new(&self.config(region));
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account_id}:role/{MEMBER_ROLE}"))
            .role_session_name("orgsweep-seed")
            .send()
            .await
            .unwrap_or_else(|e| panic!("AssumeRole into {account_id}: {}", fmt_err(&e)));
        let creds = out
            .credentials()
            .expect("AssumeRole returned no credentials");
        self.config_with_keys(
            region,
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
        )
    }

    /// Wipes all state (`POST /moto-api/reset`).
    pub async fn reset(&self) {
        let (status, body) = http::request_async(&self.endpoint, "POST", "/moto-api/reset", None)
            .await
            .expect("POST /moto-api/reset");
        assert_eq!(status, 200, "reset failed: {body}");
    }

    /// Creates an S3 bucket with an unsigned path-style `PUT /<bucket>`. It is owned by the
    /// management account, and moto's `CreateTrail` in *any* account accepts it (moto looks
    /// bucket names up across accounts, as S3's global namespace does). Bucket names are
    /// global: two accounts cannot both create `x`.
    pub async fn put_bucket(&self, name: &str) {
        let (status, body) = http::request_async(&self.endpoint, "PUT", &format!("/{name}"), None)
            .await
            .unwrap_or_else(|e| panic!("PUT bucket {name}: {e}"));
        assert_eq!(status, 200, "PUT bucket {name} failed: {body}");
    }

    /// Environment for a child process (the orgsweep binary) that should talk to this
    /// emulator as the management account: endpoint, region, keys — and nothing from the
    /// caller's own AWS set-up (profiles, session tokens, instance metadata).
    pub fn env(&self, region: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", region.to_string()),
            ("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY.to_string()),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/orgsweep-test/config".to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/orgsweep-test/credentials".to_string(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
    }

    /// A `Command` for `program` with [`Emulator::env`] applied and any other AWS settings of
    /// the caller removed.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env(DEFAULT_REGION));
        // The suites written for the first control sweep it alone (the family's own suites pass
        // --controls, which wins over the environment).
        cmd.env("ORGSWEEP_CONTROLS", "console-auth-failures");
        cmd
    }
}

/// An SDK error with its whole source chain, for panic messages.
pub fn fmt_err(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
