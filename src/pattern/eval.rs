//! Evaluates a pattern against one log event, with CloudWatch's semantics.
//!
//! The meaning of one comparison lives in [`test`](fn@test), a three-valued function shared with the
//! judge: `U` marks the cases the AWS guide leaves open (a string compared with a number, `!=`
//! on an object, ...). Evaluating a real event treats `U` as "no match"; the judge treats it as
//! "cannot be relied on", which keeps its verdicts sound whatever CloudWatch does there.

use super::ast::*;
use super::json::{parse_top, J};
use std::borrow::Cow;

/// Three-valued truth (Kleene logic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    T,
    F,
    U,
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::T
        } else {
            Tri::F
        }
    }
}

/// What a selector yields, as far as one comparison is concerned. The `Any*` forms are the
/// judge's symbolic values ("some string", "some number", "a non-empty `[*]` selection").
#[derive(Clone, Copy, Debug)]
pub enum Sv<'a> {
    Absent,
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    /// A space-delimited field: text that may also read as a number.
    Field(&'a str, Option<f64>),
    Container,
    AnyStr,
    AnyNum,
    AnyPresent,
}

fn numeric(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn ord(op: Op, a: f64, b: f64) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
    }
}

/// One comparison on one selected value.
///
/// Settled by the guide: everything is case-sensitive; a comparison on a missing field is
/// false, `!=` included; only `NOT EXISTS` is true for a missing field; `IS NULL` needs a
/// present `null`; `*` matches any present string; numbers compare numerically; a selector
/// that points to an object or an array never matches ("the filter pattern won't match").
pub fn test(t: &Test, v: Sv<'_>) -> Tri {
    use Sv::*;
    use Tri::*;
    match t {
        Test::NotExists => match v {
            Absent => T,
            _ => F,
        },
        Test::IsNull => match v {
            Null => T,
            AnyPresent => U,
            _ => F,
        },
        Test::IsTrue | Test::IsFalse => {
            let want = matches!(t, Test::IsTrue);
            match v {
                Bool(b) => Tri::from(b == want),
                Str(s) | Field(s, _) if s == "true" || s == "false" => U,
                AnyStr | AnyPresent => U,
                _ => F,
            }
        }
        Test::Op(_, _) if matches!(v, Absent | Container) => F,
        Test::Op(op, Value::Num(c)) => match v {
            Num(n) | Field(_, Some(n)) => Tri::from(ord(*op, n, *c)),
            Str(s) | Field(s, None) => match numeric(s) {
                Some(_) => U,
                None if *op == Op::Eq => F,
                None => U,
            },
            Null | Bool(_) | Container if *op == Op::Eq => F,
            _ => U,
        },
        Test::Op(op, Value::Str(g)) => {
            let eq = *op == Op::Eq;
            match v {
                Str(s) | Field(s, _) => Tri::from(g.matches(s) == eq),
                _ if g.is_any() => match v {
                    Num(_) | Bool(_) | AnyStr | AnyNum => Tri::from(eq),
                    _ => U,
                },
                Num(_) | AnyNum if numeric(&g.text).is_some() => U,
                Num(_) | AnyNum if eq => F,
                Bool(_) if eq && g.text != "true" && g.text != "false" => F,
                Null if eq && g.text != "null" => F,
                _ => U,
            }
        }
        Test::Op(op, Value::Regex(re)) => match v {
            Str(s) | Field(s, _) => Tri::from(re.is_match(s) == (*op == Op::Eq)),
            _ => U,
        },
    }
}

/// Kleene `&&` over a sequence, short-circuiting on `F`.
pub fn and(xs: impl Iterator<Item = Tri>) -> Tri {
    let mut r = Tri::T;
    for x in xs {
        match x {
            Tri::F => return Tri::F,
            Tri::U => r = Tri::U,
            Tri::T => {}
        }
    }
    r
}

/// Kleene `||` over a sequence, short-circuiting on `T`.
pub fn or(xs: impl Iterator<Item = Tri>) -> Tri {
    let mut r = Tri::F;
    for x in xs {
        match x {
            Tri::T => return Tri::T,
            Tri::U => r = Tri::U,
            Tri::F => {}
        }
    }
    r
}

/// Evaluates an expression, asking `leaf` for the truth of each comparison.
pub(crate) fn eval_expr(e: &Expr, leaf: &mut dyn FnMut(&Cmp) -> Tri) -> Tri {
    match e {
        Expr::Cmp(c) => leaf(c),
        Expr::And(xs) => {
            let mut r = Tri::T;
            for x in xs {
                match eval_expr(x, leaf) {
                    Tri::F => return Tri::F,
                    Tri::U => r = Tri::U,
                    Tri::T => {}
                }
            }
            r
        }
        Expr::Or(xs) => {
            let mut r = Tri::F;
            for x in xs {
                match eval_expr(x, leaf) {
                    Tri::T => return Tri::T,
                    Tri::U => r = Tri::U,
                    Tri::F => {}
                }
            }
            r
        }
    }
}

/// Does `p` match the log event whose message is `msg`?
pub fn matches(p: &Pattern, msg: &str) -> bool {
    match &p.body {
        Body::Empty => true,
        Body::Regex(re) => re.is_match(msg),
        Body::Terms(ts) => terms_match(ts, msg),
        Body::Json(e) => json_match(p, e, msg),
        Body::Delimited(slots) => delimited_match(slots, msg),
    }
}

/// Terms and phrases match as substrings of the raw text, as the guide's examples show
/// (`ERROR` matches `ERRORCODE`). `?` terms are alternatives only when every term is one: the
/// guide says that combined with other terms "all question mark terms will be ignored".
pub(crate) fn terms_match(ts: &[Term], msg: &str) -> bool {
    let only_optional = ts.iter().all(|t| t.kind == TermKind::Optional);
    let mut optional_hit = false;
    for t in ts {
        let hit = msg.contains(t.text.as_str());
        match t.kind {
            TermKind::Required if !hit => return false,
            TermKind::Excluded if hit => return false,
            TermKind::Optional => optional_hit |= hit,
            _ => {}
        }
    }
    !only_optional || ts.is_empty() || optional_hit
}

fn json_match(p: &Pattern, e: &Expr, msg: &str) -> bool {
    // Cheap necessary condition first: the exact strings an `&&` chain compares with must
    // occur in the raw text, unless the text uses `\u` escapes (which could spell them).
    for lit in &p.prefilter {
        if !msg.contains(lit.as_str()) && !msg.contains("\\u") {
            return false;
        }
    }
    let Some(top) = parse_top(msg, &p.top_keys, p.read_all) else {
        return false;
    };
    let mut leaf = |c: &Cmp| cmp_on(&top, c);
    eval_expr(e, &mut leaf) == Tri::T
}

/// Does the JSON expression `e` match `msg` (without a pattern's pre-checks)?
pub(crate) fn expr_matches(e: &Expr, msg: &str) -> bool {
    let mut keys: Vec<String> = Vec::new();
    let mut all = false;
    e.for_each_cmp(&mut |c| match c.sel.steps.first() {
        Some(Step::Key(k)) if !keys.contains(k) => keys.push(k.clone()),
        Some(Step::Key(_)) => {}
        _ => all = true,
    });
    let Some(top) = parse_top(msg, &keys, all) else {
        return false;
    };
    eval_expr(e, &mut |c: &Cmp| cmp_on(&top, c)) == Tri::T
}

/// One comparison against a parsed top-level object (a `[*]` selector matches when any
/// selected element satisfies the test).
pub(crate) fn cmp_on(top: &[(Cow<'_, str>, J<'_>)], c: &Cmp) -> Tri {
    if c.sel.steps.first() == Some(&Step::AnyKey) {
        // `$.*`: any top-level member.
        let found: Vec<&J<'_>> = top
            .iter()
            .flat_map(|(_, v)| {
                let mut out = Vec::new();
                collect(v, &c.sel.steps[1..], &mut out);
                out
            })
            .collect();
        if found.is_empty() {
            return test(&c.test, Sv::Absent);
        }
        return or(found.into_iter().map(|j| test(&c.test, sv_of(j))));
    }
    let Some((Step::Key(k0), rest)) = c.sel.steps.split_first() else {
        return test(&c.test, Sv::Absent);
    };
    // Duplicate keys: the last one wins, as in common JSON readers.
    let Some((_, root)) = top.iter().rev().find(|(k, _)| k == k0) else {
        return test(&c.test, Sv::Absent);
    };
    if !c.sel.has_any() {
        let mut cur = root;
        for s in rest {
            match step(cur, s) {
                Some(n) => cur = n,
                None => return test(&c.test, Sv::Absent),
            }
        }
        return test(&c.test, sv_of(cur));
    }
    let mut found = Vec::new();
    collect(root, rest, &mut found);
    if found.is_empty() {
        return test(&c.test, Sv::Absent);
    }
    or(found.into_iter().map(|j| test(&c.test, sv_of(j))))
}

fn step<'x, 'a>(j: &'x J<'a>, s: &Step) -> Option<&'x J<'a>> {
    match (j, s) {
        (J::Obj(m), Step::Key(k)) => m.iter().rev().find(|(mk, _)| mk == k).map(|(_, v)| v),
        (J::Arr(xs), Step::Index(i)) => xs.get(*i as usize),
        _ => None,
    }
}

fn collect<'x, 'a>(j: &'x J<'a>, steps: &[Step], out: &mut Vec<&'x J<'a>>) {
    match steps.split_first() {
        None => out.push(j),
        Some((Step::Any, rest)) => {
            if let J::Arr(xs) = j {
                xs.iter().for_each(|x| collect(x, rest, out));
            }
        }
        Some((Step::AnyKey, rest)) => {
            if let J::Obj(m) = j {
                m.iter().for_each(|(_, x)| collect(x, rest, out));
            }
        }
        Some((s, rest)) => {
            if let Some(n) = step(j, s) {
                collect(n, rest, out);
            }
        }
    }
}

fn sv_of<'x>(j: &'x J<'_>) -> Sv<'x> {
    match j {
        J::Null => Sv::Null,
        J::Bool(b) => Sv::Bool(*b),
        J::Num(n) => Sv::Num(*n),
        J::Str(s) => Sv::Str(s),
        J::Arr(_) | J::Obj(_) => Sv::Container,
    }
}

/// Splits a space-delimited message: fields are separated by whitespace; a field in double
/// quotes or square brackets may contain spaces (the delimiters are not part of the field).
pub(crate) fn split_fields(msg: &str) -> Vec<&str> {
    let b = msg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let close = match b[i] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(cl) = close {
            let start = i + 1;
            let end = b[start..]
                .iter()
                .position(|&c| c == cl)
                .map_or(b.len(), |p| start + p);
            out.push(&msg[start..end]);
            i = end + 1;
        } else {
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(&msg[start..i]);
        }
    }
    out
}

/// Positional match of slots against fields; `...` takes any number of fields. Dynamic
/// programming over (slot, field) keeps it O(slots × fields) whatever the input.
pub(crate) fn delimited_match(slots: &[Slot], msg: &str) -> bool {
    let fields = split_fields(msg);
    let (m, n) = (slots.len(), fields.len());
    // reach[j] for the current slot i: slots i.. can consume fields j..
    let mut next = vec![false; n + 1];
    next[n] = true; // no slots left, no fields left
    for i in (0..m).rev() {
        let mut cur = vec![false; n + 1];
        for j in (0..=n).rev() {
            cur[j] = match &slots[i] {
                Slot::Ellipsis => next[j] || (j < n && cur[j + 1]),
                Slot::Field { cond, .. } => {
                    j < n
                        && next[j + 1]
                        && cond.as_ref().is_none_or(|e| {
                            let f = fields[j];
                            let v = Sv::Field(f, numeric(f));
                            eval_expr(e, &mut |c: &Cmp| test(&c.test, v)) == Tri::T
                        })
                }
            };
        }
        next = cur;
    }
    next[0]
}
