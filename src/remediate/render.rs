//! The plan as a person reads it in a terminal (pure): one aligned row per action, then what
//! cannot be completed, the manual steps with their commands, and the accounts not planned.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::apply::ActionRecord;
use super::plan::{Plan, TargetPlan};

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i < last {
                out.extend(std::iter::repeat_n(' ', widths[i] - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// The controls an action serves, short: one id, or "all 15" / "N controls".
fn controls_cell(controls: &[&str]) -> String {
    match controls {
        [one] => one.to_string(),
        many if many.len() == crate::controls::table().len() => format!("all {}", many.len()),
        many => format!("{} controls", many.len()),
    }
}

/// "eu-west-1, us-east-1" or "17 regions" / "3 accounts", for one line about a target.
fn cells_summary(t: &TargetPlan) -> String {
    let accounts: BTreeSet<&str> = t.cells.iter().map(|c| c.account_id.as_str()).collect();
    let reasons: BTreeSet<&str> = t.cells.iter().map(|c| c.reason.as_str()).collect();
    let reasons: Vec<&str> = reasons.into_iter().collect();
    format!(
        "{} cell(s) of {} control(s) in {} account(s) ({})",
        t.cells.len(),
        t.controls.len(),
        accounts.len(),
        reasons.join(", ")
    )
}

/// The plan as text.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let with_actions: Vec<&TargetPlan> = plan
        .targets
        .iter()
        .filter(|t| !t.actions.is_empty())
        .collect();
    let org = if plan.organization_id.is_empty() {
        String::new()
    } else {
        format!("organization {}, ", plan.organization_id)
    };
    let _ = writeln!(
        out,
        "Remediation plan ({org}management account {}, made {})",
        plan.management_account_id, plan.created_at
    );
    if !plan.excepted.is_empty() {
        let cells: usize = plan.excepted.iter().map(|e| e.cells).sum();
        let by: Vec<String> = plan
            .excepted
            .iter()
            .map(|e| format!("{} ({})", e.exception, e.cells))
            .collect();
        let _ = writeln!(
            out,
            "Left out {cells} excepted cell(s), accepted by exception(s) {}.",
            by.join(", ")
        );
    }
    if with_actions.is_empty() {
        let _ = writeln!(out, "\nNothing to do: no action is needed.");
    } else {
        let _ = writeln!(
            out,
            "\n{} action(s) on {} log group(s):\n",
            plan.action_count(),
            with_actions.len()
        );
        let mut rows = Vec::new();
        for t in &with_actions {
            for a in &t.actions {
                rows.push(vec![
                    t.account_id.clone(),
                    t.region.clone(),
                    controls_cell(&a.controls()),
                    a.name().to_string(),
                    a.resource(),
                    a.summary(),
                ]);
            }
        }
        out.push_str(&table(
            &[
                "ACCOUNT", "REGION", "CONTROLS", "ACTION", "RESOURCE", "DETAIL",
            ],
            &rows,
        ));
        let _ = writeln!(out);
        for t in &with_actions {
            let via = if t.organization_trail {
                format!("organization trail {}", t.trail_arn)
            } else {
                format!("trail {}", t.trail_arn)
            };
            let _ = writeln!(
                out,
                "{} (via {via}) fixes {}",
                t.log_group_arn,
                cells_summary(t)
            );
        }
    }
    let notes: Vec<(&TargetPlan, &String)> = plan
        .targets
        .iter()
        .flat_map(|t| t.notes.iter().map(move |n| (t, n)))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for (t, n) in notes {
            let _ = writeln!(out, "  {} {}: {n}", t.account_id, t.region);
        }
    }
    let blocked: Vec<&TargetPlan> = plan
        .targets
        .iter()
        .filter(|t| !t.incomplete.is_empty() || !t.conflicts.is_empty())
        .collect();
    if !blocked.is_empty() {
        let _ = writeln!(out, "\nCannot be completed by this plan:");
        for t in blocked {
            let _ = writeln!(
                out,
                "  {} {} {} ({})",
                t.account_id,
                t.region,
                t.log_group_name,
                cells_summary(t)
            );
            for c in &t.conflicts {
                let _ = writeln!(out, "    conflict: {c}");
            }
            for i in &t.incomplete {
                let _ = writeln!(out, "    incomplete: {i}");
            }
        }
    }
    if !plan.manual_steps.is_empty() {
        let _ = writeln!(
            out,
            "\nManual steps ({}): orgsweep does not change trails; run these with credentials of the account named:",
            plan.manual_steps.len()
        );
        for (i, m) in plan.manual_steps.iter().enumerate() {
            let accounts: BTreeSet<&str> = m.cells.iter().map(|c| c.account_id.as_str()).collect();
            let _ = writeln!(
                out,
                "  {}. account {} {} — {} ({} cell(s) in {} account(s))",
                i + 1,
                m.account_id,
                m.reason,
                m.summary,
                m.cells.len(),
                accounts.len()
            );
            for c in &m.commands {
                let _ = writeln!(out, "       {c}");
            }
        }
    }
    if !plan.unplanned.is_empty() {
        let _ = writeln!(
            out,
            "\nNot planned (the check could not decide these cells):"
        );
        for u in &plan.unplanned {
            let _ = writeln!(
                out,
                "  account {} could not be planned in {} region(s): {} {}",
                u.account_id,
                u.regions.len(),
                u.reason,
                u.detail
            );
        }
    }
    out
}

/// The outcome of an apply, one line per action.
pub(crate) fn render_results(records: &[ActionRecord]) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.account_id.clone(),
                r.region.clone(),
                r.controls.clone(),
                r.action.clone(),
                r.resource.clone(),
                r.result.cell(),
            ]
        })
        .collect();
    table(
        &[
            "ACCOUNT", "REGION", "CONTROLS", "ACTION", "RESOURCE", "RESULT",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediate::plan::tests::sample_plan;

    #[test]
    fn the_table_lists_every_action_and_the_manual_commands() {
        let plan = sample_plan();
        let text = render(&plan);
        for a in &plan.targets[0].actions {
            assert!(text.contains(a.name()), "{text}");
        }
        assert!(
            text.contains("aws cloudtrail start-logging --name main --region us-east-1"),
            "{text}"
        );
        assert!(text.contains("ACCOUNT  "), "{text}");
    }

    #[test]
    fn an_empty_plan_says_so() {
        let mut plan = sample_plan();
        plan.targets.clear();
        plan.manual_steps.clear();
        assert!(render(&plan).contains("Nothing to do"));
    }
}
