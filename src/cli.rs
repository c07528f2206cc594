//! The command line: every subcommand and flag, with help that teaches the tool.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::ocsf::OcsfCells;
use crate::validate;

#[derive(Debug, Parser)]
#[command(
    name = "orgsweep",
    version,
    about = "Check, and on request complete, the CIS AWS Foundations monitoring controls (metric filter + alarm chains) in every account and region of an AWS Organization",
    long_about = "orgsweep runs from the management account of an AWS Organization. It lists every account, \
assumes a role in each one concurrently and, in every region, checks the CIS AWS Foundations \
'monitoring' controls (CIS v7.0.0 5.1-5.15 by default; --benchmark chooses CIS v1.2.0 to v7.0.0 or \
Security Hub CloudWatch.1-14; `orgsweep controls` lists them): \
for each, a logging multi-region CloudTrail trail with management events, delivering to a CloudWatch Logs \
group, a metric filter that catches every event the control's reference pattern catches, an alarm on its \
metric with an SNS action, and a confirmed subscriber.\n\n\
AWS credentials, region and endpoint come from the standard AWS chain (AWS_PROFILE, AWS_REGION, \
AWS_ENDPOINT_URL, ...). Exit codes: 0 every cell PASS or SKIPPED, 1 at least one FAIL, \
2 usage or configuration error, 3 at least one ERROR (the report is incomplete), 4 the sweep could not \
start (endpoint unreachable, credentials missing or rejected, not the management account: no report is \
written), 130/143 interrupted by SIGINT/SIGTERM.",
    after_help = "Start with `orgsweep accounts` to see what will be swept, then `orgsweep check`."
)]
pub struct Cli {
    /// Hide progress bars (they are hidden anyway when stderr is not a terminal).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the organization's accounts (id, name, email, status, parent OU).
    #[command(
        after_help = "Examples:\n  orgsweep accounts\n  orgsweep accounts --ous ou-ab12-cd34ef56 --csv > accounts.csv"
    )]
    Accounts(AccountsArgs),
    /// Sweep the organization and write matrix.csv, findings.csv and summary.json. Never changes anything.
    #[command(
        after_help = "Each cell is PASS, FAIL (the reason names the first broken link of the chain that got \
furthest), ERROR (could not decide: role not assumable, access denied, throttled, timeout) or SKIPPED \
(region not enabled, account excluded), or EXCEPTED (a FAIL an unexpired --exceptions entry accepts). \
Files in --output-dir: matrix.csv, findings.csv (why, with the chain's resources), summary.json, \
report.html (a self-contained page for people), findings.ocsf.jsonl with controls.ocsf.json (OCSF \
Compliance Findings for data lakes; --ocsf-cells), and with --compare changes.csv.\n\n\
Examples:\n  orgsweep check\n  orgsweep check --regions us-east-1,eu-west-1 --output-dir reports/weekly\n  \
orgsweep check --ous ou-ab12-cd34ef56 --exclude-accounts 111122223333 --role-name OrgSweepRole"
    )]
    Check(CheckArgs),
    /// Plan (dry run, the default) or, with --apply, create what the chain lacks.
    #[command(
        after_help = "remediate creates only what a chain lacks (metric filter, SNS topic, topic-policy \
statement, subscriptions from remediation.subscription_endpoints, alarm), on the log group the trail \
really delivers to, in the account that owns it. It never changes or deletes what it did not create; \
links it cannot fix safely (no trail, trail not logging, no CloudWatch Logs delivery, ...) are listed \
with the exact manual step.\n\n\
A rollout:\n  orgsweep remediate --plan-out plan.json            # review the plan\n  \
orgsweep remediate --apply --plan plan.json --yes  # apply exactly that plan, then re-check\n  \
orgsweep remediate --apply --ous ou-ab12-cd34ef56 --max-accounts 20   # one wave"
    )]
    Remediate(RemediateArgs),
    /// List the controls orgsweep checks: ids, CIS and Security Hub numbers, reference patterns, names.
    #[command(
        after_help = "Examples:\n  orgsweep controls\n  orgsweep controls --benchmark cis-5.0\n  orgsweep controls --json\n  orgsweep check --controls 5.3,CloudWatch.6,vpc-changes"
    )]
    Controls(ControlsArgs),
    /// Judge one metric-filter pattern offline: does it catch every event a control's reference catches?
    #[command(
        after_help = "Exit code 0 when the pattern catches every event the control's reference pattern \
catches and does not match its must-not-match class (successful sign-ins, for console authentication \
failures), 1 when it does not (or does not parse), 2 for an unknown --control.\n\nExamples:\n  \
orgsweep pattern '{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }'\n  \
orgsweep pattern --json '{ $.eventName = ConsoleLogin && $.userIdentity.type = IAMUser }'"
    )]
    Pattern(PatternArgs),
}

/// Which accounts and regions, and how to get into them.
#[derive(Debug, Clone, Args, Default)]
pub struct Selection {
    /// Configuration file (TOML). Defaults to config/orgsweep.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only these accounts (comma-separated 12-digit ids).
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_account_id)]
    pub accounts: Vec<String>,

    /// Leave these accounts out (comma-separated ids); they appear as SKIPPED/EXCLUDED.
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_account_id)]
    pub exclude_accounts: Vec<String>,

    /// Only accounts under these OUs or roots, at any depth (comma-separated ou-… or r-… ids).
    #[arg(long, value_name = "OU_IDS", value_delimiter = ',', value_parser = parse_ou_id)]
    pub ous: Vec<String>,

    /// Only these regions (comma-separated); default: every region enabled in each account.
    #[arg(long, value_name = "REGIONS", value_delimiter = ',', value_parser = parse_region)]
    pub regions: Vec<String>,

    /// Role to assume in member accounts [config: access.role_name; default OrganizationAccountAccessRole].
    #[arg(long, value_name = "NAME", value_parser = parse_role_name)]
    pub role_name: Option<String>,

    /// ExternalId for sts:AssumeRole when the member role requires one [config: access.external_id].
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// Accounts checked at the same time [config: sweep.concurrency; default 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub concurrency: Option<u16>,

    /// Controls to check: `all` (the default) or ids, the benchmark's numbers (5.3 under CIS
    /// v7.0.0) or Security Hub ids (CloudWatch.1), comma-separated; see `orgsweep controls`
    /// [config: sweep.controls].
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        env = "ORGSWEEP_CONTROLS"
    )]
    pub controls: Vec<String>,

    #[command(flatten)]
    pub benchmark: BenchmarkArg,

    /// Also read each alarm's action history over the last DAYS days (1-30) and fail chains
    /// whose latest notification failed (ALARM_ACTION_FAILING); a call per alarm
    /// [config: sweep.alarm_history_days; default off].
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=30))]
    pub alarm_history: Option<u32>,

    /// Accepted FAIL cells, each with an id, owner, reason and expiry date (TOML: see
    /// config/exceptions.example.toml): matching FAIL cells become EXCEPTED until the exception
    /// expires [config: sweep.exceptions_file].
    #[arg(long, value_name = "FILE")]
    pub exceptions: Option<PathBuf>,
}

/// The benchmark to judge against.
#[derive(Debug, Clone, Args, Default)]
pub struct BenchmarkArg {
    /// The benchmark the controls are judged against: its numbers, titles and reference patterns
    /// (cis-1.2, cis-1.4, cis-1.5, cis-2.0, cis-3.0, cis-4.0, cis-5.0, cis-6.0, cis-7.0,
    /// security-hub) [config: sweep.benchmark; default cis-7.0].
    #[arg(long, value_name = "ID", env = BENCHMARK_ENV)]
    pub benchmark: Option<String>,
}

/// The environment variable `--benchmark` reads.
pub(crate) const BENCHMARK_ENV: &str = "ORGSWEEP_BENCHMARK";

impl BenchmarkArg {
    /// Where the value came from, for messages: the flag when it is on the command line, else
    /// the environment variable.
    fn source(&self) -> String {
        let on_line = std::env::args_os().any(|a| {
            a.to_str()
                .is_some_and(|a| a == "--benchmark" || a.starts_with("--benchmark="))
        });
        if on_line {
            "--benchmark".into()
        } else {
            format!("{BENCHMARK_ENV} (environment)")
        }
    }

    /// The benchmark named by the flag or environment, if any; an unknown id is an error naming
    /// where it came from and listing the valid ids.
    pub fn chosen(&self) -> Result<Option<crate::controls::Benchmark>, String> {
        match &self.benchmark {
            None => Ok(None),
            Some(id) => crate::controls::Benchmark::parse(id)
                .map(Some)
                .map_err(|e| format!("{}: {e}", self.source())),
        }
    }

    /// The benchmark for commands without a configuration file (`controls`, `pattern`): the
    /// flag or environment, else the default.
    pub fn resolve(&self) -> Result<crate::controls::Benchmark, String> {
        Ok(self.chosen()?.unwrap_or_default())
    }
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Print CSV (id,name,email,status,parent_id,parent_name) instead of a table.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Where to write the reports [default: reports/<UTC timestamp>/].
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Also write changes.csv: what changed since an earlier run's output directory (`latest`:
    /// the newest complete run under reports/).
    #[arg(long, value_name = "DIR|latest")]
    pub compare: Option<PathBuf>,

    /// Which cells findings.ocsf.jsonl holds: all, non-pass (FAIL, ERROR and other statuses
    /// but PASS and SKIPPED) or changed (needs --compare: the cells whose status or reason
    /// changed, those that became PASS too).
    #[arg(
        long,
        value_name = "CELLS",
        value_enum,
        default_value_t,
        requires_if("changed", "compare")
    )]
    pub ocsf_cells: OcsfCells,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Carry out the plan. Without it, remediate only plans (a dry run).
    #[arg(long)]
    pub apply: bool,

    /// With --apply: carry out exactly this reviewed plan file instead of planning anew.
    #[arg(long, value_name = "FILE", requires = "apply")]
    pub plan: Option<PathBuf>,

    /// Also write the plan as JSON to this file (for review, then --apply --plan FILE).
    #[arg(long, value_name = "FILE", conflicts_with = "plan")]
    pub plan_out: Option<PathBuf>,

    /// Do not ask for confirmation before applying.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Roll out a wave: at most this many accounts (in account-id order).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_accounts: Option<u32>,

    /// Where to write the reports after --apply [default: reports/<UTC timestamp>/].
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// With --apply: compare the re-check with an earlier run's output directory (`latest`:
    /// the newest complete run under reports/) and write changes.csv.
    #[arg(long, value_name = "DIR|latest", requires = "apply")]
    pub compare: Option<PathBuf>,

    /// With --apply: which cells the re-check's findings.ocsf.jsonl holds (as for check;
    /// changed needs --compare).
    #[arg(
        long,
        value_name = "CELLS",
        value_enum,
        default_value_t,
        requires = "apply",
        requires_if("changed", "compare")
    )]
    pub ocsf_cells: OcsfCells,
}

#[derive(Debug, Args)]
pub struct ControlsArgs {
    /// Print the table as JSON (one object per control, with every benchmark's numbers, titles,
    /// status and reference) instead of text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub benchmark: BenchmarkArg,
}

#[derive(Debug, Args)]
pub struct PatternArgs {
    /// Print one JSON object (parse_ok, error, catches_all, matches_success, strict_cis, explanation).
    #[arg(long)]
    pub json: bool,

    /// The control to judge against: an id, the benchmark's number (5.6 under CIS v7.0.0) or a
    /// Security Hub id (CloudWatch.6); see `orgsweep controls`.
    #[arg(long, value_name = "ID", default_value = crate::controls::DEFAULT_CONTROL)]
    pub control: String,

    #[command(flatten)]
    pub benchmark: BenchmarkArg,

    /// The metric-filter pattern, e.g. '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'.
    #[arg(allow_hyphen_values = true)]
    pub pattern: String,
}

fn parse_account_id(s: &str) -> Result<String, String> {
    validate::account_id(s.trim()).map(|_| s.trim().to_string())
}

fn parse_ou_id(s: &str) -> Result<String, String> {
    validate::ou_id(s.trim()).map(|_| s.trim().to_string())
}

fn parse_region(s: &str) -> Result<String, String> {
    validate::region_name(s.trim()).map(|_| s.trim().to_string())
}

fn parse_role_name(s: &str) -> Result<String, String> {
    validate::role_name(s).map(|_| s.to_string())
}

impl Selection {
    /// The flags that override the configuration file.
    pub(crate) fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
            regions: (!self.regions.is_empty()).then(|| self.regions.clone()),
            concurrency: self.concurrency.map(usize::from),
            controls: (!self.controls.is_empty()).then(|| self.controls.clone()),
            alarm_history_days: self.alarm_history,
            exceptions_file: self.exceptions.clone(),
            benchmark: None,
        }
    }

    /// Loads the config file named by --config (or the default) and applies the flags.
    pub(crate) fn load_config(&self) -> Result<crate::config::Config, String> {
        let (path, explicit) = match &self.config {
            Some(p) => (p.clone(), true),
            None => (PathBuf::from(crate::config::DEFAULT_PATH), false),
        };
        let config = crate::config::Config::load(&path, explicit).map_err(|e| e.to_string())?;
        let mut overrides = self.overrides();
        overrides.benchmark = self.benchmark.chosen()?;
        config.with_overrides(&overrides)
    }

    /// What to sweep, as plain values: the configuration with the flags applied, the controls
    /// it selects, and the account filters. A usage error names the flag or key.
    pub fn request(&self) -> Result<crate::sweep::SweepRequest, String> {
        let config = self.load_config()?;
        let controls = crate::controls::select(&config.sweep.controls, config.benchmark())
            .map_err(|e| {
                let from = if self.controls.is_empty() {
                    "sweep.controls"
                } else {
                    "--controls"
                };
                format!("{from}: {e}")
            })?;
        let exceptions = match &config.sweep.exceptions_file {
            None => crate::exceptions::ExceptionSet::default(),
            Some(path) => {
                let from = if self.exceptions.is_some() {
                    "--exceptions"
                } else {
                    "sweep.exceptions_file"
                };
                crate::exceptions::load(path, crate::exceptions::controls_under(config.benchmark()))
                    .map_err(|e| format!("{from}: {e}"))?
            }
        };
        Ok(crate::sweep::SweepRequest {
            exceptions: std::sync::Arc::new(exceptions),
            config,
            controls,
            ous: self.ous.clone(),
            accounts: self.accounts.clone(),
            exclude_accounts: self.exclude_accounts.clone(),
        })
    }
}
