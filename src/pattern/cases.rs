//! The cases a reference pattern is judged in: each alternative of its disjunctive form, in
//! each record class of the model that allows it, with the values the alternative pins.

use super::ast::*;
use super::model::{ClassUniverse, RecordClass, RecordModel};
use super::solve::{conj, dnf, find, forced_value, Abs, Found, Goal, Mode};

/// Alternatives of a reference beyond this are searched as one formula (slower, still sound).
const MAX_ALTERNATIVES: usize = 256;

/// One alternative of the reference in one class, with what it pins.
pub struct Case<'m> {
    pub class: &'m RecordClass,
    pub alt: Vec<Cmp>,
    pub pins: Vec<(Selector, Abs)>,
}

/// The (class, alternative) pairs of `reference` the model allows, with their pins. An empty
/// alternative stands for the whole reference (when it has too many alternatives to split).
pub fn cases<'m>(reference: &Expr, model: &'m RecordModel) -> Vec<Case<'m>> {
    let alts = dnf(reference, MAX_ALTERNATIVES).unwrap_or_else(|| vec![Vec::new()]);
    let mut out = Vec::new();
    for class in &model.classes {
        for alt in &alts {
            let Some(pins) = alt_pins(alt) else { continue };
            if pins.iter().any(|(s, v)| !class.admits(s, v)) {
                continue;
            }
            out.push(Case {
                class,
                alt: alt.clone(),
                pins,
            });
        }
    }
    out
}

impl Case<'_> {
    /// The formula the case's records satisfy: its alternative, or the whole reference.
    pub fn hold(&self, reference: &Expr) -> Expr {
        if self.alt.is_empty() {
            reference.clone()
        } else {
            conj(&self.alt)
        }
    }

    fn universe<'a>(&'a self, model: &'a RecordModel, closed: bool) -> ClassUniverse<'a> {
        ClassUniverse {
            class: self.class,
            model,
            closed,
        }
    }

    /// Looks for a record of this case where the alternative holds and `fail` (if any) does not.
    pub fn search(&self, reference: &Expr, fail: Option<&Expr>, model: &RecordModel) -> Found {
        let hold = self.hold(reference);
        let goal = Goal {
            hold: vec![&hold],
            fail,
            mode: Mode::Miss,
        };
        find(&goal, self.pins.clone(), &self.universe(model, false))
    }
}

/// The values an alternative's comparisons force; `None` when two of them contradict.
fn alt_pins(alt: &[Cmp]) -> Option<Vec<(Selector, Abs)>> {
    let mut pins: Vec<(Selector, Abs)> = Vec::new();
    for c in alt {
        if let Some(v) = forced_value(c) {
            match pins.iter().find(|(s, _)| *s == c.sel) {
                Some((_, w)) if *w != v => return None,
                Some(_) => {}
                None => pins.push((c.sel.clone(), v)),
            }
        }
    }
    Some(pins)
}
