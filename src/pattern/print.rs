//! Prints a pattern back in one canonical form.
//!
//! Canonical means: parsing the printed text gives the same tree (a property test checks it),
//! strings are always quoted, and parentheses appear only where precedence needs them — so two
//! patterns that differ only in spelling print the same, which makes reports diffable.

use super::ast::*;
use std::fmt::{self, Display, Formatter, Write};

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.body.fmt(f)
    }
}

impl Display for Body {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => Ok(()),
            Body::Regex(re) => write!(f, "%{}%", re.src),
            Body::Json(e) => write!(f, "{{ {} }}", Top(e)),
            Body::Terms(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    match t.kind {
                        TermKind::Required => {}
                        TermKind::Excluded => f.write_char('-')?,
                        TermKind::Optional => f.write_char('?')?,
                    }
                    if !t.text.is_empty()
                        && t.text
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        f.write_str(&t.text)?;
                    } else {
                        write_quoted(f, &t.text, '"')?;
                    }
                }
                Ok(())
            }
            Body::Delimited(slots) => {
                f.write_char('[')?;
                for (i, s) in slots.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match s {
                        Slot::Ellipsis => f.write_str("...")?,
                        Slot::Field { name, cond: None } => f.write_str(name)?,
                        Slot::Field { cond: Some(e), .. } => write!(f, "{}", Delim(e))?,
                    }
                }
                f.write_char(']')
            }
        }
    }
}

/// A space-delimited slot condition: bare field names, no parentheses around comparisons.
struct Delim<'a>(&'a Expr);

impl Display for Delim<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (xs, op) = match self.0 {
            Expr::Cmp(c) => {
                if let Some(Step::Key(k)) = c.sel.steps.first() {
                    f.write_str(k)?;
                }
                return match &c.test {
                    Test::Op(op, v) => write!(f, " {} {v}", op.as_str()),
                    _ => Ok(()),
                };
            }
            Expr::And(xs) => (xs, " && "),
            Expr::Or(xs) => (xs, " || "),
        };
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                f.write_str(op)?;
            }
            if matches!((self.0, x), (Expr::And(_), Expr::Or(_))) {
                write!(f, "({})", Delim(x))?;
            } else {
                write!(f, "{}", Delim(x))?;
            }
        }
        Ok(())
    }
}

/// An expression at the top level or inside parentheses: no outer parentheses needed.
struct Top<'a>(&'a Expr);

impl Display for Top<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Expr::Or(xs) => sep(f, xs, " || ", false),
            Expr::And(xs) => sep(f, xs, " && ", true),
            Expr::Cmp(c) => c.fmt(f),
        }
    }
}

/// Children of `&&` are parenthesized when they are `||` (precedence) and, for readability,
/// comparisons are parenthesized too, as in the CIS pattern.
fn sep(f: &mut Formatter<'_>, xs: &[Expr], op: &str, in_and: bool) -> fmt::Result {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(op)?;
        }
        match x {
            Expr::Or(_) if in_and => write!(f, "({})", Top(x))?,
            Expr::Cmp(c) => write!(f, "({c})")?,
            _ => write!(f, "{}", Top(x))?,
        }
    }
    Ok(())
}

impl Display for Cmp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.sel.fmt(f)?;
        match &self.test {
            Test::Op(op, v) => write!(f, " {} {v}", op.as_str()),
            Test::IsTrue => f.write_str(" IS TRUE"),
            Test::IsFalse => f.write_str(" IS FALSE"),
            Test::IsNull => f.write_str(" IS NULL"),
            Test::NotExists => f.write_str(" NOT EXISTS"),
        }
    }
}

impl Display for Selector {
    /// JSON selectors print as `$.a.b[0]`; a one-step selector from a space-delimited slot
    /// is a bare name, which `Slot` prints through the same code path.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for s in &self.steps {
            match s {
                Step::Key(k) if simple_key(k) => write!(f, ".{k}")?,
                Step::Key(k) => {
                    f.write_str("['")?;
                    write_escaped(f, k, '\'')?;
                    f.write_str("']")?;
                }
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Any => f.write_str("[*]")?,
                Step::AnyKey => f.write_str(".*")?,
            }
        }
        Ok(())
    }
}

fn simple_key(k: &str) -> bool {
    !k.is_empty()
        && !k
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b"{}[]().=!<>&|\"'%,*\\".contains(&b))
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(n) => write!(f, "{n:?}"),
            Value::Regex(re) => write!(f, "%{}%", re.src),
            Value::Str(g) => {
                f.write_char('"')?;
                if g.lead {
                    f.write_char('*')?;
                }
                // The parser never lets `*` into the text, so only quotes and backslashes need
                // escaping.
                write_escaped(f, &g.text, '"')?;
                if g.trail {
                    f.write_char('*')?;
                }
                f.write_char('"')
            }
        }
    }
}

fn write_quoted(f: &mut Formatter<'_>, s: &str, q: char) -> fmt::Result {
    f.write_char(q)?;
    write_escaped(f, s, q)?;
    f.write_char(q)
}

fn write_escaped(f: &mut Formatter<'_>, s: &str, q: char) -> fmt::Result {
    for c in s.chars() {
        if c == q || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

impl Slot {
    /// The field name of a slot, `None` for `...`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Slot::Ellipsis => None,
            Slot::Field { name, .. } => Some(name),
        }
    }
}
