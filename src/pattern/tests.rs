//! Unit tests of the pieces; the verdict table lives in `tests/pattern_table.rs`.

use super::*;

const CIS_PATTERN: &str =
    "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";

fn judge(text: &str) -> PatternVerdict {
    crate::controls::judge(text)
}

#[test]
fn cis_parses_and_prints_canonically() {
    let p = parse(CIS_PATTERN).unwrap();
    assert_eq!(
        p.to_string(),
        "{ ($.eventName = \"ConsoleLogin\") && ($.errorMessage = \"Failed authentication\") }"
    );
    assert_eq!(parse(&p.to_string()).unwrap(), p);
}

#[test]
fn cis_verdict() {
    let v = judge(CIS_PATTERN);
    assert!(
        v.parse_ok && v.catches_all && v.strict_cis && !v.matches_success,
        "{v:?}"
    );
}

#[test]
fn negation_on_missing_field_explained() {
    let v = judge("{ $.eventName = ConsoleLogin && $.errorMessage = \"Failed authentication\" && $.userName != x }");
    assert!(!v.catches_all);
    assert!(
        v.explanation.contains("root sign-ins have no userName"),
        "{}",
        v.explanation
    );
}

#[test]
fn error_has_offset() {
    let e = parse("{ $.eventName = }").unwrap_err();
    assert_eq!(e.offset, 16);
    assert!(e.message.contains("expected a value"), "{e}");
}

#[test]
fn json_reader_unescapes() {
    let top = json::parse_top(r#"{"a":"x\u0041\n","b":[1,{"c":true}]}"#, &[], true).unwrap();
    assert_eq!(top[0].1, json::J::Str("xA\n".into()));
    assert!(json::parse_top("{\"a\":1} x", &[], true).is_none());
    assert!(json::parse_top("[1]", &[], true).is_none());
}

#[test]
fn prefilter_does_not_change_meaning_with_unicode_escapes() {
    let p = parse(CIS_PATTERN).unwrap();
    let msg = r#"{"eventName":"\u0043onsoleLogin","errorMessage":"Failed authentication"}"#;
    assert!(matches(&p, msg));
}

#[test]
fn cache_returns_same_arc() {
    let r = &crate::controls::default_control().reference;
    let a = judge_cached(CIS_PATTERN, r);
    let b = judge_cached(CIS_PATTERN, r);
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn delimited_positions() {
    let p = parse("[ip, user, ..., status = 4* || status = 5*, bytes]").unwrap();
    assert!(matches(&p, "1.2.3.4 bob GET \"/x y\" 404 12"));
    assert!(!matches(&p, "1.2.3.4 bob GET /x 200 12"));
    assert_eq!(parse(&p.to_string()).unwrap(), p);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let s = format!("{{ {}$.a = 1{} }}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse(&s).is_err());
    let j = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let p = parse("{ $.a[0] = 1 }").unwrap();
    assert!(!matches(&p, &j));
}
