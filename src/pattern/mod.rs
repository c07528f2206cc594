//! The filter-pattern judge: parse CloudWatch Logs filter patterns and decide, by meaning,
//! whether a metric filter catches every event a control's reference pattern catches, and
//! whether it also matches the control's must-not-match class (a noisy alarm).
//!
//! The emulator stores patterns without evaluating them and `TestMetricFilter` is not
//! available there, so this module is the only judge of step 3 of the control chain. It is
//! pure (no I/O) and split by job:
//! - [`ast`]: the tree; [`parse`](mod@parse): text → tree with positioned errors;
//!   `print`: tree → canonical text;
//! - [`json`]: a lazy JSON reader; [`eval`]: pattern × log event → match;
//! - [`model`]: what CloudTrail writes (data, `config/records.toml`); [`solve`]: the case
//!   analysis over it; [`text`]: terms and regexes on the records' text;
//! - [`judge`](mod@judge): candidate against reference; [`example`]: the most ordinary record
//!   that slips through, and the comparisons that drop it; [`explain`]: the sentences.

pub mod ast;
pub mod cases;
pub mod eval;
pub mod example;
pub mod explain;
pub mod json;
pub mod judge;
pub mod model;
pub mod parse;
mod print;
pub mod reference;
pub mod solve;
pub mod text;

pub use ast::{
    Body, Cmp, Expr, Glob, Op, Pattern, Re, Selector, Slot, Step, Term, TermKind, Test, Value,
};
pub use parse::{ParseError, MAX_PATTERN_CHARS, MAX_REGEXES};
pub use reference::{Noise, Reference};

use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The judge's verdict on one filter pattern, for one control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternVerdict {
    /// The control judged against.
    pub control: String,
    /// The pattern is valid filter-pattern syntax within CloudWatch's limits.
    pub parse_ok: bool,
    /// When not `parse_ok`: the message, with the byte offset and what was expected.
    pub error: Option<String>,
    /// When not `parse_ok`: the byte offset in the pattern where parsing stopped (the same
    /// offset the message names), for a caret under the pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_offset: Option<usize>,
    /// Catches every event the control's reference pattern catches.
    pub catches_all: bool,
    /// Also matches the control's must-not-match class (successful console sign-ins for
    /// console authentication failures): the alarm will be noisy. False for a control
    /// without one.
    pub matches_success: bool,
    /// The text is one of the control's official patterns (CIS, Security Hub) up to whitespace.
    pub strict_cis: bool,
    /// Why: which record slips through and why, or why the pattern passes.
    pub explanation: String,
}

/// Parses a filter pattern.
pub fn parse(text: &str) -> Result<Pattern, ParseError> {
    parse::parse(text)
}

/// Does `p` match one log event message (raw text; JSON is read lazily for JSON patterns)?
pub fn matches(p: &Pattern, event_message: &str) -> bool {
    eval::matches(p, event_message)
}

/// Judges a pattern text against a control's reference. Pure: the same text always gives the
/// same verdict.
pub fn judge_for(text: &str, r: &Reference) -> PatternVerdict {
    let strict_cis = is_strict(text, r);
    match parse::parse(text) {
        Err(e) => {
            let msg = e.to_string();
            PatternVerdict {
                control: r.control.clone(),
                parse_ok: false,
                explanation: explain::parse_failed(&msg),
                error: Some(msg),
                error_offset: Some(e.offset),
                catches_all: false,
                matches_success: false,
                strict_cis,
            }
        }
        Ok(p) => {
            let j = judge::judge_parsed(&p, r);
            let mut explanation = j.explanation;
            if strict_cis && j.catches_all {
                explanation = format!(
                    "This is one of the selected benchmark's official texts for the control. {explanation}"
                );
            } else if strict_cis {
                // An official print that is narrower than the benchmark's reference (a second
                // official spelling, or a print the benchmark's own reference corrects).
                explanation = format!(
                    "This is one of the selected benchmark's official texts for the control, yet it does not catch everything the benchmark's reference ({}) catches: {explanation}",
                    r.texts[0]
                );
            }
            PatternVerdict {
                control: r.control.clone(),
                parse_ok: true,
                error: None,
                error_offset: None,
                catches_all: j.catches_all,
                matches_success: j.matches_noise,
                strict_cis,
                explanation,
            }
        }
    }
}

/// A process-wide cache keyed by (control, fingerprint of the reference's texts, pattern text):
/// a sweep sees the same few patterns in thousands of account × region cells. The reference's
/// texts are in the key because one control has different references under different
/// benchmarks (v4.0 and v7.0 security-group texts): verdicts must not cross between them.
type TextCache<T> = OnceLock<Mutex<HashMap<(String, u64, String), Arc<T>>>>;

/// Identifies a reference's meaning and official spellings (its first text is what is judged).
fn reference_fingerprint(r: &Reference) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    r.texts.hash(&mut h);
    h.finish()
}

/// The cached value for `text` under `r`, computed outside the lock (so other threads are not
/// held up by a slow pattern). Bound on memory if a caller feeds many distinct texts: past
/// 20,000 entries the cache is simply reset.
fn cached<T>(
    cache: &'static TextCache<T>,
    text: &str,
    r: &Reference,
    compute: impl FnOnce() -> T,
) -> Arc<T> {
    const MAX_ENTRIES: usize = 20_000;
    let cache = cache.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (
        r.control.clone(),
        reference_fingerprint(r),
        text.to_string(),
    );
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Arc::clone(v);
    }
    let v = Arc::new(compute());
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    if m.len() >= MAX_ENTRIES {
        m.clear();
    }
    Arc::clone(m.entry(key).or_insert(v))
}

/// Verdicts cached per control, reference and distinct pattern text, process-wide.
pub fn judge_cached(text: &str, r: &Reference) -> Arc<PatternVerdict> {
    static CACHE: TextCache<PatternVerdict> = OnceLock::new();
    cached(&CACHE, text, r, || judge_for(text, r))
}

/// How one filter pattern stands to one control. Beyond the verdict: a filter that does not
/// catch everything is a *near miss* when every record it matches is one the reference
/// catches and it matches at least one (containment the other way round, decided by the same
/// judge), with how many of the reference's cases it catches in full; it is *related* when it
/// mentions a value the reference compares with ("reads ConsoleLogin").
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub verdict: PatternVerdict,
    pub near_miss: bool,
    pub closeness: usize,
    pub related: bool,
}

impl Fit {
    /// Catches everything and is not noisy.
    pub fn serves(&self) -> bool {
        self.verdict.parse_ok && self.verdict.catches_all && !self.verdict.matches_success
    }
}

/// The [`Fit`] of a pattern text for a reference.
pub fn fit(text: &str, r: &Reference) -> Fit {
    let verdict = (*judge_cached(text, r)).clone();
    let related = mentions(text, r);
    let mut fit = Fit {
        verdict,
        near_miss: false,
        closeness: 0,
        related,
    };
    if fit.verdict.catches_all {
        return fit;
    }
    let (Ok(p), Body::Json(q)) = (parse::parse(text), &r.pattern.body) else {
        return fit;
    };
    if let Body::Json(e) = &p.body {
        let m = model::RecordModel::shipped();
        if judge::contained(e, q, m) && judge::overlaps(e, q, m) {
            fit.near_miss = true;
            fit.closeness = judge::cases_caught(e, q, m);
        }
    }
    fit
}

/// [`fit`], cached per control, reference and text like the verdicts.
pub(crate) fn fit_cached(text: &str, r: &Reference) -> Arc<Fit> {
    static CACHE: TextCache<Fit> = OnceLock::new();
    cached(&CACHE, text, r, || fit(text, r))
}

/// Whether `text` mentions, in any letter case, a value the reference compares with.
fn mentions(text: &str, r: &Reference) -> bool {
    let lower = text.to_lowercase();
    let Body::Json(q) = &r.pattern.body else {
        return false;
    };
    let mut found = false;
    q.for_each_cmp(&mut |c| {
        if let Test::Op(Op::Eq, Value::Str(g)) = &c.test {
            if g.text.len() >= 4 && lower.contains(&g.text.to_lowercase()) {
                found = true;
            }
        }
    });
    found
}

/// Whether a JSON pattern matches at least one record of the model.
#[cfg(test)]
pub(crate) fn matches_some_record(p: &Pattern, m: &model::RecordModel) -> bool {
    match &p.body {
        Body::Json(e) => judge::matches_some(e, m),
        _ => true,
    }
}

/// The text without whitespace outside double-quoted strings (escapes respected).
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_q = false;
    let mut esc = false;
    for c in text.chars() {
        if in_q {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_q = false;
            }
        } else if c == '"' {
            in_q = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// True when `text` is one of the reference's official spellings up to whitespace outside
/// quotes.
pub fn is_strict(text: &str, r: &Reference) -> bool {
    let s = squeeze(text);
    r.texts.iter().any(|t| squeeze(t) == s)
}

#[cfg(test)]
mod tests;
