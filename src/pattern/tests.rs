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

/// The control's reference under `benchmark`, and its text without the outer braces.
fn reference(benchmark: &str, id: &str) -> (&'static Reference, String) {
    use crate::controls::{get_in, Benchmark};
    let r = &get_in(Benchmark::parse(benchmark).unwrap(), id)
        .unwrap()
        .reference;
    let inner = r.texts[0]
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}');
    (r, inner.trim().to_string())
}

/// The names of `X` in `… X "v" …` of an explanation (`eventName "A"`, `eventSource "b"`).
fn quoted_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let at = text.find(&format!("{key} \""))? + key.len() + 2;
    text[at..].split('"').next()
}

/// The comparisons an explanation names (between backticks).
fn named_clauses(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// What every example record must look like: an event source that really records the event
/// name, and no API error code on a console sign-in.
fn assert_realistic(explanation: &str) {
    let model = model::RecordModel::shipped();
    if let Some(name) = quoted_after(explanation, "eventName") {
        let source = quoted_after(explanation, "eventSource")
            .or_else(|| quoted_after(explanation, "$.eventSource is"));
        if let Some(source) = source {
            assert!(
                model.sources_of(name).contains(&source),
                "{source} does not record {name}: {explanation}"
            );
        }
    }
    assert!(
        !(explanation.contains("console sign-in") && explanation.contains("$.errorCode is")),
        "a console sign-in with an API error code: {explanation}"
    );
    assert!(
        !explanation.contains("delivery.logs.amazonaws.com"),
        "{explanation}"
    );
}

#[test]
fn an_identity_type_narrowing_names_that_clause_and_no_event_name() {
    let or_names = |r: &Reference| {
        let mut names = Vec::new();
        if let Body::Json(e) = &r.pattern.body {
            e.for_each_cmp(&mut |c| names.push(c.to_string()));
        }
        names.join(" || ")
    };
    for (b, id) in [
        ("cis-7.0", "security-group-changes"),
        ("cis-4.0", "security-group-changes"),
        ("cis-4.0", "network-gateway-changes"),
        ("cis-7.0", "nacl-changes"),
    ] {
        let (r, inner) = reference(b, id);
        for text in [
            format!("{{ ({inner}) && ($.userIdentity.type = \"IAMUser\") }}"),
            format!("{{ ({}) && $.userIdentity.type = IAMUser }}", or_names(r)),
        ] {
            let v = judge_for(&text, r);
            let x = &v.explanation;
            assert!(!v.catches_all, "{text}");
            assert_eq!(
                named_clauses(x),
                ["$.userIdentity.type = \"IAMUser\""],
                "{b} {id}: {x}"
            );
            assert!(
                x.contains("where $.userIdentity.type is \"AssumedRole\" slips through"),
                "{x}"
            );
            assert!(x.contains("eventSource \"ec2.amazonaws.com\""), "{x}");
            assert_realistic(x);
        }
    }
}

#[test]
fn a_narrowed_unauthorized_api_calls_filter_shows_an_ordinary_denied_api_call() {
    let (r, inner) = reference("cis-4.0", "unauthorized-api-calls");
    // (filter, the one comparison that drops the example, the example's errorCode)
    let cases = [
        (
            format!("{{ ({inner}) && ($.userIdentity.type = \"IAMUser\") }}"),
            "$.userIdentity.type = \"IAMUser\"",
            "Client.UnauthorizedOperation",
        ),
        (
            "{ (($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\")) && ($.sourceIPAddress = \"10.*\") }".to_string(),
            "$.sourceIPAddress = \"10.*\"",
            "Client.UnauthorizedOperation",
        ),
        (
            "{ $.errorCode = \"*UnauthorizedOperation\" }".to_string(),
            "$.errorCode = \"*UnauthorizedOperation\"",
            "AccessDenied",
        ),
        (
            "{ $.errorCode = \"AccessDenied*\" }".to_string(),
            "$.errorCode = \"AccessDenied*\"",
            "Client.UnauthorizedOperation",
        ),
    ];
    for (text, clause, code) in cases {
        let v = judge_for(&text, r);
        let x = &v.explanation;
        assert!(!v.catches_all, "{text}");
        assert!(x.contains("A CloudTrail event where"), "{x}");
        assert!(x.contains(&format!("$.errorCode is \"{code}\"")), "{x}");
        assert_eq!(named_clauses(x), [clause], "{x}");
        assert_realistic(x);
    }
}

#[test]
fn the_example_of_any_narrowing_is_realistic_and_names_only_the_deciding_clauses() {
    // (benchmark, control, filter, the comparisons the sentence names)
    let (iam, iam_inner) = reference("cis-4.0", "iam-policy-changes");
    let dropped = iam_inner.replacen("||($.eventName=DeleteUserPolicy)", "", 1);
    let v = judge_for(&format!("{{{dropped}}}"), iam);
    let x = &v.explanation;
    assert!(
        x.contains("eventSource \"iam.amazonaws.com\", eventName \"DeleteUserPolicy\""),
        "{x}"
    );
    assert!(x.contains("and 12 more such comparisons are false because every such record has $.eventName = \"DeleteUserPolicy\""), "{x}");
    assert_eq!(named_clauses(x).len(), 3, "{x}");
    assert_realistic(x);

    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("cis-4.0", "vpc-changes", "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) }",
            &["$.eventName = \"CreateVpc\"", "$.eventName = \"DeleteVpc\""]),
        ("cis-4.0", "route-table-changes", "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
            &["$.eventSource = \"ec2.amazonaws.com\""]),
        ("cis-4.0", "cloudtrail-config-changes", "{ (($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging)) && $.sourceIPAddress = \"10.*\" }",
            &["$.sourceIPAddress = \"10.*\""]),
        ("cis-4.0", "kms-cmk-disable-delete", "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) && $.userIdentity.type = Root }",
            &["$.userIdentity.type = \"Root\""]),
        ("cis-4.0", "root-usage", "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" && $.sourceIPAddress = \"10.*\" }",
            &["$.sourceIPAddress = \"10.*\""]),
        ("cis-4.0", "console-signin-without-mfa", "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") && ($.userIdentity.type = \"IAMUser\") }",
            &["$.userIdentity.type = \"IAMUser\""]),
        ("cis-4.0", "organizations-changes", "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = \"AcceptHandshake\") || ($.eventName = \"AttachPolicy\")) }",
            &["$.eventName = \"AcceptHandshake\"", "$.eventName = \"AttachPolicy\""]),
    ];
    for (b, id, text, clauses) in cases {
        let (r, _) = reference(b, id);
        let v = judge_for(text, r);
        let x = &v.explanation;
        assert!(!v.catches_all, "{id}: {text}");
        assert_eq!(named_clauses(x), *clauses, "{id}: {x}");
        assert_realistic(x);
    }
    // CreateRoute is also an App Mesh and an API Gateway call: the record that slips past an
    // `eventSource = ec2` filter is one of those, not a made-up source.
    let (r, _) = reference("cis-4.0", "route-table-changes");
    let x = judge_for(cases[1].2, r).explanation;
    assert!(
        x.contains("$.eventSource is \"appmesh.amazonaws.com\""),
        "{x}"
    );
}

#[test]
fn every_event_name_a_reference_pins_has_a_recording_service() {
    use crate::controls::{table_for, Benchmark};
    let model = model::RecordModel::shipped();
    for b in Benchmark::all() {
        for c in table_for(b) {
            for name in &c.events.names {
                assert!(
                    !model.sources_of(name).is_empty(),
                    "{b} {}: no service records {name}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn the_readme_example_explanation_is_unchanged() {
    let v = judge("{ $.eventName = ConsoleLogin && $.errorMessage = \"Failed authentication\" && $.userIdentity.userName != x }");
    assert_eq!(
        v.explanation,
        "Does not catch all failed console sign-ins. A failed console sign-in (eventName \"ConsoleLogin\", errorMessage \"Failed authentication\") where $.userIdentity.userName is missing slips through: `$.userIdentity.userName != \"x\"` is false for a record without $.userIdentity.userName (a comparison on a missing field is false, `!=` included; only NOT EXISTS is true) — root sign-ins have no userName (or carry the account alias)."
    );
}
