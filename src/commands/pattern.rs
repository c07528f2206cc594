//! `orgsweep pattern [--json] [--control ID] PATTERN`: judge one metric-filter pattern offline.
//!
//! Usage:
//!   orgsweep pattern '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
//!   orgsweep pattern --json '{ $.eventName = ConsoleLogin }'
//!   orgsweep pattern --control 4.3 '{ $.userIdentity.type = "Root" }'
//!
//! Exit code 0 when a metric filter with this pattern serves the control — it catches every
//! event the control's reference pattern catches and does not match its must-not-match class
//! (successful sign-ins, for console authentication failures) — and 1 when it does not (the
//! `check` judge's rule, `judge::chain::verdict_problem`). A pattern that does not parse is a
//! verdict on the pattern too (1), not a usage error; an unknown control is (2). `--json`
//! prints one JSON object: `control`, `parse_ok`, `error`, `catches_all`, `matches_success`,
//! `strict_cis`, `explanation`.

use crate::controls;
use crate::judge::chain::verdict_problem;
use crate::pattern::{judge_for, PatternVerdict};

use super::{CommandError, Ended};

/// Judges `pattern` against `control` and prints the verdict to stdout.
pub fn run(json: bool, pattern: &str, control: &str) -> Result<Ended, CommandError> {
    let control = match controls::select(&[control.to_string()]) {
        Ok(c) if c.len() == 1 => c[0],
        Ok(_) => {
            return Err(CommandError::Usage(format!(
                "--control: give one control, not `{control}`; valid: {}",
                controls::valid_ids()
            )))
        }
        Err(e) => return Err(CommandError::Usage(format!("--control: {e}"))),
    };
    let v = judge_for(pattern, &control.reference);
    if json {
        let s = serde_json::to_string(&v)
            .map_err(|e| CommandError::Output(format!("cannot encode the verdict as JSON: {e}")))?;
        println!("{s}");
    } else {
        print!("{}", human(pattern, &v));
    }
    Ok(ended(&v))
}

/// Clean when a filter with this pattern passes the check's pattern link, Failed otherwise.
pub fn ended(v: &PatternVerdict) -> Ended {
    if verdict_problem(v).is_none() {
        Ended::Clean
    } else {
        Ended::Failed
    }
}

/// The human-readable report.
pub fn human(pattern: &str, v: &PatternVerdict) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut s = String::new();
    s.push_str(&format!("pattern:          {pattern}\n"));
    s.push_str(&format!("control:          {}\n", v.control));
    s.push_str(&format!("control:          {}\n", v.control));
    if let Some(e) = &v.error {
        s.push_str(&format!("parse error:      {e}\n"));
        if let Some(off) = error_offset(e) {
            s.push_str(&format!("                  {}\n", caret(pattern, off)));
        }
    }
    let problem = verdict_problem(v);
    let verdict = match &problem {
        None => "PASS".to_string(),
        // A pattern that catches everything but also successful sign-ins fails for noise.
        Some((reason, why)) if v.catches_all => format!("FAIL ({reason}): {why}"),
        Some((reason, _)) => format!("FAIL ({reason})"),
    };
    s.push_str(&format!("verdict:          {verdict}\n"));
    s.push_str(&format!("parses:           {}\n", yes_no(v.parse_ok)));
    s.push_str(&format!("catches all:      {}\n", yes_no(v.catches_all)));
    s.push_str(&format!(
        "matches success:  {}{}\n",
        yes_no(v.matches_success),
        if v.matches_success {
            " (noisy alarm)"
        } else {
            ""
        }
    ));
    s.push_str(&format!("official text:    {}\n", yes_no(v.strict_cis)));
    s.push_str(&format!("why: {}\n", v.explanation));
    s
}

/// The byte offset in a parse-error message ("at byte N: ...").
fn error_offset(msg: &str) -> Option<usize> {
    msg.strip_prefix("at byte ")?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// A caret under the character at byte `off` (aligned with the "pattern:" line above).
fn caret(pattern: &str, off: usize) -> String {
    let prefix = pattern.get(..off.min(pattern.len())).unwrap_or(pattern);
    format!("{}^", " ".repeat(prefix.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::judge;
    const CIS_PATTERN: &str =
        "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";

    #[test]
    fn endings() {
        assert_eq!(ended(&judge(CIS_PATTERN)), Ended::Clean);
        assert_eq!(ended(&judge("{ $.eventName = ")), Ended::Failed);
        assert_eq!(
            ended(&judge("{ $.eventName = ConsoleLogin && $.userName = x }")),
            Ended::Failed
        );
        assert!(matches!(
            run(true, CIS_PATTERN, "no-such-control"),
            Err(CommandError::Usage(m)) if m.contains("console-auth-failures")
        ));
    }

    #[test]
    fn human_output_points_at_the_error() {
        let p = "{ $.eventName = ConsoleLogin &&& }";
        let out = human(p, &judge(p));
        assert!(out.contains("parse error:      at byte"), "{out}");
        assert!(out.contains('^'), "{out}");
        assert!(out.contains("FAIL"), "{out}");
    }

    #[test]
    fn json_has_the_contract_fields() {
        let v = serde_json::to_value(judge(CIS_PATTERN)).unwrap();
        for k in [
            "control",
            "control",
            "parse_ok",
            "error",
            "catches_all",
            "matches_success",
            "strict_cis",
            "explanation",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
    }
}
