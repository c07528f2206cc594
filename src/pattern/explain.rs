//! Human sentences for verdicts: which record slips through and why, or why the pattern
//! passes. An admin reads these in a findings file, so they name the field, the value and the
//! rule of the filter language that decides — and only records the model allows.

use super::ast::*;
use super::cases::Case;
use super::eval::Tri;
use super::example::{deciding, truth, usual_values};
use super::model::{Fact, RecordModel};
use super::reference::Reference;
use super::solve::{Abs, Lookup, World, OTHER_STRING};

/// Drops the source tags (`[RC]`, `[SI]`, ...) the model's hints carry for reviewers.
fn untagged(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(" [") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(']') {
            Some(j) if after[..j].bytes().all(|b| b.is_ascii_uppercase()) => {
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str(" [");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
        Abs::Str(s) if s == OTHER_STRING => "a string the pattern does not name".into(),
        Abs::Str(s) => format!("\"{s}\""),
        Abs::AnyStr => "a string other than the ones the pattern names".into(),
        Abs::AnyNum => "some number".into(),
        Abs::Obj => "an object".into(),
        Abs::Arr => "an array".into(),
        Abs::AnyPresent => "a non-empty list".into(),
    }
}

/// Field names CloudTrail writes, to point out case-only typos.
fn known_fields(model: &RecordModel) -> Vec<String> {
    let mut names: Vec<String> = model.documented.clone();
    for c in &model.classes {
        for f in &c.fields {
            for s in &f.sel.steps {
                if let Step::Key(k) = s {
                    names.push(k.clone());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// "did you mean" for a field that differs from a CloudTrail field only by case.
fn typo_hint(sel: &Selector, model: &RecordModel) -> Option<String> {
    let known = known_fields(model);
    for s in &sel.steps {
        if let Step::Key(k) = s {
            if let Some(good) = known
                .iter()
                .find(|f| f.eq_ignore_ascii_case(k) && f.as_str() != k.as_str())
            {
                return Some(format!(
                    "CloudTrail writes `{good}`, not `{k}`: field names are case-sensitive"
                ));
            }
        }
    }
    None
}

/// For a top-level field CloudTrail does not write there but nests elsewhere (`$.userName`):
/// where it really is, and what the model says about it there.
fn misplaced_hint(sel: &Selector, case: &Case<'_>, model: &RecordModel) -> Option<String> {
    let [Step::Key(k)] = sel.steps.as_slice() else {
        return None;
    };
    if model.is_documented(k) {
        return None;
    }
    let nested = case
        .class
        .fields
        .iter()
        .find(|f| f.sel.steps.len() > 1 && f.sel.steps.last() == Some(&Step::Key(k.clone())))?;
    let mut s = format!(
        "CloudTrail has no top-level {k}; it writes {}",
        path(&nested.sel)
    );
    if let Some(why) = &nested.why {
        s.push_str(&format!(", and {}", untagged(why)));
    }
    Some(s)
}

/// The records of a case, in words: "A failed console sign-in (eventName "ConsoleLogin", ...)".
fn case_words(case: &Case<'_>) -> String {
    case_words_with(case, None)
}

/// [`case_words`] with one more value said first.
fn case_words_with(case: &Case<'_>, first: Option<String>) -> String {
    let class = case.class;
    let extra: Vec<String> = case
        .pins
        .iter()
        .filter(|(s, v)| {
            !class.fact(s).is_some_and(|f| {
                matches!(f.fact, super::model::Fact::Fixed(_)) && class.admits(s, v)
            })
        })
        .map(|(s, v)| format!("{} {}", path(s).trim_start_matches("$."), describe(v)))
        .collect();
    let mut inside = Vec::new();
    if class.id.contains('.') {
        inside.push(class.describe.clone());
    }
    inside.extend(first);
    inside.extend(extra);
    if inside.is_empty() {
        format!("A {}", class.label)
    } else {
        format!("A {} ({})", class.label, inside.join(", "))
    }
}

/// Why a pinned value fails a comparison (case, whole-value `=`).
fn pinned_reason(c: &Cmp, actual: &str) -> String {
    let mut s = format!("every such record has {} = \"{actual}\"", path(&c.sel));
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

/// The sentence for a record the JSON pattern does not match: the record, with the values
/// that matter (those the reference's alternative reads, and those the deciding comparisons
/// read), then each comparison of the pattern that drops it — and no other.
pub(crate) fn json_slips(
    e: &Expr,
    w: &World,
    case: &Case<'_>,
    r: &Reference,
    model: &RecordModel,
) -> String {
    let decide = deciding(e, w);
    let mut read: Vec<&Selector> = case.alt.iter().map(|c| &c.sel).collect();
    read.extend(decide.iter().map(|c| &c.sel));
    let mut free: Vec<String> = Vec::new();
    for (sel, v) in w.vars.iter().zip(&w.vals) {
        if let Some(v) = v {
            if read.contains(&sel) && !matches!(w.lookup(sel), Lookup::Forced(..)) {
                free.push(format!("{} is {}", path(sel), describe(v)));
            }
        }
    }
    let what = example_words(case, w, model);
    let mut out = format!("Does not catch all {}. ", r.catches);
    if free.is_empty() {
        out.push_str(&format!("{what} slips through: "));
    } else {
        out.push_str(&format!(
            "{what} where {} slips through: ",
            free.join(" and ")
        ));
    }
    // (comparison, what is said of it): several with the same second part are said at once.
    let mut reasons: Vec<(String, String)> = Vec::new();
    for c in decide {
        let mut why = reason(c, w);
        if let Some(h) = typo_hint(&c.sel, model).or_else(|| misplaced_hint(&c.sel, case, model)) {
            why.push_str(&format!(" — {h}"));
        } else if let Some(h) = case.class.why(&c.sel) {
            why.push_str(&format!(" — {}", untagged(h)));
        }
        reasons.push((format!("`{c}`"), why));
    }
    let mut said: Vec<String> = Vec::new();
    for (i, (_, why)) in reasons.iter().enumerate() {
        if reasons[..i].iter().any(|(_, w)| w == why) {
            continue;
        }
        let subjects: Vec<&str> = reasons
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(c, _)| c.as_str())
            .collect();
        said.push(grouped(&subjects, why));
    }
    if said.is_empty() {
        said.push("some of its comparisons go the other way for such a record".into());
    }
    out.push_str(&said.join("; "));
    out.push('.');
    out
}

/// What is said of one deciding comparison on the record ("is false because ...").
fn reason(c: &Cmp, w: &World) -> String {
    let pinned = w.is_pinned(&c.sel);
    match (w.lookup(&c.sel), truth(w, c)) {
        (Lookup::Val(Abs::Str(s)), Tri::F) if pinned => {
            format!("is false because {}", pinned_reason(c, s))
        }
        (Lookup::Val(Abs::Absent), Tri::F) if pinned => {
            format!("is false because such records have no {}", path(&c.sel))
        }
        (Lookup::Val(Abs::Absent), Tri::F) => {
            let mut s = format!("is false for a record without {}", path(&c.sel));
            if matches!(c.test, Test::Op(..)) {
                s.push_str(" (a comparison on a missing field is false, `!=` included; only NOT EXISTS is true)");
            }
            s
        }
        (Lookup::Forced(outer, v), _) => format!(
            "is false because {} is {}, so {} does not exist",
            path(outer),
            describe(v),
            path(&c.sel)
        ),
        (Lookup::Val(v @ (Abs::Obj | Abs::Arr)), Tri::F) => format!(
            "is false because {} is {} (a comparison on an object or array never matches)",
            path(&c.sel),
            describe(v)
        ),
        (Lookup::Val(v), Tri::F) => format!("is false when {} is {}", path(&c.sel), describe(v)),
        (Lookup::Val(v), _) => format!(
            "cannot be relied on when {} is {}",
            path(&c.sel),
            describe(v)
        ),
        (Lookup::Open, _) => "is undecided".to_string(),
    }
}

/// "`a` is false ...", or for several comparisons with the same reason "`a`, `b` and `c` are
/// false ..." (past four, the rest are counted, not listed).
fn grouped(subjects: &[&str], why: &str) -> String {
    const SHOWN: usize = 4;
    let [first, rest @ ..] = subjects else {
        return String::new();
    };
    if rest.is_empty() {
        return format!("{first} {why}");
    }
    let plural = why
        .strip_prefix("is ")
        .map(|w| format!("are {w}"))
        .unwrap_or_else(|| why.to_string());
    let list = if subjects.len() > SHOWN {
        format!(
            "{} and {} more such comparisons",
            subjects[..SHOWN - 1].join(", "),
            subjects.len() - (SHOWN - 1)
        )
    } else {
        format!(
            "{} and {}",
            subjects[..subjects.len() - 1].join(", "),
            subjects[subjects.len() - 1]
        )
    };
    format!("{list} {plural}")
}

/// The example record in words: [`case_words`], with the service that usually records a
/// pinned event name when the class does not fix the source and no comparison reads it.
fn example_words(case: &Case<'_>, w: &World, model: &RecordModel) -> String {
    let source = Selector {
        steps: vec![Step::Key("eventSource".into())],
    };
    let read = !matches!(w.lookup(&source), Lookup::Open);
    let fixed = case
        .class
        .fact(&source)
        .is_some_and(|f| matches!(f.fact, Fact::Fixed(_)));
    match usual_values(case.class, model, &source, &case.pins).as_deref() {
        Some([first, ..]) if !read && !fixed => {
            case_words_with(case, Some(format!("eventSource \"{first}\"")))
        }
        _ => case_words(case),
    }
}

/// Why the pattern passes (and whether it is noisy).
pub fn catches(p: &Pattern, r: &Reference, noisy: bool, example: Option<&str>) -> String {
    let how = match &p.body {
        Body::Empty => "the empty pattern matches every log event".to_string(),
        Body::Json(_) => "the pattern holds for every record the control's reference pattern matches, whatever the fields CloudTrail does not fix".to_string(),
        Body::Terms(_) => "every term is part of the text each such record is sure to contain (term patterns match the raw text, so other events containing these words match too)".to_string(),
        Body::Regex(re) => format!("the regex %{}% matches inside the text each such record is sure to contain", re.src),
        Body::Delimited(_) => String::new(),
    };
    let mut s = format!("Catches all {}: {how}.", r.catches);
    if let Some(n) = &r.noise {
        if noisy {
            s.push_str(&format!(
                " It also matches {}{}, so the alarm will be noisy.",
                n.label,
                example.map(|e| format!(" ({e})")).unwrap_or_default()
            ));
        } else {
            s.push_str(&format!(" It does not match {}.", n.label));
        }
    }
    s
}

/// A matching example record, in a few words.
pub(crate) fn example_of(record: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(record).unwrap_or_default();
    let who = v
        .pointer("/userIdentity/type")
        .and_then(|t| t.as_str())
        .unwrap_or("some user");
    format!("for example the AWS documentation's example with userIdentity.type {who}")
}

/// A matching case of the search, in a few words.
pub(crate) fn world_of(w: &World) -> String {
    let parts: Vec<String> = w
        .vars
        .iter()
        .zip(&w.vals)
        .filter_map(|(s, v)| Some(format!("{} is {}", path(s), describe(v.as_ref()?))))
        .collect();
    if parts.is_empty() {
        "any of them".into()
    } else {
        format!("one where {}", parts.join(" and "))
    }
}

pub(crate) fn too_complex(catches: &str) -> String {
    format!("Does not catch all {catches} as far as can be shown: the pattern has too many interacting conditions to check every case, so it is not relied on. Simplify it, for example to the control's reference pattern.")
}

pub fn delimited(catches: &str) -> String {
    format!("Does not catch all {catches}: a space-delimited pattern matches fields by position after splitting the message on spaces. A CloudTrail record is one line of JSON whose spaces (in the user agent, in messages) vary from record to record, so no field position is guaranteed. Use a JSON pattern such as the control's reference.")
}

pub(crate) fn excluded_term(t: &str, catches: &str) -> String {
    format!(
        "Does not catch all {catches}: the exclusion `-{t}` drops any record whose text contains \"{t}\" (for example in the user agent or the user name), and nothing prevents that."
    )
}

fn sure_text_words(case: &Case<'_>) -> String {
    format!(
        "{} is sure to contain",
        case_words(case).replacen("A ", "the text of a ", 1)
    )
}

pub(crate) fn term_not_sure(t: &str, case: &Case<'_>, r: &Reference) -> String {
    format!(
        "Does not catch all {}: \"{t}\" is not part of what {} (its fixed fields), so such records without it slip through.",
        r.catches,
        sure_text_words(case)
    )
}

pub(crate) fn alternatives_not_sure(ts: &[&str], case: &Case<'_>, r: &Reference) -> String {
    format!(
        "Does not catch all {}: none of the alternatives {} is part of what {}.",
        r.catches,
        ts.iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", "),
        sure_text_words(case)
    )
}

pub(crate) fn regex_not_sure(src: &str, case: &Case<'_>, r: &Reference) -> String {
    format!(
        "Does not catch all {}: the regex %{src}% cannot be shown to match what {} (anchors and word boundaries depend on text that varies; `.*` may only join fields in the order CloudTrail writes them).",
        r.catches,
        sure_text_words(case)
    )
}

pub(crate) fn parse_failed(e: &str) -> String {
    format!("The pattern does not parse ({e}). CloudWatch would refuse it, so it catches nothing.")
}

#[cfg(test)]
mod tests {
    #[test]
    fn source_tags_are_dropped() {
        assert_eq!(
            super::untagged("root sign-ins have no userName [UI]"),
            "root sign-ins have no userName"
        );
        assert_eq!(super::untagged("a [b] c [RC] d"), "a [b] c d");
    }
}
