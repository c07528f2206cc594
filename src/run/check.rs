//! `check` as a run: sweep the selected accounts and write every report file. Shared by
//! `orgsweep check` and the re-check after `orgsweep remediate --apply`.

use std::path::Path;
use std::time::Instant;

use crate::files::FileError;
use crate::organization::OrgAccount;
use crate::outcome::Ended;
use crate::report::changes::{self, Earlier};
use crate::report::derived::{write_derived, DerivedInput};
use crate::report::ocsf::OcsfCells;
use crate::report::screen::WorstAccounts;
use crate::report::summary::{AccountCounts, NotChecked};
use crate::report::{ReportWriter, Summary};
use crate::sweep::{progress, Session, SweepRequest};
use crate::verdict::Status;

use super::{Excepting, RunError, Stop};
use crate::judge::RootCauseTally;

/// Where a check's reports go and what they are derived with.
pub(crate) struct Outputs<'a> {
    pub dir: &'a Path,
    /// The run `--compare` named, already read.
    pub earlier: Option<Earlier>,
    pub ocsf_cells: OcsfCells,
}

/// A finished (or interrupted) check: how it ended and what the closing screen shows.
pub struct Checked {
    pub ended: Ended,
    pub summary: Summary,
    pub worst: WorstAccounts,
}

/// Checks what `request` selects and writes the reports into `dir`, comparing with `compare`
/// (a report directory, or `latest`) when given. The directory to compare with is read before
/// any AWS call.
pub async fn run(
    request: &SweepRequest,
    dir: &Path,
    compare: Option<&Path>,
    ocsf_cells: OcsfCells,
    quiet: bool,
    stop: Stop,
) -> Result<Checked, RunError> {
    let earlier = earlier_run(compare, dir)?;
    let session = Session::start(request).await?;
    let selected = session.select(request)?;
    let outputs = Outputs {
        dir,
        earlier,
        ocsf_cells,
    };
    sweep_to_files(
        &session,
        &selected.check,
        &selected.excluded,
        outputs,
        quiet,
        stop,
    )
    .await
}

/// Reads the run `--compare` names: `latest` is the newest complete run under `reports/` other
/// than `dir`.
pub(crate) fn earlier_run(compare: Option<&Path>, dir: &Path) -> Result<Option<Earlier>, RunError> {
    let Some(arg) = compare else {
        return Ok(None);
    };
    let path = if arg == Path::new("latest") {
        changes::latest(Path::new("reports"), dir)?
    } else {
        arg.to_path_buf()
    };
    Ok(Some(changes::read_earlier(&path)?))
}

/// The organization's accounts by what the run does with them (the checked ones and the
/// headline are counted as accounts finish).
fn account_counts(
    session: &Session,
    check: &[OrgAccount],
    excluded: &[OrgAccount],
) -> AccountCounts {
    let org = &session.organization;
    let suspended = org.accounts.iter().filter(|a| !a.is_active()).count();
    let in_scope_active = org.accounts.len() - suspended;
    AccountCounts {
        in_organization: org.accounts.len() + org.outside_ous,
        selected: check.len() + excluded.len(),
        not_checked: NotChecked {
            suspended,
            excluded: excluded.len(),
            outside_ous: org.outside_ous,
            not_named: in_scope_active.saturating_sub(check.len() + excluded.len()),
            interrupted: 0,
        },
        ..AccountCounts::default()
    }
}

/// Sweeps `check`, writes `excluded` as SKIPPED rows, and writes the reports into `dir`. An
/// output directory that cannot be made stops the run before anything is swept; a write that
/// fails later leaves an incomplete report.
pub(crate) async fn sweep_to_files(
    session: &Session,
    check: &[OrgAccount],
    excluded: &[OrgAccount],
    outputs: Outputs<'_>,
    quiet: bool,
    stop: Stop,
) -> Result<Checked, RunError> {
    let Outputs {
        dir,
        earlier,
        ocsf_cells,
    } = outputs;
    let started = Instant::now();
    let benchmark = session.config.benchmark();
    let earlier = earlier.map(|mut e| {
        e.note_benchmark(benchmark.id());
        e
    });
    let mut summary = Summary {
        started_at: crate::outcome::now_rfc3339(),
        benchmark: benchmark.id().to_string(),
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
        accounts: account_counts(session, check, excluded),
        ..Summary::default()
    };
    let mut excepting = Excepting::new(session.exceptions.clone());
    summary.warnings = excepting.warnings(&session.organization);
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    let mut root_causes = RootCauseTally::owned_by(session.management_account_id());
    let mut writer =
        ReportWriter::create(dir, &session.columns, &summary).map_err(RunError::OutputDir)?;
    let mut worst = WorstAccounts::default();
    let mut write_error: Option<FileError> = None;
    for account in excluded {
        let row = session.excluded_row(account);
        writer.write_account(&row).map_err(RunError::Write)?;
        summary.count_excluded(&row);
    }
    let bar = progress::accounts_bar(check.len() as u64, quiet);
    let mut errors = 0usize;
    let mut org_chains = Vec::new();
    let interrupted = {
        let sweep = async {
            let prepared = session.prepare().await;
            org_chains = prepared.org.clone();
            session
                .check_prepared(&prepared, check, |account, _, mut row| {
                    excepting.row(account, &mut row);
                    root_causes.add(&row.controls);
                    if let Err(e) = writer.write_account(&row) {
                        write_error.get_or_insert(e);
                    }
                    summary.count(&row);
                    worst.add(&row);
                    if row.has(Status::Error) {
                        errors += 1;
                    }
                    bar.inc(1);
                    bar.set_message(format!("{errors} accounts with errors"));
                })
                .await
        };
        tokio::select! {
            _ = sweep => None,
            signal = stop.first() => Some(signal),
        }
    };
    bar.finish_and_clear();
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.close_accounts();
    summary.exceptions = excepting.entries();
    summary.root_causes = root_causes.finish(&org_chains);
    summary.finished_at = Some(crate::outcome::now_rfc3339());
    summary.set_calls(session.counter.snapshot());
    if let Some(e) = write_error {
        return Err(RunError::Write(e));
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
    // The files hold the accounts finished so far (an interrupted run's derived files say they
    // are partial); the summary is written last, once everything it describes is on disk.
    match interrupted {
        Some(signal) => {
            summary.interrupted = Some(signal.to_string());
            writer.flush().map_err(RunError::Write)?;
        }
        None => {
            summary.complete = true;
            writer.finish().map_err(RunError::Write)?;
        }
    }
    write_derived(derived, &mut summary).map_err(RunError::Write)?;
    writer.write_summary(&summary).map_err(RunError::Write)?;
    Ok(Checked {
        ended: interrupted.map_or_else(|| summary.ended(), Ended::Interrupted),
        summary,
        worst,
    })
}
