//! What changed since an earlier run (`--compare DIR`): the cells whose status or reason is not
//! what it was, as `changes.csv`, with counts for summary.json, report.html and the closing
//! screen.
//!
//! The earlier run is read from its own files: findings.csv (either layout — with a `control`
//! column, or the one before the controls family, which holds console authentication failures
//! only) and summary.json (whether it was complete, when it started, what it checked). What
//! cannot be compared is said, not guessed: cells outside the earlier run's scope (a control or
//! region it did not check, an account it did not finish) are neither ADDED nor REMOVED.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::csv_safe::neutralise;
use crate::files::{write_csv_atomically, FileError};
use crate::verdict::{Reason, Status};

pub(crate) const CHANGES: &str = "changes.csv";

pub(crate) const CHANGES_HEADER: [&str; 9] = [
    "account_id",
    "account_name",
    "region",
    "control",
    "before_status",
    "before_reason",
    "after_status",
    "after_reason",
    "change",
];

/// How one cell changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    NewFail,
    Fixed,
    NewError,
    ErrorCleared,
    ReasonChanged,
    Added,
    Removed,
    /// A cell an exception now accepts (FAIL → EXCEPTED).
    Excepted,
    /// An exception that expired or was removed (EXCEPTED → FAIL).
    ExceptionEnded,
}

impl Change {
    pub const ALL: [Change; 9] = [
        Change::NewFail,
        Change::Fixed,
        Change::NewError,
        Change::ErrorCleared,
        Change::ReasonChanged,
        Change::Added,
        Change::Removed,
        Change::Excepted,
        Change::ExceptionEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewFail => "NEW_FAIL",
            Change::Fixed => "FIXED",
            Change::NewError => "NEW_ERROR",
            Change::ErrorCleared => "ERROR_CLEARED",
            Change::ReasonChanged => "REASON_CHANGED",
            Change::Added => "ADDED",
            Change::Removed => "REMOVED",
            Change::Excepted => "EXCEPTED",
            Change::ExceptionEnded => "EXCEPTION_ENDED",
        }
    }
}

/// The change between a cell's earlier and current (status, reason); `None` when unchanged.
pub(crate) fn classify(before: (Status, Reason), after: (Status, Reason)) -> Option<Change> {
    use Status::*;
    if before == after {
        return None;
    }
    Some(match (before.0, after.0) {
        (b, Error) if b != Error => Change::NewError,
        (Error, a) if a != Error && a != Fail => Change::ErrorCleared,
        (Excepted, Fail) => Change::ExceptionEnded,
        (b, Fail) if b != Fail => Change::NewFail,
        (b, Excepted) if b != Excepted => Change::Excepted,
        (Fail | Excepted, Pass) => Change::Fixed,
        _ => Change::ReasonChanged,
    })
}

/// Why an earlier directory cannot be compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareError {
    pub dir: PathBuf,
    pub message: String,
}

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--compare {}: {}", self.dir.display(), self.message)
    }
}

impl Earlier {
    /// Says so when the earlier run judged against another benchmark: cells are still compared
    /// by control id, but a change may come from the benchmark's texts rather than from AWS.
    pub(crate) fn note_benchmark(&mut self, now: &str) {
        let then = self
            .benchmark
            .as_deref()
            .unwrap_or("an unrecorded benchmark (CIS v3.0.0 texts, before --benchmark)");
        if then != now {
            self.notes.push(format!(
                "the earlier run judged against {then}, this one against {now}: cells are compared by control id, and a change may come from the benchmark's texts"
            ));
        }
    }
}

/// The earlier run, as far as comparing needs it.
#[derive(Debug, Default)]
pub struct Earlier {
    pub dir: PathBuf,
    /// When it started (its summary.json), if known.
    pub since: Option<String>,
    pub complete: bool,
    /// The benchmark it judged against (runs before benchmarks were selectable: unknown).
    pub benchmark: Option<String>,
    /// What it could check: a cell outside these is not compared.
    pub controls: BTreeSet<String>,
    pub regions: BTreeSet<String>,
    /// Its cells, compactly: it is read before the sweep and held until the end.
    pub cells: EarlierCells,
    /// What could not be compared, in words.
    pub notes: Vec<String>,
}

/// Strings met again and again (account ids, regions, controls), stored once, by number.
#[derive(Debug, Default)]
struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }
}

/// One earlier cell: (account, region, control) numbers, and its verdict (`None` once the
/// current run has met the cell).
#[derive(Debug, Clone, Copy)]
struct Slot {
    account: u32,
    region: u32,
    control: u32,
    verdict: Option<(Status, Reason)>,
}

impl Slot {
    /// findings.csv's own order (account, then control, then region), so that sorting is
    /// rarely needed.
    fn key(&self) -> (u32, u32, u32) {
        (self.account, self.control, self.region)
    }
}

/// An earlier run's cells: 16 bytes each, sorted by (account, control, region) and found by
/// binary search. A map of owned strings took about 250 bytes a cell (64 MB at 255,255 cells),
/// held for the whole sweep.
#[derive(Debug, Default)]
pub struct EarlierCells {
    accounts: Interner,
    /// The account's name as the earlier run wrote it, by account number.
    names: Vec<String>,
    regions: Interner,
    controls: Interner,
    slots: Vec<Slot>,
    /// Whether `slots` may be out of order or hold a key twice.
    unsorted: bool,
}

impl EarlierCells {
    /// Adds a cell; the first of the same (account, region, control) wins.
    pub fn insert(
        &mut self,
        (account, region, control): (&str, &str, &str),
        name: &str,
        verdict: (Status, Reason),
    ) {
        let a = self.accounts.id(account);
        if a as usize == self.names.len() {
            self.names.push(name.to_string());
        }
        let slot = Slot {
            account: a,
            region: self.regions.id(region),
            control: self.controls.id(control),
            verdict: Some(verdict),
        };
        self.unsorted |= self.slots.last().is_some_and(|l| l.key() >= slot.key());
        self.slots.push(slot);
    }

    /// Sorts the cells for look-ups (findings.csv is already in account order, so this is
    /// cheap).
    fn seal(&mut self) {
        if self.unsorted {
            self.slots.sort_by_key(Slot::key);
            self.slots.dedup_by_key(|s| s.key());
            self.unsorted = false;
        }
        self.slots.shrink_to_fit();
    }

    fn position(&self, (account, region, control): (&str, &str, &str)) -> Option<usize> {
        let key = (
            self.accounts.get(account)?,
            self.controls.get(control)?,
            self.regions.get(region)?,
        );
        if !self.unsorted {
            self.slots.binary_search_by_key(&key, Slot::key).ok()
        } else {
            self.slots.iter().position(|s| s.key() == key)
        }
    }

    /// The earlier verdict of a cell not yet taken.
    pub fn get(&self, key: (&str, &str, &str)) -> Option<(Status, Reason)> {
        self.position(key).and_then(|i| self.slots[i].verdict)
    }

    /// Takes a cell out: what is left at the end is what the current run no longer has.
    fn take(&mut self, key: (&str, &str, &str)) -> Option<(Status, Reason)> {
        let i = self.position(key)?;
        self.slots[i].verdict.take()
    }

    /// Whether it has cells of this account.
    pub(crate) fn has_account(&self, account: &str) -> bool {
        self.accounts.get(account).is_some()
    }

    /// The cells not taken: ((account, region, control), name, verdict).
    fn remaining(&self) -> impl Iterator<Item = ((&str, &str, &str), &str, (Status, Reason))> {
        self.slots.iter().filter_map(|s| {
            let v = s.verdict?;
            let a = s.account as usize;
            Some((
                (
                    self.accounts.names[a].as_str(),
                    self.regions.names[s.region as usize].as_str(),
                    self.controls.names[s.control as usize].as_str(),
                ),
                self.names[a].as_str(),
                v,
            ))
        })
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[derive(Deserialize)]
struct EarlierSummary {
    started_at: Option<String>,
    complete: Option<bool>,
    accounts_done: Option<usize>,
    accounts_selected: Option<usize>,
    controls_checked: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    benchmark: Option<String>,
}

/// Reads an earlier report directory. A directory that does not exist, cannot be read, or is not
/// an orgsweep report is an error naming it and what is wrong.
pub fn read_earlier(dir: &Path) -> Result<Earlier, CompareError> {
    let err = |message: String| CompareError {
        dir: dir.to_path_buf(),
        message,
    };
    if !dir.is_dir() {
        return Err(err("there is no such directory".into()));
    }
    let findings = dir.join(crate::report::FINDINGS);
    if !findings.is_file() {
        return Err(err(format!(
            "it has no {}: not an orgsweep report directory (give a directory `orgsweep check` wrote, or `latest`)",
            crate::report::FINDINGS
        )));
    }
    let mut earlier = Earlier {
        dir: dir.to_path_buf(),
        ..Earlier::default()
    };
    let summary: Option<EarlierSummary> = std::fs::read_to_string(dir.join(crate::report::SUMMARY))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    match &summary {
        None => earlier.notes.push(format!(
            "the earlier run has no readable {}: its completeness is unknown, so accounts it has no cells of are not counted as ADDED",
            crate::report::SUMMARY
        )),
        Some(s) => {
            earlier.since = s.started_at.clone();
            earlier.complete = s.complete.unwrap_or(false);
            earlier.benchmark = s.benchmark.clone();
            if !earlier.complete {
                earlier.notes.push(format!(
                    "the earlier run was partial ({} of {} accounts): accounts it did not finish are not compared",
                    s.accounts_done.unwrap_or(0),
                    s.accounts_selected.unwrap_or(0)
                ));
            }
        }
    }
    let file = File::open(&findings)
        .map_err(|e| err(format!("cannot read {}: {e}", findings.display())))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(std::io::BufReader::new(file));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(format!("{}: {e}", findings.display())))?
        .iter()
        .map(String::from)
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(id), Some(name), Some(region), Some(status), Some(reason)) = (
        column("account_id"),
        column("account_name"),
        column("region"),
        column("status"),
        column("reason"),
    ) else {
        return Err(err(format!(
            "its {} has no account_id, account_name, region, status and reason columns: not an orgsweep report",
            crate::report::FINDINGS
        )));
    };
    let control = column("control");
    if control.is_none() {
        earlier.notes.push(
            "the earlier run used the layout before the controls family (console authentication failures only): only that control is compared"
                .into(),
        );
    }
    let mut r = csv::StringRecord::new();
    for n in 1.. {
        let more = reader
            .read_record(&mut r)
            .map_err(|e| err(format!("{}: record {n}: {e}", findings.display())))?;
        if !more {
            break;
        }
        let get = |i: usize| r.get(i).unwrap_or_default();
        let control = control.map_or(crate::controls::DEFAULT_CONTROL, get);
        let (Some(s), Some(why)) = (status_of(get(status)), Reason::from_code(get(reason))) else {
            return Err(err(format!(
                "{}: record {} has status `{}` / reason `{}`, which orgsweep does not write",
                findings.display(),
                n + 1,
                get(status),
                get(reason)
            )));
        };
        let region = get(region);
        if !earlier.regions.contains(region) {
            earlier.regions.insert(region.to_string());
        }
        if !earlier.controls.contains(control) {
            earlier.controls.insert(control.to_string());
        }
        earlier
            .cells
            .insert((get(id), region, control), get(name), (s, why));
    }
    earlier.cells.seal();
    if let Some(s) = &summary {
        if let Some(c) = &s.controls_checked {
            earlier.controls.extend(c.iter().cloned());
        }
        if let Some(r) = &s.regions {
            earlier.regions.extend(r.iter().cloned());
        }
    }
    Ok(earlier)
}

fn status_of(s: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|x| x.as_str() == s)
}

/// The newest complete run under `root` (by its summary's start time), other than `exclude`.
pub fn latest(root: &Path, exclude: &Path) -> Result<PathBuf, CompareError> {
    let err = |message: String| CompareError {
        dir: PathBuf::from("latest"),
        message,
    };
    let entries =
        std::fs::read_dir(root).map_err(|e| err(format!("cannot read {}: {e}", root.display())))?;
    let mut best: Option<(String, PathBuf)> = None;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() || same_dir(&path, exclude) {
            continue;
        }
        let Some(summary) = std::fs::read_to_string(path.join(crate::report::SUMMARY))
            .ok()
            .and_then(|t| serde_json::from_str::<EarlierSummary>(&t).ok())
        else {
            continue;
        };
        if summary.complete != Some(true) || !path.join(crate::report::FINDINGS).is_file() {
            continue;
        }
        let when = summary.started_at.unwrap_or_default();
        if best.as_ref().is_none_or(|(w, _)| when > *w) {
            best = Some((when, path));
        }
    }
    best.map(|(_, p)| p).ok_or_else(|| {
        err(format!(
            "there is no complete earlier run under {} to compare with",
            root.display()
        ))
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// One changed cell.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChangeRow {
    pub account_id: String,
    pub account_name: String,
    pub region: String,
    pub control: String,
    pub before: Option<(Status, Reason)>,
    pub after: Option<(Status, Reason)>,
    pub change: Change,
}

impl ChangeRow {
    pub fn record(&self) -> [String; 9] {
        let part = |x: &Option<(Status, Reason)>, status: bool| {
            x.map(|(s, r)| if status { s.as_str() } else { r.as_str() }.to_string())
                .unwrap_or_default()
        };
        [
            self.account_id.clone(),
            self.account_name.clone(),
            self.region.clone(),
            self.control.clone(),
            part(&self.before, true),
            part(&self.before, false),
            part(&self.after, true),
            part(&self.after, false),
            self.change.as_str().to_string(),
        ]
    }
}

/// The comparison's counts and notes, for summary.json and the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSummary {
    /// When the earlier run started.
    pub since: Option<String>,
    pub compared_dir: String,
    /// Changed cells per change type (every type, zero included).
    pub counts: BTreeMap<String, usize>,
    /// What could not be compared.
    pub notes: Vec<String>,
}

/// What the current run covers: cells outside it are not compared.
pub struct Scope<'a> {
    pub controls: &'a [String],
    pub regions: &'a [String],
    /// The organization's ACTIVE accounts now (selected or not): an earlier cell of an account
    /// that is no longer one is REMOVED; one of an account merely not selected this time is not
    /// compared.
    pub organization_accounts: &'a BTreeSet<String>,
}

/// Compares the current cells with an earlier run, one cell at a time (the current run's
/// findings.csv is read once, streaming): each earlier cell met is taken out, so what is left
/// at the end is what the current run no longer has.
pub(crate) struct Comparer<'s> {
    earlier: Earlier,
    scope: Scope<'s>,
    rows: Vec<ChangeRow>,
}

impl<'s> Comparer<'s> {
    pub fn new(mut earlier: Earlier, scope: Scope<'s>) -> Self {
        earlier.cells.seal();
        Comparer {
            earlier,
            scope,
            rows: Vec::new(),
        }
    }

    /// One current cell `(account, region, control)`. Returns whether it is unchanged: the
    /// earlier run had it with the same status and reason.
    pub fn push(
        &mut self,
        key: (&str, &str, &str),
        name: &str,
        status: Status,
        reason: Reason,
    ) -> bool {
        let after = (status, reason);
        match self.earlier.cells.take(key) {
            Some(before) => match classify(before, after) {
                Some(change) => {
                    self.rows
                        .push(row(key, name, Some(before), Some(after), change));
                    false
                }
                None => true,
            },
            None => {
                let (account, region, control) = key;
                let comparable = self.earlier.controls.contains(control)
                    && self.earlier.regions.contains(region)
                    && (self.earlier.complete || self.earlier.cells.has_account(account));
                if comparable {
                    self.rows
                        .push(row(key, name, None, Some(after), Change::Added));
                }
                false
            }
        }
    }

    /// The changed cells (sorted) and the counts and notes.
    pub fn finish(self) -> (Vec<ChangeRow>, ChangeSummary) {
        let mut not_compared = 0usize;
        let mut rows = self.rows;
        for (key, name, before) in self.earlier.cells.remaining() {
            let (account, region, control) = key;
            let in_scope = self.scope.controls.iter().any(|c| c == control)
                && self.scope.regions.iter().any(|r| r == region);
            if in_scope && !self.scope.organization_accounts.contains(account) {
                rows.push(row(key, name, Some(before), None, Change::Removed));
            } else {
                not_compared += 1;
            }
        }
        rows.sort();
        let mut summary = ChangeSummary {
            since: self.earlier.since.clone(),
            compared_dir: self.earlier.dir.display().to_string(),
            counts: Change::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), 0))
                .collect(),
            notes: self.earlier.notes.clone(),
        };
        for r in &rows {
            *summary
                .counts
                .entry(r.change.as_str().to_string())
                .or_default() += 1;
        }
        if not_compared > 0 {
            summary.notes.push(format!(
                "{not_compared} earlier cell(s) are outside this run (controls or regions not checked now, or accounts not selected or not finished) and were not compared"
            ));
        }
        (rows, summary)
    }
}

/// `Comparer` over a whole list (for tests and small runs).
pub fn compare(
    earlier: Earlier,
    current: impl Iterator<Item = ((String, String, String), (String, Status, Reason))>,
    scope: Scope<'_>,
) -> (Vec<ChangeRow>, ChangeSummary) {
    let mut c = Comparer::new(earlier, scope);
    for ((a, r, k), (name, status, reason)) in current {
        c.push((&a, &r, &k), &name, status, reason);
    }
    c.finish()
}

fn row(
    (account, region, control): (&str, &str, &str),
    name: &str,
    before: Option<(Status, Reason)>,
    after: Option<(Status, Reason)>,
    change: Change,
) -> ChangeRow {
    ChangeRow {
        account_id: account.to_string(),
        account_name: name.to_string(),
        region: region.to_string(),
        control: control.to_string(),
        before,
        after,
        change,
    }
}

/// Writes changes.csv (atomically).
pub(crate) fn write_changes(dir: &Path, rows: &[ChangeRow]) -> Result<(), FileError> {
    let header = CHANGES_HEADER.map(String::from);
    let records = rows
        .iter()
        .map(|r| r.record().map(|c| neutralise(&c).into_owned()));
    write_csv_atomically(&dir.join(CHANGES), std::iter::once(header).chain(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_have_their_own_changes() {
        use Status::*;
        let r = Reason::NoMetricFilter;
        assert_eq!(classify((Fail, r), (Excepted, r)), Some(Change::Excepted));
        assert_eq!(
            classify((Excepted, r), (Fail, r)),
            Some(Change::ExceptionEnded)
        );
        assert_eq!(
            classify((Excepted, r), (Pass, Reason::Compliant)),
            Some(Change::Fixed)
        );
        assert_eq!(classify((Excepted, r), (Excepted, r)), None);
        assert_eq!(
            classify((Excepted, r), (Error, Reason::Throttled)),
            Some(Change::NewError)
        );
    }

    #[test]
    fn a_run_under_another_benchmark_is_compared_by_control_id_and_says_so() {
        let mut same = Earlier {
            benchmark: Some("cis-7.0".into()),
            ..Earlier::default()
        };
        same.note_benchmark("cis-7.0");
        assert!(same.notes.is_empty());
        let mut other = Earlier {
            benchmark: Some("cis-4.0".into()),
            ..Earlier::default()
        };
        other.note_benchmark("cis-7.0");
        assert_eq!(other.notes.len(), 1);
        assert!(other.notes[0].contains("cis-4.0") && other.notes[0].contains("cis-7.0"));
    }
    use Reason::*;
    use Status::*;

    #[test]
    fn transitions_have_their_names() {
        assert_eq!(
            classify((Pass, Compliant), (Fail, NoAlarm)),
            Some(Change::NewFail)
        );
        assert_eq!(
            classify((Fail, NoAlarm), (Pass, Compliant)),
            Some(Change::Fixed)
        );
        assert_eq!(
            classify((Pass, Compliant), (Error, Throttled)),
            Some(Change::NewError)
        );
        assert_eq!(
            classify((Error, Throttled), (Pass, Compliant)),
            Some(Change::ErrorCleared)
        );
        assert_eq!(
            classify((Error, Throttled), (Fail, NoTrail)),
            Some(Change::NewFail)
        );
        assert_eq!(
            classify((Fail, NoTrail), (Fail, NoAlarm)),
            Some(Change::ReasonChanged)
        );
        assert_eq!(
            classify((Pass, Compliant), (Pass, CoveredByOrgTrail)),
            Some(Change::ReasonChanged)
        );
        assert_eq!(classify((Fail, NoAlarm), (Fail, NoAlarm)), None);
    }

    fn earlier(cells: &[(&str, &str, &str, Status, Reason)], complete: bool) -> Earlier {
        let mut e = Earlier {
            complete,
            ..Earlier::default()
        };
        for (a, r, c, s, why) in cells {
            e.regions.insert(r.to_string());
            e.controls.insert(c.to_string());
            e.cells.insert((a, r, c), &format!("name-{a}"), (*s, *why));
        }
        e
    }

    fn key(
        a: &str,
        r: &str,
        c: &str,
        s: Status,
        why: Reason,
    ) -> ((String, String, String), (String, Status, Reason)) {
        (
            (a.into(), r.into(), c.into()),
            (format!("name-{a}"), s, why),
        )
    }

    #[test]
    fn unchanged_cells_are_left_out_and_scope_decides_added_and_removed() {
        let before = earlier(
            &[
                ("1", "us-east-1", "root-usage", Pass, Compliant),
                ("1", "us-east-1", "vpc-changes", Pass, Compliant),
                ("2", "us-east-1", "root-usage", Fail, NoAlarm),
                ("3", "us-east-1", "root-usage", Pass, Compliant),
            ],
            true,
        );
        let controls = vec!["root-usage".to_string()];
        let regions = vec!["us-east-1".to_string()];
        let org: BTreeSet<String> = ["1", "2", "4"].iter().map(|s| s.to_string()).collect();
        let scope = Scope {
            controls: &controls,
            regions: &regions,
            organization_accounts: &org,
        };
        let now = vec![
            key("1", "us-east-1", "root-usage", Pass, Compliant),
            key("2", "us-east-1", "root-usage", Pass, Compliant),
            key("4", "us-east-1", "root-usage", Fail, NoTrail),
        ];
        let (rows, summary) = compare(before, now.into_iter(), scope);
        let got: Vec<(&str, Change)> = rows
            .iter()
            .map(|r| (r.account_id.as_str(), r.change))
            .collect();
        // 2 fixed; 4 is new (the earlier run was complete); 3 left the organization; vpc-changes
        // is not checked now, so it is not REMOVED.
        assert_eq!(
            got,
            vec![
                ("2", Change::Fixed),
                ("3", Change::Removed),
                ("4", Change::Added)
            ]
        );
        assert_eq!(summary.counts["FIXED"], 1);
        assert_eq!(summary.counts["NEW_ERROR"], 0);
        assert!(
            summary.notes.iter().any(|n| n.contains("not compared")),
            "{:?}",
            summary.notes
        );
    }

    #[test]
    fn partial_runs_compare_only_what_both_finished() {
        // The earlier run was partial: account 2, new to it, is not ADDED.
        let before = earlier(&[("1", "us-east-1", "root-usage", Pass, Compliant)], false);
        let controls = vec!["root-usage".to_string()];
        let regions = vec!["us-east-1".to_string()];
        let org: BTreeSet<String> = ["1", "2"].iter().map(|s| s.to_string()).collect();
        let scope = Scope {
            controls: &controls,
            regions: &regions,
            organization_accounts: &org,
        };
        let now = vec![key("2", "us-east-1", "root-usage", Fail, NoTrail)];
        let (rows, summary) = compare(before, now.into_iter(), scope);
        // Account 1 is still in the organization but this run has no cell of it (not selected,
        // or not finished): not REMOVED either.
        assert!(rows.is_empty(), "{rows:?}");
        assert!(
            summary.notes.iter().any(|n| n.contains("1 earlier cell")),
            "{:?}",
            summary.notes
        );
    }

    #[test]
    fn the_older_layout_and_foreign_directories() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_earlier(&dir.path().join("nope")).unwrap_err();
        assert!(e.to_string().contains("no such directory"), "{e}");
        let e = read_earlier(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not an orgsweep report"), "{e}");
        std::fs::write(dir.path().join("findings.csv"), "a,b\n1,2\n").unwrap();
        assert!(read_earlier(dir.path())
            .unwrap_err()
            .message
            .contains("columns"));
        std::fs::write(
            dir.path().join("findings.csv"),
            "account_id,account_name,region,status,reason,detail,trail_arn,log_group_arn,filter_name,alarm_arn,topic_arn\n\
             111122223333,a,us-east-1,FAIL,NO_ALARM,x,,,,,\n",
        )
        .unwrap();
        let e = read_earlier(dir.path()).unwrap();
        assert_eq!(
            e.cells
                .get(("111122223333", "us-east-1", "console-auth-failures")),
            Some((Fail, NoAlarm))
        );
        assert!(
            e.notes.iter().any(|n| n.contains("layout before")),
            "{:?}",
            e.notes
        );
        assert!(
            e.notes.iter().any(|n| n.contains("summary.json")),
            "{:?}",
            e.notes
        );
    }
}
