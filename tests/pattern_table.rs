//! The verdict table: filter patterns with the verdict the AWS CloudWatch Logs guide implies,
//! and the sample CloudTrail sign-in records as evaluator tests.
//!
//! Columns: pattern, parse_ok, catches_all, matches_success, strict_cis.
//! "Catches all" means: catches every failed console sign-in the CIS pattern catches (IAM user
//! or root, any region, MFA or not, any other field missing or any value).

use orgsweep::controls::judge;
use orgsweep::pattern::{matches, parse};

/// The console control's reference text; a test below holds it to the controls table.
const CIS_PATTERN: &str =
    "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";
use std::path::PathBuf;

const Y: bool = true;
const N: bool = false;

#[rustfmt::skip]
const TABLE: &[(&str, bool, bool, bool, bool)] = &[
    // --- the reference and its spellings
    (CIS_PATTERN, Y, Y, N, Y),
    (r#"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#, Y, Y, N, Y),
    (r#"{($.eventName=ConsoleLogin)&&($.errorMessage="Failed authentication")}"#, Y, Y, N, Y),
    ("{\n  ($.eventName = ConsoleLogin) &&\n  ($.errorMessage = \"Failed authentication\")\n}", Y, Y, N, Y),
    (r#"  { ( $.eventName = ConsoleLogin ) && ( $.errorMessage = "Failed authentication" ) }  "#, Y, Y, N, Y),
    // quoting: same meaning, not the strict text
    (r#"{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }"#, Y, Y, N, N),
    // order
    (r#"{ ($.errorMessage = "Failed authentication") && ($.eventName = ConsoleLogin) }"#, Y, Y, N, N),
    // redundant / missing parentheses
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#, Y, Y, N, N),
    (r#"{ ((($.eventName = ConsoleLogin))) && (($.errorMessage = "Failed authentication")) }"#, Y, Y, N, N),
    (r#"{ (($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication")) }"#, Y, Y, N, N),
    // bracket-key selectors
    (r#"{ $.['eventName'] = ConsoleLogin && $['errorMessage'] = "Failed authentication" }"#, Y, Y, N, N),
    // duplicated condition
    (r#"{ $.eventName = ConsoleLogin && $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#, Y, Y, N, N),
    // --- broader patterns: catch all, maybe noisy
    ("{ $.eventName = ConsoleLogin }", Y, Y, Y, N),
    ("{ ($.eventName = ConsoleLogin) }", Y, Y, Y, N),
    (r#"{ $.errorMessage = "Failed authentication" }"#, Y, Y, N, N),
    ("{ $.eventName = Console* }", Y, Y, Y, N),
    ("{ $.eventName = *Login }", Y, Y, Y, N),
    ("{ $.eventName = *sole* }", Y, Y, Y, N),
    (r#"{ $.eventName = Console* && $.errorMessage = "Failed*" }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "*authentication" }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = * }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "*" }"#, Y, Y, N, N),
    ("{ $.eventName = * }", Y, Y, Y, N),
    (r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }"#, Y, Y, Y, N),
    (r#"{ $.eventName = ConsoleLogin && ($.errorMessage = "Failed authentication" || $.errorMessage = "No username found in supplied account") }"#, Y, Y, N, N),
    (r#"{ ($.eventName = ConsoleLogin && $.errorMessage = "Failed authentication") || $.eventName = CredentialVerification }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage != "x" }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage NOT EXISTS || $.errorMessage = "Failed authentication" }"#, Y, Y, Y, N),
    // every failed sign-in has responseElements.ConsoleLogin "Failure" (the record model)
    (r#"{ $.eventName = ConsoleLogin && $.responseElements.ConsoleLogin != "Success" }"#, Y, Y, N, N),
    (r#"{ CIS_OR_ROOT }"#, N, N, N, N),
    // --- regex values
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = %Failed auth% }"#, Y, Y, N, N),
    (r#"{ $.eventName = %ConsoleLogin% && $.errorMessage = %^Failed% }"#, Y, Y, N, N),
    (r#"{ $.eventName = %Console[A-Z]ogin% && $.errorMessage = %authentication$% }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = %failed% }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage != %Failed% }"#, Y, N, N, N),
    // --- precedence: && binds tighter than ||
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" || $.userIdentity.userName = x }"#, Y, Y, Y, N),
    (r#"{ $.userIdentity.userName = x || $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#, Y, Y, Y, N),
    (r#"{ $.eventName = ConsoleLogin && ($.errorMessage = "Failed authentication" || $.userIdentity.userName = x) }"#, Y, Y, Y, N),
    (r#"{ ($.eventName = ConsoleLogin && $.userIdentity.userName = x) || $.errorMessage = "Failed authentication" }"#, Y, Y, Y, N),
    (r#"{ $.eventName = ConsoleLogin && $.userIdentity.userName = x || $.errorMessage = "Failed authentication" }"#, Y, Y, Y, N),
    (r#"{ $.eventName = ConsoleLogin && ($.userIdentity.userName = x || $.errorMessage = "Failed authentication") }"#, Y, Y, Y, N),
    (r#"{ $.eventName = ConsoleLogin && $.userName = x || $.userName NOT EXISTS }"#, Y, N, Y, N),
    (r#"{ $.eventName = ConsoleLogin && ($.userName = * || $.userName NOT EXISTS) }"#, Y, N, Y, N),
    (r#"{ ($.eventName = ConsoleLogin || $.eventName = CredentialVerification) && $.errorMessage = "Failed authentication" }"#, Y, Y, N, N),
    (r#"{ $.userIdentity.type = IAMUser && $.eventName = ConsoleLogin || $.errorMessage = "Failed authentication" }"#, Y, Y, Y, N),
    (r#"{ $.userIdentity.type = IAMUser && ($.eventName = ConsoleLogin || $.errorMessage = "Failed authentication") }"#, Y, N, Y, N),
    // `$.userName` is not a top-level CloudTrail field (it sits under userIdentity)
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" || $.userName = x }"#, Y, Y, N, N),
    // --- negations of pinned fields
    (r#"{ ($.eventName != ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage != "Failed authentication") }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage NOT EXISTS }"#, Y, N, Y, N),
    (r#"{ $.eventName NOT EXISTS }"#, Y, N, N, N),
    // --- narrowing clauses
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.type = IAMUser }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.type = Root }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userName != x }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.userName = * }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.awsRegion = us-east-1 }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.additionalEventData.MFAUsed = No }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.eventSource = signin.amazonaws.com }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.errorCode NOT EXISTS }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.type != AssumedRole }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.readOnly IS FALSE }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.requestParameters IS NULL }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.tlsDetails.tlsVersion = TLS* }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.eventVersion > 1.0 }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.accountId = * }"#, Y, N, N, N),
    // a "harmless" clause on a field the reference does not pin is still not provable
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && ($.userName NOT EXISTS || $.userName = *) }"#, Y, N, N, N),
    // but a clause on a pinned field that always holds is harmless
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.eventName != CredentialVerification }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.eventName.x NOT EXISTS }"#, Y, Y, N, N),
    // --- wrong case (values and keywords)
    (r#"{ ($.eventName = consolelogin) && ($.errorMessage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.eventName = CONSOLELOGIN) }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed Authentication" }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.userName not exists }"#, N, N, N, N),
    // --- field-name typos
    (r#"{ ($.eventname = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.eventName = ConsoleLogin) && ($.errormessage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.EventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.eventName = ConsoleLogin) && ($.errorMesage = "Failed authentication") }"#, Y, N, N, N),
    (r#"{ ($.event.name = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#, Y, N, N, N),
    // --- values that do not compare equal
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed" }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = Failed* }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication " }"#, Y, N, N, N),
    (r#"{ $.eventName = "ConsoleLogin " && $.errorMessage = "Failed authentication" }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication*" }"#, Y, Y, N, N),
    (r#"{ $.eventName = 1 && $.errorMessage = "Failed authentication" }"#, Y, N, N, N),
    (r#"{ $.eventName IS TRUE }"#, Y, N, N, N),
    (r#"{ $.eventName IS NULL }"#, Y, N, N, N),
    // --- wrong quoting of values with spaces
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = Failed authentication }"#, N, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = 'Failed authentication' }"#, N, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication }"#, N, N, N, N),
    // --- term patterns on the compact JSON text
    ("", Y, Y, Y, N),
    ("   ", Y, Y, Y, N),
    ("ConsoleLogin", Y, Y, Y, N),
    (r#""Failed authentication""#, Y, Y, N, N),
    (r#"ConsoleLogin "Failed authentication""#, Y, Y, N, N),
    ("Failed authentication", Y, Y, N, N),
    ("ConsoleLogin Failed", Y, Y, N, N),
    ("?ConsoleLogin ?Failure", Y, Y, Y, N),
    ("?Failure ?Denied", Y, Y, N, N),
    ("ConsoleLogin Failure", Y, Y, N, N),
    ("ConsoleLogin -Success", Y, N, N, N),
    ("ConsoleLogin -Mozilla", Y, N, N, N),
    ("Login", Y, N, Y, N),
    ("consolelogin", Y, N, N, N),
    (r#""\"eventName\":\"ConsoleLogin\"""#, Y, Y, Y, N),
    (r#""eventName":"ConsoleLogin""#, N, N, N, N),
    ("ERROR", Y, N, N, N),
    ("Failed-authentication", N, N, N, N),
    (r#""Failed"authentication"#, N, N, N, N),
    // --- whole-pattern regexes
    ("%ConsoleLogin%", Y, Y, Y, N),
    ("%Failed authentication%", Y, Y, N, N),
    ("%Failed [a-z]+%", Y, Y, N, N),
    ("%Console[Ll]ogin%", Y, Y, Y, N),
    ("%^Failed%", Y, N, N, N),
    ("%Failed authentication$%", Y, N, N, N),
    ("%failed%", Y, N, N, N),
    ("%(Failed)%", N, N, N, N),
    ("%Failed!%", N, N, N, N),
    ("%Failed", N, N, N, N),
    ("%%", N, N, N, N),
    ("%[a-%", N, N, N, N),
    ("%a{99999}{99999}%", N, N, N, N),
    // --- space-delimited patterns
    ("[...]", Y, N, Y, N),
    ("[w1, w2, ...]", Y, N, Y, N),
    (r#"[..., w = "*Failed*", ...]"#, Y, N, N, N),
    // --- real-world shapes (public Terraform modules, CloudFormation, CDK, baselines)
    (r#"{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Failure" }"#, Y, Y, N, N),
    (r#"{ ($.eventSource = "signin.amazonaws.com") && ($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Failure") }"#, Y, Y, N, N),
    (r#"{($.eventName = ConsoleLogin && $.errorMessage = Failed*) || $.errorCode = *UnauthorizedOperation || $.errorCode = AccessDenied*}"#, Y, Y, N, N),
    (r#"{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") && ($.eventType = "AwsConsoleSignIn") }"#, Y, N, N, N),
    (r#"{ ($.eventSource = signin.amazonaws.com) && ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#, Y, Y, N, N),
    (r#"{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin != "Success" }"#, Y, Y, N, N),
    (r#"{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Success" }"#, Y, N, Y, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.additionalEventData.MFAUsed = * }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.responseElements = * }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.awsRegion = * }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorCode = "Failed authentication" }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" || $.errorCode = "AccessDenied" }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && ($.errorCode = "AccessDenied" || $.errorMessage = "Failed authentication") }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorCode EXISTS }"#, N, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage IS NOT NULL }"#, N, N, N, N),
    // wildcard selectors: `.*` reads any member of an object
    (r#"{ $.eventName = ConsoleLogin && $.responseElements.* = "Failure" }"#, Y, Y, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.responseElements.* = "Success" }"#, Y, N, Y, N),
    (r#"{ $.responseElements.* = "Failure" }"#, Y, Y, N, N),
    (r#"{ $.a.*.b = 1 && $.c[*] = 2 && $.d.* = 3 && $.e.* = 4 }"#, N, N, N, N),
    (r#"{ $.a.*[*] = 1 }"#, N, N, N, N),
    // `?` terms count only when every term is one; mixed with others they are ignored
    ("ConsoleLogin ?Failed ?Failure", Y, Y, Y, N),
    ("?ConsoleLogin ?Failed", Y, Y, Y, N),
    ("?Failed ?Failure", Y, Y, N, N),
    ("?Success ?Failure", Y, Y, Y, N),
    ("-Success ?Failure", Y, N, N, N),
    (r#"ConsoleLogin "Failed authentication" ?nothing"#, Y, Y, N, N),
    // regexes over the known field order
    (r"%ConsoleLogin.*Failed\sauthentication%", Y, Y, N, N),
    (r"%ConsoleLogin.*Failed authentication%", Y, Y, N, N),
    (r"%Failed\sauthentication.*ConsoleLogin%", Y, Y, N, N),
    (r"%Failed authentication.*eventName%", Y, N, N, N),
    (r"%signin\.amazonaws\.com.*Failure%", Y, Y, N, N),
    (r#"%ConsoleLogin.:.Failure%"#, Y, Y, N, N),
    (r#"%"ConsoleLogin"%"#, N, N, N, N),
    (r"%ConsoleLogin.*Success%", Y, N, Y, N),
    (r"%Console[Ll]ogin.*Fail%", Y, Y, N, N),
    // values with spaces must be quoted; CloudWatch takes unquoted dotted values
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = Failed authentication }"#, N, N, N, N),
    (r#"{ $.eventSource = signin.amazonaws.com && $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#, Y, Y, N, N),
    // a comparison on an object never matches
    (r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.responseElements != "x" }"#, Y, N, N, N),
    (r#"{ $.eventName = ConsoleLogin && $.userIdentity != "x" }"#, Y, N, N, N),
    // --- malformed JSON patterns
    ("{ }", N, N, N, N),
    ("{ $.eventName = ConsoleLogin", N, N, N, N),
    ("{ $.eventName = ConsoleLogin }}", N, N, N, N),
    ("{ $.eventName == ConsoleLogin }", N, N, N, N),
    ("{ $.eventName = }", N, N, N, N),
    ("{ eventName = ConsoleLogin }", N, N, N, N),
    ("{ $eventName = ConsoleLogin }", N, N, N, N),
    ("{ $. = ConsoleLogin }", N, N, N, N),
    ("{ $.eventName = ConsoleLogin & $.errorMessage = x }", N, N, N, N),
    ("{ $.eventName = ConsoleLogin and $.errorMessage = x }", N, N, N, N),
    ("{ ($.eventName = ConsoleLogin }", N, N, N, N),
    // a `*` inside a value is a literal `*`
    ("{ $.eventName = Con*Login }", Y, N, N, N),
    ("{ $.eventName > ConsoleLogin }", N, N, N, N),
    ("{ $.eventName IS MAYBE }", N, N, N, N),
    ("{ $.eventName NOT }", N, N, N, N),
    ("{ $.a[x] = 1 }", N, N, N, N),
    ("{ $.a = %x% && $.b = %y% && $.c = %z% }", N, N, N, N),
    ("{ $.eventName = ConsoleLogin } extra", N, N, N, N),
];

#[test]
fn length_limit_is_1024_characters() {
    let pad = |n: usize| format!("{{ $.eventName = ConsoleLogin{}}}", " ".repeat(n));
    let at = pad(1024 - 29);
    let over = pad(1025 - 29);
    assert_eq!((at.chars().count(), over.chars().count()), (1024, 1025));
    let v = judge(&at);
    assert!(v.parse_ok && v.catches_all, "{v:?}");
    let v = judge(&over);
    assert!(!v.parse_ok && !v.catches_all, "{v:?}");
    assert!(v.error.unwrap().contains("at byte 1024"));
    // characters, not bytes: 1024 two-byte characters inside a phrase are too many
    let long = format!("\"{}\"", "é".repeat(1022));
    assert!(judge(&long).parse_ok);
    let long = format!("\"{}\"", "é".repeat(1023));
    assert!(!judge(&long).parse_ok);
}

#[test]
fn table_has_at_least_80_patterns() {
    assert!(TABLE.len() >= 80, "{}", TABLE.len());
}

#[test]
fn verdict_table() {
    let mut bad = Vec::new();
    for &(p, parse_ok, catches_all, matches_success, strict_cis) in TABLE {
        let v = judge(p);
        let got = (v.parse_ok, v.catches_all, v.matches_success, v.strict_cis);
        let want = (parse_ok, catches_all, matches_success, strict_cis);
        if got != want {
            bad.push(format!(
                "{p:?}\n   want {want:?}\n   got  {got:?}\n   {}\n   {:?}",
                v.explanation, v.error
            ));
        }
        assert_eq!(v.error.is_some(), !v.parse_ok, "{p:?}");
        assert!(!v.explanation.is_empty(), "{p:?}");
    }
    assert!(
        bad.is_empty(),
        "{} of {} patterns differ:\n{}",
        bad.len(),
        TABLE.len(),
        bad.join("\n")
    );
}

// ------------------------------------------------------------------ sample records

const MUST_CATCH: [&str; 3] = [
    "iam-user-failed-authentication.json",
    "root-failed-authentication.json",
    "iam-user-failed-authentication-current-envelope.json",
];
const SUCCESS: [&str; 2] = ["iam-user-success-no-mfa.json", "root-success-mfa.json"];
const OTHER_FAILURES: [&str; 3] = [
    "iam-user-failed-unknown-username.json",
    "iam-user-failed-denied-by-resource-policy.json",
    "identity-center-credential-verification-failure.json",
];

/// One sample record as CloudWatch Logs receives it: compact one-line JSON.
fn record(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "sample record {} is needed by this test: {e}",
            path.display()
        )
    });
    serde_json::from_str::<serde_json::Value>(&text).expect("sample record is JSON");
    orgsweep::pattern::json::compact(&text)
}

#[test]
fn cis_pattern_on_the_sample_records() {
    let p = parse(CIS_PATTERN).unwrap();
    for r in MUST_CATCH {
        assert!(matches(&p, &record(r)), "CIS must catch {r}");
    }
    for r in SUCCESS.iter().chain(&OTHER_FAILURES) {
        assert!(!matches(&p, &record(r)), "CIS must not catch {r}");
    }
    // pretty-printed records are JSON too
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let pretty = std::fs::read_to_string(dir.join(MUST_CATCH[1])).unwrap();
    assert!(matches(&p, &pretty));
}

/// The judge's "catches all" is checked against real records: every pattern the table says
/// catches all must match every must-catch sample; every pattern it says is not noisy must not
/// match a sample success.
#[test]
fn table_verdicts_hold_on_the_sample_records() {
    let catch: Vec<String> = MUST_CATCH.iter().map(|r| record(r)).collect();
    let success: Vec<String> = SUCCESS.iter().map(|r| record(r)).collect();
    for &(text, parse_ok, catches_all, matches_success, _) in TABLE {
        if !parse_ok {
            continue;
        }
        let p = parse(text).unwrap();
        if catches_all {
            for (r, name) in catch.iter().zip(MUST_CATCH) {
                assert!(
                    matches(&p, r),
                    "{text:?} is said to catch all but misses {name}"
                );
            }
        }
        if !matches_success {
            for (r, name) in success.iter().zip(SUCCESS) {
                assert!(
                    !matches(&p, r),
                    "{text:?} is said not to be noisy but matches {name}"
                );
            }
        }
    }
}

#[test]
fn evaluator_semantics_from_the_guide() {
    let m = |p: &str, msg: &str| matches(&parse(p).unwrap(), msg);
    // a comparison on a missing field is false, `!=` included; only NOT EXISTS is true
    assert!(!m("{ $.userName != x }", r#"{"a":1}"#));
    assert!(m("{ $.userName NOT EXISTS }", r#"{"a":1}"#));
    assert!(!m("{ $.userName NOT EXISTS }", r#"{"userName":null}"#));
    // IS NULL needs a present null
    assert!(m("{ $.a IS NULL }", r#"{"a":null}"#));
    assert!(!m("{ $.a IS NULL }", r#"{"b":null}"#));
    assert!(m(
        "{ $.a IS TRUE && $.b IS FALSE }",
        r#"{"a":true,"b":false}"#
    ));
    assert!(!m("{ $.a IS TRUE }", r#"{"a":"true"}"#));
    // case-sensitive values and keys
    assert!(!m("{ $.a = abc }", r#"{"a":"ABC"}"#));
    assert!(!m("{ $.A = abc }", r#"{"a":"abc"}"#));
    // wildcards at the start and/or end; `*` alone means "has a value"
    assert!(m("{ $.a = ab* }", r#"{"a":"abc"}"#));
    assert!(m("{ $.a = *bc }", r#"{"a":"abc"}"#));
    assert!(m("{ $.a = *b* }", r#"{"a":"abc"}"#));
    assert!(m("{ $.a = * }", r#"{"a":"abc"}"#));
    assert!(!m("{ $.a = * }", r#"{"b":"abc"}"#));
    // numbers compare numerically
    assert!(m("{ $.n > 10 && $.n <= 11.5 }", r#"{"n":11}"#));
    assert!(m("{ $.n = 200 }", r#"{"n":2e2}"#));
    // a number compared with a string: the guide leaves it open; events do not match, and the
    // judge never relies on it
    assert!(!m("{ $.n < 10 }", r#"{"n":"5"}"#));
    // arrays
    assert!(m("{ $.a[1] = y }", r#"{"a":["x","y"]}"#));
    assert!(m("{ $.a[*] = y }", r#"{"a":["x","y"]}"#));
    assert!(m("{ $.o[*].id = 2 }", r#"{"o":[{"id":1},{"id":2}]}"#));
    assert!(!m("{ $.a[*] = z }", r#"{"a":["x","y"]}"#));
    assert!(m("{ $.['x.y'] = 1 }", r#"{"x.y":1}"#));
    assert!(m("{ $.a.['b c'] = 1 }", r#"{"a":{"b c":1}}"#));
    // regex values search inside the value
    assert!(m("{ $.a = %b+c% }", r#"{"a":"abbbcd"}"#));
    assert!(m("{ $.a != %z% }", r#"{"a":"abc"}"#));
    // && binds tighter than ||
    assert!(m("{ $.a = 1 && $.b = 2 || $.c = 3 }", r#"{"c":3}"#));
    assert!(!m("{ $.a = 1 && ($.b = 2 || $.c = 3) }", r#"{"c":3}"#));
    // not JSON: no JSON pattern matches
    assert!(!m("{ $.a NOT EXISTS }", "plain text"));
    assert!(!m("{ $.a NOT EXISTS }", r#"{"a":1"#));
    // terms: substrings of the raw text, case-sensitive; exclusions; alternatives
    assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(m(
        "ERROR Exception",
        "[ERROR] Caught IllegalArgumentException"
    ));
    assert!(!m("ERROR -Exiting", "Exiting with ERRORCODE: -1"));
    assert!(m("?ERROR ?WARN", "[WARN] x"));
    assert!(!m("error", "ERROR"));
    assert!(m(
        r#""Failed to process""#,
        "[WARN] Failed to process the request"
    ));
    // whole-pattern regex
    assert!(m("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST"));
    assert!(m(r"%\d{3}%", "code 404"));
    // the empty pattern matches everything
    assert!(m("", "anything"));
    // space-delimited
    assert!(m("[w1=ERROR, w2]", "ERROR 42"));
    assert!(!m("[w1=ERROR, w2]", "ERROR 42 x"));
    assert!(m(
        "[ip, user, ..., status=4*, bytes]",
        r#"1.2.3.4 bob [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 404 12"#
    ));
    assert!(m("[..., bytes > 10]", "a b 11"));
}

// ------------------------------------------------------------------ real-world patterns

/// Filter patterns collected from public code (Terraform modules, CloudFormation, CDK,
/// baselines), for every control of the family, with their verdicts as reviewed by hand
/// against the controls' reference patterns and the record model. They were reviewed against
/// the CIS v4.0.0 texts, with Security Hub's spellings counted as official: so they are judged
/// under `cis-4.0`, and `strict_cis` is that benchmark's or Security Hub's.
#[test]
fn real_world_patterns_keep_their_reviewed_verdicts() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real_world_patterns.json");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("real_world_patterns.json"))
            .expect("a JSON list");
    assert!(rows.len() >= 200, "{}", rows.len());
    let mut bad = Vec::new();
    for r in &rows {
        use orgsweep::controls::{get_in, Benchmark};
        let id = r["control"].as_str().unwrap();
        let control = get_in(Benchmark::parse("cis-4.0").unwrap(), id).expect("known control");
        let text = r["pattern"].as_str().unwrap();
        let v = orgsweep::pattern::judge_for(text, &control.reference);
        let hub_strict = get_in(Benchmark::parse("security-hub").unwrap(), id)
            .is_some_and(|h| orgsweep::pattern::is_strict(text, &h.reference));
        let got = (
            v.parse_ok,
            v.catches_all,
            v.matches_success,
            v.strict_cis || hub_strict,
        );
        let want = (
            r["parse_ok"].as_bool().unwrap(),
            r["catches_all"].as_bool().unwrap(),
            r["matches_success"].as_bool().unwrap(),
            r["strict_cis"].as_bool().unwrap(),
        );
        if got != want {
            bad.push(format!(
                "{} {text:?}\n   want {want:?}\n   got  {got:?}\n   {}",
                control.id, v.explanation
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        rows.len(),
        bad.join("\n")
    );
}

#[test]
fn the_table_s_reference_is_the_controls_table_s() {
    let texts = &orgsweep::controls::default_control().reference.texts;
    assert!(
        texts.iter().any(|t| t == CIS_PATTERN),
        "CIS_PATTERN here is not a reference text of the controls table: {texts:?}"
    );
}
