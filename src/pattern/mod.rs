//! The filter-pattern judge: parse CloudWatch Logs filter patterns and decide, by meaning,
//! whether a metric filter catches every failed console sign-in the CIS pattern catches.
//!
//! The emulator stores patterns without evaluating them and `TestMetricFilter` is not
//! available there, so this module is the only judge of step 3 of the control chain. It is
//! pure (no I/O) and split by job:
//! - [`ast`]: the tree; [`parse`](mod@parse): text → tree with positioned errors;
//!   `print`: tree → canonical text;
//! - [`json`]: a lazy JSON reader; [`eval`]: pattern × log event → match;
//! - [`judge`](mod@judge): the sound case analysis; [`explain`]: the sentences.

pub mod ast;
pub mod eval;
pub mod explain;
pub mod json;
pub mod judge;
pub mod parse;
mod print;

pub use ast::{
    Body, Cmp, Expr, Glob, Op, Pattern, Re, Selector, Slot, Step, Term, TermKind, Test, Value,
};
pub use parse::{ParseError, MAX_PATTERN_CHARS, MAX_REGEXES};

use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The CIS AWS Foundations Benchmark pattern for console authentication failures.
pub const CIS_PATTERN: &str =
    "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";

/// The same pattern as AWS Security Hub (CloudWatch.6) spells it.
pub const SECURITY_HUB_PATTERN: &str =
    "{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}";

/// The judge's verdict on one filter pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternVerdict {
    /// The pattern is valid filter-pattern syntax within CloudWatch's limits.
    pub parse_ok: bool,
    /// When not `parse_ok`: the message, with the byte offset and what was expected.
    pub error: Option<String>,
    /// Catches every failed console sign-in the CIS pattern catches.
    pub catches_all: bool,
    /// Also matches successful console sign-ins (the alarm will be noisy).
    pub matches_success: bool,
    /// The text is the CIS or Security Hub pattern up to whitespace.
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

/// Judges a pattern text. Pure: the same text always gives the same verdict.
pub fn judge(text: &str) -> PatternVerdict {
    let strict_cis = is_strict_cis(text);
    match parse::parse(text) {
        Err(e) => {
            let msg = e.to_string();
            PatternVerdict {
                parse_ok: false,
                explanation: explain::parse_failed(&msg),
                error: Some(msg),
                catches_all: false,
                matches_success: false,
                strict_cis,
            }
        }
        Ok(p) => {
            let j = judge::judge_parsed(&p);
            let mut explanation = j.explanation;
            if strict_cis {
                explanation = format!("This is the CIS pattern. {explanation}");
            }
            PatternVerdict {
                parse_ok: true,
                error: None,
                catches_all: j.catches_all,
                matches_success: j.matches_success,
                strict_cis,
                explanation,
            }
        }
    }
}

/// Verdicts cached per distinct pattern text, process-wide: a sweep sees the same few
/// patterns in thousands of account × region cells.
pub fn judge_cached(text: &str) -> Arc<PatternVerdict> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<PatternVerdict>>>> = OnceLock::new();
    /// Bound on memory if a caller feeds many distinct texts; the cache is simply reset.
    const MAX_ENTRIES: usize = 10_000;
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
        return Arc::clone(v);
    }
    // Judge outside the lock so other threads are not held up by a slow pattern.
    let v = Arc::new(judge(text));
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    if m.len() >= MAX_ENTRIES {
        m.clear();
    }
    Arc::clone(m.entry(text.to_string()).or_insert(v))
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

/// True when `text` is the CIS or the Security Hub pattern up to whitespace outside quotes.
pub fn is_strict_cis(text: &str) -> bool {
    let s = squeeze(text);
    s == squeeze(CIS_PATTERN) || s == squeeze(SECURITY_HUB_PATTERN)
}

#[cfg(test)]
mod tests;
