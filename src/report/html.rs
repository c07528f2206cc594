//! `report.html`: one self-contained page for people (inline CSS and JS, no network, opens
//! from `file://`, prints). The page is static (`report.html` beside this file); the run's data
//! goes into it as one JSON object: a string table, the distinct cell *kinds* (status, reason,
//! detail, resources), and per account and control the kind of each region's cell — compact
//! enough for 1000 accounts × 17 regions × 15 controls. Everything from AWS is data, never
//! markup: the page inserts it as text, and the JSON is escaped so it cannot end its script.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use super::changes::{ChangeRow, ChangeSummary};
use super::ocsf::CellRecord;
use super::summary::{AccountCounts, ExceptionEntry};
use super::Summary;
use crate::judge::RootCause;

pub(crate) const REPORT: &str = "report.html";
const TEMPLATE: &str = include_str!("report.html");
const PLACEHOLDER: &str = "/*ORGSWEEP_DATA*/null";
/// Changed cells carried into the page; the rest are in changes.csv.
const MAX_CHANGE_ROWS: usize = 5000;

/// An account as the page groups it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageAccount {
    pub id: String,
    pub name: String,
    pub ou: String,
    pub ou_id: String,
}

/// A control as the page names it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageControl {
    pub id: String,
    pub title: String,
    pub cis: Option<String>,
    pub security_hub: Option<String>,
}

/// A distinct cell: indexes of its status and reason in the builder's labels, then string-table
/// indexes (-1: none) of the detail and the chain's trail, log group, filter, alarm and topic.
/// Indexes, not strings: a run has hundreds of thousands of cells and a few thousand kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Kind {
    status: i32,
    reason: i32,
    refs: [i32; 6],
}

/// Each distinct string once, shared by the table and its index (a run's details are long and
/// mostly distinct per account and control, so a second copy would be most of the page's memory).
#[derive(Default)]
struct Interner {
    strings: Vec<Arc<str>>,
    index: HashMap<Arc<str>, i32>,
}

impl Interner {
    /// The string's index; the empty string is -1 (none).
    fn intern(&mut self, s: &str) -> i32 {
        if s.is_empty() {
            return -1;
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as i32;
        let shared: Arc<str> = Arc::from(s);
        self.strings.push(Arc::clone(&shared));
        self.index.insert(shared, i);
        i
    }

    fn get(&self, i: i32) -> &str {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.get(i))
            .map_or("", |s| s)
    }
}

impl Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.strings.iter().map(|x| &**x))
    }
}

/// The kinds as the page reads them: `[status, reason, detail, trail, group, filter, alarm,
/// topic]`, the first two as text.
struct KindsJson<'a> {
    kinds: &'a [Kind],
    labels: &'a Interner,
}

impl Serialize for KindsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.kinds.iter().map(|k| {
            let [d, t, g, f, a, p] = k.refs;
            (
                self.labels.get(k.status),
                self.labels.get(k.reason),
                d,
                t,
                g,
                f,
                a,
                p,
            )
        }))
    }
}

#[derive(Serialize)]
struct LegendRow {
    code: &'static str,
    meaning: &'static str,
    fix: &'static str,
}

#[derive(Serialize)]
struct PageCounts<'a> {
    statuses: &'a BTreeMap<String, usize>,
    reasons: &'a BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct PageChanges<'a> {
    since: Option<&'a str>,
    compared_dir: &'a str,
    counts: &'a BTreeMap<String, usize>,
    notes: Vec<String>,
    rows: Vec<[String; 9]>,
}

#[derive(Serialize)]
struct PageData<'a> {
    format: &'static str,
    version: u32,
    organization_id: &'a str,
    /// The benchmark judged against, as people name it, with its id.
    benchmark: String,
    management_account_id: &'a str,
    started_at: &'a str,
    finished_at: Option<&'a str>,
    complete: bool,
    interrupted: Option<&'a str>,
    accounts_selected: usize,
    accounts_done: usize,
    /// Organization accounts left out because they are not ACTIVE (suspended, closing).
    inactive_accounts: usize,
    /// The accounts counted one way, the exceptions and the broken organization chains, as
    /// summary.json has them.
    account_counts: &'a AccountCounts,
    exceptions: &'a [ExceptionEntry],
    root_causes: &'a [RootCause],
    regions: &'a [String],
    controls: &'a [PageControl],
    statuses: &'a BTreeMap<String, usize>,
    reasons: &'a BTreeMap<String, usize>,
    per_control: BTreeMap<&'a str, PageCounts<'a>>,
    strings: &'a Interner,
    accounts: &'a [PageAccount],
    kinds: KindsJson<'a>,
    rows: Vec<(usize, usize, &'a [i32])>,
    legend: Vec<LegendRow>,
    changes: Option<PageChanges<'a>>,
}

/// Gathers the cells (from findings.csv, in any order) into the page's compact form.
pub(crate) struct PageBuilder {
    regions: Vec<String>,
    controls: Vec<PageControl>,
    accounts: Vec<PageAccount>,
    account_index: HashMap<String, usize>,
    control_index: HashMap<String, usize>,
    region_index: HashMap<String, usize>,
    strings: Interner,
    /// Statuses and reasons, a handful each.
    labels: Interner,
    kinds: Vec<Kind>,
    kind_index: HashMap<Kind, i32>,
    rows: BTreeMap<(usize, usize), Vec<i32>>,
}

impl PageBuilder {
    /// Accounts are sorted by OU path, then id (the page groups by OU).
    pub fn new(
        regions: &[String],
        controls: Vec<PageControl>,
        mut accounts: Vec<PageAccount>,
    ) -> Self {
        accounts.sort_by(|a, b| a.ou.cmp(&b.ou).then(a.id.cmp(&b.id)));
        PageBuilder {
            account_index: accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.clone(), i))
                .collect(),
            control_index: controls
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect(),
            region_index: regions
                .iter()
                .enumerate()
                .map(|(i, r)| (r.clone(), i))
                .collect(),
            regions: regions.to_vec(),
            controls,
            accounts,
            strings: Interner::default(),
            labels: Interner::default(),
            kinds: Vec::new(),
            kind_index: HashMap::new(),
            rows: BTreeMap::new(),
        }
    }

    /// One cell. A cell of an account the organization listing does not have (it left since)
    /// gets an account entry of its own.
    pub fn push(&mut self, c: &CellRecord) {
        let (Some(&control), Some(&region)) = (
            self.control_index.get(&c.control),
            self.region_index.get(&c.region),
        ) else {
            return;
        };
        let account = match self.account_index.get(&c.account_id) {
            Some(&i) => i,
            None => {
                self.accounts.push(PageAccount {
                    id: c.account_id.clone(),
                    name: c.account_name.clone(),
                    ou: String::new(),
                    ou_id: String::new(),
                });
                let i = self.accounts.len() - 1;
                self.account_index.insert(c.account_id.clone(), i);
                i
            }
        };
        let kind = Kind {
            status: self.labels.intern(&c.status),
            reason: self.labels.intern(&c.reason),
            refs: [
                &c.detail,
                &c.trail_arn,
                &c.log_group_arn,
                &c.filter_name,
                &c.alarm_arn,
                &c.topic_arn,
            ]
            .map(|s| self.strings.intern(s)),
        };
        let k = *self.kind_index.entry(kind).or_insert_with(|| {
            self.kinds.push(kind);
            self.kinds.len() as i32 - 1
        });
        let n = self.regions.len();
        self.rows
            .entry((account, control))
            .or_insert_with(|| vec![-1; n])[region] = k;
    }

    /// The filled page.
    pub fn finish(
        self,
        out: &mut dyn std::io::Write,
        summary: &Summary,
        organization_id: &str,
        changes: Option<(&ChangeSummary, &[ChangeRow])>,
    ) -> std::io::Result<()> {
        let per_control = summary
            .controls
            .iter()
            .map(|(id, c)| {
                (
                    id.as_str(),
                    PageCounts {
                        statuses: &c.statuses,
                        reasons: &c.reasons,
                    },
                )
            })
            .collect();
        let changes = changes.map(|(s, rows)| {
            let mut notes = s.notes.clone();
            if rows.len() > MAX_CHANGE_ROWS {
                notes.push(format!(
                    "the page lists the first {MAX_CHANGE_ROWS} of {} changed cells; changes.csv has them all",
                    rows.len()
                ));
            }
            PageChanges {
                since: s.since.as_deref(),
                compared_dir: &s.compared_dir,
                counts: &s.counts,
                notes,
                rows: rows.iter().take(MAX_CHANGE_ROWS).map(ChangeRow::record).collect(),
            }
        });
        let data = PageData {
            format: "orgsweep-report",
            version: 1,
            organization_id,
            benchmark: crate::controls::Benchmark::parse(&summary.benchmark)
                .map(|b| format!("{} ({})", b.standard(), b.id()))
                .unwrap_or_default(),
            management_account_id: &summary.management_account_id,
            started_at: &summary.started_at,
            finished_at: summary.finished_at.as_deref(),
            complete: summary.complete,
            interrupted: summary.interrupted.as_deref(),
            accounts_selected: summary.accounts_selected,
            accounts_done: summary.accounts_done,
            inactive_accounts: summary.inactive_accounts.len(),
            account_counts: &summary.accounts,
            exceptions: &summary.exceptions,
            root_causes: &summary.root_causes,
            regions: &self.regions,
            controls: &self.controls,
            statuses: &summary.statuses,
            reasons: &summary.reasons,
            per_control,
            strings: &self.strings,
            accounts: &self.accounts,
            kinds: KindsJson {
                kinds: &self.kinds,
                labels: &self.labels,
            },
            rows: self
                .rows
                .iter()
                .map(|((a, c), cells)| (*a, *c, cells.as_slice()))
                .collect(),
            legend: crate::verdict::reasons()
                .iter()
                .map(|r| LegendRow {
                    code: r.code.as_str(),
                    meaning: r.meaning.as_str(),
                    fix: r.fix.as_str(),
                })
                .collect(),
            changes,
        };
        let i = TEMPLATE.find(PLACEHOLDER).unwrap_or(TEMPLATE.len());
        out.write_all(&TEMPLATE.as_bytes()[..i])?;
        serde_json::to_writer(ScriptSafe(&mut *out), &data).map_err(std::io::Error::other)?;
        out.write_all(&TEMPLATE.as_bytes()[(i + PLACEHOLDER.len()).min(TEMPLATE.len())..])
    }
}

struct ScriptSafe<'a>(&'a mut dyn std::io::Write);
impl std::io::Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (mut start, mut i) = (0, 0);
        while i < buf.len() {
            let esc: Option<&[u8]> = match buf[i] {
                b'<' => Some(b"\\u003c"),
                b'>' => Some(b"\\u003e"),
                b'&' => Some(b"\\u0026"),
                0xE2 if buf.get(i + 1) == Some(&0x80) && buf.get(i + 2) == Some(&0xA8) => {
                    Some(b"\\u2028")
                }
                0xE2 if buf.get(i + 1) == Some(&0x80) && buf.get(i + 2) == Some(&0xA9) => {
                    Some(b"\\u2029")
                }
                _ => None,
            };
            match esc {
                Some(e) => {
                    self.0.write_all(&buf[start..i])?;
                    self.0.write_all(e)?;
                    i += if buf[i] == 0xE2 { 3 } else { 1 };
                    start = i;
                }
                None => i += 1,
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// JSON that cannot end or confuse the script element it sits in: `<`, `>`, `&` and the two
/// line separators JavaScript treats as line ends are written as escapes.
#[cfg(test)]
pub(crate) fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_one_placeholder_and_data_cannot_close_the_script() {
        assert_eq!(TEMPLATE.matches(PLACEHOLDER).count(), 1);
        let hostile = r#"{"name":"</script><img src=x onerror=alert(1)>"}"#;
        let safe = script_safe(hostile);
        assert!(!safe.contains('<') && !safe.contains('>'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><img src=x onerror=alert(1)>");
    }

    #[test]
    fn cells_share_kinds_and_strings() {
        let regions = vec!["eu-west-1".to_string(), "us-east-1".to_string()];
        let controls = vec![PageControl {
            id: "root-usage".into(),
            title: "Root".into(),
            cis: Some("4.3".into()),
            security_hub: None,
        }];
        let accounts = vec![PageAccount {
            id: "111122223333".into(),
            name: "a".into(),
            ou: "Root".into(),
            ou_id: "r-1".into(),
        }];
        let mut b = PageBuilder::new(&regions, controls, accounts);
        for r in &regions {
            b.push(&CellRecord {
                account_id: "111122223333".into(),
                account_name: "a".into(),
                region: r.clone(),
                control: "root-usage".into(),
                status: "FAIL".into(),
                reason: "NO_TRAIL".into(),
                detail: "no trail".into(),
                ..CellRecord::default()
            });
        }
        assert_eq!(b.kinds.len(), 1);
        assert_eq!(b.strings.strings, vec![Arc::from("no trail")]);
        assert_eq!(b.rows[&(0, 0)], vec![0, 0]);
        let mut out = Vec::new();
        b.finish(&mut out, &Summary::default(), "o-1", None)
            .unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(!page.contains(PLACEHOLDER));
        assert!(
            page.contains("\"kinds\":[[\"FAIL\",\"NO_TRAIL\",0,-1,-1,-1,-1,-1]]"),
            "{}",
            &page[..200.min(page.len())]
        );
    }
}
