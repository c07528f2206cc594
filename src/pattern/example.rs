//! The example record an explanation shows, and the comparisons of the filter that drop it.
//!
//! The judge's search stops at the first record that slips through, in whichever class and
//! with whichever values come first: a console sign-in with an EC2 error code from the log
//! delivery service is as good a witness as any for the verdict, but an admin cannot
//! recognise it. Once the verdict is known, a second search looks in every case for the most
//! ordinary record that slips through, trying the values ordinary records carry first (the
//! model's `usual` values; the services that really record a pinned event name). It runs
//! after the verdict and only picks the example, so it can never change a verdict.

use super::ast::*;
use super::cases::Case;
use super::eval::{eval_expr, test, Sv, Tri};
use super::model::{ClassUniverse, Fact, RecordClass, RecordModel};
use super::solve::{
    find_within, Abs, Domain, Found, Goal, Lookup, Mode, Named, Universe, World, OTHER_STRING,
};

/// Steps each case's search for an ordinary record may take: it only improves an example.
const BUDGET: usize = 20_000;

/// The values ordinary records of `class` carry at `sel`, most common first (`Some([])`:
/// usually absent); for `eventSource`, the services that record the case's event name.
pub(crate) fn usual_values(
    class: &RecordClass,
    model: &RecordModel,
    sel: &Selector,
    pins: &[(Selector, Abs)],
) -> Option<Vec<String>> {
    if is_top(sel, "eventSource") {
        let name = pins.iter().find_map(|(s, v)| match v {
            Abs::Str(n) if is_top(s, "eventName") => Some(n.as_str()),
            _ => None,
        });
        let sources = name.map(|n| model.sources_of(n)).unwrap_or_default();
        if !sources.is_empty() {
            return Some(sources.into_iter().map(str::to_string).collect());
        }
    }
    class.fact(sel).and_then(|f| f.usual.clone())
}

fn is_top(sel: &Selector, key: &str) -> bool {
    matches!(sel.steps.as_slice(), [Step::Key(k)] if k == key)
}

/// A class as the search's universe, with each field's usual values tried first, then
/// "missing", then a string the patterns do not name (so an exotic named value is shown only
/// when the record needs it).
struct Usual<'a> {
    inner: ClassUniverse<'a>,
    pins: &'a [(Selector, Abs)],
}

impl Universe for Usual<'_> {
    fn domain(&self, sel: &Selector, named: &Named) -> Domain {
        let Domain::Values(vs) = self.inner.domain(sel, named) else {
            return self.inner.domain(sel, named);
        };
        let class = self.inner.class;
        let strings = vs.contains(&Abs::AnyStr);
        let mut out: Vec<Abs> = usual_values(class, self.inner.model, sel, self.pins)
            .unwrap_or_default()
            .into_iter()
            .map(Abs::Str)
            .filter(|v| strings && class.admits(sel, v))
            .collect();
        for first in [Abs::Absent, Abs::Str(OTHER_STRING.into())] {
            if vs.contains(&first) && !out.contains(&first) {
                out.push(first);
            }
        }
        for v in vs {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Domain::Values(out)
    }

    fn members(&self, parent: &Selector) -> (Vec<String>, bool) {
        self.inner.members(parent)
    }

    fn like(&self, sel: &Selector) -> Option<Glob> {
        self.inner.like(sel)
    }
}

/// How unusual a record of a case is: one point per field with a value ordinary records of
/// the class do not carry (a listed field off its list, a scalar where the class expects an
/// object or nothing).
fn unusual(w: &World, case: &Case<'_>, model: &RecordModel) -> usize {
    w.vars
        .iter()
        .zip(&w.vals)
        .filter(|(sel, v)| {
            let Some(v) = v else { return false };
            match (usual_values(case.class, model, sel, &case.pins), v) {
                (_, Abs::Absent) => false,
                (Some(list), Abs::Str(s)) => !list.contains(s),
                (Some(_), _) => true,
                (None, Abs::Str(_) | Abs::AnyStr) => false,
                (None, _) => case
                    .class
                    .fact(sel)
                    .is_none_or(|f| matches!(f.fact, Fact::Free)),
            }
        })
        .count()
}

/// The most ordinary record of the reference `q` that the candidate `e` misses: over the
/// cases in the reference's order of alternatives (then the model's order of classes), the
/// one with the fewest unusual values. `None` when no case's search finishes in its budget.
pub(crate) fn most_ordinary<'c, 'm>(
    e: &Expr,
    q: &Expr,
    cases: &'c [Case<'m>],
    model: &RecordModel,
) -> Option<(Box<World>, &'c Case<'m>)> {
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| cases.iter().position(|c| c.alt == cases[i].alt));
    let mut best: Option<(usize, Box<World>, &Case<'m>)> = None;
    for i in order {
        let case = &cases[i];
        let hold = case.hold(q);
        let goal = Goal {
            hold: vec![&hold],
            fail: Some(e),
            mode: Mode::Miss,
        };
        let universe = Usual {
            inner: ClassUniverse {
                class: case.class,
                model,
                closed: false,
            },
            pins: &case.pins,
        };
        if let Found::Case(w) = find_within(&goal, case.pins.clone(), &universe, BUDGET) {
            let score = unusual(&w, case, model);
            if best.as_ref().is_none_or(|(b, ..)| score < *b) {
                best = Some((score, w, case));
            }
            if score == 0 {
                break;
            }
        }
    }
    best.map(|(_, w, case)| (w, case))
}

/// The truth of a comparison in a world (unknowns are `U`).
pub(crate) fn truth(w: &World, c: &Cmp) -> Tri {
    let v = match w.lookup(&c.sel) {
        Lookup::Val(v) => v.clone(),
        Lookup::Forced(..) => Abs::Absent,
        Lookup::Open => return Tri::U,
    };
    let sv = match &v {
        Abs::Absent => Sv::Absent,
        Abs::Null => Sv::Null,
        Abs::Bool(b) => Sv::Bool(*b),
        Abs::Num(n) => Sv::Num(*n),
        Abs::Str(s) => return test(&c.test, Sv::Str(s)),
        Abs::AnyStr => Sv::AnyStr,
        Abs::AnyNum => Sv::AnyNum,
        Abs::Obj | Abs::Arr => Sv::Container,
        Abs::AnyPresent => Sv::AnyPresent,
    };
    test(&c.test, sv)
}

fn value(e: &Expr, w: &World) -> Tri {
    eval_expr(e, &mut |c| truth(w, c))
}

/// The comparisons of `e` that drop the record `w`: every alternative of an `||` that does not
/// hold, and of an `&&` the operands that are false (those in doubt when none is). A
/// comparison that is false inside an `||` that holds anyway decides nothing and is left out.
pub(crate) fn deciding<'e>(e: &'e Expr, w: &World) -> Vec<&'e Cmp> {
    let mut out = Vec::new();
    collect(e, w, &mut out);
    out
}

fn collect<'e>(e: &'e Expr, w: &World, out: &mut Vec<&'e Cmp>) {
    match e {
        Expr::Cmp(c) => {
            if truth(w, c) != Tri::T && !out.contains(&c) {
                out.push(c);
            }
        }
        Expr::Or(xs) => {
            for x in xs.iter().filter(|x| value(x, w) != Tri::T) {
                collect(x, w, out);
            }
        }
        Expr::And(xs) => {
            let false_ones: Vec<&Expr> = xs.iter().filter(|x| value(x, w) == Tri::F).collect();
            let pick: Vec<&Expr> = if false_ones.is_empty() {
                xs.iter().filter(|x| value(x, w) != Tri::T).collect()
            } else {
                false_ones
            };
            for x in pick {
                collect(x, w, out);
            }
        }
    }
}
