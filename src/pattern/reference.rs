//! What a candidate pattern is judged against: one control's reference pattern, its official
//! spellings, what it catches, and its must-not-match class. Built from the controls table.

use super::ast::Pattern;

/// What a candidate pattern is judged against: one control's reference pattern, its official
/// spellings, and the records its filter must not match.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The control's id (verdicts are cached per control, reference texts and candidate text).
    pub control: String,
    pub pattern: Pattern,
    /// Official spellings in the benchmark this reference is for, the judged reference's
    /// first: `strict_cis` compares with these.
    pub texts: Vec<String>,
    /// What the reference catches, as a plural noun ("failed console sign-ins").
    pub catches: String,
    pub noise: Option<Noise>,
}

/// A must-not-match class: a record class of the model, and its plural noun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noise {
    pub class: String,
    pub label: String,
}
