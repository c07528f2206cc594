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
    pub fn add(&mut self, row: &AccountRow) {
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

/// Cells per control and status: the family at a glance.
fn control_table(summary: &Summary) -> String {
    const STATUSES: [&str; 4] = ["PASS", "FAIL", "ERROR", "SKIPPED"];
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
    let _ = writeln!(
        out,
        "orgsweep: {} of {} accounts x {} regions x {} controls in {:.1}s ({state})",
        summary.accounts_done,
        summary.accounts_selected,
        summary.regions.len(),
        summary.controls_checked.len(),
        summary.elapsed_seconds
    );
    let statuses: Vec<String> = ["PASS", "FAIL", "ERROR", "SKIPPED"]
        .iter()
        .map(|s| format!("{s} {}", summary.statuses.get(*s).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(out, "cells: {}", statuses.join(", "));
    let mut reasons: Vec<(&String, &usize)> = summary.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(out, "reasons:");
    for (reason, n) in reasons {
        let _ = writeln!(out, "  {reason:<28} {n}");
    }
    if !summary.controls_checked.is_empty() {
        out.push_str(&control_table(summary));
    }
    if !worst.ranked.is_empty() {
        let _ = writeln!(out, "accounts with the most FAIL/ERROR cells:");
        for ((bad, id), (name, reason)) in worst.ranked.iter().rev() {
            let _ = writeln!(out, "  {id}  {name:<30} {bad:>3} cells  first: {reason}");
        }
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
        "reports: {}/{{matrix.csv, findings.csv, summary.json, report.html, findings.ocsf.jsonl{changes}}}",
        dir.display()
    );
    out
}
