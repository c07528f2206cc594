//! `orgsweep accounts`: list the organization's accounts — what a sweep would cover.
//!
//! ```text
//! orgsweep accounts [--csv] [--config FILE] [--accounts IDS] [--exclude-accounts IDS] [--ous IDS]
//! ```
//!
//! Prints one row per account, sorted by id: id, name, email, status and parent (OU or root
//! name and id). Accounts that are not `ACTIVE` (suspended, pending closure) are listed but
//! marked with `*`. `--csv` prints `id,name,email,status,parent_id,parent_name` instead, with
//! cells that a spreadsheet would run as a formula neutralised by a leading `'`.
//!
//! Exit codes: 0 listed; 2 usage or configuration error (an unknown `--ous` id included);
//! 4 the organization could not be read (endpoint, credentials, not the management
//! account).

use std::io::{self, Write};

use crate::aws::{base_config, CallCounter};
use crate::cli::AccountsArgs;
use crate::csv_safe::neutralise;
use crate::organization::{self, DiscoverError, OrgAccount};
use crate::outcome::Ended;
use crate::run::RunError;
use crate::sweep::start::{StartError, StartStep};

use super::CommandError;

/// Runs the subcommand.
pub async fn run(args: AccountsArgs, quiet: bool) -> Result<Ended, CommandError> {
    let config = args.selection.load_config().map_err(CommandError::Usage)?;
    let settings = crate::sweep::sdk_settings(&config);
    let sdk = base_config(&settings).await;
    let counter = CallCounter::new();
    let org = match organization::discover(&sdk, &counter, &args.selection.ous).await {
        Ok(org) => org,
        Err(e @ DiscoverError::UnknownOu(_)) => {
            return Err(CommandError::Usage(format!("--ous: {e}")));
        }
        Err(DiscoverError::Call(failure)) => {
            return Err(RunError::Start(Box::new(StartError::new(
                StartStep::Organization,
                failure,
                crate::sweep::endpoint_of(&sdk),
                sdk.region().map(|r| r.to_string()).unwrap_or_default(),
                settings.max_attempts,
            )))
            .into());
        }
    };

    let selection = &args.selection;
    for id in &selection.accounts {
        if !org.accounts.iter().any(|a| &a.id == id) {
            eprintln!("warning: --accounts: {id} is not an account of this organization (or not under --ous)");
        }
    }
    let accounts: Vec<&OrgAccount> = org
        .accounts
        .iter()
        .filter(|a| selection.accounts.is_empty() || selection.accounts.contains(&a.id))
        .filter(|a| !selection.exclude_accounts.contains(&a.id))
        .collect();

    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = if args.csv {
        write_csv(&mut out, &accounts)
    } else {
        write_table(&mut out, &accounts)
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(CommandError::Output(format!(
                "cannot write the listing: {e}"
            )));
        }
    }
    if !quiet {
        let inactive = accounts.iter().filter(|a| !a.is_active()).count();
        eprintln!(
            "{} account(s){}; management account {}; {} API call(s)",
            accounts.len(),
            if inactive > 0 {
                format!(", {inactive} not ACTIVE (marked *)")
            } else {
                String::new()
            },
            org.management_account_id,
            counter.total_calls()
        );
    }
    Ok(Ended::Clean)
}

/// CSV with the documented header; every cell neutralised against formula injection.
fn write_csv(out: &mut impl Write, accounts: &[&OrgAccount]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["id", "name", "email", "status", "parent_id", "parent_name"])?;
    for a in accounts {
        let cells = [
            &a.id,
            &a.name,
            &a.email,
            &a.status,
            &a.parent_id,
            &a.parent_name,
        ];
        writer.write_record(cells.map(|cell| neutralise(cell).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

/// An aligned table for people; non-ACTIVE accounts get a `*` after their status.
fn write_table(out: &mut impl Write, accounts: &[&OrgAccount]) -> io::Result<()> {
    let header = ["ID", "NAME", "EMAIL", "STATUS", "PARENT"];
    let rows: Vec<[String; 5]> = accounts
        .iter()
        .map(|a| {
            let status = if a.is_active() {
                a.status.clone()
            } else {
                format!("{} *", a.status)
            };
            [
                a.id.clone(),
                printable(&a.name),
                printable(&a.email),
                status,
                format!("{} ({})", printable(&a.parent_name), a.parent_id),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
        }
        text
    };
    writeln!(out, "{}", line(header))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    if rows.iter().any(|r| r[3].ends_with('*')) {
        writeln!(
            out,
            "* not ACTIVE: listed, but the account cannot be checked"
        )?;
    }
    Ok(())
}

/// Control characters (a newline in an account name) would break the table's rows.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, status: &str) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@example.com"),
            status: status.into(),
            parent_id: "ou-ab12-cdef5678".into(),
            parent_name: "Prod".into(),
            ou_path: "Root / Prod".into(),
            lineage: vec!["r-ab12".into(), "ou-ab12-cdef5678".into()],
        }
    }

    #[test]
    fn csv_quotes_and_neutralises() {
        let a = account("012345678901", "=HYPERLINK(\"x\"), evil", "ACTIVE");
        let mut out = Vec::new();
        write_csv(&mut out, &[&a]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "id,name,email,status,parent_id,parent_name\n\
             012345678901,\"'=HYPERLINK(\"\"x\"\"), evil\",012345678901@example.com,ACTIVE,ou-ab12-cdef5678,Prod\n"
        );
    }

    #[test]
    fn table_aligns_and_marks_inactive_accounts() {
        let a = account("012345678901", "Ünïcode", "ACTIVE");
        let b = account("112345678901", "two\nlines", "SUSPENDED");
        let mut out = Vec::new();
        write_table(&mut out, &[&a, &b]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        let col = |line: &str| {
            line.find("STATUS")
                .or_else(|| line.find("ACTIVE"))
                .or_else(|| line.find("SUSPENDED"))
        };
        let header_col = lines[0].chars().take(col(lines[0]).unwrap()).count();
        for line in &lines[1..3] {
            let byte = line
                .find("ACTIVE")
                .or_else(|| line.find("SUSPENDED"))
                .unwrap();
            assert_eq!(line[..byte].chars().count(), header_col, "{text}");
        }
        assert!(lines[2].contains("two\\nlines"), "{text}");
        assert!(lines[2].contains("SUSPENDED *"), "{text}");
        assert!(lines[3].starts_with("* not ACTIVE"), "{text}");
    }
}
