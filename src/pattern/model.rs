//! The record model: what CloudTrail writes for the events the controls are about, as data
//! (`config/records.toml`, compiled in, every fact cited there).
//!
//! Records fall into *classes* (a failed console sign-in, a successful one, any other event).
//! For each field a class says one of: it has a fixed value, it is present with a value of a
//! kind, it is absent, or it is free (may be missing, may be anything). A class may also give
//! the order in which CloudTrail writes the top-level fields, so term and regex patterns can
//! be reasoned about on the compact one-line text CloudWatch Logs receives.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ast::{Glob, Selector, Step};
use super::solve::{Abs, Domain, Named, Universe};

/// The model shipped with the binary.
pub(crate) const RECORDS_TOML: &str = include_str!("../../config/records.toml");

/// The kind of a present value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Boolean,
    Object,
    Array,
}

/// A fixed scalar value.
#[derive(Clone, Debug, PartialEq)]
pub enum Fixed {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// What a class says about one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Fixed(Fixed),
    Present(Kind),
    Null,
    Absent,
    Free,
}

/// One field's fact, with the strings it never takes and why it matters.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldFact {
    pub path: String,
    pub sel: Selector,
    pub fact: Fact,
    pub not: Vec<String>,
    /// For an object: its only members, when that is known.
    pub members: Option<Vec<String>>,
    /// For a string: a wildcard every value matches (`arn:*`).
    pub like: Option<Glob>,
    /// The values ordinary records carry, most common first (`Some([])`: usually absent).
    /// Never a fact: it only picks the example record an explanation shows.
    pub usual: Option<Vec<String>>,
    pub why: Option<String>,
}

/// A class of records.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordClass {
    /// `group.name`, or `name` for a class outside a group.
    pub id: String,
    pub label: String,
    /// The values that identify the class, in words ("eventName "ConsoleLogin", ...").
    pub describe: String,
    pub fields: Vec<FieldFact>,
    /// Top-level fields in the order CloudTrail writes them, when known.
    pub order: Option<Vec<String>>,
    /// Example records (compact JSON) from the AWS documentation.
    pub examples: Vec<String>,
}

/// The whole model.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordModel {
    /// Top-level fields the CloudTrail record-contents page lists.
    pub documented: Vec<String>,
    pub classes: Vec<RecordClass>,
    /// The services that record each event name, the usual one first (for example records).
    pub services: Vec<Service>,
}

/// One event source and the event names of the controls it records.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub source: String,
    pub events: Vec<String>,
}

// ------------------------------------------------------------------------------ loading

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    common: BTreeMap<String, RawFact>,
    documented: Vec<String>,
    #[serde(default)]
    group: Vec<RawGroup>,
    class: Vec<RawClass>,
    #[serde(default)]
    service: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    label: String,
    order: Option<Vec<String>>,
    #[serde(default)]
    fields: BTreeMap<String, RawFact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    id: String,
    group: Option<String>,
    label: String,
    describe: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, RawFact>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawFact {
    Kind(String),
    Table {
        fixed: Option<toml::Value>,
        fact: Option<String>,
        #[serde(default)]
        not: Vec<String>,
        members: Option<Vec<String>>,
        like: Option<String>,
        usual: Option<Vec<String>>,
        why: Option<String>,
    },
}

fn kind_fact(k: &str) -> Result<Fact, String> {
    Ok(match k {
        "string" => Fact::Present(Kind::String),
        "number" => Fact::Present(Kind::Number),
        "boolean" => Fact::Present(Kind::Boolean),
        "object" => Fact::Present(Kind::Object),
        "array" => Fact::Present(Kind::Array),
        "null" => Fact::Null,
        "absent" => Fact::Absent,
        "free" => Fact::Free,
        other => {
            return Err(format!(
            "unknown kind `{other}` (string, number, boolean, object, array, null, absent, free)"
        ))
        }
    })
}

fn field_fact(path: &str, raw: &RawFact) -> Result<FieldFact, String> {
    let sel = path_selector(path)?;
    let (fact, not, members, like, usual, why) = match raw {
        RawFact::Kind(k) => (kind_fact(k)?, Vec::new(), None, None, None, None),
        RawFact::Table {
            fixed,
            fact,
            not,
            members,
            like,
            usual,
            why,
        } => {
            let f = match (fixed, fact) {
                (Some(_), Some(_)) => return Err("give `fixed` or `fact`, not both".into()),
                (Some(toml::Value::String(s)), None) => Fact::Fixed(Fixed::Str(s.clone())),
                (Some(toml::Value::Integer(n)), None) => Fact::Fixed(Fixed::Num(*n as f64)),
                (Some(toml::Value::Float(n)), None) => Fact::Fixed(Fixed::Num(*n)),
                (Some(toml::Value::Boolean(b)), None) => Fact::Fixed(Fixed::Bool(*b)),
                (Some(other), None) => {
                    return Err(format!(
                        "`fixed` must be a string, number or boolean, not {other}"
                    ))
                }
                (None, Some(k)) => kind_fact(k)?,
                (None, None) => Fact::Free,
            };
            if members.is_some() && f != Fact::Present(Kind::Object) {
                return Err("`members` is only for objects".into());
            }
            if usual.is_some() && !matches!(f, Fact::Free | Fact::Present(Kind::String)) {
                return Err("`usual` is only for strings and free fields".into());
            }
            let like = match like {
                None => None,
                Some(text) => Some(like_glob(text)?),
            };
            (
                f,
                not.clone(),
                members.clone(),
                like,
                usual.clone(),
                why.clone(),
            )
        }
    };
    Ok(FieldFact {
        path: path.to_string(),
        sel,
        fact,
        not,
        members,
        like,
        usual,
        why,
    })
}

/// `prefix*`, `*suffix` or `*part*` as a glob.
fn like_glob(text: &str) -> Result<Glob, String> {
    let lead = text.starts_with('*');
    let trail = text.len() > 1 && text.ends_with('*');
    let inner = text.trim_matches('*');
    if inner.is_empty() || inner.contains('*') || !(lead || trail) {
        return Err(format!(
            "`like = \"{text}\"` must be prefix*, *suffix or *part*"
        ));
    }
    Ok(Glob {
        lead,
        text: inner.to_string(),
        trail,
    })
}

/// `a.b.c` as a selector (`$.a.b.c`).
pub(crate) fn path_selector(path: &str) -> Result<Selector, String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!("`{path}` is not a dotted field path"));
    }
    Ok(Selector {
        steps: path.split('.').map(|k| Step::Key(k.to_string())).collect(),
    })
}

/// Sets (or replaces) a field's fact in a list.
fn put(fields: &mut Vec<FieldFact>, f: FieldFact) {
    match fields.iter_mut().find(|x| x.path == f.path) {
        Some(x) => *x = f,
        None => fields.push(f),
    }
}

impl RecordModel {
    /// Parses a model. Errors name the class and field.
    pub fn parse(text: &str) -> Result<RecordModel, String> {
        let raw: RawModel =
            toml::from_str(text).map_err(|e| format!("records.toml: {}", e.message()))?;
        let mut common = Vec::new();
        for (path, f) in &raw.common {
            put(
                &mut common,
                field_fact(path, f).map_err(|e| format!("[common] {path}: {e}"))?,
            );
        }
        let mut classes = Vec::new();
        for c in &raw.class {
            let mut fields = common.clone();
            let mut order = None;
            let id = match &c.group {
                None => c.id.clone(),
                Some(g) => {
                    let group = raw
                        .group
                        .iter()
                        .find(|x| x.id == *g)
                        .ok_or_else(|| format!("class {}: unknown group `{g}`", c.id))?;
                    for (path, f) in &group.fields {
                        put(
                            &mut fields,
                            field_fact(path, f).map_err(|e| format!("group {g} {path}: {e}"))?,
                        );
                    }
                    order = group.order.clone();
                    let _ = &group.label;
                    format!("{g}.{}", c.id)
                }
            };
            for (path, f) in &c.fields {
                put(
                    &mut fields,
                    field_fact(path, f).map_err(|e| format!("class {id} {path}: {e}"))?,
                );
            }
            classes.push(RecordClass {
                id,
                label: c.label.clone(),
                describe: c.describe.clone(),
                fields,
                order,
                examples: c.examples.clone(),
            });
        }
        Ok(RecordModel {
            documented: raw.documented,
            classes,
            services: raw.service,
        })
    }

    /// The model shipped with the binary (parsed once; a unit test guards that it parses).
    pub fn shipped() -> &'static RecordModel {
        static MODEL: OnceLock<RecordModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            RecordModel::parse(RECORDS_TOML).unwrap_or_else(|e| {
                panic!("the shipped record model is broken ({e}); the unit tests guard this")
            })
        })
    }

    pub fn class(&self, id: &str) -> Option<&RecordClass> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// The event sources that record `event_name`, the usual one first.
    pub(crate) fn sources_of(&self, event_name: &str) -> Vec<&str> {
        self.services
            .iter()
            .filter(|s| s.events.iter().any(|e| e == event_name))
            .map(|s| s.source.as_str())
            .collect()
    }

    /// Whether a top-level field is one CloudTrail documents.
    pub(crate) fn is_documented(&self, key: &str) -> bool {
        self.documented.iter().any(|d| d == key)
    }

    /// Consistency: nested facts sit under objects, exclusions fit, examples have every fact
    /// of their class and follow its field order, the classes of a group are disjoint, and
    /// no two classes overlap on what identifies them.
    pub fn check(&self) -> Result<(), String> {
        for c in &self.classes {
            c.check()?;
        }
        for (i, a) in self.classes.iter().enumerate() {
            for b in &self.classes[i + 1..] {
                if !a.disjoint(b) {
                    return Err(format!(
                        "classes {} and {} can describe the same record: no field tells them apart",
                        a.id, b.id
                    ));
                }
            }
        }
        Ok(())
    }
}

impl RecordClass {
    pub fn fact(&self, sel: &Selector) -> Option<&FieldFact> {
        self.fields.iter().find(|f| f.sel == *sel)
    }

    fn check(&self) -> Result<(), String> {
        for f in &self.fields {
            let needs_object = !matches!(f.fact, Fact::Free | Fact::Absent);
            if f.sel.steps.len() > 1 && needs_object {
                let parent = Selector {
                    steps: f.sel.steps[..f.sel.steps.len() - 1].to_vec(),
                };
                let ok = self
                    .fact(&parent)
                    .is_some_and(|p| p.fact == Fact::Present(Kind::Object));
                if !ok {
                    return Err(format!(
                        "class {}: {} has a fact but its parent is not declared an object",
                        self.id, f.path
                    ));
                }
            }
            if let Some(bad) = f
                .usual
                .iter()
                .flatten()
                .find(|u| !self.admits(&f.sel, &Abs::Str(u.to_string())))
            {
                return Err(format!(
                    "class {}: {} lists usual value \"{bad}\" the class does not allow",
                    self.id, f.path
                ));
            }
            if !f.not.is_empty() && !matches!(f.fact, Fact::Free | Fact::Present(Kind::String)) {
                return Err(format!(
                    "class {}: {} excludes values but is not a string or free",
                    self.id, f.path
                ));
            }
        }
        for (n, ex) in self.examples.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(ex)
                .map_err(|e| format!("class {} example {}: not JSON: {e}", self.id, n + 1))?;
            for f in &self.fields {
                if !f.holds_in(&v) {
                    return Err(format!(
                        "class {} example {}: {} does not hold ({:?})",
                        self.id,
                        n + 1,
                        f.path,
                        f.fact
                    ));
                }
            }
            if let (Some(order), Some(top)) = (&self.order, super::json::parse_top(ex, &[], true)) {
                let mut last = 0;
                for (k, _) in &top {
                    let k = k.as_ref();
                    let Some(at) = order.iter().position(|o| o == k) else {
                        return Err(format!(
                            "class {} example {}: top-level field {k} is not in the class's order",
                            self.id,
                            n + 1
                        ));
                    };
                    if at < last {
                        return Err(format!(
                            "class {} example {}: {k} comes out of order",
                            self.id,
                            n + 1
                        ));
                    }
                    last = at;
                }
            }
        }
        Ok(())
    }

    /// Some field's facts in the two classes cannot both hold.
    fn disjoint(&self, other: &RecordClass) -> bool {
        self.fields.iter().any(|a| {
            other.fact(&a.sel).is_some_and(|b| {
                let excludes = |x: &FieldFact, y: &FieldFact| match &x.fact {
                    Fact::Fixed(Fixed::Str(s)) => y.not.contains(s),
                    _ => false,
                };
                match (&a.fact, &b.fact) {
                    (Fact::Fixed(x), Fact::Fixed(y)) => x != y,
                    (Fact::Fixed(_), Fact::Absent) | (Fact::Absent, Fact::Fixed(_)) => true,
                    _ => excludes(a, b) || excludes(b, a),
                }
            })
        })
    }

    /// Whether the class allows `v` for the field at `sel` (and its enclosing fields).
    pub(crate) fn admits(&self, sel: &Selector, v: &Abs) -> bool {
        for len in 1..sel.steps.len() {
            let parent = Selector {
                steps: sel.steps[..len].to_vec(),
            };
            if let Some(p) = self.fact(&parent) {
                let container = matches!(p.fact, Fact::Present(Kind::Object) | Fact::Free);
                if !container && *v != Abs::Absent {
                    return false;
                }
            }
        }
        let Some(f) = self.fact(sel) else {
            return true;
        };
        if let Abs::Str(s) = v {
            if f.not.contains(s) || f.like.as_ref().is_some_and(|g| !g.matches(s)) {
                return false;
            }
        }
        match (&f.fact, v) {
            (Fact::Free, _) => true,
            (Fact::Absent, Abs::Absent) | (Fact::Null, Abs::Null) => true,
            (Fact::Fixed(Fixed::Str(a)), Abs::Str(b)) => a == b,
            (Fact::Fixed(Fixed::Num(a)), Abs::Num(b)) => a == b,
            (Fact::Fixed(Fixed::Bool(a)), Abs::Bool(b)) => a == b,
            (Fact::Present(Kind::String), Abs::Str(_) | Abs::AnyStr) => true,
            (Fact::Present(Kind::Number), Abs::Num(_) | Abs::AnyNum) => true,
            (Fact::Present(Kind::Boolean), Abs::Bool(_)) => true,
            (Fact::Present(Kind::Object), Abs::Obj) => true,
            (Fact::Present(Kind::Array), Abs::Arr) => true,
            _ => false,
        }
    }

    /// The hint for a field, if the model has one.
    pub fn why(&self, sel: &Selector) -> Option<&str> {
        self.fact(sel).and_then(|f| f.why.as_deref())
    }
}

fn fixed_abs(x: &Fixed) -> Abs {
    match x {
        Fixed::Str(s) => Abs::Str(s.clone()),
        Fixed::Num(n) => Abs::Num(*n),
        Fixed::Bool(b) => Abs::Bool(*b),
    }
}

impl FieldFact {
    /// Whether the fact holds in a concrete record.
    pub(crate) fn holds_in(&self, record: &serde_json::Value) -> bool {
        let mut cur = Some(record);
        for s in &self.sel.steps {
            cur = match (cur, s) {
                (Some(v), Step::Key(k)) => v.get(k),
                _ => None,
            };
        }
        if let Some(serde_json::Value::String(s)) = cur {
            if self.not.contains(s) || self.like.as_ref().is_some_and(|g| !g.matches(s)) {
                return false;
            }
        }
        use serde_json::Value as J;
        if let (Some(members), Some(J::Object(o))) = (&self.members, cur) {
            if o.keys().any(|k| !members.contains(k)) {
                return false;
            }
        }
        match (&self.fact, cur) {
            (Fact::Free, _) => true,
            (Fact::Absent, None) => true,
            (Fact::Null, Some(J::Null)) => true,
            (Fact::Fixed(Fixed::Str(a)), Some(J::String(b))) => a == b,
            (Fact::Fixed(Fixed::Num(a)), Some(J::Number(b))) => b.as_f64() == Some(*a),
            (Fact::Fixed(Fixed::Bool(a)), Some(J::Bool(b))) => a == b,
            (Fact::Present(Kind::String), Some(J::String(_))) => true,
            (Fact::Present(Kind::Number), Some(J::Number(_))) => true,
            (Fact::Present(Kind::Boolean), Some(J::Bool(_))) => true,
            (Fact::Present(Kind::Object), Some(J::Object(_))) => true,
            (Fact::Present(Kind::Array), Some(J::Array(_))) => true,
            _ => false,
        }
    }
}

// ------------------------------------------------------------------------------ as a universe

/// A class as the search's universe: each field's domain is what the class allows.
pub(crate) struct ClassUniverse<'m> {
    pub class: &'m RecordClass,
    pub model: &'m RecordModel,
    /// Top-level fields CloudTrail does not document are absent (looking for noise), rather
    /// than free (looking for misses).
    pub closed: bool,
}

impl Universe for ClassUniverse<'_> {
    fn like(&self, sel: &Selector) -> Option<Glob> {
        self.class.fact(sel).and_then(|f| f.like.clone())
    }

    fn members(&self, parent: &Selector) -> (Vec<String>, bool) {
        let closed = self.class.fact(parent).and_then(|f| f.members.clone());
        if let Some(m) = closed {
            return (m, true);
        }
        let known = self
            .class
            .fields
            .iter()
            .filter(|f| {
                f.sel.steps.len() == parent.steps.len() + 1
                    && f.sel.steps.starts_with(&parent.steps)
            })
            .filter_map(|f| match f.sel.steps.last() {
                Some(Step::Key(k)) => Some(k.clone()),
                _ => None,
            })
            .collect();
        (known, false)
    }

    fn domain(&self, sel: &Selector, named: &Named) -> Domain {
        let restrict = |vs: Vec<Abs>, f: &FieldFact| {
            Domain::Values(
                vs.into_iter()
                    .filter(|v| match v {
                        Abs::Str(s) => {
                            !f.not.contains(s) && f.like.as_ref().is_none_or(|g| g.matches(s))
                        }
                        _ => true,
                    })
                    .collect(),
            )
        };
        match self.class.fact(sel) {
            Some(f) => match &f.fact {
                Fact::Fixed(x) => Domain::Pin(fixed_abs(x)),
                Fact::Null => Domain::Pin(Abs::Null),
                Fact::Absent => Domain::Pin(Abs::Absent),
                Fact::Present(Kind::Object) => Domain::Pin(Abs::Obj),
                Fact::Present(Kind::Array) => Domain::Pin(Abs::Arr),
                Fact::Present(Kind::String) => restrict(named.strings(), f),
                Fact::Present(Kind::Number) => Domain::Values(named.numbers()),
                Fact::Present(Kind::Boolean) => {
                    Domain::Values(vec![Abs::Bool(true), Abs::Bool(false)])
                }
                Fact::Free => restrict(named.everything(), f),
            },
            None => {
                let undocumented_top =
                    matches!(sel.steps.as_slice(), [Step::Key(k)] if !self.model.is_documented(k));
                if self.closed && undocumented_top {
                    Domain::Pin(Abs::Absent)
                } else {
                    Domain::Values(named.everything())
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------ the text

/// What is sure to be in the compact one-line text of every record of a class (with some
/// fields pinned): fragments in text order (when the class knows the field order), and
/// fragments whose place is not known.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Text {
    pub ordered: Vec<String>,
    pub loose: Vec<String>,
}

impl Text {
    /// Every fragment, ordered ones first.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.ordered.iter().chain(&self.loose)
    }
}

/// Whether a JSON string is written verbatim (no character an encoder might escape).
fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b'/')
}

/// The JSON text of a scalar, when it is sure to be written that way.
fn scalar_text(v: &Abs) -> Option<String> {
    match v {
        Abs::Str(s) if plain(s) => Some(format!("\"{s}\"")),
        Abs::Null => Some("null".into()),
        Abs::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// How a top-level field shows in the text.
enum Shown {
    /// Sure to be absent.
    Absent,
    /// May or may not be there.
    Unknown,
    /// Sure to be there, written in full.
    Full(String),
    /// Sure to be there; its value starts with this and ends unknown (`"`, `{`, or nothing).
    Open(&'static str, &'static str),
}

impl RecordClass {
    /// The value a field has in the class with `pins` added, when the class fixes it.
    fn value_of<'a>(&'a self, sel: &Selector, pins: &'a [(Selector, Abs)]) -> Option<Abs> {
        if let Some((_, v)) = pins.iter().find(|(s, _)| s == sel) {
            return Some(v.clone());
        }
        let f = self.fact(sel)?;
        Some(match &f.fact {
            Fact::Fixed(x) => fixed_abs(x),
            Fact::Null => Abs::Null,
            Fact::Absent => Abs::Absent,
            Fact::Present(Kind::String) => Abs::AnyStr,
            Fact::Present(Kind::Number) => Abs::AnyNum,
            Fact::Present(Kind::Boolean) => return None,
            Fact::Present(Kind::Object) => Abs::Obj,
            Fact::Present(Kind::Array) => Abs::Arr,
            Fact::Free => return None,
        })
    }

    fn shown(&self, key: &str, pins: &[(Selector, Abs)]) -> Shown {
        let sel = Selector {
            steps: vec![Step::Key(key.to_string())],
        };
        match self.value_of(&sel, pins) {
            None => Shown::Unknown,
            Some(Abs::Absent) => Shown::Absent,
            Some(Abs::AnyStr) => Shown::Open("\"", "\""),
            Some(Abs::Obj) => Shown::Open("{", "}"),
            Some(Abs::Arr) => Shown::Open("[", "]"),
            Some(v) => match scalar_text(&v) {
                Some(t) => Shown::Full(t),
                None => Shown::Open("", ""),
            },
        }
    }

    /// The text every record of the class (with `pins` added) is sure to contain.
    pub fn text(&self, pins: &[(Selector, Abs)], model: &RecordModel) -> Text {
        // Nested scalars that are fixed, `"ConsoleLogin":"Failure"`, by top-level parent.
        let mut nested: Vec<(String, String)> = Vec::new();
        let mut sels: Vec<Selector> = self
            .fields
            .iter()
            .filter(|f| f.sel.steps.len() > 1)
            .map(|f| f.sel.clone())
            .collect();
        sels.extend(
            pins.iter()
                .filter(|(s, _)| s.steps.len() > 1)
                .map(|(s, _)| s.clone()),
        );
        sels.sort();
        sels.dedup();
        for sel in &sels {
            let (Some(Step::Key(top)), Some(Step::Key(k))) = (sel.steps.first(), sel.steps.last())
            else {
                continue;
            };
            let Some(t) = self.value_of(sel, pins).as_ref().and_then(scalar_text) else {
                continue;
            };
            if plain(k) && self.nested_sure(sel, pins) {
                nested.push((top.clone(), format!("\"{k}\":{t}")));
            }
        }
        let mut text = Text::default();
        let Some(order) = &self.order else {
            // No known order: each sure field is a fragment of its own.
            let mut keys: Vec<String> = model.documented.clone();
            for (s, _) in pins {
                if let [Step::Key(k)] = s.steps.as_slice() {
                    if !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
            }
            for k in keys.iter().filter(|k| plain(k)) {
                match self.shown(k, pins) {
                    Shown::Full(t) => text.loose.push(format!("\"{k}\":{t}")),
                    Shown::Open(open, _) => text.loose.push(format!("\"{k}\":{open}")),
                    Shown::Absent | Shown::Unknown => {}
                }
            }
            text.loose.extend(nested.into_iter().map(|(_, f)| f));
            return text;
        };
        // Known order: consecutive sure fields with only absent ones between them are
        // adjacent in the text, so they make one fragment. A member of an object sits after
        // its parent's key and before the next field (when it is the only one known).
        let mut seq: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut first = true;
        let mut adjacent = true;
        for k in order.iter().filter(|k| plain(k)) {
            match self.shown(k, pins) {
                Shown::Absent => {}
                Shown::Unknown => {
                    seq.push(std::mem::take(&mut cur));
                    first = false;
                    adjacent = false;
                }
                shown => {
                    let lead = if first {
                        "{"
                    } else if adjacent {
                        ","
                    } else {
                        ""
                    };
                    if !adjacent {
                        seq.push(std::mem::take(&mut cur));
                    }
                    cur.push_str(&format!("{lead}\"{k}\":"));
                    first = false;
                    match shown {
                        Shown::Full(t) => {
                            cur.push_str(&t);
                            adjacent = true;
                        }
                        Shown::Open(open, close) => {
                            cur.push_str(open);
                            seq.push(std::mem::take(&mut cur));
                            let inside: Vec<&(String, String)> =
                                nested.iter().filter(|(top, _)| top == k).collect();
                            if let [only] = inside.as_slice() {
                                seq.push(only.1.clone());
                            } else {
                                text.loose.extend(inside.iter().map(|(_, f)| f.clone()));
                            }
                            // A string's closing quote is followed by the next field.
                            if close == "\"" {
                                cur.push('"');
                                adjacent = true;
                            } else {
                                adjacent = false;
                            }
                        }
                        Shown::Absent | Shown::Unknown => unreachable!(),
                    }
                }
            }
        }
        seq.push(cur);
        // A lone closing quote says nothing.
        seq.retain(|f| f.len() > 1);
        text.ordered = seq;
        // Members of fields whose place is unknown.
        for (top, f) in nested {
            if !order.contains(&top) {
                text.loose.push(f);
            }
        }
        text
    }

    /// Whether every enclosing field of a nested one is a sure object, so the member is there.
    fn nested_sure(&self, sel: &Selector, pins: &[(Selector, Abs)]) -> bool {
        (1..sel.steps.len()).all(|len| {
            let parent = Selector {
                steps: sel.steps[..len].to_vec(),
            };
            matches!(self.value_of(&parent, pins), Some(Abs::Obj))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_parses_and_is_consistent() {
        let m = RecordModel::parse(RECORDS_TOML).unwrap();
        m.check().unwrap();
        assert!(m.class("console-sign-in.failed-authentication").is_some());
        assert!(m.class("console-sign-in.success").is_some());
        assert!(m.class("other-event").is_some());
    }

    #[test]
    fn facts_are_checked_against_the_examples() {
        let bad = RECORDS_TOML.replace(
            "\"responseElements.ConsoleLogin\" = { fixed = \"Success\" }",
            "\"responseElements.ConsoleLogin\" = { fixed = \"Failure\" }",
        );
        let m = RecordModel::parse(&bad).unwrap();
        let e = m.check().unwrap_err();
        assert!(e.contains("success") || e.contains("same record"), "{e}");
    }

    #[test]
    fn failed_sign_in_text_has_the_pinned_fields_in_order() {
        let m = RecordModel::shipped();
        let c = m.class("console-sign-in.failed-authentication").unwrap();
        let t = c.text(&[], m);
        assert!(!t.ordered.is_empty());
        let all = t.ordered.join(" | ");
        assert!(
            all.contains(
                r#""eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":""#
            ),
            "{all}"
        );
        assert!(
            all.contains(r#""errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"#),
            "{all}"
        );
        assert!(all.contains(r#""ConsoleLogin":"Failure""#), "{all}");
    }

    #[test]
    fn admits_respects_kinds_exclusions_and_containers() {
        let m = RecordModel::shipped();
        let other = m.class("other-event").unwrap();
        let name = path_selector("eventName").unwrap();
        assert!(!other.admits(&name, &Abs::Str("ConsoleLogin".into())));
        assert!(other.admits(&name, &Abs::Str("CreateTrail".into())));
        let fail = m.class("console-sign-in.failed-authentication").unwrap();
        let rp = path_selector("requestParameters.x").unwrap();
        assert!(!fail.admits(&rp, &Abs::Str("y".into())));
        assert!(fail.admits(&rp, &Abs::Absent));
    }
}
