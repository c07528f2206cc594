//! `orgsweep check`: sweep the selected accounts, regions and controls and write the reports.
//! Reads only; never changes anything in AWS.
//!
//! Usage: orgsweep check [--config FILE] [--controls LIST] [--accounts IDS]
//!                       [--exclude-accounts IDS] [--ous IDS] [--regions REGIONS]
//!                       [--role-name NAME] [--external-id ID] [--concurrency N]
//!                       [--output-dir DIR] [--compare DIR|latest] [--quiet]
//!
//! Writes matrix.csv, findings.csv, summary.json, report.html (for people) and
//! findings.ocsf.jsonl (OCSF Compliance Findings for other systems), and with `--compare`
//! changes.csv: what changed since the earlier run. The work is `run::check`; this file turns
//! flags into its request and prints the closing screen.

use super::stdout::say;
use crate::cli::CheckArgs;
use crate::outcome::Ended;
use crate::report::screen;
use crate::run;
use crate::sweep;

use super::CommandError;

/// Runs a check.
pub async fn run(args: CheckArgs, quiet: bool) -> Result<Ended, CommandError> {
    let request = args.selection.request().map_err(CommandError::Usage)?;
    let dir = args
        .output_dir
        .clone()
        .unwrap_or_else(sweep::default_output_dir);
    let checked = run::check::run(
        &request,
        &dir,
        args.compare.as_deref(),
        args.ocsf_cells,
        quiet,
        crate::signals::stop(),
    )
    .await?;
    print_closing(&checked, &dir);
    Ok(checked.ended)
}

/// The closing screen: on standard output for a finished run, on standard error for an
/// interrupted one (its standard output may be a pipe that is being torn down).
pub(crate) fn print_closing(checked: &run::check::Checked, dir: &std::path::Path) {
    let text = screen::render(&checked.summary, &checked.worst, dir);
    match checked.ended {
        Ended::Interrupted(_) => eprint!("{text}"),
        _ => say!("{text}"),
    }
}
