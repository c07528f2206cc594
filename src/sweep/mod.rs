//! The org sweep: find the accounts, get into each one, collect and judge them concurrently,
//! and hand each finished account to the caller (who writes it to disk at once).
//!
//! The management account goes first, with the caller's own credentials: its organization
//! trails decide whether members need any trail call at all.

pub mod credentials;
pub mod progress;
pub mod start;

use std::collections::BTreeSet;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use futures::stream::{self, StreamExt};

use crate::aws::{
    base_config, AccountClients, CallCounter, CallFailure, CallerIdentity, FailureKind, SdkSettings,
};
use crate::collect::{self, regions, CollectPlan};
use crate::config::Config;
use crate::controls::Control;
use crate::facts::AccountFacts;
use crate::judge::{self, ControlCells, OrgChain};
use crate::organization::{self, DiscoverError, OrgAccount, Organization};
use crate::outcome::AccountRow;
use crate::verdict::{Reason, Status, Verdict};

use credentials::{AssumedRole, RoleSpec};
use start::{StartError, StartStep};

/// The endpoint the SDK was pointed at (`AWS_ENDPOINT_URL`), if any.
pub fn endpoint_of(config: &SdkConfig) -> Option<String> {
    config.endpoint_url().map(str::to_string)
}

/// What to sweep, as plain values: built by the command line (or a test), taken by the sweep.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    /// The configuration, flags already applied.
    pub config: Config,
    /// The controls to check, in table order.
    pub controls: Vec<&'static Control>,
    /// Only accounts under these OUs or roots (empty: every account).
    pub ous: Vec<String>,
    /// Only these accounts (empty: every one).
    pub accounts: Vec<String>,
    /// Leave these out (they appear as SKIPPED/EXCLUDED).
    pub exclude_accounts: Vec<String>,
}

/// Everything a sweep needs that is the same for every account.
pub struct Session {
    pub config: Config,
    /// The controls checked, in table order.
    pub controls: Vec<&'static Control>,
    pub base: SdkConfig,
    pub counter: CallCounter,
    pub caller: CallerIdentity,
    pub organization: Organization,
    /// Regions swept: the matrix columns.
    pub columns: Vec<String>,
    /// Enabled regions of the management account.
    management_enabled: BTreeSet<String>,
    sts: aws_sdk_sts::Client,
}

/// Why a sweep could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepError {
    /// A selection the organization does not have (an OU, an account, a region): the user's
    /// to fix.
    Usage(String),
    /// AWS would not tell who is calling, or list the organization or the regions.
    Start(Box<StartError>),
}

impl SweepError {
    fn usage(message: impl Into<String>) -> Self {
        SweepError::Usage(message.into())
    }
}

/// The selected accounts: checked, excluded by the user, in account-id order.
pub struct Selected {
    pub check: Vec<OrgAccount>,
    pub excluded: Vec<OrgAccount>,
}

impl Session {
    /// Learns who is calling, discovers the organization and regions.
    pub async fn start(request: &SweepRequest) -> Result<Session, SweepError> {
        let config = request.config.clone();
        let settings = SdkSettings::from(&config);
        let base = base_config(&settings).await;
        let cannot_start = |step, failure| {
            SweepError::Start(Box::new(StartError::new(
                step,
                failure,
                endpoint_of(&base),
                base.region().map(|r| r.to_string()).unwrap_or_default(),
                settings.max_attempts,
            )))
        };
        let counter = CallCounter::new();
        let caller = CallerIdentity::fetch(&base, &counter)
            .await
            .map_err(|f| cannot_start(StartStep::Identify, f))?;
        let organization = match organization::discover(&base, &counter, &request.ous).await {
            Ok(o) => o,
            Err(DiscoverError::UnknownOu(id)) => {
                return Err(SweepError::usage(format!(
                    "--ous: {}",
                    DiscoverError::UnknownOu(id)
                )))
            }
            Err(DiscoverError::Call(f)) => return Err(cannot_start(StartStep::Organization, f)),
        };
        let management =
            AccountClients::new(caller.account_id.clone(), base.clone(), counter.clone());
        let found = regions::discover(&management, &caller.partition)
            .await
            .map_err(|f| cannot_start(StartStep::Regions, f))?;
        let columns = match &config.sweep.regions {
            r if r.is_empty() => found.all.iter().cloned().collect(),
            r => {
                if let Some(unknown) = r.iter().find(|r| !found.all.contains(*r)) {
                    return Err(SweepError::usage(format!(
                        "--regions: `{unknown}` is not a region of partition {} (known: {})",
                        caller.partition,
                        found.all.iter().cloned().collect::<Vec<_>>().join(", ")
                    )));
                }
                let mut r = r.clone();
                r.sort();
                r.dedup();
                r
            }
        };
        let sts = crate::counted_client!(aws_sdk_sts, &base, counter);
        Ok(Session {
            config,
            controls: request.controls.clone(),
            base,
            counter,
            caller,
            organization,
            columns,
            management_enabled: found.enabled,
            sts,
        })
    }

    /// Applies --accounts / --exclude-accounts to the ACTIVE accounts.
    pub fn select(&self, selection: &SweepRequest) -> Result<Selected, SweepError> {
        let known: BTreeSet<&str> = self
            .organization
            .accounts
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        for id in selection.accounts.iter().chain(&selection.exclude_accounts) {
            if !known.contains(id.as_str()) {
                return Err(SweepError::usage(format!(
                    "account {id} is not in the organization (or not under --ous); see `orgsweep accounts`"
                )));
            }
        }
        let mut check = Vec::new();
        let mut excluded = Vec::new();
        for a in self.organization.accounts.iter().filter(|a| a.is_active()) {
            if !selection.accounts.is_empty() && !selection.accounts.contains(&a.id) {
                continue;
            }
            if selection.exclude_accounts.contains(&a.id) {
                excluded.push(a.clone());
            } else {
                check.push(a.clone());
            }
        }
        Ok(Selected { check, excluded })
    }

    pub fn management_account_id(&self) -> &str {
        &self.organization.management_account_id
    }

    /// The SDK config for an account: the caller's own for the account it is in, an assumed
    /// role otherwise.
    pub async fn config_for(&self, account_id: &str) -> Result<SdkConfig, CallFailure> {
        if account_id == self.caller.account_id {
            return Ok(self.base.clone());
        }
        let access = &self.config.access;
        let role = AssumedRole::new(
            self.sts.clone(),
            RoleSpec {
                role_arn: format!(
                    "arn:{}:iam::{account_id}:role/{}",
                    self.caller.partition, access.role_name
                ),
                session_name: access.session_name.clone(),
                external_id: (!access.external_id.is_empty()).then(|| access.external_id.clone()),
                duration_seconds: access.session_duration_seconds as i32,
            },
        );
        // Assume now, so a role that cannot be assumed is reported as such, once.
        role.credentials().await?;
        Ok(self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(role))
            .build())
    }

    /// Clients for an account, counting into their own tally (merged into the session's later).
    pub async fn clients_for(&self, account_id: &str) -> Result<AccountClients, CallFailure> {
        let config = self.config_for(account_id).await?;
        Ok(AccountClients::new(account_id, config, CallCounter::new()))
    }

    /// Collects the management account and evaluates the organization chains.
    pub async fn management_facts(&self) -> Result<(AccountFacts, Vec<OrgChain>), CallFailure> {
        let clients = self.clients_for(self.management_account_id()).await?;
        let plan = CollectPlan {
            columns: self.columns.clone(),
            known_enabled: (self.management_account_id() == self.caller.account_id)
                .then(|| self.management_enabled.clone()),
            alarm_history_days: self.config.sweep.alarm_history_days,
            ..CollectPlan::default()
        };
        let facts = collect::collect_account(&clients, &self.caller.partition, &plan).await;
        self.counter.absorb(&clients.counter().snapshot());
        let chains = judge::org_chains(&facts, &self.controls, &self.config.judge_settings());
        Ok((facts, chains))
    }

    /// Checks one account: facts (re-using the management account's), then verdicts. Bounded by
    /// the per-account timeout; failures stay inside the account's cells.
    pub async fn check_account(
        &self,
        account: &OrgAccount,
        management: Option<&AccountFacts>,
        org: &[OrgChain],
    ) -> (Option<AccountFacts>, AccountRow) {
        let work = async {
            if let Some(m) = management.filter(|m| m.account_id == account.id) {
                return Ok(m.clone());
            }
            let clients = self.clients_for(&account.id).await?;
            let plan = CollectPlan {
                columns: self.columns.clone(),
                skip_trails: judge::org_covers_everything(org, &self.controls),
                org_trail_multi_region: org.iter().any(|c| c.multi_region),
                known_enabled: None,
                alarm_history_days: self.config.sweep.alarm_history_days,
            };
            let facts = collect::collect_account(&clients, &self.caller.partition, &plan).await;
            self.counter.absorb(&clients.counter().snapshot());
            Ok::<AccountFacts, CallFailure>(facts)
        };
        let timeout = self.config.account_timeout();
        let result = match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(CallFailure::new(
                FailureKind::Timeout,
                "orgsweep",
                format!(
                    "the account's check took longer than {}s (sweep.account_timeout_seconds)",
                    timeout.as_secs()
                ),
            )),
        };
        match result {
            Ok(facts) => {
                let verdicts = judge::judge_account(
                    &facts,
                    org,
                    &self.columns,
                    &self.controls,
                    &self.config.judge_settings(),
                );
                (Some(facts), row(account, verdicts))
            }
            Err(f) => (None, row(account, self.every_cell(|| Verdict::error(&f)))),
        }
    }

    /// The same verdict in every cell (control × region) of an account.
    fn every_cell(&self, verdict: impl Fn() -> Verdict) -> Vec<ControlCells> {
        self.controls
            .iter()
            .map(|c| {
                let cells = self
                    .columns
                    .iter()
                    .map(|r| (r.clone(), verdict()))
                    .collect();
                (c.id.clone(), cells)
            })
            .collect()
    }

    /// The row of an account the user excluded.
    pub fn excluded_row(&self, account: &OrgAccount) -> AccountRow {
        row(
            account,
            self.every_cell(|| {
                Verdict::new(
                    Status::Skipped,
                    Reason::Excluded,
                    "excluded with --exclude-accounts",
                )
            }),
        )
    }

    /// Checks the selected accounts concurrently, calling `done` as each finishes.
    pub async fn check_all(
        &self,
        accounts: &[OrgAccount],
        mut done: impl FnMut(&OrgAccount, Option<AccountFacts>, AccountRow),
    ) {
        let (management, org) = match self.management_facts().await {
            Ok((facts, chains)) => (Some(facts), chains),
            // Without the management account no organization trail can be judged; members are
            // still judged on their own trails, and the management row shows the failure.
            Err(_) => (None, Vec::new()),
        };
        let concurrency = self.config.sweep.concurrency.max(1);
        let management = management.as_ref();
        let org = &org;
        let mut results = stream::iter(accounts.iter())
            .map(|account| async move {
                let (facts, row) = self.check_account(account, management, org).await;
                (account, facts, row)
            })
            .buffer_unordered(concurrency);
        while let Some((account, facts, row)) = results.next().await {
            done(account, facts, row);
        }
    }
}

fn row(account: &OrgAccount, controls: Vec<ControlCells>) -> AccountRow {
    AccountRow {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        controls,
    }
}

/// Default report directory: `reports/<UTC timestamp>/`.
pub fn default_output_dir() -> std::path::PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(&time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "run".into());
    std::path::PathBuf::from("reports").join(stamp)
}

/// RFC 3339 time for summaries.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
