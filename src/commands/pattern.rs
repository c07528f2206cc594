//! `orgsweep pattern [--json] [--benchmark ID] [--control ID] PATTERN`: judge one metric-filter
//! pattern offline, against the selected benchmark's reference for the control.
//!
//! Usage:
//!   orgsweep pattern '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
//!   orgsweep pattern --json '{ $.eventName = ConsoleLogin }'
//!   orgsweep pattern --control 5.3 '{ $.userIdentity.type = "Root" }'
//!   orgsweep pattern --benchmark cis-4.0 --control 4.10 '{ ($.eventName = CreateSecurityGroup) }'
//!
//! Exit code 0 when a metric filter with this pattern serves the control — it catches every
//! event the control's reference pattern catches and does not match its must-not-match class
//! (successful sign-ins, for console authentication failures) — and 1 when it does not (the
//! `check` judge's rule, `judge::chain::verdict_problem`). A pattern that does not parse is a
//! verdict on the pattern too (1), not a usage error; an unknown control or benchmark is (2).
//! `--json` prints one JSON object: `benchmark`, `number`, `control`, `parse_ok`, `error`,
//! `catches_all`, `matches_success`, `strict_cis` (the text is one of that benchmark's
//! official texts), `explanation`.

use super::stdout::{say, sayln};
use serde::Serialize;

use crate::cli::BenchmarkArg;
use crate::controls::{self, Control};
use crate::judge::chain::verdict_problem;
use crate::pattern::{judge_for, PatternVerdict};

use super::{CommandError, Ended};

/// The JSON output: the verdict, named by benchmark and number.
#[derive(Serialize)]
struct Output<'a> {
    benchmark: controls::Benchmark,
    number: &'a str,
    #[serde(flatten)]
    verdict: &'a PatternVerdict,
}

/// Judges `pattern` against `control` under the chosen benchmark and prints the verdict.
pub fn run(
    json: bool,
    pattern: &str,
    control: &str,
    benchmark: &BenchmarkArg,
) -> Result<Ended, CommandError> {
    let benchmark = benchmark.resolve().map_err(CommandError::Usage)?;
    let control = match controls::select(&[control.to_string()], benchmark) {
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
        let out = Output {
            benchmark,
            number: &control.number,
            verdict: &v,
        };
        let s = serde_json::to_string(&out)
            .map_err(|e| CommandError::Output(format!("cannot encode the verdict as JSON: {e}")))?;
        sayln!("{s}");
    } else {
        say!("{}{}", context(control), human(pattern, &v));
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

/// Which benchmark and reference the verdict is against.
fn context(c: &Control) -> String {
    format!(
        "benchmark:        {} ({})\nnumber:           {} {}\nreference:        {}\n",
        c.benchmark.label(),
        c.benchmark.id(),
        c.number,
        c.official_title,
        c.reference.texts[0]
    )
}

/// The human-readable report.
pub(crate) fn human(pattern: &str, v: &PatternVerdict) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut s = String::new();
    s.push_str(&format!("pattern:          {pattern}\n"));
    // The caret goes right under the pattern it points into, before any other line.
    if let Some(off) = v.error_offset {
        s.push_str(&format!("                  {}\n", caret(pattern, off)));
    }
    s.push_str(&format!("control:          {}\n", v.control));
    if let Some(e) = &v.error {
        s.push_str(&format!("parse error:      {e}\n"));
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
    s.push_str(&format!(
        "official text:    {} (of the selected benchmark)\n",
        yes_no(v.strict_cis)
    ));
    s.push_str(&format!("why: {}\n", v.explanation));
    s
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
    fn the_caret_stands_under_the_pattern_at_the_error() {
        let text = "{ $.eventName = ConsoleLogin && }";
        let out = human(text, &judge(text));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("pattern:"), "{out}");
        let col = lines[1]
            .find('^')
            .expect("a caret on the line under the pattern");
        let at = judge(text).error_offset.unwrap();
        assert_eq!(col, "pattern:          ".len() + at, "{out}");
        assert_eq!(out.matches("control:").count(), 1, "{out}");
    }

    #[test]
    fn endings() {
        assert_eq!(ended(&judge(CIS_PATTERN)), Ended::Clean);
        assert_eq!(ended(&judge("{ $.eventName = ")), Ended::Failed);
        assert_eq!(
            ended(&judge("{ $.eventName = ConsoleLogin && $.userName = x }")),
            Ended::Failed
        );
        assert!(matches!(
            run(true, CIS_PATTERN, "no-such-control", &BenchmarkArg::default()),
            Err(CommandError::Usage(m)) if m.contains("console-auth-failures")
        ));
        let v4 = BenchmarkArg {
            benchmark: Some("cis-4.0".into()),
        };
        assert!(matches!(
            run(true, CIS_PATTERN, "5.6", &v4),
            Err(CommandError::Usage(m)) if m.contains("CIS v4.0.0")
        ));
        let bad = BenchmarkArg {
            benchmark: Some("cis-9.9".into()),
        };
        assert!(matches!(
            run(true, CIS_PATTERN, "4.6", &bad),
            Err(CommandError::Usage(m)) if m.contains("cis-9.9") && m.contains("security-hub")
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
        let out = serde_json::to_value(Output {
            benchmark: controls::Benchmark::default(),
            number: "5.6",
            verdict: &judge(CIS_PATTERN),
        })
        .unwrap();
        assert_eq!(out["benchmark"], "cis-7.0");
        assert_eq!(out["number"], "5.6");
        assert_eq!(out["catches_all"], true);
        for k in [
            "control",
            "parse_ok",
            "error",
            "catches_all",
            "matches_success",
            "strict_cis",
            "explanation",
        ] {
            assert!(v.get(k).is_some() && out.get(k).is_some(), "missing {k}");
        }
    }
}
