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
//! Exit codes: as `check` — from the re-check after `--apply`, from the check for a dry run
//! (0 all PASS/SKIPPED, 1 a FAIL, 3 an ERROR); 2 for usage errors, a refused plan file, or a
//! declined confirmation; 130 (SIGINT) or 143 (SIGTERM) when interrupted during `--apply`.

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
use crate::remediate::plan::{
    self, AccountCells, Plan, PlanConfig, Unplanned, PLAN_FORMAT, PLAN_VERSION,
};
use crate::remediate::{apply, plan_file, render};
use crate::report::AccountRow;
use crate::sweep::{self, progress, Session};
use crate::verdict::{Reason, Status};

/// Runs the subcommand and returns the exit code.
pub async fn run(args: RemediateArgs, quiet: bool) -> i32 {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if args.apply && !args.yes && !interactive {
        eprintln!(
            "error: --apply asks for confirmation, but there is no terminal to ask on; \
             review the plan (orgsweep remediate --plan-out FILE), then pass --yes to apply without asking"
        );
        return 2;
    }
    let session = match Session::start(&args.selection).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return e.code;
        }
    };
    let organization_id = Some(session.organization.id.clone()).filter(|id| !id.is_empty());

    let (plan, check_code) = match &args.plan {
        Some(path) => match load_plan(&session, path, organization_id.as_deref()) {
            Ok(p) => (p, 0),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        },
        None => {
            match make_plan(&session, &args, organization_id.unwrap_or_default(), quiet).await {
                Ok(p) => p,
                Err((code, message)) => {
                    eprintln!("error: {message}");
                    return code;
                }
            }
        }
    };

    print!("{}", render::render(&plan));
    if let Some(out) = &args.plan_out {
        if let Err(e) = plan_file::save(&plan, out) {
            eprintln!("error: --plan-out: {e}");
            return 2;
        }
        println!(
            "\nPlan written to {}; apply it with: orgsweep remediate --apply --plan {}",
            out.display(),
            out.display()
        );
    }
    if !args.apply {
        println!("\nDry run: nothing was changed. Apply with --apply (or --apply --plan FILE for a reviewed plan).");
        return check_code;
    }
    let count = plan.action_count();
    if count == 0 {
        println!("\nNothing to apply: 0 actions taken.");
        return check_code;
    }
    let accounts = plan.touched_accounts();
    if !args.yes && !confirm(count, accounts.len()) {
        eprintln!("Not applied: nothing was changed.");
        return 2;
    }

    let dir = args
        .output_dir
        .clone()
        .unwrap_or_else(sweep::default_output_dir);
    // actions.csv first: an output directory that cannot be written stops the run before
    // anything is changed, and each action's row lands as soon as it finishes.
    let log = match apply::ActionsLog::create(&dir) {
        Ok(log) => Mutex::new(log),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
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
        return crate::signals::exit_code(signal);
    }
    // The complete list, in plan order (the rows already on disk are in the order they
    // finished).
    if let Err(e) = apply::write_actions_csv(&dir, &records) {
        eprintln!("error: {e}");
        return 2;
    }

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
    let code =
        match crate::commands::check::sweep_to_files(&session, &recheck, &[], &dir, quiet).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
    if code == crate::signals::exit_code("SIGINT") || code == crate::signals::exit_code("SIGTERM") {
        // The re-check was interrupted; its files say so (summary.json `interrupted`).
        println!(
            "Interrupted during the re-check: all {} action(s) finished (actions.csv in {}); \
             the reports hold only the accounts re-checked so far. Run `orgsweep check` for \
             the full picture.",
            records.len(),
            dir.display()
        );
        eprintln!("orgsweep remediate --apply was interrupted during the re-check");
        return code;
    }
    println!("actions.csv written to {}", dir.display());
    code
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
/// the check's exit code.
async fn make_plan(
    session: &Session,
    args: &RemediateArgs,
    organization_id: String,
    quiet: bool,
) -> Result<(Plan, i32), (i32, String)> {
    let selected = session
        .select(&args.selection)
        .map_err(|e| (e.code, e.message))?;
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
    let check_code = exit_code(&rows);

    let cfg = PlanConfig::from_config(&session.config.remediation);
    let plan = build_plan(session, &rows, &cfg, organization_id).await;
    Ok((plan, check_code))
}

fn exit_code(rows: &[AccountRow]) -> i32 {
    let statuses: BTreeSet<Status> = rows
        .iter()
        .flat_map(|r| r.verdicts.values().map(|v| v.status))
        .collect();
    if statuses.contains(&Status::Error) {
        3
    } else if statuses.contains(&Status::Fail) {
        1
    } else {
        0
    }
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
            verdicts: &r.verdicts,
        })
        .collect();
    // A trail owned by another account than the cell's is an organization trail.
    let org_trails: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            r.verdicts.values().filter_map(move |v| {
                let t = v.chain.trail_arn.as_deref()?;
                let owner = crate::facts::parse_arn(t)?.account;
                (owner != r.account_id).then(|| t.to_string())
            })
        })
        .collect();
    let skeleton = plan::skeleton(&cells, &org_trails);

    let concurrency = session.config.remediation.action_concurrency.max(1);
    let planned: Vec<Result<plan::TargetPlan, Unplanned>> = stream::iter(skeleton.targets.iter())
        .map(|t| async move {
            let state = async {
                let clients = session.clients_for(&t.account_id).await?;
                let state = actions::probe(&clients, t, cfg).await;
                session.counter.absorb(&clients.counter().snapshot());
                state
            };
            match state.await {
                Ok(state) => Ok(plan::plan_target(t, &state, cfg)),
                Err(f) => Err(Unplanned {
                    account_id: t.account_id.clone(),
                    regions: vec![t.region.clone()],
                    reason: Reason::for_failure(f.kind),
                    detail: format!("cannot read the current state of {}: {f}", t.log_group_arn),
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
