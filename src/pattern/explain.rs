//! Human sentences for verdicts: which failed sign-in slips through and why, or why the
//! pattern passes. An admin reads these in a findings file, so they name the field, the
//! value and the rule of the filter language that decides.

use super::ast::*;
use super::eval::Tri;
use super::judge::{Abs, Lookup, World};

/// Known CloudTrail sign-in fields, to point out case-only typos in field names.
const KNOWN_FIELDS: [&str; 22] = [
    "eventVersion",
    "userIdentity",
    "type",
    "principalId",
    "arn",
    "accountId",
    "userName",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorMessage",
    "errorCode",
    "responseElements",
    "ConsoleLogin",
    "additionalEventData",
    "MFAUsed",
    "eventType",
    "recipientAccountId",
    "eventCategory",
];

/// Facts about a field that explain why a condition on it drops real sign-ins.
fn field_hint(sel: &Selector) -> Option<&'static str> {
    let path: Vec<&str> = sel
        .steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.as_str(),
            _ => "#",
        })
        .collect();
    Some(match path.as_slice() {
        ["userName"] => {
            "root sign-ins have no userName, and CloudTrail writes it under userIdentity ($.userIdentity.userName)"
        }
        ["userIdentity", "userName"] => "root sign-ins have no userName",
        ["userIdentity", "type"] => {
            "failed sign-ins come from IAM users (type \"IAMUser\") and from the root user (type \"Root\")"
        }
        ["userIdentity", "arn"] | ["userIdentity", "principalId"] => {
            "this field differs between IAM users and the root user, and may be missing"
        }
        ["awsRegion"] => "console sign-ins are recorded in us-east-1 and in other regions",
        ["additionalEventData", "MFAUsed"] => "failed sign-ins happen with and without MFA",
        ["errorCode"] => "a failed authentication has no errorCode",
        ["responseElements", "ConsoleLogin"] | ["responseElements"] => {
            "only eventName and errorMessage are relied on; other fields may vary or be missing"
        }
        ["eventVersion"] | ["eventCategory"] | ["managementEvent"] | ["readOnly"] | ["tlsDetails", ..] => {
            "older records lack this field and newer ones may change it"
        }
        _ => return None,
    })
}

/// "did you mean" for a field that differs from a CloudTrail field only by case.
fn typo_hint(sel: &Selector) -> Option<String> {
    for s in &sel.steps {
        if let Step::Key(k) = s {
            if let Some(good) = KNOWN_FIELDS
                .iter()
                .find(|f| f.eq_ignore_ascii_case(k) && **f != k.as_str())
            {
                return Some(format!(
                    "CloudTrail writes `{good}`, not `{k}`: field names are case-sensitive"
                ));
            }
        }
    }
    None
}

fn path(sel: &Selector) -> String {
    sel.to_string()
}

fn describe(v: &Abs) -> String {
    match v {
        Abs::Absent => "missing".into(),
        Abs::Null => "null".into(),
        Abs::Bool(b) => b.to_string(),
        Abs::Num(n) => format!("the number {n}"),
        Abs::Str(s) => format!("\"{s}\""),
        Abs::AnyStr => "a string other than the ones the pattern names".into(),
        Abs::AnyNum => "some number".into(),
        Abs::Obj => "an object".into(),
        Abs::Arr => "an array".into(),
        Abs::AnyPresent => "a non-empty array".into(),
    }
}

/// Why the pinned value fails a comparison (case, whole-value `=`).
fn pinned_reason(c: &Cmp, actual: &str) -> String {
    let mut s = format!("every failed sign-in has {} = \"{actual}\"", path(&c.sel));
    if let Test::Op(op, Value::Str(g)) = &c.test {
        if *op == Op::Ne {
            s.push_str(", so this negation excludes exactly the events to catch");
        } else if !g.matches(actual)
            && (g.text.eq_ignore_ascii_case(actual)
                || actual.to_lowercase().contains(&g.text.to_lowercase()))
            && !actual.contains(g.text.as_str())
        {
            s.push_str(" and comparisons are case-sensitive");
        } else if !g.lead && !g.trail && actual.contains(g.text.as_str()) {
            s.push_str(&format!(
                " and `=` compares the whole value (write \"{}*\" or \"*{}*\" to match part of it)",
                g.text, g.text
            ));
        }
    }
    s
}

/// The sentence for a failed sign-in the JSON pattern does not match.
pub fn json_slips(e: &Expr, w: &World) -> String {
    let mut free: Vec<String> = Vec::new();
    for (sel, v) in w.vars.iter().zip(&w.vals) {
        if let Some(v) = v {
            if !matches!(w.lookup(sel), Lookup::Forced(..)) {
                free.push(format!("{} is {}", path(sel), describe(v)));
            }
        }
    }
    let mut out = String::from("Does not catch every failed console sign-in. ");
    if free.is_empty() {
        out.push_str("No failed sign-in matches: ");
    } else {
        out.push_str(&format!(
            "A failed sign-in (eventName \"ConsoleLogin\", errorMessage \"Failed authentication\") where {} slips through: ",
            free.join(" and ")
        ));
    }
    let mut reasons: Vec<String> = Vec::new();
    e.for_each_cmp(&mut |c| {
        let t = w.truth(c);
        if t == Tri::T || reasons.len() >= 4 {
            return;
        }
        let ct = format!("`{c}`");
        let r = match (w.lookup(&c.sel), t) {
            (Lookup::Val(Abs::Str(s)), Tri::F) if w.pins.iter().any(|(p, _)| *p == c.sel) => {
                format!("{ct} is false because {}", pinned_reason(c, s))
            }
            (Lookup::Val(Abs::Absent), Tri::F) if w.pins.iter().any(|(p, _)| *p == c.sel) => {
                format!("{ct} is false because the field is missing")
            }
            (Lookup::Val(Abs::Absent), Tri::F) => {
                let mut s = format!("{ct} is false for a record without {}", path(&c.sel));
                if matches!(c.test, Test::Op(..)) {
                    s.push_str(" (a comparison on a missing field is false, `!=` included; only NOT EXISTS is true)");
                }
                s
            }
            (Lookup::Forced(outer, v), _) => format!(
                "{ct} is false because {} is {}, so {} does not exist",
                path(outer),
                describe(v),
                path(&c.sel)
            ),
            (Lookup::Val(v), Tri::F) => format!("{ct} is false when {} is {}", path(&c.sel), describe(v)),
            (Lookup::Val(v), _) => format!(
                "{ct} cannot be relied on when {} is {} (the CloudWatch guide does not settle this comparison)",
                path(&c.sel),
                describe(v)
            ),
            (Lookup::Open, _) => format!("{ct} is undecided"),
        };
        let mut r = r;
        if let Some(h) = typo_hint(&c.sel) {
            r.push_str(&format!(" — {h}"));
        } else if !w.pins.iter().any(|(p, _)| *p == c.sel) {
            if let Some(h) = field_hint(&c.sel) {
                r.push_str(&format!(" — {h}"));
            }
        }
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    });
    out.push_str(&reasons.join("; "));
    out.push('.');
    out
}

pub fn json_ok(noisy: bool) -> String {
    let mut s = String::from(
        "Catches every failed console sign-in: the pattern holds for every record with eventName \"ConsoleLogin\" and errorMessage \"Failed authentication\", whatever its other fields (IAM user or root, any region, with or without MFA).",
    );
    if noisy {
        s.push_str(" It also matches successful sign-ins, so the alarm will be noisy.");
    } else {
        s.push_str(" It does not match successful sign-ins.");
    }
    s
}

pub fn too_complex() -> String {
    "Does not catch every failed console sign-in as far as can be shown: the pattern has too many interacting conditions to check every case, so it is not relied on. Simplify it, for example to the CIS pattern.".into()
}

pub fn with_noise(mut s: String, catches_all: bool, noisy: bool) -> String {
    if noisy {
        s.push_str(" It matches successful sign-ins too, so the alarm will be noisy.");
    } else if catches_all {
        s.push_str(" It does not match the sample successful sign-ins.");
    }
    s
}

pub fn excluded_term(t: &str) -> String {
    format!(
        "Does not catch every failed console sign-in: the exclusion `-{t}` drops any failed sign-in whose record text contains \"{t}\" (for example in the user agent or the user name), and nothing prevents that."
    )
}

pub fn term_not_sure(t: &str) -> String {
    format!(
        "Does not catch every failed console sign-in: \"{t}\" is not sure to appear, as a whole word, in every failed sign-in record (only eventName \"ConsoleLogin\" and errorMessage \"Failed authentication\" are), so records without it slip through."
    )
}

pub fn alternatives_not_sure(ts: &[&str]) -> String {
    format!(
        "Does not catch every failed console sign-in: none of the alternatives {} is sure to appear in every failed sign-in record.",
        ts.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
    )
}

pub fn terms_ok() -> String {
    "Catches every failed console sign-in: every term is part of the text every failed sign-in record contains (eventName \"ConsoleLogin\", errorMessage \"Failed authentication\"). Term patterns match the raw text, so other events containing these words match too.".into()
}

pub fn regex_anchored(src: &str) -> String {
    format!(
        "Does not catch every failed console sign-in as far as can be shown: the regex %{src}% uses anchors or word boundaries, which depend on text around the pinned fields that varies between records."
    )
}

pub fn regex_ok(src: &str) -> String {
    format!(
        "Catches every failed console sign-in: the regex %{src}% matches inside the text every failed sign-in record contains (eventName \"ConsoleLogin\" or errorMessage \"Failed authentication\")."
    )
}

pub fn regex_not_sure(src: &str) -> String {
    format!(
        "Does not catch every failed console sign-in: the regex %{src}% does not match the text every failed sign-in record is sure to contain (eventName \"ConsoleLogin\", errorMessage \"Failed authentication\"), so records without a match elsewhere slip through."
    )
}

pub fn parse_failed(e: &str) -> String {
    format!("The pattern does not parse ({e}). CloudWatch would refuse it, so it catches nothing.")
}
