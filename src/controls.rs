//! The controls table: the CIS monitoring controls as rows of data (`config/controls.toml`,
//! compiled in), seen through one benchmark (`config/benchmarks.toml`, see [`benchmarks`]).
//! Everything that differs between controls — the reference pattern, what it catches, the
//! must-not-match class, the names remediation uses — lives in the first file; everything that
//! differs between benchmarks — numbers, titles, status, a version's own reference text — in the
//! second. Adding a control is adding a row; adding a benchmark is adding a table.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::pattern::{self, Reference};

pub mod benchmarks;

pub use benchmarks::{Assessment, Benchmark};

/// The table shipped with the binary.
pub(crate) const CONTROLS_TOML: &str = include_str!("../config/controls.toml");

/// The control scripts used before the family existed: `orgsweep pattern` judges against it
/// unless `--control` says otherwise.
pub const DEFAULT_CONTROL: &str = "console-auth-failures";

/// One control, as one benchmark sees it.
#[derive(Debug, Clone)]
pub struct Control {
    pub id: String,
    /// orgsweep's short title ("Security group changes").
    pub title: String,
    /// The benchmark this row belongs to: its number, title, status and reference are that
    /// benchmark's.
    pub benchmark: Benchmark,
    /// The control's number in [`Self::benchmark`] (`5.10`, `CloudWatch.10`).
    pub number: String,
    /// The benchmark's own title of the control.
    pub official_title: String,
    pub status: Assessment,
    /// CIS version label (`v7.0.0`) → number, over every CIS benchmark that has the control.
    pub cis: BTreeMap<String, String>,
    pub security_hub: Option<String>,
    /// What the judge compares filters with: [`Self::benchmark`]'s reference; `texts` are its
    /// official spellings in that benchmark (the first is what remediation writes).
    pub reference: Reference,
    /// Its events come partly from global services (IAM, STS, AWS Sign-In, Organizations).
    pub global_events: bool,
    /// Its events as trail event selectors see them.
    pub events: WatchedEvents,
    pub metric_name: String,
    pub filter_name: String,
    pub alarm_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    control: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    title: String,
    reference: String,
    catches: String,
    must_not_match: Option<RawNoise>,
    global_events: bool,
    #[serde(default)]
    event_sources: Vec<String>,
    #[serde(default)]
    event_types: Vec<String>,
    metric_name: String,
    filter_name: String,
    alarm_name: String,
}

/// The events a control is about, as a trail's event selectors see them: the values of
/// `eventSource`, `eventName` and `eventType` (an empty list: any value). Sources and types are
/// data (controls.toml); names are read off the reference pattern, so they cannot drift from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchedEvents {
    pub sources: Vec<String>,
    pub names: Vec<String>,
    pub types: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoise {
    class: String,
    label: String,
}

/// A row that cannot be used, with the control and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableError(pub String);

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a controls table under the shipped benchmarks and returns the default benchmark's
/// rows (without judging them; see [`self_test`]).
#[cfg(test)]
pub(crate) fn parse_table(text: &str) -> Result<Vec<Control>, TableError> {
    let mut all = parse_tables(text, benchmarks::BENCHMARKS_TOML)?;
    Ok(all.swap_remove(Benchmark::default().index()))
}

/// Parses a controls table and a benchmarks table into one table per benchmark, in the
/// benchmarks' order (which must be the shipped order: a [`Benchmark`] is a position in it).
/// Every benchmark entry must name a known control; every control must be in some benchmark.
pub(crate) fn parse_tables(
    controls_text: &str,
    benchmarks_text: &str,
) -> Result<Vec<Vec<Control>>, TableError> {
    let raw: RawTable = toml::from_str(controls_text)
        .map_err(|e| TableError(format!("controls.toml: {}", e.message())))?;
    let specs = benchmarks::parse_specs(benchmarks_text).map_err(TableError)?;
    for (i, r) in raw.control.iter().enumerate() {
        if raw.control[..i].iter().any(|c| c.id == r.id) {
            return Err(TableError(format!(
                "control {}: the id is used twice",
                r.id
            )));
        }
        if !specs.iter().any(|s| s.controls.contains_key(&r.id)) {
            return Err(TableError(format!(
                "control {}: no benchmark in benchmarks.toml has it",
                r.id
            )));
        }
    }
    for s in &specs {
        if let Some(id) = s
            .controls
            .keys()
            .find(|id| !raw.control.iter().any(|c| &c.id == *id))
        {
            return Err(TableError(format!(
                "benchmark {}: unknown control `{id}` (not in controls.toml)",
                s.id
            )));
        }
    }
    let mut tables = Vec::new();
    for (b, spec) in specs.iter().enumerate() {
        let mut out = Vec::new();
        for r in &raw.control {
            let Some(entry) = spec.controls.get(&r.id) else {
                continue;
            };
            let cis = specs
                .iter()
                .filter(|s| s.id.starts_with("cis-"))
                .filter_map(|s| {
                    s.controls
                        .get(&r.id)
                        .map(|e| (format!("v{}", s.version), e.number.clone()))
                })
                .collect();
            let security_hub = specs
                .iter()
                .find(|s| s.id == "security-hub")
                .and_then(|s| s.controls.get(&r.id))
                .map(|e| e.number.clone());
            out.push(
                row(r, Benchmark::at(b), entry, cis, security_hub)
                    .map_err(|m| TableError(format!("control {} under {}: {m}", r.id, spec.id)))?,
            );
        }
        tables.push(out);
    }
    Ok(tables)
}

/// One control's row under one benchmark.
fn row(
    r: &RawControl,
    benchmark: Benchmark,
    entry: &benchmarks::Entry,
    cis: BTreeMap<String, String>,
    security_hub: Option<String>,
) -> Result<Control, String> {
    let text = entry.reference.as_deref().unwrap_or(&r.reference);
    let parsed =
        pattern::parse(text).map_err(|e| format!("the reference pattern does not parse: {e}"))?;
    let body = match &parsed.body {
        pattern::Body::Json(e) => Some(e),
        _ => None,
    };
    if let Some(pinned) = body.and_then(|e| pinned_values(e, "eventSource")) {
        let mut declared = r.event_sources.clone();
        declared.sort();
        if declared != pinned {
            return Err(format!(
                "event_sources {:?} differ from the sources the reference pins, {pinned:?}",
                r.event_sources
            ));
        }
    }
    let events = WatchedEvents {
        sources: r.event_sources.clone(),
        names: body
            .and_then(|e| pinned_values(e, "eventName"))
            .unwrap_or_default(),
        types: r.event_types.clone(),
    };
    let mut texts = vec![text.to_string()];
    for t in &entry.printed {
        if !texts.contains(t) {
            texts.push(t.clone());
        }
    }
    Ok(Control {
        reference: Reference {
            control: r.id.clone(),
            pattern: parsed,
            texts,
            catches: r.catches.clone(),
            noise: r.must_not_match.as_ref().map(|n| pattern::Noise {
                class: n.class.clone(),
                label: n.label.clone(),
            }),
        },
        id: r.id.clone(),
        title: r.title.clone(),
        benchmark,
        number: entry.number.clone(),
        official_title: entry.title.clone(),
        status: entry.status,
        cis,
        security_hub,
        global_events: r.global_events,
        events,
        metric_name: r.metric_name.clone(),
        filter_name: r.filter_name.clone(),
        alarm_name: r.alarm_name.clone(),
    })
}

/// The values a pattern requires of the top-level `key` in every record it matches, when it
/// pins them (every branch compares `$.key` for equality with a plain string): sorted, unique.
/// `None` when some matching record may carry any value.
fn pinned_values(expr: &pattern::Expr, key: &str) -> Option<Vec<String>> {
    use pattern::{Expr, Op, Step, Test, Value};
    match expr {
        Expr::Cmp(c) => match (&c.sel.steps[..], &c.test) {
            ([Step::Key(k)], Test::Op(Op::Eq, Value::Str(g)))
                if k == key && !g.lead && !g.trail =>
            {
                Some(vec![g.text.clone()])
            }
            _ => None,
        },
        Expr::Or(xs) => {
            let mut all = Vec::new();
            for x in xs {
                all.extend(pinned_values(x, key)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        Expr::And(xs) => {
            let mut pinned: Option<Vec<String>> = None;
            for p in xs.iter().filter_map(|x| pinned_values(x, key)) {
                pinned = Some(match pinned {
                    None => p,
                    Some(q) => q.into_iter().filter(|v| p.contains(v)).collect(),
                });
            }
            pinned
        }
    }
}

/// Every row passes: the reference is JSON, catches itself, matches some record of the model,
/// its must-not-match class exists and is something the reference does not catch, and names
/// are valid and unique. The unit tests run it on the shipped table, so a broken row cannot ship.
#[cfg(test)]
pub(crate) fn self_test(table: &[Control]) -> Result<(), TableError> {
    let model = pattern::model::RecordModel::shipped();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in table {
        let bad = |m: String| TableError(format!("control {}: {m}", c.id));
        if !matches!(c.reference.pattern.body, pattern::Body::Json(_)) {
            return Err(bad("the reference must be a JSON pattern".into()));
        }
        for t in &c.reference.texts {
            let v = pattern::judge_for(t, &c.reference);
            if !v.parse_ok || !v.strict_cis {
                return Err(bad(format!("official text `{t}` does not parse")));
            }
        }
        let own = pattern::judge_for(&c.reference.texts[0], &c.reference);
        if !own.catches_all {
            return Err(bad(format!(
                "the reference is not judged to catch itself: {}",
                own.explanation
            )));
        }
        if !pattern::matches_some_record(&c.reference.pattern, model) {
            return Err(bad("the reference matches no record of the model".into()));
        }
        if let Some(n) = &c.reference.noise {
            if model.class(&n.class).is_none() {
                return Err(bad(format!("unknown must-not-match class `{}`", n.class)));
            }
            if own.matches_success {
                return Err(bad(format!(
                    "the reference itself matches its must-not-match class ({})",
                    n.label
                )));
            }
        }
        if c.number.trim().is_empty() {
            return Err(bad(format!("no number in {}", c.benchmark)));
        }
        for (what, name, max) in [
            ("filter_name", &c.filter_name, 512),
            ("metric_name", &c.metric_name, 255),
            ("alarm_name", &c.alarm_name, 255),
        ] {
            crate::validate::resource_name(name, max).map_err(|m| bad(format!("{what}: {m}")))?;
            if let Some(other) = names.insert(format!("{what}:{name}"), c.id.clone()) {
                return Err(bad(format!("{what} `{name}` is also control {other}'s")));
            }
        }
    }
    Ok(())
}

/// The shipped tables, one per benchmark, parsed once.
fn tables() -> &'static [Vec<Control>] {
    static TABLES: OnceLock<Vec<Vec<Control>>> = OnceLock::new();
    TABLES.get_or_init(|| {
        parse_tables(CONTROLS_TOML, benchmarks::BENCHMARKS_TOML).unwrap_or_else(|e| {
            panic!("the shipped controls table is broken ({e}); the unit tests guard this")
        })
    })
}

/// The controls as `benchmark` sees them: its numbers, titles, status and references. A control
/// the benchmark does not have is not in its table.
pub(crate) fn table_for(benchmark: Benchmark) -> &'static [Control] {
    &tables()[benchmark.index()]
}

/// The default benchmark's table (every control; CIS v7.0.0 has them all).
pub fn table() -> &'static [Control] {
    table_for(Benchmark::default())
}

/// A control by id, as the default benchmark sees it.
pub fn get(id: &str) -> Option<&'static Control> {
    get_in(Benchmark::default(), id)
}

/// A control by id, as `benchmark` sees it (`None` when unknown or not part of it).
pub fn get_in(benchmark: Benchmark, id: &str) -> Option<&'static Control> {
    table_for(benchmark).iter().find(|c| c.id == id)
}

/// Every pattern orgsweep's remediation writes for a control under some benchmark (each
/// benchmark's first text), without duplicates. A filter of orgsweep's name and metric with one
/// of these is one orgsweep created, under that benchmark.
pub(crate) fn remediation_texts(id: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for b in Benchmark::all() {
        if let Some(c) = get_in(b, id) {
            let t = c.reference.texts[0].as_str();
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The default control (console authentication failures).
pub fn default_control() -> &'static Control {
    get(DEFAULT_CONTROL).expect("the default control is in the table")
}

/// Position in the table (reports sort by it).
pub(crate) fn order_of(id: &str) -> usize {
    table()
        .iter()
        .position(|c| c.id == id)
        .unwrap_or(usize::MAX)
}

/// The names of one control's filter, metric and alarm, as remediation creates them and a plan
/// file records them (the table's defaults, or the config file's `remediation.names`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlNames {
    pub control: String,
    pub filter_name: String,
    pub metric_name: String,
    pub alarm_name: String,
}

impl ControlNames {
    /// The metric orgsweep's own filter for this control publishes.
    pub fn metric(&self, namespace: &str) -> crate::facts::MetricTransformation {
        crate::facts::MetricTransformation {
            namespace: namespace.to_string(),
            metric_name: self.metric_name.clone(),
            value: "1".into(),
            dimensions: Default::default(),
        }
    }
}

impl Control {
    /// The CIS number: the selected benchmark's when it is a CIS benchmark, else the default
    /// (newest) CIS benchmark's.
    pub(crate) fn cis_number(&self) -> Option<&str> {
        if self.benchmark.is_cis() {
            return Some(&self.number);
        }
        let label = format!("v{}", Benchmark::default().version());
        self.cis.get(&label).map(String::as_str)
    }

    /// Whether `word` names this control: its id, its number in its benchmark, or its Security
    /// Hub id (in any letter case).
    pub(crate) fn answers_to(&self, word: &str) -> bool {
        self.id == word
            || self.number.eq_ignore_ascii_case(word)
            || self
                .security_hub
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
    }
}

/// Judges a pattern against the default control (console authentication failures).
pub fn judge(text: &str) -> pattern::PatternVerdict {
    pattern::judge_for(text, &default_control().reference)
}

/// The ids, for messages that list them.
pub(crate) fn valid_ids() -> String {
    table()
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a word looks like a control number (`4.6`, `CloudWatch.6`) rather than an id.
fn looks_like_number(w: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let lower = w.to_ascii_lowercase();
    match lower.strip_prefix("cloudwatch.") {
        Some(n) => digits(n),
        None => lower.contains('.') && lower.split('.').all(digits),
    }
}

/// Why `word` names no control of `benchmark`: which benchmarks number it that way, or the
/// valid ids for a typo.
fn unknown_word(word: &str, benchmark: Benchmark) -> String {
    if let Some(c) = tables().iter().flatten().find(|c| c.id == word) {
        return format!(
            "control {} is not part of {}; it is checked under {}",
            c.id,
            benchmark.label(),
            Benchmark::all()
                .filter(|b| b.entry(&c.id).is_some())
                .map(|b| b.id())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if looks_like_number(word) {
        let elsewhere: Vec<String> = Benchmark::all()
            .filter(|b| *b != benchmark)
            .filter_map(|b| {
                table_for(b)
                    .iter()
                    .find(|c| c.number.eq_ignore_ascii_case(word))
                    .map(|c| format!("{} ({})", b.label(), c.id))
            })
            .collect();
        let mut m = format!(
            "`{word}` is not a control number of {} (it numbers the monitoring controls {})",
            benchmark.label(),
            benchmark.number_range()
        );
        if elsewhere.is_empty() {
            m.push_str("; no benchmark numbers a control that way");
        } else {
            m.push_str(&format!(
                "; `{word}` is a number of {}: use the control id, or choose that benchmark with --benchmark",
                elsewhere.join(", ")
            ));
        }
        m.push_str(&format!("; valid ids: all, {}", valid_ids()));
        return m;
    }
    let example = table_for(benchmark)
        .get(2)
        .map_or(String::new(), |c| format!(" such as {}", c.number));
    let hint = nearest_id(word)
        .map(|id| format!(" (did you mean `{id}`?)"))
        .unwrap_or_default();
    format!(
        "unknown control `{word}`{hint}; valid: all, {} (or a {} number{example}, or a Security Hub id such as CloudWatch.1)",
        valid_ids(),
        benchmark.label()
    )
}

/// The control id closest to a mistyped word, when one is close (an edit distance of at most
/// a third of the word, or the word is the start of exactly one id).
fn nearest_id(word: &str) -> Option<&'static str> {
    let word = word.to_ascii_lowercase();
    let ids: Vec<&'static str> = table().iter().map(|c| c.id.as_str()).collect();
    let prefixed: Vec<&&str> = ids.iter().filter(|id| id.starts_with(&word)).collect();
    if word.len() >= 3 && prefixed.len() == 1 {
        return Some(prefixed[0]);
    }
    ids.iter()
        .map(|id| (edit_distance(&word, id), *id))
        .filter(|(d, _)| *d <= (word.chars().count() / 3).max(1))
        .min()
        .map(|(_, id)| id)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// Resolves a selection (`all`, ids, the benchmark's numbers, Security Hub ids) to that
/// benchmark's controls in table order, without duplicates. The error says which word is
/// unknown and why: a number of another benchmark, a control the benchmark lacks, or a typo.
pub fn select(words: &[String], benchmark: Benchmark) -> Result<Vec<&'static Control>, String> {
    let table = table_for(benchmark);
    let words: Vec<&str> = words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.iter().any(|w| w.eq_ignore_ascii_case("all")) {
        return Ok(table.iter().collect());
    }
    let mut chosen: Vec<&'static Control> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for w in words {
        match table.iter().find(|c| c.answers_to(w)) {
            Some(c) if !chosen.iter().any(|x| x.id == c.id) => chosen.push(c),
            Some(_) => {}
            None => unknown.push(w),
        }
    }
    match unknown.as_slice() {
        [] => {
            chosen.sort_by_key(|c| order_of(&c.id));
            Ok(chosen)
        }
        [one] => Err(unknown_word(one, benchmark)),
        // Every unknown word at once, so one correction fixes them all.
        many => Err(format!(
            "{} unknown controls: {}",
            many.len(),
            many.iter()
                .map(|w| unknown_word(w, benchmark))
                .collect::<Vec<_>>()
                .join(" | ")
        )),
    }
}

/// One benchmark's view of a control, as `orgsweep controls --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BenchmarkRow {
    pub number: String,
    pub title: String,
    pub status: Assessment,
    /// What the judge compares with and remediation writes under this benchmark.
    pub reference: String,
    /// Other official spellings (`strict_cis` accepts them).
    pub other_texts: Vec<String>,
}

/// One row as `orgsweep controls --json` prints it: the selected benchmark's view in the
/// top-level fields, every benchmark's in `benchmarks`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ControlRow {
    pub id: String,
    pub title: String,
    pub benchmark: Benchmark,
    pub number: String,
    pub official_title: String,
    pub status: Assessment,
    pub cis: BTreeMap<String, String>,
    pub security_hub: Option<String>,
    pub reference: String,
    pub other_texts: Vec<String>,
    pub catches: String,
    pub must_not_match: Option<String>,
    pub global_events: bool,
    pub event_sources: Vec<String>,
    pub event_names: Vec<String>,
    pub event_types: Vec<String>,
    pub filter_name: String,
    pub metric_name: String,
    pub alarm_name: String,
    /// Benchmark id → its view; benchmarks without the control are absent.
    pub benchmarks: BTreeMap<String, BenchmarkRow>,
}

impl From<&Control> for ControlRow {
    fn from(c: &Control) -> ControlRow {
        let benchmarks = Benchmark::all()
            .filter_map(|b| get_in(b, &c.id).map(|v| (b.id().to_string(), v)))
            .map(|(id, v)| {
                (
                    id,
                    BenchmarkRow {
                        number: v.number.clone(),
                        title: v.official_title.clone(),
                        status: v.status,
                        reference: v.reference.texts[0].clone(),
                        other_texts: v.reference.texts[1..].to_vec(),
                    },
                )
            })
            .collect();
        ControlRow {
            id: c.id.clone(),
            title: c.title.clone(),
            benchmark: c.benchmark,
            number: c.number.clone(),
            official_title: c.official_title.clone(),
            status: c.status,
            cis: c.cis.clone(),
            security_hub: c.security_hub.clone(),
            reference: c.reference.texts[0].clone(),
            other_texts: c.reference.texts[1..].to_vec(),
            catches: c.reference.catches.clone(),
            must_not_match: c.reference.noise.as_ref().map(|n| n.label.clone()),
            global_events: c.global_events,
            event_sources: c.events.sources.clone(),
            event_names: c.events.names.clone(),
            event_types: c.events.types.clone(),
            filter_name: c.filter_name.clone(),
            metric_name: c.metric_name.clone(),
            alarm_name: c.alarm_name.clone(),
            benchmarks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unknown_control_is_named_with_a_suggestion() {
        let words = ["root-usgae".to_string(), "vpc-chnges".to_string()];
        let e = select(&words, Benchmark::default()).unwrap_err();
        assert!(e.starts_with("2 unknown controls"), "{e}");
        assert!(e.contains("did you mean `root-usage`?"), "{e}");
        assert!(e.contains("did you mean `vpc-changes`?"), "{e}");
        let e = select(&["cloudtrail".to_string()], Benchmark::default()).unwrap_err();
        assert!(
            e.contains("did you mean `cloudtrail-config-changes`?"),
            "{e}"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    fn bench(id: &str) -> Benchmark {
        Benchmark::parse(id).unwrap()
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_benchmark_table_passes_its_self_test() {
        let t = parse_table(CONTROLS_TOML).unwrap();
        assert_eq!(t.len(), 15);
        assert_eq!(Benchmark::default().id(), "cis-7.0");
        for b in Benchmark::all() {
            let t = table_for(b);
            self_test(t).unwrap_or_else(|e| panic!("{b}: {e}"));
            let want = if ["cis-1.2", "security-hub"].contains(&b.id()) {
                14
            } else {
                15
            };
            assert_eq!(t.len(), want, "{b}");
            assert!(t.iter().all(|c| c.benchmark == b));
        }
        assert_eq!(Benchmark::all().count(), 10);
        // Security Hub and CIS v1.2.0 have no Organizations control.
        assert!(get_in(bench("security-hub"), "organizations-changes").is_none());
        assert!(get_in(bench("cis-1.2"), "organizations-changes").is_none());
    }

    #[test]
    fn numbers_are_unique_within_a_benchmark_and_follow_the_versions() {
        for b in Benchmark::all() {
            let mut seen = std::collections::BTreeSet::new();
            for c in table_for(b) {
                assert!(seen.insert(c.number.clone()), "{b}: {} twice", c.number);
            }
        }
        let n = |b: &str, id: &str| get_in(bench(b), id).unwrap().number.clone();
        assert_eq!(n("cis-1.2", "console-auth-failures"), "3.6");
        assert_eq!(n("cis-3.0", "console-auth-failures"), "4.6");
        assert_eq!(n("cis-5.0", "security-group-changes"), "4.10");
        assert_eq!(n("cis-6.0", "organizations-changes"), "5.15");
        assert_eq!(n("cis-7.0", "console-auth-failures"), "5.6");
        assert_eq!(n("security-hub", "root-usage"), "CloudWatch.1");
        let dup = benchmarks::BENCHMARKS_TOML.replacen(
            "root-usage = { number = \"5.3\"",
            "root-usage = { number = \"5.2\"",
            1,
        );
        let e = parse_tables(CONTROLS_TOML, &dup).unwrap_err().0;
        assert!(e.contains("number 5.2"), "{e}");
    }

    #[test]
    fn status_and_titles_are_each_benchmarks() {
        let c = |b: &str| get_in(bench(b), "unauthorized-api-calls").unwrap();
        assert_eq!(c("cis-1.2").status, Assessment::Scored);
        assert_eq!(c("cis-1.4").status, Assessment::Automated);
        assert_eq!(c("cis-2.0").status, Assessment::Manual);
        assert_eq!(c("cis-4.0").status, Assessment::Automated);
        assert_eq!(c("cis-7.0").status, Assessment::Manual);
        assert_eq!(
            c("cis-7.0").official_title,
            "Ensure unauthorized API calls are monitored"
        );
        assert_eq!(c("cis-7.0").cis_number(), Some("5.1"));
        assert_eq!(c("security-hub").cis_number(), Some("5.1"));
        assert_eq!(c("cis-4.0").cis_number(), Some("4.1"));
    }

    /// The meaning of the same control's reference under two benchmarks: equal unless the data
    /// says one is broader. (control, broader, narrower) — every other pair must be equal.
    const BROADER: &[(&str, &[&str], &[&str])] = &[
        (
            "unauthorized-api-calls",
            &["cis-1.2", "security-hub"],
            &[
                "cis-1.4", "cis-1.5", "cis-2.0", "cis-3.0", "cis-4.0", "cis-5.0", "cis-6.0",
                "cis-7.0",
            ],
        ),
        (
            "console-signin-without-mfa",
            &[
                "cis-1.2", "cis-1.4", "cis-1.5", "cis-2.0", "cis-3.0", "cis-4.0", "cis-5.0",
                "cis-6.0", "cis-7.0",
            ],
            &["security-hub"],
        ),
        (
            "security-group-changes",
            &["cis-5.0", "cis-6.0", "cis-7.0"],
            &[
                "cis-1.2",
                "cis-1.4",
                "cis-1.5",
                "cis-2.0",
                "cis-3.0",
                "cis-4.0",
                "security-hub",
            ],
        ),
    ];

    #[test]
    fn verdicts_between_benchmarks_are_what_the_data_says() {
        for c in table() {
            for a in Benchmark::all() {
                for b in Benchmark::all() {
                    let (Some(ca), Some(cb)) = (get_in(a, &c.id), get_in(b, &c.id)) else {
                        continue;
                    };
                    // Does a filter with b's text catch everything a's reference catches?
                    let v = pattern::judge_for(&cb.reference.texts[0], &ca.reference);
                    let narrower = BROADER.iter().any(|(id, broad, narrow)| {
                        *id == c.id && broad.contains(&a.id()) && narrow.contains(&b.id())
                    });
                    assert_eq!(
                        v.catches_all, !narrower,
                        "{}: {b}'s text under {a}: {}",
                        c.id, v.explanation
                    );
                }
            }
        }
        // The v4.0-era security-group filter misses exactly ModifySecurityGroupRules.
        let v4 = &get_in(bench("cis-4.0"), "security-group-changes")
            .unwrap()
            .reference;
        let v7 = &get_in(bench("cis-7.0"), "security-group-changes")
            .unwrap()
            .reference;
        let v = pattern::judge_for(&v4.texts[0], v7);
        assert!(
            !v.catches_all && v.explanation.contains("ModifySecurityGroupRules"),
            "{}",
            v.explanation
        );
        assert!(pattern::judge_for(&v7.texts[0], v4).catches_all);
    }

    #[test]
    fn strict_cis_compares_with_the_benchmarks_own_texts() {
        let all_or = "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") || ($.sourceIPAddress!=\"delivery.logs.amazonaws.com\") || ($.eventName!=\"HeadBucket\") }";
        let r = |b: &str| {
            &get_in(bench(b), "unauthorized-api-calls")
                .unwrap()
                .reference
        };
        // v1.4-v3.0 print the all-|| text: official there, but judged with the v4.0 precedence
        // text (it is broader, so it passes; it is not the reference).
        let v = pattern::judge_for(all_or, r("cis-1.4"));
        assert!(v.strict_cis && v.catches_all, "{v:?}");
        assert_eq!(r("cis-1.4").texts[0], r("cis-4.0").texts[0]);
        assert!(!pattern::judge_for(all_or, r("cis-4.0")).strict_cis);
        // Security Hub's spelling is official under Security Hub only.
        let hub = &get_in(bench("security-hub"), "unauthorized-api-calls")
            .unwrap()
            .reference
            .texts[0];
        assert!(pattern::judge_for(hub, r("security-hub")).strict_cis);
        assert!(!pattern::judge_for(hub, r("cis-7.0")).strict_cis);
        let v7 = &get_in(bench("cis-7.0"), "security-group-changes")
            .unwrap()
            .reference;
        let v4 = &get_in(bench("cis-4.0"), "security-group-changes")
            .unwrap()
            .reference;
        assert!(!pattern::judge_for(&v4.texts[0], v7).strict_cis);
        assert!(pattern::judge_for(&v7.texts[0], v7).strict_cis);
    }

    #[test]
    fn a_row_that_does_not_catch_itself_cannot_ship() {
        let sso = get_in(bench("cis-7.0"), "console-signin-without-mfa")
            .unwrap()
            .reference
            .texts[1]
            .clone();
        let broken = benchmarks::BENCHMARKS_TOML.replacen(&sso, "{ ($.eventName = ) }", 1);
        let t = parse_tables(CONTROLS_TOML, &broken).unwrap();
        assert!(t.iter().any(|t| self_test(t).is_err()));
        let unparsable =
            CONTROLS_TOML.replacen("($.eventName = CreateTrail)", "($.eventName = )", 1);
        assert!(parse_table(&unparsable)
            .unwrap_err()
            .0
            .contains("cloudtrail-config-changes"));
        let unknown =
            benchmarks::BENCHMARKS_TOML.replacen("vpc-changes = {", "vpc-changnes = {", 1);
        assert!(parse_tables(CONTROLS_TOML, &unknown)
            .unwrap_err()
            .0
            .contains("vpc-changnes"));
    }

    #[test]
    fn watched_event_names_come_from_the_reference() {
        let names = |id: &str| get(id).unwrap().events.names.clone();
        assert_eq!(names("console-auth-failures"), vec!["ConsoleLogin"]);
        assert_eq!(
            names("kms-cmk-disable-delete"),
            vec!["DisableKey", "ScheduleKeyDeletion"]
        );
        assert_eq!(names("iam-policy-changes").len(), 16);
        assert_eq!(names("security-group-changes").len(), 7);
        assert_eq!(
            get_in(bench("cis-4.0"), "security-group-changes")
                .unwrap()
                .events
                .names
                .len(),
            6
        );
        // `!=` pins nothing; neither does a reference without eventName.
        assert!(names("unauthorized-api-calls").is_empty());
        assert!(names("root-usage").is_empty());
        assert_eq!(
            get("kms-cmk-disable-delete").unwrap().events.sources,
            vec!["kms.amazonaws.com"]
        );
        let drifted = CONTROLS_TOML.replacen(
            "event_sources = [\"kms.amazonaws.com\"]",
            "event_sources = [\"ec2.amazonaws.com\"]",
            1,
        );
        assert!(parse_table(&drifted)
            .unwrap_err()
            .0
            .contains("kms-cmk-disable-delete"));
    }

    #[test]
    fn selection_by_id_benchmark_number_and_security_hub_id() {
        let ids = |w: &[&str], b: &str| {
            select(&words(w), bench(b)).map(|v| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
        };
        assert_eq!(ids(&["all"], "cis-7.0").unwrap().len(), 15);
        assert_eq!(ids(&[], "cis-7.0").unwrap().len(), 15);
        assert_eq!(ids(&["all"], "security-hub").unwrap().len(), 14);
        assert_eq!(
            ids(&["CloudWatch.6", "5.3", "root-usage"], "cis-7.0").unwrap(),
            vec!["root-usage", "console-auth-failures"]
        );
        assert_eq!(ids(&["4.3"], "cis-5.0").unwrap(), vec!["root-usage"]);
        assert_eq!(ids(&["3.3"], "cis-1.2").unwrap(), vec!["root-usage"]);
        assert_eq!(
            ids(&["cloudwatch.1"], "cis-7.0").unwrap(),
            vec!["root-usage"]
        );
        // The selected rows are that benchmark's.
        let sg = select(&words(&["security-group-changes"]), bench("cis-4.0")).unwrap();
        assert_eq!(sg[0].benchmark, bench("cis-4.0"));
        assert_eq!(sg[0].number, "4.10");
    }

    #[test]
    fn an_unknown_word_says_why() {
        let err = |w: &str, b: &str| select(&words(&[w]), bench(b)).unwrap_err();
        let e = err("4.6", "cis-7.0");
        assert!(
            e.contains("`4.6` is not a control number of CIS v7.0.0")
                && e.contains("5.1–5.15")
                && e.contains("CIS v5.0.0 (console-auth-failures)"),
            "{e}"
        );
        let e = err("4.16", "cis-5.0");
        assert!(e.contains("CIS v5.0.0") && e.contains("4.1–4.15"), "{e}");
        assert!(e.contains("no benchmark numbers"), "{e}");
        let e = err("4.6", "security-hub");
        assert!(e.contains("CloudWatch.1–CloudWatch.14"), "{e}");
        let e = err("organizations-changes", "security-hub");
        assert!(
            e.contains("not part of AWS Security Hub") && e.contains("cis-7.0"),
            "{e}"
        );
        let e = err("vpc-chagnes", "cis-7.0");
        assert!(
            e.contains("`vpc-chagnes`") && e.contains("console-auth-failures"),
            "{e}"
        );
        assert!(Benchmark::parse("cis-8.0")
            .unwrap_err()
            .contains("cis-7.0, security-hub"));
        assert_eq!(Benchmark::parse("CIS-5.0").unwrap().id(), "cis-5.0");
    }
}
