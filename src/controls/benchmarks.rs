//! The benchmarks a user audits against (CIS AWS Foundations v1.2.0 … v7.0.0, AWS Security
//! Hub) as data: `config/benchmarks.toml`, compiled in. A [`Benchmark`] is a value naming one
//! of them; what differs between them — numbers, titles, status, reference texts — is looked up
//! in the data, never branched on in code.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The benchmarks table shipped with the binary.
pub(crate) const BENCHMARKS_TOML: &str = include_str!("../../config/benchmarks.toml");

/// One benchmark's entry for one control, as the data has it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The control's number in this benchmark (`5.6`, `CloudWatch.6`).
    pub number: String,
    /// The benchmark's own title of the control.
    pub title: String,
    pub status: Assessment,
    /// This benchmark's reference text, when its meaning differs from the base reference.
    pub reference: Option<String>,
    /// Other texts the benchmark prints for the control: official for `strict_cis`, never judged.
    #[serde(default)]
    pub printed: Vec<String>,
}

/// A recommendation's assessment status, as the benchmark states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assessment {
    Automated,
    Manual,
    /// CIS v1.2.0 predates Automated/Manual; its monitoring items are Scored.
    Scored,
}

impl fmt::Display for Assessment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Assessment::Automated => "Automated",
            Assessment::Manual => "Manual",
            Assessment::Scored => "Scored",
        })
    }
}

/// One benchmark as the data describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub id: String,
    pub name: String,
    pub version: String,
    pub label: String,
    pub section: String,
    #[serde(default)]
    pub default: bool,
    pub sources: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Control id → this benchmark's entry. A control without one is not checked under it.
    pub controls: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenchmarks {
    benchmark: Vec<Spec>,
}

/// Parses a benchmarks table: ids unique and well formed, exactly one default, numbers unique
/// within each benchmark.
pub(crate) fn parse_specs(text: &str) -> Result<Vec<Spec>, String> {
    let raw: RawBenchmarks =
        toml::from_str(text).map_err(|e| format!("benchmarks.toml: {}", e.message()))?;
    let specs = raw.benchmark;
    for (i, s) in specs.iter().enumerate() {
        if specs[..i].iter().any(|o| o.id == s.id) {
            return Err(format!("benchmark {}: the id is used twice", s.id));
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, e) in &s.controls {
            if let Some(other) = seen.insert(e.number.as_str(), id.as_str()) {
                return Err(format!(
                    "benchmark {}: number {} is both {other}'s and {id}'s",
                    s.id, e.number
                ));
            }
        }
        if s.sources.is_empty() {
            return Err(format!("benchmark {}: no source is cited", s.id));
        }
    }
    match specs.iter().filter(|s| s.default).count() {
        1 => Ok(specs),
        n => Err(format!(
            "benchmarks.toml: {n} benchmarks are marked default; exactly one must be"
        )),
    }
}

/// The shipped benchmarks, parsed once.
pub fn specs() -> &'static [Spec] {
    static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        parse_specs(BENCHMARKS_TOML).unwrap_or_else(|e| {
            panic!("the shipped benchmarks table is broken ({e}); the unit tests guard this")
        })
    })
}

/// One of the shipped benchmarks (an index into the table, so it is `Copy` and cheap to pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Benchmark(usize);

impl Default for Benchmark {
    /// The benchmark marked `default` (the newest CIS version).
    fn default() -> Self {
        Benchmark(
            specs()
                .iter()
                .position(|s| s.default)
                .expect("parse_specs guarantees one default"),
        )
    }
}

impl Benchmark {
    /// Every shipped benchmark, in table order.
    pub fn all() -> impl Iterator<Item = Benchmark> {
        (0..specs().len()).map(Benchmark)
    }

    /// The benchmark with this id (`cis-7.0`, `security-hub`; any letter case). The error lists
    /// the valid ids.
    pub fn parse(id: &str) -> Result<Benchmark, String> {
        let want = id.trim();
        specs()
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(want))
            .map(Benchmark)
            .ok_or_else(|| format!("unknown benchmark `{want}`; valid: {}", valid_ids()))
    }

    /// The benchmark at `i` in table order (tables are built per position).
    pub(crate) fn at(i: usize) -> Benchmark {
        Benchmark(i)
    }

    pub(crate) fn index(self) -> usize {
        self.0
    }

    pub fn spec(self) -> &'static Spec {
        &specs()[self.0]
    }

    /// `cis-7.0`.
    pub fn id(self) -> &'static str {
        &self.spec().id
    }

    /// `CIS v7.0.0`, `AWS Security Hub`.
    pub fn label(self) -> &'static str {
        &self.spec().label
    }

    /// The standard's name (`CIS Amazon Web Services Foundations Benchmark`).
    pub fn name(self) -> &'static str {
        &self.spec().name
    }

    /// The standard's version (`7.0.0`).
    pub fn version(self) -> &'static str {
        &self.spec().version
    }

    /// The standard as one string (`CIS Amazon Web Services Foundations Benchmark v7.0.0`; the
    /// Security Hub controls as `AWS Security Hub`): what OCSF's `compliance.standards` holds.
    pub fn standard(self) -> String {
        if self.is_cis() {
            format!("{} v{}", self.name(), self.version())
        } else {
            self.name().to_string()
        }
    }

    /// Whether this is a CIS benchmark (its numbers are CIS numbers).
    pub(crate) fn is_cis(self) -> bool {
        self.spec().id.starts_with("cis-")
    }

    /// This benchmark's entry for a control, if the control is part of it.
    pub fn entry(self, control: &str) -> Option<&'static Entry> {
        self.spec().controls.get(control)
    }

    /// The lowest and highest of its numbers, for messages: `5.1–5.15`, `CloudWatch.1–CloudWatch.14`.
    pub(crate) fn number_range(self) -> String {
        let mut nums: Vec<&str> = self
            .spec()
            .controls
            .values()
            .map(|e| e.number.as_str())
            .collect();
        nums.sort_by_key(|n| number_key(n));
        match (nums.first(), nums.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => "none".into(),
        }
    }
}

/// Sort key of a control number: its dot-separated parts, numerically where they are numbers.
fn number_key(n: &str) -> Vec<(u64, String)> {
    n.split('.')
        .map(|p| (p.parse().unwrap_or(0), p.to_string()))
        .collect()
}

impl fmt::Display for Benchmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Benchmark {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Benchmark {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Benchmark::parse(&id).map_err(serde::de::Error::custom)
    }
}

/// The ids, for messages that list them.
pub(crate) fn valid_ids() -> String {
    specs()
        .iter()
        .map(|s| s.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
