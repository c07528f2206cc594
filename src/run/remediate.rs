//! `remediate` as a run, in the steps the command puts its prompts between: plan (from a check
//! of the selected accounts, or a reviewed plan file), apply (stoppable), re-check.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::files::FileError;
use crate::organization::OrgAccount;
use crate::outcome::{AccountRow, Ended, Signal};
use crate::remediate::actions::{self, ActionResult};
use crate::remediate::apply::ActionRecord;
use crate::remediate::plan::{Plan, Unplanned, PLAN_FORMAT, PLAN_VERSION};
use crate::remediate::skeleton::{self, AccountCells};
use crate::remediate::{apply, plan_file, target, PlanConfig};
use crate::report::changes::Earlier;
use crate::report::ocsf::OcsfCells;
use crate::sweep::{progress, Session, SweepRequest};
use crate::verdict::Reason;

use super::check::{self, Checked};
use super::{Excepting, RunError, Stop};
use crate::remediate::plan::ExceptedCells;

/// A plan and how the check it came from ended (clean for a plan read from a file).
pub struct Planned {
    pub plan: Plan,
    pub ended: Ended,
}

/// Loads `--plan FILE` and refuses it unless it is this organization's and recent enough.
pub(crate) fn load_plan(session: &Session, path: &Path) -> Result<Planned, RunError> {
    let organization_id = Some(session.organization.id.as_str()).filter(|id| !id.is_empty());
    let plan = plan_file::load(path).map_err(|e| RunError::Usage(e.to_string()))?;
    plan_file::check_applicable(
        &plan,
        path,
        session.management_account_id(),
        organization_id,
        session.config.remediation.plan_max_age_hours,
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e| RunError::Usage(e.to_string()))?;
    Ok(Planned {
        plan,
        ended: Ended::Clean,
    })
}

/// Checks the selected accounts (the first `max_accounts` in account-id order: a wave) and
/// plans what their chains lack.
pub async fn plan(
    session: &Session,
    request: &SweepRequest,
    max_accounts: Option<usize>,
    quiet: bool,
) -> Result<Planned, RunError> {
    let selected = session.select(request)?;
    let mut accounts = selected.check;
    if let Some(n) = max_accounts {
        if accounts.len() > n && !quiet {
            eprintln!(
                "Wave: {n} of {} selected account(s), {} to {}",
                accounts.len(),
                accounts[0].id,
                accounts[n - 1].id
            );
        }
        accounts.truncate(n);
    }
    let bar = progress::accounts_bar(accounts.len() as u64, quiet);
    let mut rows: Vec<AccountRow> = Vec::new();
    let mut excepting = Excepting::new(session.exceptions.clone());
    session
        .check_all(&accounts, |account, _, mut row| {
            excepting.row(account, &mut row);
            bar.inc(1);
            rows.push(row);
        })
        .await;
    bar.finish_and_clear();
    rows.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let cfg = PlanConfig::from_config(&session.config, &session.controls);
    let mut plan = build_plan(session, &rows, &cfg).await;
    plan.excepted = excepting
        .entries()
        .into_iter()
        .filter(|e| e.cells > 0)
        .map(|e| ExceptedCells {
            exception: e.id,
            cells: e.cells,
        })
        .collect();
    Ok(Planned {
        plan,
        ended: Ended::of_rows(&rows),
    })
}

/// Skeleton from the verdicts, then each target's current state and actions (concurrently).
pub(crate) async fn build_plan(session: &Session, rows: &[AccountRow], cfg: &PlanConfig) -> Plan {
    let partition = session.caller.partition.clone();
    let cells: Vec<AccountCells<'_>> = rows
        .iter()
        .map(|r| AccountCells {
            account_id: &r.account_id,
            partition: &partition,
            controls: &r.controls,
        })
        .collect();
    // A trail owned by another account than the cell's is an organization trail.
    let org_trails: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            r.verdicts().filter_map(move |v| {
                let t = v.chain.trail_arn.as_deref()?;
                let owner = crate::facts::parse_arn(t)?.account;
                (owner != r.account_id).then(|| t.to_string())
            })
        })
        .collect();
    let skeleton = skeleton::skeleton(&cells, &org_trails);

    let concurrency = session.config.remediation.action_concurrency.max(1);
    let planned: Vec<Result<crate::remediate::TargetPlan, Unplanned>> =
        stream::iter(skeleton.targets.iter())
            .map(|t| async move {
                let state = async {
                    let clients = session.clients_for(&t.account_id).await?;
                    let state = actions::probe(&clients, t, cfg).await;
                    session.counter.absorb(&clients.counter().snapshot());
                    state
                };
                match state.await {
                    Ok(state) => Ok(target::plan_target(t, &state, cfg)),
                    Err(f) => Err(Unplanned {
                        account_id: t.account_id.clone(),
                        regions: vec![t.region.clone()],
                        reason: Reason::for_failure(f.kind),
                        detail: format!(
                            "cannot read the current state of {}: {f}",
                            t.log_group_arn
                        ),
                    }),
                }
            })
            .buffered(concurrency)
            .collect()
            .await;
    let mut targets = Vec::new();
    let mut unplanned = skeleton.unplanned;
    for p in planned {
        match p {
            Ok(t) => targets.push(t),
            Err(u) => unplanned.push(u),
        }
    }
    Plan {
        format: PLAN_FORMAT.into(),
        version: PLAN_VERSION,
        organization_id: session.organization.id.clone(),
        management_account_id: session.management_account_id().to_string(),
        created_at: crate::outcome::now_rfc3339(),
        config: cfg.clone(),
        targets,
        manual_steps: skeleton.manual_steps,
        unplanned,
        excepted: Vec::new(),
    }
}

/// What an apply did: the finished actions in plan order (or in the order they finished, when
/// stopped), the stop request that ended it early, and a failure to log them, if any.
pub struct Applied {
    pub records: Vec<ActionRecord>,
    pub interrupted: Option<Signal>,
    pub log_error: Option<FileError>,
}

impl Applied {
    /// Actions done, skipped (already there), failed.
    pub fn tally(&self) -> (usize, usize, usize) {
        self.records
            .iter()
            .fold((0, 0, 0), |(d, s, f), r| match r.result {
                ActionResult::Done(_) => (d + 1, s, f),
                ActionResult::Skipped(_) => (d, s + 1, f),
                ActionResult::Failed(_) => (d, s, f + 1),
            })
    }
}

/// How long the actions in flight get to finish after a stop request (a second one stops at
/// once).
const GRACE: Duration = Duration::from_secs(10);

/// Carries the plan out, each finished action's row landing in `dir`'s actions.csv at once.
/// An output directory that cannot be written stops the run before anything is changed. On a
/// stop request no further action starts; the actions in flight get `GRACE` to finish.
pub async fn apply(
    session: &Session,
    plan: &Plan,
    dir: &Path,
    quiet: bool,
    stop: Stop,
) -> Result<Applied, RunError> {
    let log = Mutex::new(apply::ActionsLog::create(dir).map_err(RunError::OutputDir)?);
    let concurrency = session.config.remediation.action_concurrency;
    let (records, interrupted) =
        apply_until_stopped(session, plan, concurrency, &log, quiet, stop).await;
    let mut log = log.into_inner().unwrap_or_else(|p| p.into_inner());
    let log_error = log.take_error();
    if interrupted.is_none() {
        // The complete list, in plan order (the rows already on disk are in the order they
        // finished). The actions are done: a file that cannot be written is an incomplete
        // report.
        apply::write_actions_csv(dir, &records).map_err(RunError::Write)?;
    }
    Ok(Applied {
        records,
        interrupted,
        log_error,
    })
}

async fn apply_until_stopped(
    session: &Session,
    plan: &Plan,
    concurrency: usize,
    log: &Mutex<apply::ActionsLog>,
    quiet: bool,
    stop: Stop,
) -> (Vec<ActionRecord>, Option<Signal>) {
    let stopping = AtomicBool::new(false);
    let on_record = |r: &ActionRecord| {
        log.lock().unwrap_or_else(|p| p.into_inner()).append(r);
    };
    let applying = apply::apply(session, plan, concurrency, &stopping, &on_record);
    tokio::pin!(applying);
    let signal = tokio::select! {
        records = &mut applying => return (records, None),
        signal = stop.first() => signal,
    };
    stopping.store(true, Ordering::SeqCst);
    if !quiet {
        eprintln!(
            "\n{signal}: no further action will start; waiting up to {}s for the action(s) in \
             flight (send it again to stop at once)",
            GRACE.as_secs()
        );
    }
    let finished = tokio::select! {
        records = &mut applying => Some(records),
        _ = stop.nth(2) => None,
        _ = tokio::time::sleep(GRACE) => None,
    };
    let records = finished.unwrap_or_else(|| {
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .records()
            .to_vec()
    });
    (records, Some(signal))
}

/// Re-checks the accounts the plan touched, writing the reports into `dir` (a `check` run).
pub(crate) async fn recheck(
    session: &Session,
    plan: &Plan,
    dir: &Path,
    earlier: Option<Earlier>,
    ocsf_cells: OcsfCells,
    quiet: bool,
    stop: Stop,
) -> Result<Checked, RunError> {
    let touched = plan.touched_accounts();
    let accounts: Vec<OrgAccount> = session
        .organization
        .accounts
        .iter()
        .filter(|a| a.is_active() && touched.contains(&a.id))
        .cloned()
        .collect();
    if !quiet {
        eprintln!("Re-checking {} touched account(s)...", accounts.len());
    }
    let outputs = check::Outputs {
        dir,
        earlier,
        ocsf_cells,
    };
    check::sweep_to_files(session, &accounts, &[], outputs, quiet, stop)
        .await
        .map_err(|e| match e {
            // The actions are done: a directory that cannot be written now leaves an
            // incomplete report, not a usage error.
            RunError::OutputDir(m) => RunError::Write(m),
            other => other,
        })
}
