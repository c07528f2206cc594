//! The syntax tree of a CloudWatch Logs filter pattern.
//!
//! The tree keeps only what changes the meaning of a pattern (not spacing, not redundant
//! parentheses, not whether a plain word was quoted), so that two spellings of the same
//! pattern compare equal and `Display` can print one canonical form.

use std::fmt;

/// A parsed filter pattern: the tree plus cheap pre-checks derived from it.
///
/// Equality compares the tree only; the pre-checks are a function of the tree.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// What the pattern says.
    pub body: Body,
    /// Texts that must all occur in a message for a JSON pattern to match it (a necessary
    /// condition, checked before any JSON is parsed).
    pub(crate) prefilter: Vec<String>,
    /// Top-level JSON keys the pattern reads.
    pub(crate) top_keys: Vec<String>,
    /// A selector starts with `.*`: every top-level member is read.
    pub(crate) read_all: bool,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.body == other.body
    }
}

/// The five kinds of filter pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// The empty pattern: matches every log event.
    Empty,
    /// Terms, quoted phrases, `-` exclusions and `?` alternatives, matched on the raw text.
    Terms(Vec<Term>),
    /// A whole-pattern `%regex%`, matched on the raw text.
    Regex(Re),
    /// A `{ ... }` pattern on JSON log events.
    Json(Expr),
    /// A `[ ... ]` pattern on space-delimited log events.
    Delimited(Vec<Slot>),
}

/// How a term takes part in a term pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// `ERROR`: must occur.
    Required,
    /// `-ERROR`: must not occur.
    Excluded,
    /// `?ERROR`: at least one of the `?` terms must occur.
    Optional,
}

/// One term or quoted phrase of a term pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    pub text: String,
}

/// A boolean expression of a JSON pattern (or of one slot of a space-delimited pattern).
///
/// `And`/`Or` are n-ary and never directly nest the same operator, so that
/// `A && (B && C)` and `(A && B) && C` are the same tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(Cmp),
}

/// `selector test`, e.g. `$.eventName = ConsoleLogin` or `$.userName NOT EXISTS`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cmp {
    pub sel: Selector,
    pub test: Test,
}

/// What is checked about the selected value.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    Op(Op, Value),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string, possibly with a `*` wildcard at the start and/or the end.
    Str(Glob),
    /// An unquoted number: compared numerically.
    Num(f64),
    /// `%regex%`: the value must contain a match.
    Regex(Re),
}

/// A string with optional leading/trailing `*`. `*` alone is `lead = true, text = ""`:
/// "the field has a value". A `*` inside the text is a literal `*` (the guide: `Ev*ent` only
/// matches the string `Ev*ent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pub lead: bool,
    pub text: String,
    pub trail: bool,
}

impl Glob {
    /// True for `*`, which matches any string.
    pub(crate) fn is_any(&self) -> bool {
        self.text.is_empty() && (self.lead || self.trail)
    }

    /// Whether `s` matches this glob (case-sensitive, whole value).
    pub fn matches(&self, s: &str) -> bool {
        match (self.lead, self.trail) {
            (false, false) => s == self.text,
            (true, false) => s.ends_with(self.text.as_str()),
            (false, true) => s.starts_with(self.text.as_str()),
            (true, true) => s.contains(self.text.as_str()),
        }
    }
}

/// A JSON selector: `$.a.b[0][*]['x.y']`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    pub steps: Vec<Step>,
}

/// One step of a selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(u32),
    /// `[*]`: any element of an array.
    Any,
    /// `.*`: any member of an object.
    AnyKey,
}

impl Selector {
    /// True when the selector contains a wildcard (`[*]` or `.*`): it then selects several
    /// values, and matches when any of them does.
    pub(crate) fn has_any(&self) -> bool {
        self.wildcards() > 0
    }

    /// How many wildcard steps the selector has.
    pub fn wildcards(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Any | Step::AnyKey))
            .count()
    }
}

/// One comma-separated slot of a space-delimited pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    /// `...`: any number of fields.
    Ellipsis,
    /// A named field with an optional condition on it.
    Field { name: String, cond: Option<Expr> },
}

/// A regular expression as written, with its compiled (linear-time) form.
#[derive(Clone)]
pub struct Re {
    pub src: String,
    pub(crate) re: regex::Regex,
}

impl Re {
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

impl PartialEq for Re {
    fn eq(&self, other: &Self) -> bool {
        self.src == other.src
    }
}

impl fmt::Debug for Re {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.src)
    }
}

impl Expr {
    /// Calls `f` on every comparison, left to right.
    pub(crate) fn for_each_cmp<'a>(&'a self, f: &mut dyn FnMut(&'a Cmp)) {
        match self {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| x.for_each_cmp(f)),
            Expr::Cmp(c) => f(c),
        }
    }
}
