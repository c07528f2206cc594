//! Carrying out a plan: targets run concurrently (at most `remediation.action_concurrency` at
//! once), the actions of one target in order (the topic before its subscriptions and alarm).
//!
//! Before a target's actions, its current state is read again and planned again: an action the
//! fresh plan no longer has is skipped as no longer needed. Each action then re-reads what it
//! would change (see [`super::actions`]). A failed action is reported and the others go on;
//! only actions that need what failed (a log group, a topic) are not attempted.
//!
//! Each action's row goes to actions.csv as soon as it finishes (`ActionsLog`). When the run
//! is interrupted, no further action starts; the rows on disk are exactly the finished actions,
//! and a re-run re-reads the state and plans only what is left.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::stream::{self, StreamExt};

use crate::csv_safe::neutralise;
use crate::files::{write_csv_atomically, FileError};
use crate::sweep::Session;

use super::action::Action;
use super::actions::{self, ActionResult};
use super::plan::{Plan, TargetPlan};
use super::target::plan_target;

/// One line of actions.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    pub account_id: String,
    pub region: String,
    /// The controls the action serves, `;`-separated.
    pub controls: String,
    pub action: String,
    pub resource: String,
    pub result: ActionResult,
}

pub(crate) const ACTIONS_CSV: &str = "actions.csv";
const ACTIONS_HEADER: [&str; 6] = [
    "account", "region", "controls", "action", "resource", "result",
];

/// Applies every target of `plan`; returns one record per action it got to, in plan order.
///
/// `on_record` sees each record as soon as its action finishes (for actions.csv). Once `stop`
/// is set (an interruption), no further action starts: the actions in flight finish, and the
/// rest of the plan gets no record.
pub async fn apply(
    session: &Session,
    plan: &Plan,
    concurrency: usize,
    stop: &AtomicBool,
    on_record: &(dyn Fn(&ActionRecord) + Sync),
) -> Vec<ActionRecord> {
    let mut done: Vec<(usize, Vec<ActionRecord>)> = stream::iter(plan.targets.iter().enumerate())
        .filter(|(_, t)| std::future::ready(!t.actions.is_empty()))
        .map(|(i, t)| async move {
            if stop.load(Ordering::SeqCst) {
                return (i, Vec::new());
            }
            (i, apply_target(session, plan, t, stop, on_record).await)
        })
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
        controls: a.controls().join(";"),
        action: a.name().to_string(),
        resource: a.resource(),
        result,
    }
}

/// The actions of one target, in order; stops before the next action once `stop` is set.
pub(crate) async fn apply_target(
    session: &Session,
    plan: &Plan,
    t: &TargetPlan,
    stop: &AtomicBool,
    on_record: &(dyn Fn(&ActionRecord) + Sync),
) -> Vec<ActionRecord> {
    let all_failed = |why: String| -> Vec<ActionRecord> {
        t.actions
            .iter()
            .map(|a| {
                let r = record(t, a, ActionResult::Failed(why.clone()));
                on_record(&r);
                r
            })
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
                if stop.load(Ordering::SeqCst) {
                    break;
                }
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
                let r = record(t, a, result);
                on_record(&r);
                records.push(r);
            }
            records
        }
    };
    session.counter.absorb(&clients.counter().snapshot());
    records
}

fn csv_cells(r: &ActionRecord) -> [String; 6] {
    [
        r.account_id.clone(),
        r.region.clone(),
        r.controls.clone(),
        r.action.clone(),
        r.resource.clone(),
        r.result.cell(),
    ]
    .map(|c| neutralise(&c).into_owned())
}

/// actions.csv while an apply runs: the header at once, then each action's row as it finishes,
/// flushed, so an interrupted run leaves whole rows of the finished actions.
#[derive(Debug)]
pub(crate) struct ActionsLog {
    path: PathBuf,
    writer: csv::Writer<File>,
    records: Vec<ActionRecord>,
    error: Option<FileError>,
}

impl ActionsLog {
    /// Creates `dir` and `dir/actions.csv` with its header.
    pub fn create(dir: &Path) -> Result<ActionsLog, FileError> {
        std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
        let path = dir.join(ACTIONS_CSV);
        let mut writer = csv::Writer::from_path(&path).map_err(FileError::at(&path))?;
        writer
            .write_record(ACTIONS_HEADER)
            .map_err(FileError::at(&path))?;
        writer.flush().map_err(FileError::at(&path))?;
        Ok(ActionsLog {
            path,
            writer,
            records: Vec::new(),
            error: None,
        })
    }

    /// Appends one row and flushes it. A write error is kept (see [`ActionsLog::error`]); the
    /// apply goes on.
    pub(crate) fn append(&mut self, r: &ActionRecord) {
        self.records.push(r.clone());
        if self.error.is_some() {
            return;
        }
        let written = self
            .writer
            .write_record(csv_cells(r))
            .map_err(std::io::Error::from)
            .and_then(|_| self.writer.flush());
        if let Err(e) = written {
            self.error = Some(FileError::at(&self.path)(e));
        }
    }

    /// The records appended so far, in the order they finished.
    pub fn records(&self) -> &[ActionRecord] {
        &self.records
    }

    /// The first write error, taken out of the log.
    pub(crate) fn take_error(&mut self) -> Option<FileError> {
        self.error.take()
    }
}

/// Writes actions.csv (`account,region,controls,action,resource,result`) into `dir`, whole: into a
/// temporary file first, then renamed over actions.csv.
pub(crate) fn write_actions_csv(dir: &Path, records: &[ActionRecord]) -> Result<(), FileError> {
    std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
    let header = ACTIONS_HEADER.map(String::from);
    write_csv_atomically(
        &dir.join(ACTIONS_CSV),
        std::iter::once(header).chain(records.iter().map(csv_cells)),
    )
}
