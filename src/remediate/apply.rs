//! Carrying out a plan: targets run concurrently (at most `remediation.action_concurrency` at
//! once), the actions of one target in order (the topic before its subscriptions and alarm).
//!
//! Before a target's actions, its current state is read again and planned again: an action the
//! fresh plan no longer has is skipped as no longer needed. Each action then re-reads what it
//! would change (see [`super::actions`]). A failed action is reported and the others go on;
//! only actions that need what failed (a log group, a topic) are not attempted.

use std::collections::BTreeSet;
use std::path::Path;

use futures::stream::{self, StreamExt};

use crate::csv_safe::neutralise;
use crate::sweep::Session;

use super::actions::{self, ActionResult};
use super::plan::{plan_target, Action, Plan, TargetPlan};

/// One line of actions.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    pub account_id: String,
    pub region: String,
    pub action: String,
    pub resource: String,
    pub result: ActionResult,
}

pub const ACTIONS_CSV: &str = "actions.csv";

/// Applies every target of `plan`; returns one record per planned action, in plan order.
pub async fn apply(session: &Session, plan: &Plan, concurrency: usize) -> Vec<ActionRecord> {
    let mut done: Vec<(usize, Vec<ActionRecord>)> = stream::iter(plan.targets.iter().enumerate())
        .filter(|(_, t)| std::future::ready(!t.actions.is_empty()))
        .map(|(i, t)| async move { (i, apply_target(session, plan, t).await) })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().flat_map(|(_, r)| r).collect()
}

fn record(t: &TargetPlan, a: &Action, result: ActionResult) -> ActionRecord {
    ActionRecord {
        account_id: t.account_id.clone(),
        region: t.region.clone(),
        action: a.name().to_string(),
        resource: a.resource(),
        result,
    }
}

/// The actions of one target, in order.
pub async fn apply_target(session: &Session, plan: &Plan, t: &TargetPlan) -> Vec<ActionRecord> {
    let all_failed = |why: String| -> Vec<ActionRecord> {
        t.actions
            .iter()
            .map(|a| record(t, a, ActionResult::Failed(why.clone())))
            .collect()
    };
    let clients = match session.clients_for(&t.account_id).await {
        Ok(c) => c,
        Err(f) => return all_failed(format!("cannot get into account {}: {f}", t.account_id)),
    };
    let state = actions::probe(&clients, t, &plan.config).await;
    let records = match state {
        Err(f) => all_failed(format!("cannot read the current state: {f}")),
        Ok(state) => {
            let fresh = plan_target(t, &state, &plan.config);
            let still: BTreeSet<_> = fresh.actions.iter().map(Action::key).collect();
            let mut records = Vec::new();
            let mut blocked: Option<String> = None;
            for a in &t.actions {
                let result = if let Some(why) = &blocked {
                    ActionResult::Skipped(format!("not attempted: {why}"))
                } else if fresh.conflicts.is_empty() && !still.contains(&a.key()) {
                    ActionResult::Skipped("no longer needed".into())
                } else {
                    actions::execute(&clients, t, a).await
                };
                if result.is_failure() {
                    match a {
                        Action::CreateLogGroup { .. } => {
                            blocked = Some("the log group could not be created".into())
                        }
                        Action::CreateTopic { .. } => {
                            blocked = Some("the topic could not be created".into())
                        }
                        _ => {}
                    }
                }
                records.push(record(t, a, result));
            }
            records
        }
    };
    session.counter.absorb(&clients.counter().snapshot());
    records
}

/// Writes actions.csv (`account,region,action,resource,result`) into `dir`.
pub fn write_actions_csv(dir: &Path, records: &[ActionRecord]) -> Result<(), String> {
    let path = dir.join(ACTIONS_CSV);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut w = csv::Writer::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let io = |e: csv::Error| format!("{}: {e}", path.display());
    w.write_record(["account", "region", "action", "resource", "result"])
        .map_err(io)?;
    for r in records {
        let cells = [
            r.account_id.clone(),
            r.region.clone(),
            r.action.clone(),
            r.resource.clone(),
            r.result.cell(),
        ];
        w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .map_err(io)?;
    }
    w.flush().map_err(|e| format!("{}: {e}", path.display()))
}
