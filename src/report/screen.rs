//! The closing one-screen summary: counts per status and reason, the worst accounts, and where
//! the files are.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{AccountRow, Summary};
use crate::verdict::Status;

/// Keeps the accounts with the most FAIL and ERROR cells, for the closing summary.
#[derive(Debug, Default)]
pub struct WorstAccounts {
    /// (bad cells, account id) -> (name, first bad reason)
    ranked: BTreeMap<(usize, String), (String, String)>,
}

const SHOWN: usize = 5;

impl WorstAccounts {
    pub(crate) fn add(&mut self, row: &AccountRow) {
        let bad: Vec<_> = row
            .verdicts()
            .filter(|v| matches!(v.status, Status::Fail | Status::Error))
            .collect();
        if bad.is_empty() {
            return;
        }
        let reason = format!("{} {}", bad[0].status, bad[0].reason);
        self.ranked.insert(
            (bad.len(), row.account_id.clone()),
            (row.account_name.clone(), reason),
        );
        while self.ranked.len() > SHOWN {
            let lowest = self.ranked.keys().next().cloned().expect("not empty");
            self.ranked.remove(&lowest);
        }
    }
}

/// The statuses in the order people read them.
const STATUSES: [&str; 5] = ["PASS", "FAIL", "EXCEPTED", "ERROR", "SKIPPED"];

/// "1 account", "2 accounts".
fn plural(n: usize, word: &str) -> String {
    format!("{n} {}", plural_word(n, word))
}

fn plural_word(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// "28 checked of 29 in the organization (1 suspended)": every account of the organization
/// is either checked or not checked for a reason.
fn account_line(a: &super::summary::AccountCounts) -> String {
    let n = &a.not_checked;
    let why: Vec<String> = [
        (n.suspended, "suspended"),
        (n.excluded, "excluded"),
        (n.outside_ous, "outside --ous"),
        (n.not_named, "not named by --accounts"),
        (n.interrupted, "not reached before the interruption"),
    ]
    .iter()
    .filter(|(k, _)| *k > 0)
    .map(|(k, w)| format!("{k} {w}"))
    .collect();
    let mut line = format!(
        "{} checked of {} in the organization",
        a.checked, a.in_organization
    );
    if !why.is_empty() {
        let _ = write!(line, " (not checked: {})", why.join(", "));
    }
    line
}

/// Every (status, reason) pair with its cell count, most cells first.
fn reasons_by_status(summary: &Summary) -> Vec<(String, String, usize)> {
    let mut rows: Vec<(String, String, usize)> = summary
        .reasons_by_status
        .iter()
        .flat_map(|(s, reasons)| reasons.iter().map(move |(r, n)| (s.clone(), r.clone(), *n)))
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    rows
}

/// Cells per control and status: the family at a glance.
fn control_table(summary: &Summary) -> String {
    let width = summary
        .controls_checked
        .iter()
        .map(|c| c.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!("{:<width$}", "control");
    for s in STATUSES {
        let _ = write!(out, " {s:>7}");
    }
    out.push('\n');
    for id in &summary.controls_checked {
        let counts = summary.controls.get(id);
        let _ = write!(out, "{id:<width$}");
        for s in STATUSES {
            let n = counts.and_then(|c| c.statuses.get(s)).copied().unwrap_or(0);
            let _ = write!(out, " {n:>7}");
        }
        out.push('\n');
    }
    out
}

/// Renders the closing summary.
pub fn render(summary: &Summary, worst: &WorstAccounts, dir: &Path) -> String {
    let mut out = String::new();
    let state = match (&summary.interrupted, summary.complete) {
        (Some(signal), _) => {
            format!("INTERRUPTED by {signal}: the report holds the accounts finished so far")
        }
        (None, true) => "complete".to_string(),
        (None, false) => "incomplete".to_string(),
    };
    let a = &summary.accounts;
    if let Ok(b) = crate::controls::Benchmark::parse(&summary.benchmark) {
        let _ = writeln!(out, "benchmark: {} ({})", b.label(), b.id());
    }
    let _ = writeln!(
        out,
        "orgsweep: {} x {} x {} in {:.1}s ({state})",
        plural(a.checked, "account"),
        plural(summary.regions.len(), "region"),
        plural(summary.controls_checked.len(), "control"),
        summary.elapsed_seconds
    );
    let _ = writeln!(out, "accounts: {}", account_line(a));
    let _ = writeln!(
        out,
        "  {} fully compliant, {} with a FAIL, {} with an ERROR",
        a.fully_compliant, a.with_fail, a.with_error
    );
    let statuses: Vec<String> = STATUSES
        .iter()
        .map(|s| format!("{s} {}", summary.statuses.get(*s).copied().unwrap_or(0)))
        .collect();
    let cells: usize = summary.statuses.values().sum();
    let _ = writeln!(out, "{}: {}", plural(cells, "cell"), statuses.join(", "));
    let _ = writeln!(out, "reasons:");
    for (status, reason, n) in reasons_by_status(summary) {
        let _ = writeln!(out, "  {status:<8} {reason:<28} {n}");
    }
    if !summary.controls_checked.is_empty() {
        out.push_str(&control_table(summary));
    }
    if !summary.root_causes.is_empty() {
        let _ = writeln!(out, "broken organization chains (each counted once):");
        for r in &summary.root_causes {
            let _ = writeln!(
                out,
                "  {:<28} {} at {} in {} ({}): {}",
                r.control,
                r.reason,
                r.link,
                r.owner_account,
                r.home_region,
                plural(r.accounts_affected, "account")
            );
        }
    }
    if !worst.ranked.is_empty() {
        let _ = writeln!(out, "accounts with the most FAIL/ERROR cells:");
        for ((bad, id), (name, reason)) in worst.ranked.iter().rev() {
            let _ = writeln!(out, "  {id}  {name:<30} {bad:>3} cells  first: {reason}");
        }
    }
    let attention: Vec<String> = summary
        .exceptions
        .iter()
        .filter(|e| e.needs_attention())
        .map(|e| {
            if e.expired {
                format!("{} (owner {}) expired on {}", e.id, e.owner, e.expires)
            } else {
                format!("{} (owner {}) expires on {}", e.id, e.owner, e.expires)
            }
        })
        .collect();
    if !summary.exceptions.is_empty() {
        let excepted = summary.statuses.get("EXCEPTED").copied().unwrap_or(0);
        let unused = summary.exceptions.iter().filter(|e| e.unused).count();
        let _ = writeln!(
            out,
            "exceptions: {} excepted by {}{}",
            plural(excepted, "cell"),
            plural(summary.exceptions.len(), "exception"),
            if unused > 0 {
                format!(", {unused} unused")
            } else {
                String::new()
            }
        );
        for a in &attention {
            let _ = writeln!(out, "  warning: exception {a}");
        }
    }
    for w in &summary.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(
        out,
        "API calls: {} ({:.1} per account, {} retries)",
        summary.total_calls, summary.calls_per_account, summary.retries
    );
    if let Some(c) = &summary.changes {
        let counts: Vec<String> = c
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = writeln!(
            out,
            "changed since {} ({}): {}",
            c.since.as_deref().unwrap_or("the earlier run"),
            c.compared_dir,
            if counts.is_empty() {
                "nothing".to_string()
            } else {
                counts.join(", ")
            }
        );
        for note in &c.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    let changes = if summary.changes.is_some() {
        ", changes.csv"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "reports: {}/{{matrix.csv, findings.csv, summary.json, report.html, findings.ocsf.jsonl, controls.ocsf.json{changes}}}",
        dir.display()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{AccountCounts, NotChecked};

    #[test]
    fn counts_are_spelled_for_one_and_reasons_carry_their_status() {
        let mut summary = Summary {
            regions: vec!["us-east-1".into()],
            controls_checked: vec!["root-usage".into()],
            accounts: AccountCounts {
                in_organization: 3,
                selected: 1,
                checked: 1,
                not_checked: NotChecked {
                    suspended: 1,
                    outside_ous: 1,
                    ..NotChecked::default()
                },
                with_fail: 1,
                ..AccountCounts::default()
            },
            ..Summary::default()
        };
        summary.statuses.insert("FAIL".into(), 1);
        summary
            .reasons_by_status
            .entry("FAIL".into())
            .or_default()
            .insert("NO_TRAIL".into(), 1);
        let text = render(&summary, &WorstAccounts::default(), Path::new("out"));
        assert!(text.contains("1 account x 1 region x 1 control"), "{text}");
        assert!(text.contains("1 cell: "), "{text}");
        assert!(
            text.contains(
                "1 checked of 3 in the organization (not checked: 1 suspended, 1 outside --ous)"
            ),
            "{text}"
        );
        assert!(
            text.contains("0 fully compliant, 1 with a FAIL, 0 with an ERROR"),
            "{text}"
        );
        assert!(text.contains("FAIL     NO_TRAIL"), "{text}");
    }
}
