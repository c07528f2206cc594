//! Term and regex patterns judged on the text: they match the raw one-line message, so a
//! term or a regex is sure to match a record only when it matches inside text every such
//! record contains — the [fragments](super::model::Text) its fixed fields make — and, for a
//! regex that spans several fragments with `.*`, only in the order the fields are written.
//! Anything else (a user agent can contain anything) is not relied on.

use regex_syntax::hir::{Hir, HirKind};

use super::ast::Re;
use super::model::Text;

fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Is `t` sure to occur in the text, as a whole word? Whole-word occurrence inside a
/// fragment holds whether CloudWatch matches terms as substrings (as the guide's examples
/// show) or on word boundaries.
pub(crate) fn sure_word(t: &str, text: &Text) -> bool {
    if t.is_empty() {
        return true;
    }
    text.all().any(|f| {
        f.match_indices(t).any(|(i, _)| {
            let fb = f.as_bytes();
            let tb = t.as_bytes();
            let left_ok = !word(tb[0]) || (i > 0 && !word(fb[i - 1]));
            let end = i + tb.len();
            let right_ok = !word(tb[tb.len() - 1]) || (end < fb.len() && !word(fb[end]));
            left_ok && right_ok
        })
    })
}

/// Does the regex match every text that holds the fragments? Proven piece by piece: the
/// regex is split at its top-level `.*`, and each piece must match inside one fragment,
/// after the previous piece (in a later fragment only when the order is known). Anchors and
/// word boundaries depend on unknown neighbours: not provable.
pub(crate) fn sure_regex(re: &Re, text: &Text) -> bool {
    let Ok(hir) = regex_syntax::parse(&re.src) else {
        return false;
    };
    sure_hir(&hir, text)
}

fn sure_hir(hir: &Hir, text: &Text) -> bool {
    if let HirKind::Alternation(alts) = hir.kind() {
        return alts.iter().any(|a| sure_hir(a, text));
    }
    if !hir.properties().look_set().is_empty() {
        return false;
    }
    let parts: Vec<&Hir> = match hir.kind() {
        HirKind::Concat(xs) => xs.iter().collect(),
        _ => vec![hir],
    };
    let mut pieces: Vec<Vec<&Hir>> = vec![Vec::new()];
    for p in parts {
        if is_dot_star(p) {
            pieces.push(Vec::new());
        } else if let Some(last) = pieces.last_mut() {
            last.push(p);
        }
    }
    pieces.retain(|p| !p.is_empty());
    if pieces.is_empty() {
        return true;
    }
    let compiled: Vec<regex::Regex> = match pieces
        .iter()
        .map(|p| regex::Regex::new(&p.iter().map(|h| h.to_string()).collect::<String>()))
        .collect()
    {
        Ok(v) => v,
        Err(_) => return false,
    };
    if let [one] = compiled.as_slice() {
        return text.all().any(|f| one.is_match(f));
    }
    // Several pieces: each after the previous one, in the ordered fragments.
    let mut at = (0usize, 0usize);
    for re in &compiled {
        let mut found = None;
        for (i, f) in text.ordered.iter().enumerate().skip(at.0) {
            let from = if i == at.0 { at.1 } else { 0 };
            if let Some(m) = re.find_at(f, from.min(f.len())) {
                found = Some((i, m.end()));
                break;
            }
        }
        match found {
            Some(next) => at = next,
            None => return false,
        }
    }
    true
}

/// `.*`: any characters but a newline (a compact JSON message has no raw newline), any number.
fn is_dot_star(h: &Hir) -> bool {
    let HirKind::Repetition(r) = h.kind() else {
        return false;
    };
    if r.min != 0 || r.max.is_some() {
        return false;
    }
    let HirKind::Class(c) = r.sub.kind() else {
        return false;
    };
    // Everything except at most `\n`.
    let newline_only_missing = |c: &regex_syntax::hir::Class| match c {
        regex_syntax::hir::Class::Unicode(u) => {
            let total: u64 = u
                .iter()
                .map(|r| u64::from(r.end() as u32) - u64::from(r.start() as u32) + 1)
                .sum();
            total >= 0x10FFFF - 0x7FF - 1
        }
        regex_syntax::hir::Class::Bytes(b) => {
            let total: u32 = b
                .iter()
                .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
                .sum();
            total >= 255
        }
    };
    newline_only_missing(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse::compile_regex;

    fn text(frags: &[&str], ordered: bool) -> Text {
        let v: Vec<String> = frags.iter().map(|s| s.to_string()).collect();
        if ordered {
            Text {
                ordered: v,
                loose: Vec::new(),
            }
        } else {
            Text {
                ordered: Vec::new(),
                loose: v,
            }
        }
    }

    #[test]
    fn words_must_be_whole_inside_a_fragment() {
        let t = text(&[r#""eventName":"ConsoleLogin","#], true);
        assert!(sure_word("ConsoleLogin", &t));
        assert!(!sure_word("Console", &t));
        assert!(sure_word("\"ConsoleLogin\"", &t));
    }

    #[test]
    fn regexes_span_fragments_only_in_order() {
        let t = text(
            &[
                r#""eventName":"ConsoleLogin","awsRegion":""#,
                r#""errorMessage":"Failed authentication","#,
            ],
            true,
        );
        let re = |s: &str| compile_regex(s, 0).unwrap();
        assert!(sure_regex(&re(r"ConsoleLogin.*Failed\sauthentication"), &t));
        assert!(!sure_regex(&re(r"Failed.*ConsoleLogin"), &t));
        assert!(sure_regex(&re("Console[A-Z]ogin"), &t));
        assert!(!sure_regex(&re("^ConsoleLogin"), &t));
        assert!(!sure_regex(&re("ConsoleLogin.+Failed"), &t));
        let unordered = text(
            &t.ordered.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            false,
        );
        assert!(!sure_regex(&re(r"ConsoleLogin.*Failed"), &unordered));
        assert!(sure_regex(&re("nope|ConsoleLogin"), &t));
    }
}
