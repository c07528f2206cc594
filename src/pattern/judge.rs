//! The judge: does a candidate pattern match every record of the model that a reference
//! pattern matches, and does it match any record of the control's must-not-match class?
//!
//! The reference is put in disjunctive form; each alternative, in each record class, pins the
//! fields its `=` comparisons force, and the [solver](super::solve) looks for a record the
//! class and the alternative allow that the candidate misses. Term and regex candidates are
//! decided on the [text](super::text) such records are sure to contain. What cannot be shown
//! is "no".

use super::ast::*;
use super::cases::{cases, Case};
use super::eval::{expr_matches, matches};
use super::example::most_ordinary;
use super::explain;
use super::model::{ClassUniverse, RecordModel, Text};
use super::reference::{Noise, Reference};
use super::solve::{find, Found, Goal, Mode};
use super::text::{sure_regex, sure_word};

/// The judge's answer before it is wrapped into a verdict.
pub(crate) struct Judged {
    pub catches_all: bool,
    pub matches_noise: bool,
    pub explanation: String,
}

/// Judges a parsed candidate against a reference.
pub(crate) fn judge_parsed(p: &Pattern, r: &Reference) -> Judged {
    let model = RecordModel::shipped();
    let Body::Json(q) = &r.pattern.body else {
        return Judged {
            catches_all: false,
            matches_noise: false,
            explanation: "the control's reference is not a JSON pattern".into(),
        };
    };
    let missed = misses(p, q, r, model);
    let noise = r
        .noise
        .as_ref()
        .map(|n| noisy(p, n, model))
        .unwrap_or((false, None));
    let catches_all = missed.is_none();
    let explanation = match missed {
        Some(why) => why,
        None => explain::catches(p, r, noise.0, noise.1.as_deref()),
    };
    Judged {
        catches_all,
        matches_noise: noise.0,
        explanation,
    }
}

/// `None` when `p` catches every record `q` matches; otherwise why not.
fn misses(p: &Pattern, q: &Expr, r: &Reference, model: &RecordModel) -> Option<String> {
    match &p.body {
        Body::Empty => return None,
        Body::Delimited(_) => return Some(explain::delimited(&r.catches)),
        _ => {}
    }
    let all = cases(q, model);
    for case in &all {
        match &p.body {
            Body::Json(e) => match case.search(q, Some(e), model) {
                Found::None => {}
                Found::Case(w) => {
                    // The verdict is settled; the sentence shows the most ordinary such record.
                    let (w, case) = most_ordinary(e, q, &all, model).unwrap_or((w, case));
                    return Some(explain::json_slips(e, &w, case, r, model));
                }
                Found::Budget => return Some(explain::too_complex(&r.catches)),
            },
            Body::Terms(_) | Body::Regex(_) => {
                if matches!(case.search(q, None, model), Found::None) {
                    continue; // the alternative cannot hold in this class
                }
                let text = case_text(case, model);
                if let Some(why) = text_misses(&p.body, &text, case, r) {
                    return Some(why);
                }
            }
            Body::Empty | Body::Delimited(_) => {}
        }
    }
    None
}

/// The text a case's records are sure to contain: the class's fixed fields, the alternative's
/// pins, and what its wildcard comparisons say about their string values.
pub(crate) fn case_text(case: &Case<'_>, model: &RecordModel) -> Text {
    let mut text = case.class.text(&case.pins, model);
    for c in &case.alt {
        let (Test::Op(Op::Eq, Value::Str(g)), Some(Step::Key(k))) = (&c.test, c.sel.steps.last())
        else {
            continue;
        };
        if g.is_any() || (!g.lead && !g.trail) || c.sel.has_any() {
            continue;
        }
        let plain = |s: &str| {
            s.bytes()
                .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b'/')
        };
        if !plain(&g.text) || !plain(k) {
            continue;
        }
        text.loose.push(match (g.lead, g.trail) {
            (false, true) => format!("\"{k}\":\"{}", g.text),
            (true, false) => format!("{}\"", g.text),
            _ => g.text.clone(),
        });
    }
    text
}

/// Why a term or regex pattern is not sure to match a case's records, if it is not.
fn text_misses(body: &Body, text: &Text, case: &Case<'_>, r: &Reference) -> Option<String> {
    match body {
        Body::Terms(ts) => {
            if let Some(x) = ts.iter().find(|t| t.kind == TermKind::Excluded) {
                return Some(explain::excluded_term(&x.text, &r.catches));
            }
            let required: Vec<&Term> = ts.iter().filter(|t| t.kind == TermKind::Required).collect();
            if let Some(t) = required.iter().find(|t| !sure_word(&t.text, text)) {
                return Some(explain::term_not_sure(&t.text, case, r));
            }
            let optional: Vec<&Term> = ts.iter().filter(|t| t.kind == TermKind::Optional).collect();
            // `?` terms count only when every term is one (the guide: mixed, they are ignored).
            if required.is_empty() && !optional.iter().any(|t| sure_word(&t.text, text)) {
                let names: Vec<&str> = optional.iter().map(|t| t.text.as_str()).collect();
                return Some(explain::alternatives_not_sure(&names, case, r));
            }
            None
        }
        Body::Regex(re) => {
            if sure_regex(re, text) {
                None
            } else {
                Some(explain::regex_not_sure(&re.src, case, r))
            }
        }
        _ => None,
    }
}

/// Whether `p` matches some record of the must-not-match class, with an example when it does.
fn noisy(p: &Pattern, n: &Noise, model: &RecordModel) -> (bool, Option<String>) {
    let Some(class) = model.class(&n.class) else {
        return (false, None);
    };
    if let Some(ex) = class.examples.iter().find(|ex| matches(p, ex)) {
        return (true, Some(explain::example_of(ex)));
    }
    match &p.body {
        Body::Empty => (true, None),
        Body::Json(e) => {
            let universe = ClassUniverse {
                class,
                model,
                closed: true,
            };
            let goal = Goal {
                hold: vec![e],
                fail: None,
                mode: Mode::Match,
            };
            match find(&goal, Vec::new(), &universe) {
                Found::None => (false, None),
                Found::Case(w) => (true, Some(explain::world_of(&w))),
                // Cannot show that it is quiet: take it as noisy.
                Found::Budget => (true, None),
            }
        }
        Body::Terms(_) | Body::Regex(_) => {
            let case = Case {
                class,
                alt: Vec::new(),
                pins: Vec::new(),
            };
            let text = case_text(&case, model);
            let fake = Reference {
                control: String::new(),
                pattern: p.clone(),
                texts: Vec::new(),
                catches: String::new(),
                noise: None,
            };
            (text_misses(&p.body, &text, &case, &fake).is_none(), None)
        }
        Body::Delimited(_) => (false, None),
    }
}

/// Whether a JSON pattern matches at least one record of the model (self-test of references,
/// and the "matches at least one" half of a near miss).
#[cfg(test)]
pub(crate) fn matches_some(e: &Expr, model: &RecordModel) -> bool {
    model.classes.iter().any(|class| {
        if class.examples.iter().any(|ex| expr_matches(e, ex)) {
            return true;
        }
        let universe = ClassUniverse {
            class,
            model,
            closed: false,
        };
        let goal = Goal {
            hold: vec![e],
            fail: None,
            mode: Mode::Match,
        };
        matches!(find(&goal, Vec::new(), &universe), Found::Case(_))
    })
}

/// Whether some record of the model matches both JSON patterns.
pub(crate) fn overlaps(a: &Expr, b: &Expr, model: &RecordModel) -> bool {
    model.classes.iter().any(|class| {
        if class
            .examples
            .iter()
            .any(|ex| expr_matches(a, ex) && expr_matches(b, ex))
        {
            return true;
        }
        let universe = ClassUniverse {
            class,
            model,
            closed: false,
        };
        let goal = Goal {
            hold: vec![a, b],
            fail: None,
            mode: Mode::Match,
        };
        matches!(find(&goal, Vec::new(), &universe), Found::Case(_))
    })
}

/// Whether every record `narrow` matches is one `broad` matches (both JSON), over the model.
pub(crate) fn contained(narrow: &Expr, broad: &Expr, model: &RecordModel) -> bool {
    cases(narrow, model)
        .iter()
        .all(|case| matches!(case.search(narrow, Some(broad), model), Found::None))
}

/// How many (class, alternative) cases of the reference a candidate catches in full: how
/// close a filter that does not catch everything comes.
pub(crate) fn cases_caught(p: &Expr, q: &Expr, model: &RecordModel) -> usize {
    cases(q, model)
        .iter()
        .filter(|case| {
            // Cases the alternative cannot hold in do not count.
            !matches!(case.search(q, None, model), Found::None)
                && matches!(case.search(q, Some(p), model), Found::None)
        })
        .count()
}

/// The field of a CloudTrail record that names the account the event was recorded for
/// (`recipientAccountId`): an organization trail's log group holds every account's events, and a
/// central filter that pins this field serves only the accounts it names. (`userIdentity.
/// accountId` is the caller's account, which differs from the recipient in cross-account calls,
/// so a pin on it is no such restriction: it stays a narrowing condition.)
pub(crate) const RECIPIENT_FIELD: &str = "recipientAccountId";

/// Whether a JSON pattern compares the top-level `recipientAccountId`: only then does the
/// account matter to its verdict (and is it judged, and cached, per account).
pub(crate) fn reads_recipient(text: &str) -> bool {
    if !text.contains(RECIPIENT_FIELD) {
        return false;
    }
    let Ok(p) = super::parse::parse(text) else {
        return false;
    };
    let Body::Json(e) = &p.body else {
        return false;
    };
    let mut found = false;
    e.for_each_cmp(&mut |c| found |= is_recipient(&c.sel));
    found
}

fn is_recipient(sel: &Selector) -> bool {
    matches!(sel.steps.as_slice(), [Step::Key(k)] if k == RECIPIENT_FIELD)
}

/// The values a pattern compares `recipientAccountId` with, as written (for a detail line).
pub(crate) fn recipient_values(text: &str) -> Vec<String> {
    let Ok(p) = super::parse::parse(text) else {
        return Vec::new();
    };
    let Body::Json(e) = &p.body else {
        return Vec::new();
    };
    let mut found = Vec::new();
    e.for_each_cmp(&mut |c| {
        if is_recipient(&c.sel) {
            if let Test::Op(op, v) = &c.test {
                let v = match v {
                    Value::Str(g) => format!(
                        "{}{}{}",
                        if g.lead { "*" } else { "" },
                        g.text,
                        if g.trail { "*" } else { "" }
                    ),
                    Value::Num(n) => n.to_string(),
                    Value::Regex(re) => format!("%{}%", re.src),
                };
                let shown = if *op == Op::Eq {
                    v
                } else {
                    format!("{} {v}", op.as_str())
                };
                if !found.contains(&shown) {
                    found.push(shown);
                }
            }
        }
    });
    found
}

/// The reference restricted to the events recorded for `account`: the reference conjoined with
/// `$.recipientAccountId = "<account>"`. A central filter serves a member when it catches every
/// event of this reference.
pub(crate) fn reference_for_recipient(r: &Reference, account: &str) -> Option<Reference> {
    let Body::Json(q) = &r.pattern.body else {
        return None;
    };
    let pin = super::parse::parse(&format!("{{ $.{RECIPIENT_FIELD} = \"{account}\" }}")).ok()?;
    let Body::Json(pin) = pin.body else {
        return None;
    };
    let joined = match q.clone() {
        Expr::And(mut xs) => {
            xs.push(pin);
            Expr::And(xs)
        }
        other => Expr::And(vec![other, pin]),
    };
    // Printed and parsed back, so the pattern's pre-checks are built as for any pattern.
    let pattern = super::parse::parse(
        &Pattern {
            body: Body::Json(joined),
            prefilter: Vec::new(),
            top_keys: Vec::new(),
            read_all: false,
        }
        .to_string(),
    )
    .ok()?;
    Some(Reference {
        control: format!("{}@{RECIPIENT_FIELD}={account}", r.control),
        pattern,
        texts: Vec::new(),
        catches: format!("{} recorded for account {account}", r.catches),
        noise: r.noise.clone(),
    })
}

/// The [`Fit`](super::Fit) of a pattern for the events recorded for `account`, cached per
/// (control, account, pattern); a pattern that does not read `recipientAccountId` is the same
/// for every account, and gets the plain cached fit.
pub(crate) fn fit_for_recipient(
    text: &str,
    r: &Reference,
    account: &str,
) -> std::sync::Arc<super::Fit> {
    static CACHE: super::TextCache<super::Fit> = std::sync::OnceLock::new();
    if !reads_recipient(text) {
        return super::fit_cached(text, r);
    }
    match reference_for_recipient(r, account) {
        Some(member) => super::cached(&CACHE, text, &member, || super::fit(text, &member)),
        None => super::fit_cached(text, r),
    }
}
