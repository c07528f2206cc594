//! `orgsweep remediate`: plan (a dry run, the default) or apply what the chain lacks.
//!
//! ```text
//! orgsweep remediate [selection] [--max-accounts N] [--plan-out FILE]      # plan only
//! orgsweep remediate [selection] [--max-accounts N] --apply [--yes]        # plan, confirm, apply
//! orgsweep remediate --apply --plan FILE [--yes] [--output-dir DIR]        # apply a reviewed plan
//! ```
//!
//! 1. Checks the selected accounts (the first N in account-id order with `--max-accounts`: a
//!    wave), or loads `--plan FILE` (refused when truncated, edited into something orgsweep
//!    would not plan, from another organization, or older than `remediation.plan_max_age_hours`).
//! 2. Plans: per log group a qualifying trail delivers to, the actions the chain lacks; the
//!    manual steps for links orgsweep does not change; the accounts it could not plan. Prints
//!    the plan as a table and, with `--plan-out`, writes it as JSON.
//! 3. With `--apply`: asks for confirmation on a terminal (no terminal: `--yes` is required),
//!    carries the actions out (see `remediate::apply`), re-checks the touched accounts, and
//!    writes matrix.csv, findings.csv, summary.json and actions.csv to `--output-dir`.
//!    actions.csv is written as the actions finish. SIGINT or SIGTERM during the apply starts
//!    no further action, lets those in flight finish (briefly), prints what was done, leaves
//!    actions.csv with the finished actions and exits 130 or 143 without a re-check; during
//!    the re-check, the reports hold the accounts re-checked so far (summary.json says
//!    `interrupted`), with the same exit codes. A re-run plans only what is left.
//!
//! `--controls` limits the plan to those controls (default: all of them). All controls of an
//! account and region share one SNS topic.
//!
//! Exit codes: as `check` — from the re-check after `--apply`, from the check for a dry run
//! (0 all PASS/SKIPPED, 1 a FAIL, 3 an ERROR); 2 for usage errors, a refused plan file, or a
//! declined confirmation; 3 when the reports could not be written after the apply; 130
//! (SIGINT) or 143 (SIGTERM) when interrupted during `--apply`.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::cli::RemediateArgs;
use crate::organization::OrgAccount;
use crate::remediate::actions::{self, ActionResult};
use crate::remediate::apply::ActionRecord;
use crate::remediate::plan::{Plan, Unplanned, PLAN_FORMAT, PLAN_VERSION};
use crate::remediate::skeleton::{self, AccountCells};
use crate::remediate::{apply, plan_file, render, target, PlanConfig};
use crate::report::AccountRow;
use crate::sweep::{self, progress, Session};
use crate::verdict::{Reason, Status};

use super::{CommandError, Ended};

/// Runs the subcommand.
pub async fn run(args: RemediateArgs, quiet: bool) -> Result<Ended, CommandError> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if args.apply && !args.yes && !interactive {
        return Err(CommandError::Usage(
            "--apply asks for confirmation, but there is no terminal to ask on; \
             review the plan (orgsweep remediate --plan-out FILE), then pass --yes to apply without asking"
                .into(),
        ));
    }
    let request = args.selection.request().map_err(CommandError::Usage)?;
    let dir = args
        .output_dir
        .clone()
        .unwrap_or_else(sweep::default_output_dir);
    // Read before anything is called or changed: a directory that cannot be compared with
    // stops here.
    let earlier = crate::commands::check::earlier_run(args.compare.as_deref(), &dir)?;
    let session = Session::start(&request).await?;
    let organization_id = Some(session.organization.id.clone()).filter(|id| !id.is_empty());

    let (plan, check_ended) = match &args.plan {
        Some(path) => (
            load_plan(&session, path, organization_id.as_deref()).map_err(CommandError::Usage)?,
            Ended::Clean,
        ),
        None => {
            make_plan(
                &session,
                &request,
                &args,
                organization_id.unwrap_or_default(),
                quiet,
            )
            .await?
        }
    };

    print!("{}", render::render(&plan));
    if let Some(out) = &args.plan_out {
        plan_file::save(&plan, out).map_err(|e| CommandError::Usage(format!("--plan-out: {e}")))?;
        println!(
            "\nPlan written to {}; apply it with: orgsweep remediate --apply --plan {}",
            out.display(),
            out.display()
        );
    }
    if !args.apply {
        println!("\nDry run: nothing was changed. Apply with --apply (or --apply --plan FILE for a reviewed plan).");
        return Ok(check_ended);
    }
    let count = plan.action_count();
    if count == 0 {
        println!("\nNothing to apply: 0 actions taken.");
        return Ok(check_ended);
    }
    let accounts = plan.touched_accounts();
    if !args.yes && !confirm(count, accounts.len()) {
        return Err(CommandError::Declined);
    }

    // actions.csv first: an output directory that cannot be written stops the run before
    // anything is changed, and each action's row lands as soon as it finishes.
    let log = Mutex::new(apply::ActionsLog::create(&dir).map_err(CommandError::Usage)?);
    let concurrency = session.config.remediation.action_concurrency;
    let (records, interrupted) =
        apply_until_stopped(&session, &plan, concurrency, &log, quiet).await;
    let log = log.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = log.error() {
        eprintln!("error: writing actions.csv failed: {e}");
    }
    println!("\n{}", render::render_results(&records));
    let (done, skipped, failed) = tally(&records);
    println!("{done} action(s) done, {skipped} skipped, {failed} failed.\n");

    if let Some(signal) = interrupted {
        let left = count.saturating_sub(records.len());
        println!(
            "Interrupted by {signal}: {} of {count} planned action(s) finished, {left} not done. \
             {} lists the finished ones. Nothing was re-checked. Run `orgsweep remediate --apply` \
             again to finish: it re-reads the current state and plans only what is left.",
            records.len(),
            dir.join(apply::ACTIONS_CSV).display()
        );
        eprintln!("orgsweep remediate --apply was interrupted by {signal}");
        return Ok(Ended::Interrupted(signal));
    }
    // The complete list, in plan order (the rows already on disk are in the order they
    // finished). The actions are done: a file that cannot be written is an incomplete report.
    apply::write_actions_csv(&dir, &records).map_err(CommandError::Output)?;

    let recheck: Vec<OrgAccount> = session
        .organization
        .accounts
        .iter()
        .filter(|a| a.is_active() && accounts.contains(&a.id))
        .cloned()
        .collect();
    if !quiet {
        eprintln!("Re-checking {} touched account(s)...", recheck.len());
    }
    let ended = crate::commands::check::sweep_to_files(
        &session,
        &recheck,
        &[],
        &dir,
        earlier,
        args.ocsf_cells,
        quiet,
    )
    .await
    .map_err(|e| match e {
        // The actions are done: a report that cannot be written is an incomplete report.
        CommandError::Usage(m) => CommandError::Output(m),
        other => other,
    })?;
    if let Ended::Interrupted(_) = ended {
        // The re-check was interrupted; its files say so (summary.json `interrupted`).
        println!(
            "Interrupted during the re-check: all {} action(s) finished (actions.csv in {}); \
             the reports hold only the accounts re-checked so far. Run `orgsweep check` for \
             the full picture.",
            records.len(),
            dir.display()
        );
        eprintln!("orgsweep remediate --apply was interrupted during the re-check");
        return Ok(ended);
    }
    println!("actions.csv written to {}", dir.display());
    Ok(ended)
}

/// How long the actions in flight get to finish after an interruption (a second signal stops
/// at once).
const GRACE: Duration = Duration::from_secs(10);

/// Runs the apply, each finished action's row going to `log`. On SIGINT/SIGTERM no further
/// action starts; the actions in flight get [`GRACE`] to finish (a second signal cuts them
/// short: the re-run re-reads whatever they did). Returns the finished actions' records and
/// the signal, if one came.
async fn apply_until_stopped(
    session: &Session,
    plan: &Plan,
    concurrency: usize,
    log: &Mutex<apply::ActionsLog>,
    quiet: bool,
) -> (Vec<ActionRecord>, Option<&'static str>) {
    let stop = AtomicBool::new(false);
    let on_record = |r: &ActionRecord| {
        log.lock().unwrap_or_else(|p| p.into_inner()).append(r);
    };
    let applying = apply::apply(session, plan, concurrency, &stop, &on_record);
    tokio::pin!(applying);
    let signal = tokio::select! {
        records = &mut applying => return (records, None),
        signal = crate::signals::first() => signal,
    };
    stop.store(true, Ordering::SeqCst);
    if !quiet {
        eprintln!(
            "\n{signal}: no further action will start; waiting up to {}s for the action(s) in \
             flight (send it again to stop at once)",
            GRACE.as_secs()
        );
    }
    let finished = tokio::select! {
        records = &mut applying => Some(records),
        _ = crate::signals::nth(2) => None,
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

fn tally(records: &[ActionRecord]) -> (usize, usize, usize) {
    records
        .iter()
        .fold((0, 0, 0), |(d, s, f), r| match r.result {
            ActionResult::Done(_) => (d + 1, s, f),
            ActionResult::Skipped(_) => (d, s + 1, f),
            ActionResult::Failed(_) => (d, s, f + 1),
        })
}

/// Loads `--plan FILE` and refuses it unless it is this organization's and recent enough.
fn load_plan(
    session: &Session,
    path: &Path,
    organization_id: Option<&str>,
) -> Result<Plan, String> {
    let plan = plan_file::load(path).map_err(|e| e.to_string())?;
    plan_file::check_applicable(
        &plan,
        path,
        session.management_account_id(),
        organization_id,
        session.config.remediation.plan_max_age_hours,
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e| e.to_string())?;
    Ok(plan)
}

/// Checks the selected accounts (a wave with --max-accounts) and plans; returns the plan and
/// how the check ended.
async fn make_plan(
    session: &Session,
    request: &sweep::SweepRequest,
    args: &RemediateArgs,
    organization_id: String,
    quiet: bool,
) -> Result<(Plan, Ended), CommandError> {
    let selected = session.select(request)?;
    let mut accounts = selected.check;
    if let Some(n) = args.max_accounts {
        let n = n as usize;
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
    session
        .check_all(&accounts, |_, _, row| {
            bar.inc(1);
            rows.push(row);
        })
        .await;
    bar.finish_and_clear();
    rows.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let statuses: BTreeSet<Status> = rows
        .iter()
        .flat_map(|r| r.verdicts().map(|v| v.status))
        .collect();
    let ended = Ended::from_statuses(
        statuses.contains(&Status::Error),
        statuses.contains(&Status::Fail),
    );
    let cfg = PlanConfig::from_config(&session.config, &session.controls);
    let plan = build_plan(session, &rows, &cfg, organization_id).await;
    Ok((plan, ended))
}

/// Skeleton from the verdicts, then each target's current state and actions (concurrently).
pub async fn build_plan(
    session: &Session,
    rows: &[AccountRow],
    cfg: &PlanConfig,
    organization_id: String,
) -> Plan {
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
        organization_id,
        management_account_id: session.management_account_id().to_string(),
        created_at: plan_file::now_rfc3339(),
        config: cfg.clone(),
        targets,
        manual_steps: skeleton.manual_steps,
        unplanned,
    }
}

/// Asks on the terminal; true only for an explicit yes.
fn confirm(actions: usize, accounts: usize) -> bool {
    eprint!(
        "\nApply {actions} action(s), touching {accounts} account(s)? Type 'yes' to continue: "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
