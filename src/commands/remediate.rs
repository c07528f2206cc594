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

use super::stdout::{say, sayln};
use std::io::{BufRead, IsTerminal, Write};

use crate::cli::RemediateArgs;
use crate::outcome::Ended;
use crate::remediate::{apply, plan_file, render};
use crate::run::{self, remediate::Planned, RunError};
use crate::sweep::{self, Session};

use super::CommandError;

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
    let earlier = run::check::earlier_run(args.compare.as_deref(), &dir)?;
    let session = Session::start(&request).await.map_err(RunError::from)?;

    let Planned { plan, ended } = match &args.plan {
        Some(path) => run::remediate::load_plan(&session, path)?,
        None => {
            let wave = args.max_accounts.map(|n| n as usize);
            run::remediate::plan(&session, &request, wave, quiet).await?
        }
    };

    say!("{}", render::render(&plan));
    if let Some(out) = &args.plan_out {
        plan_file::save(&plan, out).map_err(|e| CommandError::Usage(format!("--plan-out: {e}")))?;
        sayln!(
            "\nPlan written to {}; apply it with: orgsweep remediate --apply --plan {}",
            out.display(),
            out.display()
        );
    }
    if !args.apply {
        sayln!("\nDry run: nothing was changed. Apply with --apply (or --apply --plan FILE for a reviewed plan).");
        return Ok(ended);
    }
    let count = plan.action_count();
    if count == 0 {
        sayln!("\nNothing to apply: 0 actions taken.");
        return Ok(ended);
    }
    if !args.yes && !confirm(count, plan.touched_accounts().len()) {
        return Err(CommandError::Declined);
    }

    let stop = crate::signals::stop();
    let applied = run::remediate::apply(&session, &plan, &dir, quiet, stop.clone()).await?;
    if let Some(e) = &applied.log_error {
        eprintln!("error: writing actions.csv failed: {e}");
    }
    sayln!("\n{}", render::render_results(&applied.records));
    let (done, skipped, failed) = applied.tally();
    sayln!("{done} action(s) done, {skipped} skipped, {failed} failed.\n");

    if let Some(signal) = applied.interrupted {
        let finished = applied.records.len();
        let left = count.saturating_sub(finished);
        sayln!(
            "Interrupted by {signal}: {finished} of {count} planned action(s) finished, {left} not done. \
             {} lists the finished ones. Nothing was re-checked. Run `orgsweep remediate --apply` \
             again to finish: it re-reads the current state and plans only what is left.",
            dir.join(apply::ACTIONS_CSV).display()
        );
        eprintln!("orgsweep remediate --apply was interrupted by {signal}");
        return Ok(Ended::Interrupted(signal));
    }

    let checked =
        run::remediate::recheck(&session, &plan, &dir, earlier, args.ocsf_cells, quiet, stop)
            .await?;
    super::check::print_closing(&checked, &dir);
    if let Ended::Interrupted(_) = checked.ended {
        // The re-check was interrupted; its files say so (summary.json `interrupted`).
        sayln!(
            "Interrupted during the re-check: all {} action(s) finished (actions.csv in {}); \
             the reports hold only the accounts re-checked so far. Run `orgsweep check` for \
             the full picture.",
            applied.records.len(),
            dir.display()
        );
        eprintln!("orgsweep remediate --apply was interrupted during the re-check");
        return Ok(checked.ended);
    }
    sayln!("actions.csv written to {}", dir.display());
    Ok(checked.ended)
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
