//! Reads an exceptions file: TOML, a list of `[[exception]]` tables. The document is walked
//! with its spans (`toml::de::DeTable`), not deserialized blindly, so that every refusal points
//! at the line and column of the key or value at fault, and a missing key at the header of the
//! exception that lacks it.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use time::{Date, Month};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{ExceptionsError, Problem, Which, EXCEPTION_KEYS, FILE_KEYS};
use super::model::{Exception, ExceptionSet, Scope};
use crate::validate;

/// What each list key expects, as a refusal words it.
const CONTROL_LIST: &str =
    "a list of control ids or numbers in quotes, e.g. [\"all\"] or [\"4.3\", \"CloudWatch.6\"]";
const ACCOUNT_LIST: &str =
    "a list of account ids in quotes, e.g. [\"012345678901\"] (ids may start with 0)";
const OU_LIST: &str = "a list of OU ids in quotes, e.g. [\"ou-ab12-cd34ef56\"]";
const REGION_LIST: &str = "a list of region names in quotes, e.g. [\"*\"] or [\"us-east-1\"]";

/// The longest id: ids are shown in every output, in CSV columns and on the closing screen.
const MAX_ID_LEN: usize = 64;

/// Resolves the controls table's words (ids, CIS numbers, Security Hub ids) under the default
/// benchmark (see [`controls_under`]).
pub fn table_controls(word: &str) -> Result<Vec<String>, String> {
    controls_under(crate::controls::Benchmark::default())(word)
}

/// Resolves control words as `--controls` does under `benchmark`: stable ids, that benchmark's
/// numbers, Security Hub ids, `all`.
pub fn controls_under(
    benchmark: crate::controls::Benchmark,
) -> impl Fn(&str) -> Result<Vec<String>, String> {
    move |word| {
        crate::controls::select(&[word.to_string()], benchmark)
            .map(|controls| controls.iter().map(|c| c.id.clone()).collect())
    }
}

/// Reads and checks the file at `path`; `resolve` turns one control word into control ids
/// (see [`table_controls`]).
pub fn load<R>(path: &Path, resolve: R) -> Result<ExceptionSet, ExceptionsError>
where
    R: Fn(&str) -> Result<Vec<String>, String>,
{
    let bytes = std::fs::read(path).map_err(|e| ExceptionsError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        exception: None,
        key: None,
        problem: Problem::Unreadable(e.to_string()),
    })?;
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse(text, path, resolve),
        Err(e) => {
            // Not text at all: point at the first byte that is not UTF-8.
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let at = Placer { text: valid, path };
            Err(at.error(
                valid.len()..valid.len(),
                None,
                None,
                Problem::NotToml("the file is not UTF-8 text".into()),
            ))
        }
    }
}

/// Parses and checks exceptions text; `path` only names the file in errors. The first mistake
/// in the file's order is the one reported.
pub fn parse<R>(text: &str, path: &Path, resolve: R) -> Result<ExceptionSet, ExceptionsError>
where
    R: Fn(&str) -> Result<Vec<String>, String>,
{
    let at = Placer { text, path };
    let doc = DeTable::parse(text).map_err(|e| at.toml_error(&e))?;
    let mut exceptions = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for (key, value) in in_file_order(doc.get_ref()) {
        if key.get_ref() != "exception" {
            return Err(at.error(
                key.span(),
                None,
                Some(key.get_ref()),
                Problem::UnknownKey {
                    allowed: &FILE_KEYS,
                },
            ));
        }
        let DeValue::Array(items) = value.get_ref() else {
            return Err(at.error(
                value.span(),
                None,
                Some("exception"),
                Problem::WrongType {
                    expected: "[[exception]] tables (two brackets: one table per exception)",
                    found: type_name(value.get_ref()),
                },
            ));
        };
        for item in items.iter() {
            let which = Which {
                ordinal: exceptions.len() + 1,
                id: None,
            };
            let DeValue::Table(table) = item.get_ref() else {
                return Err(at.error(
                    item.span(),
                    Some(which),
                    Some("exception"),
                    Problem::WrongType {
                        expected: "a table of keys",
                        found: type_name(item.get_ref()),
                    },
                ));
            };
            let one = read_exception(&at, which, item.span(), table, &resolve, &mut ids)?;
            exceptions.push(one);
        }
    }
    Ok(ExceptionSet {
        file: path.to_path_buf(),
        exceptions,
    })
}

/// One `[[exception]]` table; `header` is the span of its header (or of the inline table).
fn read_exception<R>(
    at: &Placer<'_>,
    mut which: Which,
    header: Range<usize>,
    table: &DeTable<'_>,
    resolve: &R,
    ids: &mut BTreeMap<String, usize>,
) -> Result<Exception, ExceptionsError>
where
    R: Fn(&str) -> Result<Vec<String>, String>,
{
    // Name the exception by its id in every message about it, once the id is usable.
    if let Some(DeValue::String(id)) = table.get("id").map(|v| v.get_ref()) {
        if id_shape(id) {
            which.id = Some(id.to_string());
        }
    }
    let mut out = Draft::default();
    for (key, value) in in_file_order(table) {
        let name = key.get_ref().as_ref();
        let err = |span: Range<usize>, problem: Problem| {
            at.error(span, Some(which.clone()), Some(name), problem)
        };
        match name {
            "id" => {
                let id = text_value(value, &err)?;
                if !id_shape(&id) {
                    return Err(err(value.span(), Problem::BadId(id)));
                }
                let line = at.line(value.span().start);
                if let Some(first_line) = ids.get(&id) {
                    let first_line = *first_line;
                    return Err(err(value.span(), Problem::DuplicateId { id, first_line }));
                }
                ids.insert(id.clone(), line);
                out.id = Some(id);
            }
            "reason" => out.reason = Some(text_value(value, &err)?),
            "owner" => out.owner = Some(text_value(value, &err)?),
            "expires" => out.expires = Some(date_value(value, &err)?),
            "controls" => {
                let mut chosen = BTreeSet::new();
                let mut every = false;
                for (word, span) in words(value, CONTROL_LIST, &err)? {
                    if word.eq_ignore_ascii_case("all") {
                        every = true;
                    } else {
                        let ids = resolve(&word)
                            .map_err(|m| err(span.clone(), Problem::UnknownControl(m)))?;
                        if ids.is_empty() {
                            let m = format!("`{word}` names no control");
                            return Err(err(span, Problem::UnknownControl(m)));
                        }
                        chosen.extend(ids);
                    }
                }
                out.controls = Some(if every {
                    Scope::Every
                } else {
                    Scope::Only(chosen)
                });
            }
            "accounts" => {
                let mut set = BTreeSet::new();
                for (word, span) in words(value, ACCOUNT_LIST, &err)? {
                    validate::account_id(&word).map_err(|m| err(span, Problem::BadAccount(m)))?;
                    set.insert(word);
                }
                out.accounts = Some(set);
            }
            "ous" => {
                let mut set = BTreeSet::new();
                for (word, span) in words(value, OU_LIST, &err)? {
                    validate::ou_id(&word).map_err(|m| err(span, Problem::BadOu(m)))?;
                    set.insert(word);
                }
                out.ous = Some(set);
            }
            "regions" => {
                let mut set = BTreeSet::new();
                let mut every = false;
                for (word, span) in words(value, REGION_LIST, &err)? {
                    if word == "*" {
                        every = true;
                    } else {
                        validate::region_name(&word)
                            .map_err(|m| err(span, Problem::BadRegion(m)))?;
                        set.insert(word);
                    }
                }
                out.regions = Some(if every {
                    Scope::Every
                } else {
                    Scope::Only(set)
                });
            }
            _ => {
                return Err(err(
                    key.span(),
                    Problem::UnknownKey {
                        allowed: &EXCEPTION_KEYS,
                    },
                ))
            }
        }
    }
    // Required keys are named in the order the example documents them: id, reason, owner, expires.
    let missing = |key: &str| at.header_error(&header, &which, key, Problem::Missing);
    let id = out.id.ok_or_else(|| missing("id"))?;
    let reason = out.reason.ok_or_else(|| missing("reason"))?;
    let owner = out.owner.ok_or_else(|| missing("owner"))?;
    let expires = out.expires.ok_or_else(|| missing("expires"))?;
    if out.accounts.is_none() && out.ous.is_none() {
        return Err(at.header_error(&header, &which, "accounts", Problem::NoScope));
    }
    Ok(Exception {
        id,
        controls: out.controls.unwrap_or(Scope::Every),
        accounts: out.accounts,
        ous: out.ous,
        regions: out.regions.unwrap_or(Scope::Every),
        reason,
        owner,
        expires,
        line: at.line(header.start),
    })
}

/// What one table has said so far.
#[derive(Default)]
struct Draft {
    id: Option<String>,
    controls: Option<Scope>,
    accounts: Option<BTreeSet<String>>,
    ous: Option<BTreeSet<String>>,
    regions: Option<Scope>,
    reason: Option<String>,
    owner: Option<String>,
    expires: Option<Date>,
}

/// A table's entries in the order they stand in the file (the table itself is sorted by key),
/// so the first mistake reported is the first one a reader meets.
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Ids are shown everywhere and compared across runs: letters, digits, `-`, `_`, `.`.
fn id_shape(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A non-empty text (surrounding blanks dropped).
fn text_value<E>(value: &Spanned<DeValue<'_>>, err: &E) -> Result<String, ExceptionsError>
where
    E: Fn(Range<usize>, Problem) -> ExceptionsError,
{
    let DeValue::String(s) = value.get_ref() else {
        return Err(err(
            value.span(),
            Problem::WrongType {
                expected: "a text in quotes",
                found: type_name(value.get_ref()),
            },
        ));
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(err(value.span(), Problem::Empty));
    }
    Ok(s.to_string())
}

/// A non-empty list of non-empty texts, each with its own span for messages.
fn words<E>(
    value: &Spanned<DeValue<'_>>,
    expected: &'static str,
    err: &E,
) -> Result<Vec<(String, Range<usize>)>, ExceptionsError>
where
    E: Fn(Range<usize>, Problem) -> ExceptionsError,
{
    let DeValue::Array(items) = value.get_ref() else {
        return Err(err(
            value.span(),
            Problem::WrongType {
                expected,
                found: type_name(value.get_ref()),
            },
        ));
    };
    if items.is_empty() {
        return Err(err(value.span(), Problem::Empty));
    }
    items
        .iter()
        .map(|item| {
            let DeValue::String(s) = item.get_ref() else {
                return Err(err(
                    item.span(),
                    Problem::WrongType {
                        expected,
                        found: type_name(item.get_ref()),
                    },
                ));
            };
            let s = s.trim();
            if s.is_empty() {
                return Err(err(item.span(), Problem::Empty));
            }
            Ok((s.to_string(), item.span()))
        })
        .collect()
}

/// `expires`: `"YYYY-MM-DD"` in quotes, or a bare TOML date (`2027-06-30`); no time of day.
fn date_value<E>(value: &Spanned<DeValue<'_>>, err: &E) -> Result<Date, ExceptionsError>
where
    E: Fn(Range<usize>, Problem) -> ExceptionsError,
{
    let parsed = match value.get_ref() {
        DeValue::String(s) => parse_date(s).ok_or_else(|| s.to_string()),
        DeValue::Datetime(dt) => match (&dt.date, &dt.time, &dt.offset) {
            (Some(d), None, None) => Month::try_from(d.month)
                .ok()
                .and_then(|m| Date::from_calendar_date(d.year.into(), m, d.day).ok())
                .ok_or_else(|| dt.to_string()),
            _ => Err(dt.to_string()),
        },
        other => {
            return Err(err(
                value.span(),
                Problem::WrongType {
                    expected: "a date in quotes, e.g. \"2027-06-30\"",
                    found: type_name(other),
                },
            ))
        }
    };
    parsed.map_err(|v| err(value.span(), Problem::BadDate(v)))
}

/// `YYYY-MM-DD`, a real calendar day.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9];
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits.iter().all(|&i| b[i].is_ascii_digit())
    {
        return None;
    }
    let year: i32 = s[0..4].parse().ok()?;
    let month = Month::try_from(s[5..7].parse::<u8>().ok()?).ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// A line or column as errors keep it.
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a text",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// Turns byte offsets into the places errors show.
struct Placer<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Placer<'_> {
    /// The offset, moved back onto a character boundary (spans are, but a place must never panic).
    fn floor(&self, offset: usize) -> usize {
        let mut at = offset.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn line(&self, offset: usize) -> usize {
        crate::config::line_of(self.text, self.floor(offset))
    }

    /// 1-based column in characters (of the line as an editor shows it).
    fn column(&self, offset: usize) -> usize {
        let at = self.floor(offset);
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.text[start..at];
        // At the end of a CRLF line, the `\r` is the line break, not a character of the line.
        let crlf = before.ends_with('\r') && self.text[at..].starts_with('\n');
        before.chars().count() + 1 - usize::from(crlf)
    }

    fn error(
        &self,
        span: Range<usize>,
        exception: Option<Which>,
        key: Option<&str>,
        problem: Problem,
    ) -> ExceptionsError {
        ExceptionsError {
            file: self.path.to_path_buf(),
            line: Some(small(self.line(span.start))),
            column: Some(small(self.column(span.start))),
            exception: exception.map(Box::new),
            key: key.map(str::to_string),
            problem,
        }
    }

    /// A mistake of the exception as a whole: its header line.
    fn header_error(
        &self,
        header: &Range<usize>,
        which: &Which,
        key: &str,
        problem: Problem,
    ) -> ExceptionsError {
        ExceptionsError {
            column: None,
            ..self.error(header.clone(), Some(which.clone()), Some(key), problem)
        }
    }

    /// A TOML syntax error, at toml's place; the key is the one assigned on that line, if any.
    fn toml_error(&self, e: &toml::de::Error) -> ExceptionsError {
        let span = e.span().unwrap_or(0..0);
        let line = self.line(span.start);
        let key = self
            .text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().trim_matches('"'))
            .filter(|k| {
                !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
            });
        ExceptionsError {
            key: key.map(str::to_string),
            ..self.error(
                span,
                None,
                None,
                Problem::NotToml(e.message().trim().to_string()),
            )
        }
    }
}
