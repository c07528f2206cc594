//! The case analysis behind the judge: search the records a [record class](super::model)
//! allows for one where some formulas hold and another does not.
//!
//! Every field a formula reads gets *representative* values — absent, `null`, `true`,
//! `false`, the strings and numbers the formulas name (and neighbours), "some other string",
//! "some number", an object, an array — restricted by what the class knows about the field
//! (fixed, present with a kind, absent, free). Fields the class fixes, and fields an
//! alternative of the reference pins with `=`, are not searched at all.
//!
//! Two kinds of "cannot tell" are kept apart, because they are resolved differently:
//! - a *symbolic* comparison: "some other string" against a wildcard or a regex could go
//!   either way; it becomes an atom whose truth is searched too, under the constraints that
//!   wildcards imply (`*UnauthorizedOperation` implies `*Operation`);
//! - a *semantic* comparison: one the CloudWatch guide leaves open (a string against a number,
//!   `IS TRUE` on the string "true", ...). Looking for a record that a pattern misses, it may go
//!   either way, so doubt can only make the judge say "no"; looking for a record that a
//!   pattern matches (noise), it counts as no match, as the evaluator does.
//!
//! The same comparison text on the same value is one atom in every formula, so a pattern is
//! always judged to catch what an identical comparison in the reference catches.

use std::collections::HashMap;

use super::ast::*;
use super::eval::{eval_expr, test, Sv, Tri};

/// Search steps allowed per question; past it the question is "cannot be shown".
pub(crate) const BUDGET: usize = 200_000;
/// More unknown comparisons than this in one case is "cannot be shown" too.
const MAX_ATOMS: usize = 12;

/// An abstract value of one field in one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Abs {
    Absent,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// A string other than every string the formulas name.
    AnyStr,
    /// Some number.
    AnyNum,
    Obj,
    Arr,
    /// A wildcard selection with at least one element (its values are not modelled).
    AnyPresent,
}

impl Abs {
    fn sv(&self) -> Sv<'_> {
        match self {
            Abs::Absent => Sv::Absent,
            Abs::Null => Sv::Null,
            Abs::Bool(b) => Sv::Bool(*b),
            Abs::Num(n) => Sv::Num(*n),
            Abs::Str(s) => Sv::Str(s),
            Abs::AnyStr => Sv::AnyStr,
            Abs::AnyNum => Sv::AnyNum,
            Abs::Obj | Abs::Arr => Sv::Container,
            Abs::AnyPresent => Sv::AnyPresent,
        }
    }
}

/// What the search may assume about one field: its candidate values.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Exactly this value.
    Pin(Abs),
    /// One of these (already restricted to what the class allows).
    Values(Vec<Abs>),
}

/// Where a search gets a field's domain from: the record class, with the strings and numbers
/// the formulas name on that field.
pub trait Universe {
    fn domain(&self, sel: &Selector, named: &Named) -> Domain;
    /// The members of the object at `parent` the universe knows of, and whether they are all
    /// of them (for `.*` selections).
    fn members(&self, _parent: &Selector) -> (Vec<String>, bool) {
        (Vec::new(), false)
    }
    /// A wildcard every string value of the field matches, when the universe knows one.
    fn like(&self, _sel: &Selector) -> Option<Glob> {
        None
    }
}

/// Strings and numbers the formulas compare one field with.
#[derive(Clone, Debug, Default)]
pub struct Named {
    pub strs: Vec<String>,
    pub nums: Vec<f64>,
}

impl Named {
    /// Representative strings: each named text, each with its wildcards filled, and one
    /// unlike any of them.
    pub fn strings(&self) -> Vec<Abs> {
        let mut s = self.strs.clone();
        s.push(OTHER_STRING.to_string());
        s.sort();
        s.dedup();
        let mut out: Vec<Abs> = s.into_iter().map(Abs::Str).collect();
        out.push(Abs::AnyStr);
        out
    }

    pub fn numbers(&self) -> Vec<Abs> {
        let mut n = self.nums.clone();
        n.retain(|n| n.is_finite());
        n.sort_by(|a, b| a.total_cmp(b));
        n.dedup();
        let mut out: Vec<Abs> = n.into_iter().map(Abs::Num).collect();
        out.push(Abs::AnyNum);
        out
    }

    /// Every kind of value, "absent" first so counterexamples read naturally.
    pub fn everything(&self) -> Vec<Abs> {
        let mut out = vec![Abs::Absent];
        out.extend(self.strings());
        out.extend(self.numbers());
        out.extend([
            Abs::Bool(true),
            Abs::Bool(false),
            Abs::Null,
            Abs::Obj,
            Abs::Arr,
        ]);
        out
    }
}

/// A concrete string unlike any the formulas name: decides `!=` and the like exactly.
pub(crate) const OTHER_STRING: &str = "zq-other-value";

/// The strings and numbers `exprs` compare `sel` with.
pub fn named(sel: &Selector, exprs: &[&Expr]) -> Named {
    let mut n = Named::default();
    for e in exprs {
        e.for_each_cmp(&mut |c| {
            if c.sel != *sel && !covers(&c.sel, sel) {
                return;
            }
            match &c.test {
                Test::Op(_, Value::Str(g)) => {
                    n.strs.push(g.text.clone());
                    n.strs.push(format!(
                        "{}{}{}",
                        if g.lead { "x" } else { "" },
                        g.text,
                        if g.trail { "x" } else { "" }
                    ));
                    if let Ok(v) = g.text.parse::<f64>() {
                        n.nums.push(v);
                    }
                }
                Test::Op(_, Value::Num(v)) => {
                    n.nums.extend([*v - 1.0, *v, *v + 1.0, *v - 0.5, *v + 0.5]);
                    n.strs.push(format!("{v}"));
                }
                _ => {}
            }
        });
    }
    n
}

/// Whether wildcard selector `w` selects `s` (`$.a.*` selects `$.a.b`).
fn covers(w: &Selector, s: &Selector) -> bool {
    w.has_any()
        && w.steps.len() == s.steps.len()
        && w.steps.iter().zip(&s.steps).all(|(a, b)| {
            a == b
                || matches!(
                    (a, b),
                    (Step::AnyKey, Step::Key(_)) | (Step::Any, Step::Index(_))
                )
        })
}

/// One case: the pinned fields plus the values chosen so far for the searched ones.
#[derive(Clone, Debug)]
pub struct World {
    pub pins: Vec<(Selector, Abs)>,
    pub vars: Vec<Selector>,
    pub vals: Vec<Option<Abs>>,
    domains: Vec<Vec<Abs>>,
    index: HashMap<Selector, usize>,
    /// `.*` selections spelled out: the members the universe knows, and whether those are all.
    expansions: HashMap<Selector, (Vec<Selector>, bool)>,
    /// Wildcards the string values of some fields are known to match.
    likes: HashMap<Selector, Glob>,
}

/// What a selector yields in a world.
pub(crate) enum Lookup<'w> {
    Val(&'w Abs),
    /// Absent because an enclosing field is absent or not a container of the right kind.
    Forced(&'w Selector, &'w Abs),
    /// Not decided yet.
    Open,
}

impl World {
    /// The selectors of `exprs`, each pinned or given its domain by `universe`; `pins` (from
    /// the reference's alternative) come first.
    pub fn new(pins: Vec<(Selector, Abs)>, exprs: &[&Expr], universe: &dyn Universe) -> World {
        let mut pins = pins;
        let mut vars: Vec<Selector> = Vec::new();
        let mut domains: Vec<Vec<Abs>> = Vec::new();
        let mut seen: Vec<Selector> = Vec::new();
        for e in exprs {
            e.for_each_cmp(&mut |c| {
                if !seen.contains(&c.sel) {
                    seen.push(c.sel.clone());
                }
            });
        }
        // A `.*` selection reads the members the universe knows of.
        let mut expansions: HashMap<Selector, (Vec<Selector>, bool)> = HashMap::new();
        for sel in seen.clone() {
            let Some(i) = sel.steps.iter().position(|s| *s == Step::AnyKey) else {
                continue;
            };
            if sel.wildcards() != 1 {
                continue;
            }
            let prefix = Selector {
                steps: sel.steps[..i].to_vec(),
            };
            let (members, closed) = universe.members(&prefix);
            let concrete: Vec<Selector> = members
                .into_iter()
                .map(|m| {
                    let mut steps = prefix.steps.clone();
                    steps.push(Step::Key(m));
                    steps.extend(sel.steps[i + 1..].iter().cloned());
                    Selector { steps }
                })
                .collect();
            for c in &concrete {
                if !seen.contains(c) {
                    seen.push(c.clone());
                }
            }
            expansions.insert(sel, (concrete, closed));
        }
        // Enclosing fields of the selectors too: the class may pin them (`requestParameters`
        // is null, so `$.requestParameters.x` does not exist).
        let mut all = seen.clone();
        for s in &seen {
            for len in 1..s.steps.len() {
                let parent = Selector {
                    steps: s.steps[..len].to_vec(),
                };
                if !parent.has_any() && !all.contains(&parent) {
                    all.push(parent);
                }
            }
        }
        // Enclosing fields first, so a field's container is decided before the field.
        all.sort_by(|a, b| a.steps.len().cmp(&b.steps.len()).then_with(|| a.cmp(b)));
        for sel in all {
            if pins.iter().any(|(s, _)| *s == sel) {
                continue;
            }
            let is_read = seen.contains(&sel);
            if expansions.contains_key(&sel) {
                continue;
            }
            if sel.has_any() {
                vars.push(sel);
                domains.push(vec![Abs::Absent, Abs::AnyPresent]);
                continue;
            }
            match universe.domain(&sel, &named(&sel, exprs)) {
                Domain::Pin(v) => pins.push((sel, v)),
                Domain::Values(vs) if is_read => {
                    vars.push(sel);
                    domains.push(vs);
                }
                // An enclosing field nobody reads and the class does not pin: leave it open.
                Domain::Values(_) => {}
            }
        }
        let index = vars
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let likes = vars
            .iter()
            .filter_map(|s| Some((s.clone(), universe.like(s)?)))
            .collect();
        let n = vars.len();
        World {
            pins,
            vars,
            vals: vec![None; n],
            domains,
            index,
            expansions,
            likes,
        }
    }

    fn own(&self, sel: &Selector) -> Option<&Abs> {
        if let Some((_, v)) = self.pins.iter().find(|(s, _)| s == sel) {
            return Some(v);
        }
        self.index.get(sel).and_then(|&i| self.vals[i].as_ref())
    }

    fn own_key(&self, steps: &[Step]) -> Option<(&Selector, &Abs)> {
        if let Some((s, v)) = self.pins.iter().find(|(s, _)| s.steps == steps) {
            return Some((s, v));
        }
        let i = *self.index.get(&Selector {
            steps: steps.to_vec(),
        })?;
        Some((&self.vars[i], self.vals[i].as_ref()?))
    }

    /// The innermost decided enclosing field, if it rules `sel` out.
    fn forced(&self, sel: &Selector) -> Option<(&Selector, &Abs)> {
        for len in (1..sel.steps.len()).rev() {
            if let Some((s, v)) = self.own_key(&sel.steps[..len]) {
                let next = &sel.steps[len];
                let absent = match v {
                    Abs::Obj => !matches!(next, Step::Key(_) | Step::AnyKey),
                    Abs::Arr => !matches!(next, Step::Index(_) | Step::Any),
                    Abs::AnyPresent => false,
                    _ => true,
                };
                return if absent { Some((s, v)) } else { None };
            }
        }
        None
    }

    pub(crate) fn lookup(&self, sel: &Selector) -> Lookup<'_> {
        if let Some(v) = self.own(sel) {
            return Lookup::Val(v);
        }
        match self.forced(sel) {
            Some((s, v)) => Lookup::Forced(s, v),
            None => Lookup::Open,
        }
    }

    /// Whether `sel` is one of the world's pins (fixed by the class or the reference).
    pub(crate) fn is_pinned(&self, sel: &Selector) -> bool {
        self.pins.iter().any(|(s, _)| s == sel)
    }
}

/// The truth of one comparison in a world, before unknown comparisons are resolved.
#[derive(Clone, Debug, PartialEq)]
enum Lit {
    T,
    F,
    Undecided,
    /// An unknown comparison: atom `id`, negated when `neg`.
    Atom(usize, bool),
}

/// What an atom stands for, so identical comparisons share one.
#[derive(Clone, Debug, PartialEq)]
enum AtomKey {
    /// "Some other string" against a wildcard glob or a regex (`=`; `!=` is the negation).
    Sym(Selector, Value),
    /// Another symbolic value (a number, a `[*]` selection) against a test.
    SymTest(Selector, Test),
    /// A comparison the guide leaves open, on a concrete value.
    Semantic(Selector, Test, String),
}

#[derive(Default)]
struct Atoms {
    keys: Vec<AtomKey>,
}

impl Atoms {
    fn id(&mut self, key: AtomKey) -> usize {
        match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        }
    }
}

fn leaf(w: &World, c: &Cmp, atoms: &mut Atoms) -> Lit {
    if let Some((members, closed)) = w.expansions.get(&c.sel) {
        return expanded(w, c, members, *closed, atoms);
    }
    let v = match w.lookup(&c.sel) {
        Lookup::Val(v) => v,
        Lookup::Forced(..) => &Abs::Absent,
        Lookup::Open => return Lit::Undecided,
    };
    match v {
        Abs::AnyStr => match &c.test {
            Test::Op(op @ (Op::Eq | Op::Ne), val @ (Value::Str(_) | Value::Regex(_))) => {
                let eq = *op == Op::Eq;
                if let Value::Str(g) = val {
                    if g.is_any() {
                        return if eq { Lit::T } else { Lit::F };
                    }
                    if !g.lead && !g.trail {
                        // "Some other string" is none of the strings the formulas name.
                        return if eq { Lit::F } else { Lit::T };
                    }
                    if let Some(like) = w.likes.get(&c.sel) {
                        if glob_disjoint(like, g) {
                            return if eq { Lit::F } else { Lit::T };
                        }
                        if glob_implies(like, g) {
                            return if eq { Lit::T } else { Lit::F };
                        }
                    }
                }
                Lit::Atom(atoms.id(AtomKey::Sym(c.sel.clone(), val.clone())), !eq)
            }
            Test::IsNull | Test::NotExists => Lit::F,
            t => tri_lit(
                test(t, v.sv()),
                || AtomKey::SymTest(c.sel.clone(), t.clone()),
                atoms,
            ),
        },
        Abs::AnyNum | Abs::AnyPresent => tri_lit(
            test(&c.test, v.sv()),
            || AtomKey::SymTest(c.sel.clone(), c.test.clone()),
            atoms,
        ),
        _ => tri_lit(
            test(&c.test, v.sv()),
            || AtomKey::Semantic(c.sel.clone(), c.test.clone(), format!("{v:?}")),
            atoms,
        ),
    }
}

/// A `.*` selection matches when one of its members does.
fn expanded(w: &World, c: &Cmp, members: &[Selector], closed: bool, atoms: &mut Atoms) -> Lit {
    if closed && members.is_empty() {
        return tri_lit(test(&c.test, Sv::Absent), || unreachable_key(c), atoms);
    }
    let mut unknown: Vec<Lit> = Vec::new();
    for m in members {
        let one = Cmp {
            sel: m.clone(),
            test: c.test.clone(),
        };
        match leaf(w, &one, atoms) {
            Lit::T => return Lit::T,
            Lit::F => {}
            Lit::Undecided => return Lit::Undecided,
            atom => unknown.push(atom),
        }
    }
    match (closed, unknown.len()) {
        (true, 0) => Lit::F,
        (true, 1) => unknown.remove(0),
        // Other members, or several unknown ones: the selection's truth is its own unknown.
        _ => Lit::Atom(
            atoms.id(AtomKey::SymTest(c.sel.clone(), c.test.clone())),
            false,
        ),
    }
}

fn unreachable_key(c: &Cmp) -> AtomKey {
    AtomKey::SymTest(c.sel.clone(), c.test.clone())
}

fn tri_lit(t: Tri, key: impl FnOnce() -> AtomKey, atoms: &mut Atoms) -> Lit {
    match t {
        Tri::T => Lit::T,
        Tri::F => Lit::F,
        Tri::U => Lit::Atom(atoms.id(key()), false),
    }
}

/// Kleene truth of a formula in a partial world (undecided and unknown leaves are `U`).
fn kleene(e: &Expr, w: &World, atoms: &mut Atoms) -> Tri {
    eval_expr(e, &mut |c| match leaf(w, c, atoms) {
        Lit::T => Tri::T,
        Lit::F => Tri::F,
        _ => Tri::U,
    })
}

/// Whether unknown comparisons count both ways, or the way the evaluator takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Looking for a record a pattern misses: every unknown comparison may go either way.
    Miss,
    /// Looking for a record a pattern matches: comparisons the guide leaves open do not match.
    Match,
}

/// The question: find a case where every `hold` formula is true and `fail`, if any, is not.
pub struct Goal<'a> {
    pub hold: Vec<&'a Expr>,
    pub fail: Option<&'a Expr>,
    pub mode: Mode,
}

/// The answer.
#[derive(Debug)]
pub enum Found {
    /// No such case: the property holds.
    None,
    /// Such a case.
    Case(Box<World>),
    /// Too many cases (or unknowns) to decide.
    Budget,
}

struct Solver<'g> {
    goal: &'g Goal<'g>,
    steps: usize,
    budget: usize,
}

impl Solver<'_> {
    fn search(&mut self, w: &mut World, k: usize) -> Found {
        self.steps += 1;
        if self.steps > self.budget {
            return Found::Budget;
        }
        let mut atoms = Atoms::default();
        if self
            .goal
            .hold
            .iter()
            .any(|e| kleene(e, w, &mut atoms) == Tri::F)
        {
            return Found::None;
        }
        if let Some(f) = self.goal.fail {
            if kleene(f, w, &mut atoms) == Tri::T {
                return Found::None;
            }
        }
        if k == w.vars.len() {
            return self.resolve(w);
        }
        let domain = if w.forced(&w.vars[k]).is_some() {
            vec![Abs::Absent]
        } else {
            w.domains[k].clone()
        };
        for v in domain {
            w.vals[k] = Some(v);
            match self.search(w, k + 1) {
                Found::None => {}
                other => {
                    w.vals[k] = None;
                    return other;
                }
            }
        }
        w.vals[k] = None;
        Found::None
    }

    /// Every field is decided: try every consistent truth of the unknown comparisons.
    fn resolve(&mut self, w: &World) -> Found {
        let mut atoms = Atoms::default();
        let mut lits: HashMap<*const Cmp, Lit> = HashMap::new();
        let mut collect = |e: &Expr, atoms: &mut Atoms| {
            e.for_each_cmp(&mut |c| {
                lits.insert(c as *const Cmp, leaf(w, c, atoms));
            })
        };
        for e in &self.goal.hold {
            collect(e, &mut atoms);
        }
        if let Some(f) = self.goal.fail {
            collect(f, &mut atoms);
        }
        let free: Vec<usize> = (0..atoms.keys.len())
            .filter(|&i| {
                !(self.goal.mode == Mode::Match && matches!(atoms.keys[i], AtomKey::Semantic(..)))
            })
            .collect();
        if free.len() > MAX_ATOMS {
            return Found::Budget;
        }
        let truth = |e: &Expr, bits: &[bool]| {
            eval_expr(e, &mut |c| match &lits[&(c as *const Cmp)] {
                Lit::T => Tri::T,
                Lit::F | Lit::Undecided => Tri::F,
                Lit::Atom(id, neg) => {
                    if bits[*id] != *neg {
                        Tri::T
                    } else {
                        Tri::F
                    }
                }
            }) == Tri::T
        };
        let mut bits = vec![false; atoms.keys.len()];
        for mask in 0u32..(1u32 << free.len()) {
            self.steps += 1;
            if self.steps > self.budget {
                return Found::Budget;
            }
            for (j, &i) in free.iter().enumerate() {
                bits[i] = mask & (1 << j) != 0;
            }
            if !consistent(&atoms.keys, &bits) {
                continue;
            }
            if self.goal.hold.iter().all(|e| truth(e, &bits))
                && self.goal.fail.is_none_or(|f| !truth(f, &bits))
            {
                return Found::Case(Box::new(w.clone()));
            }
        }
        Found::None
    }
}

/// Truths of symbolic atoms that one string can have at once: a glob that implies another
/// cannot hold without it, and two globs no string matches together cannot both hold.
fn consistent(keys: &[AtomKey], bits: &[bool]) -> bool {
    for (i, a) in keys.iter().enumerate() {
        let AtomKey::Sym(sa, Value::Str(ga)) = a else {
            continue;
        };
        for (j, b) in keys.iter().enumerate() {
            if i == j {
                continue;
            }
            let AtomKey::Sym(sb, Value::Str(gb)) = b else {
                continue;
            };
            if sa != sb {
                continue;
            }
            if bits[i] && !bits[j] && glob_implies(ga, gb) {
                return false;
            }
            if bits[i] && bits[j] && i < j && glob_disjoint(ga, gb) {
                return false;
            }
        }
    }
    true
}

/// Every string `a` matches, `b` matches too (only the cases that are sure; "no" otherwise).
pub(crate) fn glob_implies(a: &Glob, b: &Glob) -> bool {
    if b.is_any() {
        return true;
    }
    match (a.lead, a.trail, b.lead, b.trail) {
        (false, false, ..) => b.matches(&a.text),
        // a: prefix p
        (false, true, false, true) => a.text.starts_with(b.text.as_str()),
        (false, true, true, true) => a.text.contains(b.text.as_str()),
        // a: suffix s
        (true, false, true, false) => a.text.ends_with(b.text.as_str()),
        (true, false, true, true) => a.text.contains(b.text.as_str()),
        // a: contains c
        (true, true, true, true) => a.text.contains(b.text.as_str()),
        _ => false,
    }
}

/// No string matches both (only the cases that are sure; "they may overlap" otherwise).
pub(crate) fn glob_disjoint(a: &Glob, b: &Glob) -> bool {
    match (a.lead, a.trail, b.lead, b.trail) {
        (false, false, ..) => !b.matches(&a.text),
        (.., false, false) => !a.matches(&b.text),
        (false, true, false, true) => {
            !a.text.starts_with(b.text.as_str()) && !b.text.starts_with(a.text.as_str())
        }
        (true, false, true, false) => {
            !a.text.ends_with(b.text.as_str()) && !b.text.ends_with(a.text.as_str())
        }
        _ => false,
    }
}

/// Runs the search for `goal` over the cases `universe` allows, with `pins` fixed.
pub fn find(goal: &Goal<'_>, pins: Vec<(Selector, Abs)>, universe: &dyn Universe) -> Found {
    find_within(goal, pins, universe, BUDGET)
}

/// [`find`] with its own step budget (a search that only improves an explanation gets less).
pub(crate) fn find_within(
    goal: &Goal<'_>,
    pins: Vec<(Selector, Abs)>,
    universe: &dyn Universe,
    budget: usize,
) -> Found {
    let mut exprs: Vec<&Expr> = goal.hold.clone();
    exprs.extend(goal.fail);
    let mut w = World::new(pins, &exprs, universe);
    // The formulas that must hold are searched first: they prune soonest.
    let holds: Vec<Selector> = {
        let mut v = Vec::new();
        for e in &goal.hold {
            e.for_each_cmp(&mut |c| v.push(c.sel.clone()));
        }
        v
    };
    let mut order: Vec<usize> = (0..w.vars.len()).collect();
    order.sort_by_key(|&i| (w.vars[i].steps.len(), !holds.contains(&w.vars[i])));
    w.vars = order.iter().map(|&i| w.vars[i].clone()).collect();
    w.domains = order.iter().map(|&i| w.domains[i].clone()).collect();
    w.index = w
        .vars
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i))
        .collect();
    let mut s = Solver {
        goal,
        steps: 0,
        budget,
    };
    s.search(&mut w, 0)
}

/// The disjunctive form of an expression: alternatives, each a list of comparisons that must
/// all hold. `None` when it would have more than `max` alternatives.
pub(crate) fn dnf(e: &Expr, max: usize) -> Option<Vec<Vec<Cmp>>> {
    match e {
        Expr::Cmp(c) => Some(vec![vec![c.clone()]]),
        Expr::Or(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(dnf(x, max)?);
                if out.len() > max {
                    return None;
                }
            }
            Some(out)
        }
        Expr::And(xs) => {
            let mut acc: Vec<Vec<Cmp>> = vec![Vec::new()];
            for x in xs {
                let alts = dnf(x, max)?;
                let mut next = Vec::with_capacity(acc.len() * alts.len());
                for a in &acc {
                    for b in &alts {
                        let mut c = a.clone();
                        c.extend(b.iter().cloned());
                        next.push(c);
                    }
                }
                if next.len() > max {
                    return None;
                }
                acc = next;
            }
            Some(acc)
        }
    }
}

/// The value an alternative's comparison forces on its field, when it forces exactly one:
/// `= "text"` (a plain word, not a number or a JSON keyword), `IS NULL`, `IS TRUE`,
/// `IS FALSE`, `NOT EXISTS`.
pub(crate) fn forced_value(c: &Cmp) -> Option<Abs> {
    if c.sel.has_any() {
        return None;
    }
    match &c.test {
        Test::Op(Op::Eq, Value::Str(g))
            if !g.lead
                && !g.trail
                && g.text.parse::<f64>().is_err()
                && !matches!(g.text.as_str(), "true" | "false" | "null") =>
        {
            Some(Abs::Str(g.text.clone()))
        }
        Test::IsNull => Some(Abs::Null),
        Test::IsTrue => Some(Abs::Bool(true)),
        Test::IsFalse => Some(Abs::Bool(false)),
        Test::NotExists => Some(Abs::Absent),
        _ => None,
    }
}

/// Rebuilds a conjunction as an expression.
pub(crate) fn conj(alt: &[Cmp]) -> Expr {
    if alt.len() == 1 {
        return Expr::Cmp(alt[0].clone());
    }
    Expr::And(alt.iter().cloned().map(Expr::Cmp).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Glob {
        let lead = s.starts_with('*');
        let trail = s.len() > 1 && s.ends_with('*');
        Glob {
            lead,
            trail,
            text: s.trim_matches('*').to_string(),
        }
    }

    #[test]
    fn glob_implication_and_disjointness() {
        assert!(glob_implies(&g("*UnauthorizedOperation"), &g("*Operation")));
        assert!(glob_implies(
            &g("*UnauthorizedOperation"),
            &g("*Unauthorized*")
        ));
        assert!(glob_implies(&g("AccessDenied*"), &g("Access*")));
        assert!(glob_implies(&g("AccessDenied"), &g("Access*")));
        assert!(!glob_implies(&g("Access*"), &g("AccessDenied*")));
        assert!(!glob_implies(&g("*Operation"), &g("Op*")));
        assert!(glob_disjoint(&g("Access*"), &g("Denied*")));
        assert!(!glob_disjoint(&g("Access*"), &g("AccessDenied*")));
        assert!(!glob_disjoint(&g("Access*"), &g("*Denied")));
        assert!(glob_disjoint(&g("abc"), &g("x*")));
    }

    #[test]
    fn dnf_distributes_and_over_or() {
        let p = crate::pattern::parse("{ $.a = 1 && ($.b = 2 || $.c = 3) || $.d = 4 }").unwrap();
        let Body::Json(e) = &p.body else {
            panic!("json")
        };
        let alts = dnf(e, 16).unwrap();
        assert_eq!(alts.len(), 3);
        assert_eq!(alts[0].len(), 2);
        assert_eq!(alts[2].len(), 1);
        assert!(dnf(e, 2).is_none());
    }
}
