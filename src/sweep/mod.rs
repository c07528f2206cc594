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
use futures::stream::{self, StreamExt};

use crate::aws::{
    base_config, AccountClients, CallCounter, CallFailure, CallerIdentity, SdkSettings,
};
use crate::collect::{self, regions, CollectPlan};
use crate::config::Config;
use crate::controls::Control;
use crate::facts::AccountFacts;
use crate::judge::{self, ControlCells, OrgChain};
use crate::organization::{self, DiscoverError, OrgAccount, Organization};
use crate::outcome::AccountRow;
use crate::verdict::{Reason, Status, Verdict};

use credentials::RoleSpec;
use start::{StartError, StartStep};

/// The endpoint the SDK was pointed at (`AWS_ENDPOINT_URL`), if any.
pub(crate) fn endpoint_of(config: &SdkConfig) -> Option<String> {
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
    /// Accepted FAIL cells (`--exceptions`), read before any AWS call.
    pub exceptions: std::sync::Arc<crate::exceptions::ExceptionSet>,
}

/// Everything a sweep needs that is the same for every account.
pub struct Session {
    pub config: Config,
    /// The controls checked, in table order.
    pub controls: Vec<&'static Control>,
    /// Accepted FAIL cells (`--exceptions`), applied by the run as each account finishes.
    pub exceptions: std::sync::Arc<crate::exceptions::ExceptionSet>,
    pub base: SdkConfig,
    pub counter: CallCounter,
    pub caller: CallerIdentity,
    pub organization: Organization,
    /// Regions swept: the matrix columns.
    pub columns: Vec<String>,
    /// Enabled regions of the management account.
    management_enabled: BTreeSet<String>,
    /// The organization id and account paths, built once for the judge.
    org_context: std::sync::Arc<judge::OrgContext>,
    /// One assumed role per account, shared by its check and the reads of its topics.
    roles: std::sync::Arc<credentials::Roles>,
    /// Topics of other accounts, read there once per sweep.
    central_topics: std::sync::Arc<collect::topics::CentralTopics>,
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

/// The SDK's retry and backoff, from `[sweep]`; the timeouts stay at their defaults.
pub(crate) fn sdk_settings(config: &Config) -> SdkSettings {
    let sweep = &config.sweep;
    SdkSettings {
        max_attempts: sweep.max_attempts,
        initial_backoff: std::time::Duration::from_millis(sweep.initial_backoff_ms),
        max_backoff: std::time::Duration::from_millis(sweep.max_backoff_ms),
        ..SdkSettings::default()
    }
}

impl Session {
    /// Learns who is calling, discovers the organization and regions.
    pub async fn start(request: &SweepRequest) -> Result<Session, SweepError> {
        let config = request.config.clone();
        let settings = sdk_settings(&config);
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
        let sts = crate::aws::counted_client!(aws_sdk_sts, &base, counter);
        let org_context = std::sync::Arc::new(judge::OrgContext {
            id: organization.id.clone(),
            paths: organization.org_paths.clone(),
        });
        let access = &config.access;
        let roles = std::sync::Arc::new(credentials::Roles::new(
            sts,
            base.clone(),
            caller.account_id.clone(),
            caller.partition.clone(),
            RoleSpec {
                role_arn: access.role_name.clone(),
                session_name: access.session_name.clone(),
                external_id: (!access.external_id.is_empty()).then(|| access.external_id.clone()),
                duration_seconds: access.session_duration_seconds as i32,
            },
        ));
        let central_topics = central_topics(&roles, &organization, &counter);
        Ok(Session {
            org_context,
            roles,
            central_topics,
            config,
            controls: request.controls.clone(),
            exceptions: request.exceptions.clone(),
            base,
            counter,
            caller,
            organization,
            columns,
            management_enabled: found.enabled,
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

    /// What the judge is told besides the facts: the configuration's limits, and the
    /// organization (policies grant on it).
    pub(crate) fn judge_settings(&self) -> judge::JudgeSettings {
        let sweep = &self.config.sweep;
        judge::JudgeSettings {
            logs_delivery_max_age_secs: sweep.logs_delivery_max_age_hours as i64 * 3600,
            alarm_history_days: sweep.alarm_history_days,
            organization: Some(self.org_context.clone()),
        }
    }

    pub fn management_account_id(&self) -> &str {
        &self.organization.management_account_id
    }

    /// The SDK config for an account: the caller's own for the account it is in, an assumed
    /// role otherwise.
    pub(crate) async fn config_for(&self, account_id: &str) -> Result<SdkConfig, CallFailure> {
        self.roles.config_for(account_id).await
    }

    /// Clients for an account, counting into their own tally (merged into the session's later).
    pub(crate) async fn clients_for(
        &self,
        account_id: &str,
    ) -> Result<AccountClients, CallFailure> {
        let config = self.config_for(account_id).await?;
        Ok(AccountClients::new(account_id, config, CallCounter::new()))
    }

    /// Collects the management account and evaluates the organization chains.
    pub(crate) async fn management_facts(
        &self,
    ) -> Result<(AccountFacts, Vec<OrgChain>), CallFailure> {
        let clients = self.clients_for(self.management_account_id()).await?;
        let plan = CollectPlan {
            columns: self.columns.clone(),
            known_enabled: (self.management_account_id() == self.caller.account_id)
                .then(|| self.management_enabled.clone()),
            alarm_history_days: self.config.sweep.alarm_history_days,
            central_topics: Some(self.central_topics.clone()),
            ..CollectPlan::default()
        };
        let facts = collect::collect_account(&clients, &self.caller.partition, &plan).await;
        self.counter.absorb(&clients.counter().snapshot());
        let chains = judge::org_chains(&facts, &self.controls, &self.judge_settings());
        Ok((facts, chains))
    }

    /// Checks one account: facts (re-using the management account's), then verdicts. Bounded by
    /// the per-account timeout; failures stay inside the account's cells.
    pub(crate) async fn check_account(
        &self,
        account: &OrgAccount,
        management: Option<&AccountFacts>,
        org: &[OrgChain],
    ) -> (Option<AccountFacts>, AccountRow) {
        // The account's tally lives outside the timed work, so the calls of an account that
        // times out still reach the summary.
        let tally = CallCounter::new();
        let work = async {
            if let Some(m) = management.filter(|m| m.account_id == account.id) {
                return Ok(m.clone());
            }
            let config = self.config_for(&account.id).await?;
            let clients = AccountClients::new(account.id.as_str(), config, tally.clone());
            let plan = CollectPlan {
                columns: self.columns.clone(),
                skip_trails: judge::org_covers_account(
                    org,
                    &self.controls,
                    &account.id,
                    &self.judge_settings(),
                ),
                org_trail_multi_region: org.iter().any(|c| c.multi_region),
                known_enabled: None,
                alarm_history_days: self.config.sweep.alarm_history_days,
                central_topics: Some(self.central_topics.clone()),
            };
            let facts = collect::collect_account(&clients, &self.caller.partition, &plan).await;
            Ok::<AccountFacts, CallFailure>(facts)
        };
        let timeout = self.config.account_timeout();
        let timed = tokio::time::timeout(timeout, work).await;
        self.counter.absorb(&tally.snapshot());
        let result = match timed {
            Ok(r) => r,
            Err(_) => Err(CallFailure::account_timeout(format!(
                "it took longer than {}s (sweep.account_timeout_seconds)",
                timeout.as_secs()
            ))),
        };
        match result {
            Ok(facts) => {
                let verdicts = judge::judge_account(
                    &facts,
                    org,
                    &self.columns,
                    &self.controls,
                    &self.judge_settings(),
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
    pub(crate) fn excluded_row(&self, account: &OrgAccount) -> AccountRow {
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
    pub(crate) async fn check_all(
        &self,
        accounts: &[OrgAccount],
        done: impl FnMut(&OrgAccount, Option<AccountFacts>, AccountRow),
    ) {
        let prepared = self.prepare().await;
        self.check_prepared(&prepared, accounts, done).await;
    }

    /// Collects the management account and judges the organization chains: what every
    /// member's check starts from.
    pub(crate) async fn prepare(&self) -> Prepared {
        match self.management_facts().await {
            Ok((facts, chains)) => Prepared {
                management: Some(facts),
                org: chains,
            },
            // Without the management account no organization trail can be judged; members are
            // still judged on their own trails, and the management row shows the failure.
            Err(_) => Prepared {
                management: None,
                org: Vec::new(),
            },
        }
    }

    /// Checks the selected accounts concurrently from `prepared`, calling `done` as each
    /// finishes.
    pub(crate) async fn check_prepared(
        &self,
        prepared: &Prepared,
        accounts: &[OrgAccount],
        mut done: impl FnMut(&OrgAccount, Option<AccountFacts>, AccountRow),
    ) {
        let concurrency = self.config.sweep.concurrency.max(1);
        let management = prepared.management.as_ref();
        let org = &prepared.org;
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

/// What every member's check starts from: the management account's facts and the
/// organization chains judged from them.
pub(crate) struct Prepared {
    management: Option<AccountFacts>,
    pub org: Vec<OrgChain>,
}

/// The shared reader of other accounts' topics: it enters an account of the organization with
/// the sweep's role and counts into the sweep's tally.
fn central_topics(
    roles: &std::sync::Arc<credentials::Roles>,
    organization: &Organization,
    counter: &CallCounter,
) -> std::sync::Arc<collect::topics::CentralTopics> {
    let members = organization.org_paths.keys().cloned().collect();
    let (roles, counter) = (roles.clone(), counter.clone());
    let enter: collect::topics::Enter = std::sync::Arc::new(move |account: String| {
        let (roles, counter) = (roles.clone(), counter.clone());
        Box::pin(async move {
            let config = roles.config_for(&account).await?;
            Ok(AccountClients::new(account, config, counter))
        }) as collect::topics::EnterFuture
    });
    std::sync::Arc::new(collect::topics::CentralTopics::new(members, enter))
}

fn row(account: &OrgAccount, controls: Vec<ControlCells>) -> AccountRow {
    AccountRow {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        controls,
    }
}

/// Default report directory: `reports/<UTC timestamp>/`.
pub(crate) fn default_output_dir() -> std::path::PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(&time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "run".into());
    std::path::PathBuf::from("reports").join(stamp)
}
