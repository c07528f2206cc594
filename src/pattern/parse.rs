//! Hand-written parser for the whole filter-pattern language.
//!
//! One pass over the bytes with a cursor, in the style of regex-syntax: every error carries the
//! byte offset where it was noticed and what was expected there, because the user has to find
//! the mistake in a one-line string. Limits that CloudWatch enforces at `PutMetricFilter` are
//! enforced here too, so a pattern we call valid is one CloudWatch could hold.

use super::ast::*;
use std::fmt;

/// Longest pattern CloudWatch accepts, in characters.
pub const MAX_PATTERN_CHARS: usize = 1024;
/// Regexes allowed in one JSON or space-delimited pattern.
pub const MAX_REGEXES: usize = 2;
/// Parenthesis nesting we accept; deeper input is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;
/// Wildcard selectors (`[*]`, `.*`): one per selector, three per pattern (the guide's quota).
pub(crate) const MAX_SELECTOR_WILDCARDS: usize = 1;
pub(crate) const MAX_PATTERN_WILDCARDS: usize = 3;

/// Why a pattern does not parse: where, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the pattern text.
    pub offset: usize,
    /// Human message, e.g. "expected `&&`, `||`, `)` or `}`, found `a`".
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a filter pattern. Never panics; refuses what CloudWatch refuses.
pub fn parse(text: &str) -> Result<Pattern, ParseError> {
    if let Some((off, _)) = text.char_indices().nth(MAX_PATTERN_CHARS) {
        return Err(ParseError {
            offset: off,
            message: format!("the pattern is longer than {MAX_PATTERN_CHARS} characters"),
        });
    }
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        regexes: 0,
        wildcards: 0,
        depth: 0,
        delimited: false,
    };
    p.skip_ws();
    let body = match p.peek() {
        None => Body::Empty,
        Some(b'{') => p.json()?,
        Some(b'[') => p.delimited()?,
        Some(b'%') => p.whole_regex()?,
        Some(_) => p.terms()?,
    };
    Ok(Pattern::from_body(body))
}

impl Pattern {
    /// Builds a pattern from a tree, deriving the evaluation pre-checks.
    pub(crate) fn from_body(body: Body) -> Pattern {
        let mut prefilter = Vec::new();
        let mut top_keys: Vec<String> = Vec::new();
        let mut read_all = false;
        if let Body::Json(e) = &body {
            required_literals(e, &mut prefilter);
            prefilter.sort();
            prefilter.dedup();
            e.for_each_cmp(&mut |c| match c.sel.steps.first() {
                Some(Step::Key(k)) if !top_keys.contains(k) => top_keys.push(k.clone()),
                Some(Step::AnyKey) => read_all = true,
                _ => {}
            });
        }
        Pattern {
            body,
            prefilter,
            top_keys,
            read_all,
        }
    }
}

/// Texts that must occur verbatim in the raw message for `e` to match: the exact string
/// values of `=` comparisons under `&&`. Only texts that a JSON encoder cannot write another
/// way (no quote, backslash, slash, control or non-ASCII characters) qualify; the evaluator
/// still skips the check when the message contains a `\u` escape.
fn required_literals(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::And(xs) => xs.iter().for_each(|x| required_literals(x, out)),
        Expr::Or(_) => {}
        Expr::Cmp(c) => {
            if let Test::Op(Op::Eq, Value::Str(g)) = &c.test {
                let safe = g
                    .text
                    .bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b'/');
                if safe && !g.text.is_empty() {
                    out.push(g.text.clone());
                }
            }
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    regexes: usize,
    wildcards: usize,
    depth: usize,
    /// Parsing the condition of a space-delimited slot: selectors are bare names.
    delimited: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Characters that end a selector key written after a dot.
fn ends_key(b: u8) -> bool {
    is_ws(b) || b"{}[]().=!<>&|\"'%,*".contains(&b)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.pos + n).copied()
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.b[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// A short description of what is at the cursor, for error messages.
    fn found(&self) -> String {
        match self.s[self.pos..].chars().next() {
            None => "the end of the pattern".to_string(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn err<T>(&self, expected: &str) -> Result<T, ParseError> {
        Err(ParseError {
            offset: self.pos,
            message: format!("expected {expected}, found {}", self.found()),
        })
    }

    fn fail<T>(offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset,
            message: message.into(),
        })
    }

    fn expect_end(&mut self) -> Result<(), ParseError> {
        self.skip_ws();
        if self.pos < self.b.len() {
            return self.err("the end of the pattern");
        }
        Ok(())
    }

    // ---------------------------------------------------------------- JSON patterns

    fn json(&mut self) -> Result<Body, ParseError> {
        self.pos += 1; // `{`
        self.skip_ws();
        if self.peek() == Some(b'}') {
            return self.err("a condition such as `$.eventName = ConsoleLogin`");
        }
        let e = self.expr()?;
        self.skip_ws();
        if self.peek() != Some(b'}') {
            return self.err("`&&`, `||` or `}`");
        }
        self.pos += 1;
        self.expect_end()?;
        Ok(Body::Json(e))
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut alts = vec![self.conj()?];
        loop {
            self.skip_ws();
            if self.eat("||") {
                alts.push(self.conj()?);
            } else {
                break;
            }
        }
        Ok(join(alts, Expr::Or))
    }

    fn conj(&mut self) -> Result<Expr, ParseError> {
        let mut xs = vec![self.unary()?];
        loop {
            self.skip_ws();
            if self.eat("&&") {
                xs.push(self.unary()?);
            } else {
                break;
            }
        }
        Ok(join(xs, Expr::And))
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() == Some(b'(') {
            if self.depth >= MAX_DEPTH {
                return Self::fail(self.pos, "parentheses are nested too deeply");
            }
            self.depth += 1;
            self.pos += 1;
            let e = self.expr()?;
            self.skip_ws();
            if self.peek() != Some(b')') {
                return self.err("`&&`, `||` or `)`");
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(e);
        }
        self.cmp().map(Expr::Cmp)
    }

    fn cmp(&mut self) -> Result<Cmp, ParseError> {
        let sel = if self.delimited {
            self.field_name()?
        } else {
            self.selector()?
        };
        self.skip_ws();
        let start = self.pos;
        let op = if self.eat("!=") {
            Some(Op::Ne)
        } else if self.eat("<=") {
            Some(Op::Le)
        } else if self.eat(">=") {
            Some(Op::Ge)
        } else if self.eat("=") {
            Some(Op::Eq)
        } else if self.eat("<") {
            Some(Op::Lt)
        } else if self.eat(">") {
            Some(Op::Gt)
        } else {
            None
        };
        if let Some(op) = op {
            self.skip_ws();
            let value_at = self.pos;
            let quoted = matches!(self.peek(), Some(b'"' | b'%'));
            let value = self.value(op)?;
            if !quoted && !self.delimited {
                self.unquoted_words(value_at)?;
            }
            return Ok(Cmp {
                sel,
                test: Test::Op(op, value),
            });
        }
        if !self.delimited {
            if self.keyword("EXISTS") {
                return Self::fail(
                    start,
                    "`EXISTS` alone is not supported by CloudWatch: write `= *` to require a value, or `NOT EXISTS`",
                );
            }
            if self.keyword("IS") {
                self.skip_ws();
                if self.keyword("NOT") {
                    return Self::fail(
                        start,
                        "`IS NOT` is not supported by CloudWatch: use `!=`, or `IS TRUE`/`IS FALSE`/`IS NULL`",
                    );
                }
                let test = if self.keyword("TRUE") {
                    Test::IsTrue
                } else if self.keyword("FALSE") {
                    Test::IsFalse
                } else if self.keyword("NULL") {
                    Test::IsNull
                } else {
                    return self.err("`TRUE`, `FALSE` or `NULL` after `IS`");
                };
                return Ok(Cmp { sel, test });
            }
            if self.keyword("NOT") {
                self.skip_ws();
                if !self.keyword("EXISTS") {
                    return self.err("`EXISTS` after `NOT`");
                }
                return Ok(Cmp {
                    sel,
                    test: Test::NotExists,
                });
            }
        }
        self.pos = start;
        if self.delimited {
            self.err("a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`)")
        } else {
            self.err(
                "a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`), `IS TRUE`, `IS FALSE`, `IS NULL` or `NOT EXISTS`",
            )
        }
    }

    /// An unquoted value followed by another word: the user meant one value with a space in
    /// it, which CloudWatch only takes in double quotes.
    fn unquoted_words(&self, value_at: usize) -> Result<(), ParseError> {
        let mut i = self.pos;
        while self.b.get(i).is_some_and(|&c| is_ws(c)) {
            i += 1;
        }
        if i == self.pos || !self.b.get(i).is_some_and(|&c| is_word(c) || c == b'*') {
            return Ok(());
        }
        let next: String = self.s[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if matches!(next.as_str(), "and" | "AND" | "or" | "OR") {
            let op = if next.eq_ignore_ascii_case("and") {
                "&&"
            } else {
                "||"
            };
            return Self::fail(
                i,
                format!("expected `&&`, `||`, `)` or `}}`, found `{next}`: write `{op}`"),
            );
        }
        let rest = &self.s[value_at..];
        let end = ["&&", "||", ")", "}"]
            .iter()
            .filter_map(|t| rest.find(t))
            .min()
            .unwrap_or(rest.len());
        let words = rest[..end].trim_end();
        Self::fail(
            value_at,
            format!("a value with spaces must be in double quotes: write `\"{words}\"`"),
        )
    }

    /// Consumes `kw` when it is a whole word (case-sensitive, as everything in the language).
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.pos + kw.len();
        if self.b[self.pos..].starts_with(kw.as_bytes())
            && !self.b.get(end).is_some_and(|&c| is_word(c))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn selector(&mut self) -> Result<Selector, ParseError> {
        if self.peek() != Some(b'$') {
            return self.err("a selector starting with `$.` or `(`");
        }
        let start = self.pos;
        self.pos += 1;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.peek_at(1) == Some(b'[') => {
                    self.pos += 1;
                    steps.push(self.bracket()?);
                }
                Some(b'.') if self.peek_at(1) == Some(b'*') => {
                    self.pos += 2;
                    steps.push(Step::AnyKey);
                }
                Some(b'.') => {
                    self.pos += 1;
                    let start = self.pos;
                    while self.peek().is_some_and(|c| !ends_key(c)) {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        return self.err("a field name after `.`");
                    }
                    steps.push(Step::Key(self.s[start..self.pos].to_string()));
                }
                Some(b'[') => steps.push(self.bracket()?),
                _ => break,
            }
        }
        if steps.is_empty() {
            return self.err("`.` and a field name after `$`");
        }
        let sel = Selector { steps };
        if sel.wildcards() > MAX_SELECTOR_WILDCARDS {
            return Self::fail(
                start,
                format!("CloudWatch allows at most {MAX_SELECTOR_WILDCARDS} wildcard (`[*]` or `.*`) in one selector"),
            );
        }
        self.wildcards += sel.wildcards();
        if self.wildcards > MAX_PATTERN_WILDCARDS {
            return Self::fail(
                start,
                format!("CloudWatch allows at most {MAX_PATTERN_WILDCARDS} wildcard selectors in one pattern"),
            );
        }
        Ok(sel)
    }

    /// `[0]`, `[*]`, `['key']` or `["key"]`.
    fn bracket(&mut self) -> Result<Step, ParseError> {
        self.pos += 1; // `[`
        let step = match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Step::Any
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                match self.s[start..self.pos].parse::<u32>() {
                    Ok(n) => Step::Index(n),
                    Err(_) => return Self::fail(start, "array index is too large"),
                }
            }
            Some(q @ (b'\'' | b'"')) => {
                let (text, _) = self.quoted(q)?;
                Step::Key(text.into_iter().map(|(c, _, _)| c).collect())
            }
            _ => return self.err("an array index, `*` or a quoted key inside `[`"),
        };
        if self.peek() != Some(b']') {
            return self.err("`]`");
        }
        self.pos += 1;
        Ok(step)
    }

    /// Reads a quoted string starting at the opening quote `q`; returns its characters with
    /// their byte offsets and whether each was escaped.
    #[allow(clippy::type_complexity)]
    fn quoted(&mut self, q: u8) -> Result<(Vec<(char, usize, bool)>, usize), ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.s[self.pos..].chars().next() else {
                return Self::fail(
                    open,
                    format!(
                        "unterminated quoted string: expected a closing `{}`",
                        q as char
                    ),
                );
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            if c as u32 == q as u32 {
                return Ok((out, open));
            }
            if c == '\\' {
                match self.s[self.pos..].chars().next() {
                    Some(e) if e as u32 == q as u32 || e == '\\' => {
                        self.pos += 1;
                        out.push((e, at, true));
                    }
                    _ => out.push(('\\', at, false)),
                }
            } else {
                out.push((c, at, false));
            }
        }
    }

    fn value(&mut self, op: Op) -> Result<Value, ParseError> {
        let numeric_op = !matches!(op, Op::Eq | Op::Ne);
        match self.peek() {
            Some(b'"') => {
                if numeric_op {
                    return self.err(&format!("a number after `{}`", op.as_str()));
                }
                let (chars, _) = self.quoted(b'"')?;
                glob(&chars).map(Value::Str)
            }
            Some(b'%') => {
                if numeric_op {
                    return self.err(&format!("a number after `{}`", op.as_str()));
                }
                let start = self.pos;
                self.pos += 1;
                let body_start = self.pos;
                while self.peek().is_some_and(|c| c != b'%') {
                    self.pos += 1;
                }
                if self.peek() != Some(b'%') {
                    return Self::fail(start, "unterminated regex: expected a closing `%`");
                }
                let src = &self.s[body_start..self.pos];
                self.pos += 1;
                self.regexes += 1;
                if self.regexes > MAX_REGEXES {
                    return Self::fail(
                        start,
                        format!("too many regexes: CloudWatch allows at most {MAX_REGEXES} in a JSON or space-delimited pattern"),
                    );
                }
                compile_regex(src, body_start).map(Value::Regex)
            }
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| {
                    !(is_ws(c)
                        || b"(){}&|\"".contains(&c)
                        || (self.delimited && (c == b',' || c == b']')))
                }) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return self.err("a value (a word, a quoted string, a number or a %regex%)");
                }
                let raw = &self.s[start..self.pos];
                if is_number(raw) {
                    match raw.parse::<f64>() {
                        Ok(n) if n.is_finite() => return Ok(Value::Num(n)),
                        _ => return Self::fail(start, "number is out of range"),
                    }
                }
                if numeric_op {
                    return Self::fail(
                        start,
                        format!("expected a number after `{}`, found `{raw}`", op.as_str()),
                    );
                }
                let chars: Vec<(char, usize, bool)> = raw
                    .char_indices()
                    .map(|(i, c)| (c, start + i, false))
                    .collect();
                glob(&chars).map(Value::Str)
            }
        }
    }

    // ---------------------------------------------------------------- space-delimited

    fn delimited(&mut self) -> Result<Body, ParseError> {
        self.pos += 1; // `[`
        self.delimited = true;
        let mut slots = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("...") {
                slots.push(Slot::Ellipsis);
            } else {
                let name_at = self.pos;
                let (name, cond) = if self.peek() == Some(b'(') {
                    let e = self.expr()?;
                    let mut first = None;
                    e.for_each_cmp(&mut |c| {
                        if first.is_none() {
                            first = Some(c.sel.clone());
                        }
                    });
                    (key_of(first.as_ref()), Some(e))
                } else {
                    let name = key_of(Some(&self.field_name()?));
                    self.skip_ws();
                    if matches!(self.peek(), Some(b'=' | b'!' | b'<' | b'>')) {
                        self.pos = name_at;
                        (name, Some(self.expr()?))
                    } else {
                        (name, None)
                    }
                };
                if let Some(e) = &cond {
                    let mut bad = None;
                    e.for_each_cmp(&mut |c| {
                        if bad.is_none() && c.sel.steps != [Step::Key(name.clone())] {
                            bad = Some(key_of(Some(&c.sel)));
                        }
                    });
                    if let Some(other) = bad {
                        return Self::fail(
                            name_at,
                            format!("a condition in the slot of field `{name}` can only test `{name}`, not `{other}`"),
                        );
                    }
                }
                slots.push(Slot::Field { name, cond });
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return self.err("`,` or `]`"),
            }
        }
        self.delimited = false;
        self.expect_end()?;
        Ok(Body::Delimited(slots))
    }

    /// A space-delimited field name, returned as a one-step selector.
    fn field_name(&mut self) -> Result<Selector, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(is_word) {
            self.pos += 1;
        }
        if self.pos == start {
            return self.err("a field name (letters, digits, `_`) or `...`");
        }
        Ok(Selector {
            steps: vec![Step::Key(self.s[start..self.pos].to_string())],
        })
    }

    // ---------------------------------------------------------------- regex and terms

    fn whole_regex(&mut self) -> Result<Body, ParseError> {
        let start = self.pos;
        let end = self
            .s
            .trim_end_matches(|c: char| c.is_ascii_whitespace())
            .len();
        if end < start + 2 || self.b[end - 1] != b'%' {
            self.pos = end;
            return self.err("`%` closing the regex");
        }
        let src = &self.s[start + 1..end - 1];
        let re = compile_regex(src, start + 1)?;
        Ok(Body::Regex(re))
    }

    fn terms(&mut self) -> Result<Body, ParseError> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            let Some(c) = self.peek() else { break };
            let kind = match c {
                b'-' => TermKind::Excluded,
                b'?' => TermKind::Optional,
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                self.pos += 1;
            }
            let text = if self.peek() == Some(b'"') {
                let (chars, open) = self.quoted(b'"')?;
                if chars.is_empty() {
                    return Self::fail(open, "empty quoted phrase");
                }
                if self.peek().is_some_and(|c| !is_ws(c)) {
                    return self.err("a space after the closing `\"`");
                }
                chars.into_iter().map(|(c, _, _)| c).collect()
            } else {
                let start = self.pos;
                while self.peek().is_some_and(|c| !is_ws(c)) {
                    if !is_word(self.b[self.pos]) {
                        return Self::fail(
                            self.pos,
                            format!(
                                "expected a letter, digit or `_` in a term, found {}: terms with other characters must be in double quotes",
                                self.found()
                            ),
                        );
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return self.err("a term or a quoted phrase");
                }
                self.s[start..self.pos].to_string()
            };
            terms.push(Term { kind, text });
        }
        Ok(Body::Terms(terms))
    }
}

/// The name of a one-step selector (space-delimited fields are one-step selectors).
fn key_of(sel: Option<&Selector>) -> String {
    match sel.and_then(|s| s.steps.first()) {
        Some(Step::Key(k)) => k.clone(),
        _ => String::new(),
    }
}

/// Builds an n-ary node, splicing children of the same kind so the tree is canonical.
fn join(xs: Vec<Expr>, mk: fn(Vec<Expr>) -> Expr) -> Expr {
    if xs.len() == 1 {
        return xs.into_iter().next().unwrap_or(Expr::And(Vec::new()));
    }
    let is_and = matches!(mk(Vec::new()), Expr::And(_));
    let mut out = Vec::new();
    for x in xs {
        match x {
            Expr::And(inner) if is_and => out.extend(inner),
            Expr::Or(inner) if !is_and => out.extend(inner),
            other => out.push(other),
        }
    }
    mk(out)
}

/// `-?digits[.digits][(e|E)[+-]digits]`
fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let d0 = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == d0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f0 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e0 {
            return false;
        }
    }
    i == b.len()
}

/// Turns a value's characters into a glob: `*` is a wildcard at the start or the end, and a
/// literal `*` elsewhere.
fn glob(chars: &[(char, usize, bool)]) -> Result<Glob, ParseError> {
    let n = chars.len();
    let lead = n > 0 && chars[0].0 == '*' && !chars[0].2;
    let trail = n > 1 && chars[n - 1].0 == '*' && !chars[n - 1].2;
    let lo = usize::from(lead);
    let hi = if trail { n - 1 } else { n };
    let inner = if lo <= hi {
        &chars[lo..hi]
    } else {
        &chars[0..0]
    };
    // A `*` inside the value is a literal `*`.
    let text: String = inner.iter().map(|(c, _, _)| *c).collect();
    if text.is_empty() {
        // `*` or `**`: any value.
        return Ok(Glob {
            lead: lead || trail,
            text,
            trail: false,
        });
    }
    Ok(Glob { lead, text, trail })
}

/// Checks a regex against CloudWatch's documented subset and compiles it with the `regex`
/// crate (finite automata: linear time in the input, so no pattern can make a match hang).
pub(crate) fn compile_regex(src: &str, offset: usize) -> Result<Re, ParseError> {
    if src.is_empty() {
        return Err(ParseError {
            offset,
            message: "empty regex between `%` signs".into(),
        });
    }
    for (i, c) in src.char_indices() {
        let ok = c.is_ascii_alphanumeric() || ":_#=@/;,- ^$?[]{}|\\*+.".contains(c);
        if !ok {
            let why = if c == '(' || c == ')' {
                "parentheses are not supported in CloudWatch regexes".to_string()
            } else if !c.is_ascii() {
                "multi-byte characters are not supported in CloudWatch regexes".to_string()
            } else {
                format!("character `{c}` is not supported in CloudWatch regexes")
            };
            return Err(ParseError {
                offset: offset + i,
                message: why,
            });
        }
    }
    match regex::RegexBuilder::new(src)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
    {
        Ok(re) => Ok(Re {
            src: src.to_string(),
            re,
        }),
        Err(e) => {
            let msg = e.to_string();
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid regex");
            Err(ParseError {
                offset,
                message: format!(
                    "invalid regex: {}",
                    last.trim().trim_start_matches("error: ")
                ),
            })
        }
    }
}
