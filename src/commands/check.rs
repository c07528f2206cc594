//! `orgsweep check`: sweep the selected accounts, regions and controls and write matrix.csv,
//! findings.csv and summary.json. Reads only; never changes anything in AWS.
//!
//! Usage: orgsweep check [--config FILE] [--controls LIST] [--accounts IDS]
//!                       [--exclude-accounts IDS] [--ous IDS] [--regions REGIONS]
//!                       [--role-name NAME] [--external-id ID] [--concurrency N]
//!                       [--output-dir DIR] [--compare DIR|latest] [--quiet]
//!
//! Beside matrix.csv, findings.csv and summary.json it writes report.html (for people) and
//! findings.ocsf.jsonl (OCSF Compliance Findings for other systems), and with `--compare`
//! changes.csv: what changed since the earlier run.

use std::time::Instant;

use crate::cli::CheckArgs;
use crate::organization::OrgAccount;
use crate::report::changes::{self, Earlier};
use crate::report::derived::{write_derived, DerivedInput};
use crate::report::ocsf::OcsfCells;
use crate::report::screen::{self, WorstAccounts};
use crate::report::{ReportWriter, Summary};
use crate::sweep::{self, progress, Session};
use crate::verdict::Status;

use super::{CommandError, Ended};

/// Runs a check.
pub async fn run(args: CheckArgs, quiet: bool) -> Result<Ended, CommandError> {
    let request = args.selection.request().map_err(CommandError::Usage)?;
    let dir = args
        .output_dir
        .clone()
        .unwrap_or_else(sweep::default_output_dir);
    // A directory that cannot be compared with stops the run before any AWS call.
    let earlier = earlier_run(args.compare.as_deref(), &dir)?;
    let session = Session::start(&request).await?;
    let selected = session.select(&request)?;
    sweep_to_files(
        &session,
        &selected.check,
        &selected.excluded,
        &dir,
        earlier,
        args.ocsf_cells,
        quiet,
    )
    .await
}

/// Reads the run `--compare` names, before anything is swept: a directory that cannot be
/// compared with is a usage error naming it. `latest` is the newest complete run under
/// `reports/` other than `dir`.
pub fn earlier_run(
    compare: Option<&std::path::Path>,
    dir: &std::path::Path,
) -> Result<Option<Earlier>, CommandError> {
    let Some(arg) = compare else {
        return Ok(None);
    };
    let path = if arg == std::path::Path::new("latest") {
        changes::latest(std::path::Path::new("reports"), dir)
            .map_err(|e| CommandError::Usage(e.to_string()))?
    } else {
        arg.to_path_buf()
    };
    changes::read_earlier(&path)
        .map(Some)
        .map_err(|e| CommandError::Usage(e.to_string()))
}

/// Sweeps `check`, writes `excluded` as SKIPPED rows, and writes the reports into `dir`.
/// Shared by `check` and the re-check after `remediate --apply`. An output directory that
/// cannot be made is a usage error (nothing was done yet); a write that fails later is an
/// incomplete report.
pub async fn sweep_to_files(
    session: &Session,
    check: &[OrgAccount],
    excluded: &[OrgAccount],
    dir: &std::path::Path,
    earlier: Option<Earlier>,
    ocsf_cells: OcsfCells,
    quiet: bool,
) -> Result<Ended, CommandError> {
    let started = Instant::now();
    let mut summary = Summary {
        started_at: sweep::now_rfc3339(),
        management_account_id: session.management_account_id().to_string(),
        regions: session.columns.clone(),
        controls_checked: session.controls.iter().map(|c| c.id.clone()).collect(),
        accounts_selected: check.len() + excluded.len(),
        inactive_accounts: session
            .organization
            .accounts
            .iter()
            .filter(|a| !a.is_active())
            .map(|a| a.id.clone())
            .collect(),
        ..Summary::default()
    };
    let mut writer =
        ReportWriter::create(dir, &session.columns, &summary).map_err(CommandError::Usage)?;
    let mut worst = WorstAccounts::default();
    let mut write_error: Option<String> = None;
    for account in excluded {
        let row = session.excluded_row(account);
        writer.write_account(&row).map_err(CommandError::Output)?;
        summary.count(&row);
    }
    let bar = progress::accounts_bar(check.len() as u64, quiet);
    let mut errors = 0usize;
    let interrupted = {
        let sweep = session.check_all(check, |_, _, row| {
            if let Err(e) = writer.write_account(&row) {
                write_error.get_or_insert(e);
            }
            summary.count(&row);
            worst.add(&row);
            if row.verdicts().any(|v| v.status == Status::Error) {
                errors += 1;
            }
            bar.inc(1);
            bar.set_message(format!("{errors} accounts with errors"));
        });
        tokio::select! {
            _ = sweep => None,
            signal = crate::signals::first() => Some(signal),
        }
    };
    bar.finish_and_clear();
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.finished_at = Some(sweep::now_rfc3339());
    summary.set_calls(session.counter.snapshot());
    if let Some(e) = write_error {
        return Err(CommandError::Output(format!(
            "writing the reports failed: {e}"
        )));
    }
    let derived = DerivedInput {
        dir,
        organization: &session.organization,
        controls: &session.controls,
        columns: &session.columns,
        partition: &session.caller.partition,
        selected: check.iter().chain(excluded).map(|a| a.id.clone()).collect(),
        earlier,
        ocsf_cells,
    };
    if let Some(signal) = interrupted {
        summary.interrupted = Some(signal.to_string());
        // The files hold the accounts finished so far; the derived ones say they are partial.
        writer.flush().map_err(CommandError::Output)?;
        write_derived(derived, &mut summary).map_err(CommandError::Output)?;
        writer
            .write_summary(&summary)
            .map_err(CommandError::Output)?;
        eprint!("{}", screen::render(&summary, &worst, dir));
        return Ok(Ended::Interrupted(signal));
    }
    summary.complete = true;
    writer.finish(&summary).map_err(CommandError::Output)?;
    write_derived(derived, &mut summary).map_err(CommandError::Output)?;
    crate::report::write_json_atomically(&dir.join(crate::report::SUMMARY), &summary)
        .map_err(CommandError::Output)?;
    print!("{}", screen::render(&summary, &worst, dir));
    Ok(summary.ended())
}
