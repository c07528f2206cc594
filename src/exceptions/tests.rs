//! Reading, matching, applying and tallying exceptions, and every refusal with its place.

use std::collections::BTreeSet;
use std::path::Path;

use time::macros::{date, datetime};

use super::*;
use crate::verdict::{ChainResources, Reason, Status, Verdict};

const FILE: &str = "ex.toml";

fn parse_text(text: &str) -> Result<ExceptionSet, ExceptionsError> {
    parse(text, Path::new(FILE), table_controls)
}

fn refused(text: &str) -> ExceptionsError {
    match parse_text(text) {
        Ok(set) => panic!("accepted: {set:?}"),
        Err(e) => e,
    }
}

/// The place and key of a refusal, and its rendering (which must name all three).
fn place(e: &ExceptionsError) -> (Option<u32>, Option<u32>, Option<&str>) {
    let shown = e.to_string();
    assert!(shown.starts_with(FILE), "{shown}");
    if let Some(line) = e.line {
        assert!(shown.starts_with(&format!("{FILE}:{line}")), "{shown}");
    }
    if let Some(key) = &e.key {
        assert!(shown.contains(&format!("`{key}`")), "{shown}");
    }
    (e.line, e.column, e.key.as_deref())
}

/// A well-formed exception with its keys in the usual order; `extra` goes before `expires`.
fn one(id: &str, extra: &str, expires: &str) -> String {
    format!(
        "[[exception]]\nid = \"{id}\"\n{extra}\nreason = \"accepted\"\nowner = \"secops@example.com\"\nexpires = \"{expires}\"\n"
    )
}

// ---------------------------------------------------------------- reading

#[test]
fn the_shipped_example_loads() {
    let text = include_str!("../../config/exceptions.example.toml");
    let set = parse_text(text).unwrap();
    assert!(set.exceptions.len() >= 3, "{set:?}");
    let ids: BTreeSet<&str> = set.exceptions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), set.exceptions.len());
}

#[test]
fn every_key_is_read() {
    let text = r#"
# a comment
[[exception]]
id = "siem-workloads"
controls = ["5.3", "CloudWatch.6", "unauthorized-api-calls", "root-usage"]
accounts = ["111122223333", "012345678901"]
ous = ["ou-ab12-cd34ef56", "r-ab12"]
regions = ["us-east-1", "eu-west-1"]
reason = "  CloudTrail is monitored in Splunk  "
owner = "secops@example.com"
expires = "2027-06-30"

[[exception]]
id = "sandbox"
ous = ["ou-ab12-sandbox1"]
reason = "sandbox"
owner = "platform"
expires = 2027-01-31
"#;
    let set = parse_text(text).unwrap();
    assert_eq!(set.file, Path::new(FILE));
    let a = &set.exceptions[0];
    assert_eq!(a.id, "siem-workloads");
    let only = |v: &[&str]| Scope::Only(v.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        a.controls,
        only(&[
            "console-auth-failures",
            "root-usage",
            "unauthorized-api-calls"
        ])
    );
    assert_eq!(
        a.accounts,
        Some(["012345678901", "111122223333"].map(String::from).into())
    );
    assert_eq!(
        a.ous,
        Some(["ou-ab12-cd34ef56", "r-ab12"].map(String::from).into())
    );
    assert_eq!(a.regions, only(&["eu-west-1", "us-east-1"]));
    assert_eq!(a.reason, "CloudTrail is monitored in Splunk");
    assert_eq!(a.expires, date!(2027 - 06 - 30));
    assert_eq!(a.line, 3);
    let b = &set.exceptions[1];
    assert_eq!(
        (b.controls.clone(), b.regions.clone()),
        (Scope::Every, Scope::Every)
    );
    assert_eq!(b.accounts, None);
    assert_eq!(
        b.expires,
        date!(2027 - 01 - 31),
        "a bare TOML date is a date too"
    );
    assert_eq!(b.line, 13);
}

#[test]
fn all_and_star_mean_every_control_and_region() {
    let set = parse_text(&one(
        "x",
        "accounts = [\"111122223333\"]\ncontrols = [\"5.3\", \"ALL\"]\nregions = [\"*\"]",
        "2027-06-30",
    ))
    .unwrap();
    assert_eq!(set.exceptions[0].controls, Scope::Every);
    assert_eq!(set.exceptions[0].regions, Scope::Every);
}

#[test]
fn an_empty_file_excepts_nothing() {
    assert!(parse_text("").unwrap().is_empty());
    assert!(parse_text("# no exceptions yet\n").unwrap().is_empty());
}

#[test]
fn the_resolver_decides_what_a_number_means() {
    // When the benchmark selection lands, the caller passes its own resolver.
    let v6 = |w: &str| match w {
        "5.3" => Ok(vec!["root-usage".to_string()]),
        other => Err(format!("unknown control `{other}` in CIS v6.0.0")),
    };
    let text = one(
        "x",
        "accounts = [\"111122223333\"]\ncontrols = [\"5.3\"]",
        "2027-06-30",
    );
    let set = parse(&text, Path::new(FILE), v6).unwrap();
    assert_eq!(
        set.exceptions[0].controls,
        Scope::Only(["root-usage".to_string()].into())
    );
    let e = parse(&text.replace("5.3", "4.3"), Path::new(FILE), v6).unwrap_err();
    assert!(e.to_string().contains("CIS v6.0.0"), "{e}");
    // A resolver that finds nothing is refused too: an empty scope would match no cell.
    let e = parse(&text, Path::new(FILE), |_: &str| Ok(Vec::new())).unwrap_err();
    assert!(matches!(e.problem, Problem::UnknownControl(_)), "{e}");
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("controls")));
}

// ---------------------------------------------------------------- refusals

#[test]
fn a_file_that_is_not_toml_is_refused_at_its_line() {
    let e = refused("[[exception]]\nid = \"a\"\nreason = \n");
    assert!(matches!(e.problem, Problem::NotToml(_)), "{e}");
    assert_eq!(place(&e), (Some(3), Some(10), Some("reason")));

    let e = refused("\n\n[[exception]\nid = \"a\"\n");
    assert!(matches!(e.problem, Problem::NotToml(_)), "{e}");
    assert_eq!(e.line, Some(3));

    // A TOML date literal that is no date is a syntax error, still at its key.
    let e = refused(&one("a", "", "x").replace("\"x\"", "2027-13-45"));
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(6), Some("expires")),
        "{e}"
    );

    // A CRLF file: the column stays inside the line (found by the fuzzer: `"\r\n""e`).
    let e = refused("\"\r\n\"\"e");
    assert_eq!((e.line, e.column), (Some(1), Some(2)), "{e}");
    let e = refused("[[exception]]\r\nid = \"a\"\r\nreason\r\n");
    assert_eq!(
        (e.line, e.column, e.key.as_deref()),
        (Some(3), Some(7), None),
        "{e}"
    );

    // The same key twice.
    let e = refused("[[exception]]\nid = \"a\"\nid = \"b\"\n");
    assert!(matches!(e.problem, Problem::NotToml(_)), "{e}");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("id")));
}

#[test]
fn a_file_that_is_not_text_is_refused_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.toml");
    std::fs::write(&path, b"[[exception]]\nid = \"\xff\xfe\"\n").unwrap();
    let e = load(&path, table_controls).unwrap_err();
    assert!(matches!(e.problem, Problem::NotToml(_)), "{e}");
    assert_eq!((e.line, e.column), (Some(2), Some(7)));

    let e = load(&dir.path().join("missing.toml"), table_controls).unwrap_err();
    assert!(matches!(e.problem, Problem::Unreadable(_)), "{e}");
    assert!(e.to_string().contains("--exceptions"), "{e}");
}

#[test]
fn an_unknown_key_is_refused_with_the_keys_allowed() {
    let text = one(
        "a",
        "accounts = [\"111122223333\"]\nonwer = \"me\"",
        "2027-06-30",
    );
    let e = refused(&text);
    assert_eq!(place(&e), (Some(4), Some(1), Some("onwer")));
    assert_eq!(
        e.exception.as_deref(),
        Some(&Which {
            ordinal: 1,
            id: Some("a".into())
        })
    );
    let shown = e.to_string();
    assert!(
        shown.contains("exception #1 (`a`)") && shown.contains("owner, expires"),
        "{shown}"
    );

    // At the top: a misspelt table name.
    let e = refused("[[exceptions]]\nid = \"a\"\n");
    assert_eq!(place(&e), (Some(1), Some(3), Some("exceptions")));
    assert!(matches!(e.problem, Problem::UnknownKey { .. }));

    // A sub-table inside an exception is a key it does not have.
    let e = refused(&format!(
        "{}[exception.scope]\naccounts = [\"111122223333\"]\n",
        one("a", "accounts = [\"111122223333\"]", "2027-06-30")
    ));
    assert_eq!((e.line, e.key.as_deref()), (Some(7), Some("scope")), "{e}");
}

#[test]
fn a_single_bracket_table_is_refused_with_the_form_to_use() {
    let e = refused("[exception]\nid = \"a\"\n");
    assert_eq!(place(&e), (Some(1), Some(1), Some("exception")));
    assert!(e.to_string().contains("two brackets"), "{e}");
}

#[test]
fn a_missing_required_key_is_refused_at_its_exception() {
    let good = one("first", "accounts = [\"111122223333\"]", "2027-06-30");
    for key in ["id", "reason", "owner", "expires"] {
        let second: String = one("second", "accounts = [\"111122223333\"]", "2027-06-30")
            .lines()
            .filter(|l| !l.starts_with(&format!("{key} =")))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = refused(&format!("{good}\n{second}"));
        assert_eq!(e.problem, Problem::Missing, "{key}: {e}");
        // The second exception's header is on line 8.
        assert_eq!(place(&e), (Some(8), None, Some(key)), "{e}");
        assert_eq!(e.exception.as_ref().unwrap().ordinal, 2);
        assert!(
            e.to_string().contains(&format!("add it, e.g. {key} =")),
            "{e}"
        );
    }
}

#[test]
fn a_malformed_date_is_refused_at_its_value() {
    for bad in [
        "2027-13-01",
        "2027-02-30",
        "30/06/2027",
        "2027-6-30",
        "2027-06-30T00:00:00Z",
        "",
        "next year",
    ] {
        let e = refused(&one("a", "accounts = [\"111122223333\"]", bad));
        assert_eq!(
            place(&e),
            (Some(6), Some(11), Some("expires")),
            "{bad}: {e}"
        );
        assert!(
            matches!(e.problem, Problem::BadDate(_) | Problem::Empty),
            "{bad}: {e}"
        );
        assert!(e.to_string().contains("2027-06-30"), "says the form: {e}");
    }
    // A date-time literal and a number are not dates either.
    let text = one("a", "accounts = [\"111122223333\"]", "x");
    for bad in ["2027-06-30T10:00:00Z", "2027-06-30 10:00:00", "20270630"] {
        let e = refused(&text.replace("\"x\"", bad));
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(6), Some("expires")),
            "{bad}: {e}"
        );
    }
    // 29 February exists in leap years only.
    assert!(parse_text(&one("a", "accounts = [\"111122223333\"]", "2028-02-29")).is_ok());
    assert!(parse_text(&one("a", "accounts = [\"111122223333\"]", "2027-02-29")).is_err());
}

#[test]
fn a_duplicate_id_is_refused_at_the_second_and_names_the_first() {
    let a = one("dup", "accounts = [\"111122223333\"]", "2027-06-30");
    let e = refused(&format!("{a}\n{a}"));
    assert_eq!(
        e.problem,
        Problem::DuplicateId {
            id: "dup".into(),
            first_line: 2
        }
    );
    assert_eq!(place(&e), (Some(9), Some(6), Some("id")));
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn an_unknown_control_is_refused_at_its_word() {
    let e = refused(&one(
        "a",
        "accounts = [\"111122223333\"]\ncontrols = [\"5.3\", \"4.99\"]",
        "2027-06-30",
    ));
    assert!(matches!(e.problem, Problem::UnknownControl(_)), "{e}");
    assert_eq!(place(&e), (Some(4), Some(20), Some("controls")));
    assert!(e.to_string().contains("`4.99`"), "{e}");
    // An empty word is not "all".
    let e = refused(&one(
        "a",
        "accounts = [\"111122223333\"]\ncontrols = [\" \"]",
        "2027-06-30",
    ));
    assert_eq!((e.problem.clone(), e.line), (Problem::Empty, Some(4)));
}

#[test]
fn an_account_id_that_is_not_12_digits_is_refused() {
    for (list, column, says) in [
        ("[\"111122223333\", \"11112222333\"]", 29, "12 digits"),
        ("[\"1111-2222-3333\"]", 13, "12 digits"),
        // A bare number would lose a leading 0.
        ("[111122223333]", 13, "in quotes"),
    ] {
        let e = refused(&one("a", &format!("accounts = {list}"), "2027-06-30"));
        assert_eq!(
            place(&e),
            (Some(3), Some(column), Some("accounts")),
            "{list}: {e}"
        );
        assert!(e.to_string().contains(says), "{e}");
    }
}

#[test]
fn an_ou_id_that_does_not_look_like_one_is_refused() {
    for bad in [
        "ou-AB12-cd34ef56",
        "Sandbox",
        "ou-ab1-cd34ef56",
        "ou-ab12-cd34ef5",
        "ou-ab12_cd34ef56",
        "r-ab1",
    ] {
        let e = refused(&one("a", &format!("ous = [\"{bad}\"]"), "2027-06-30"));
        assert!(matches!(e.problem, Problem::BadOu(_)), "{bad}: {e}");
        assert_eq!(place(&e), (Some(3), Some(8), Some("ous")), "{bad}");
    }
    // OUs and roots of the documented shapes load.
    for good in [
        "ou-ab12-cd34ef56",
        "ou-abcdefghijklmnopqrstuvwxyz012345-abcdefgh",
        "r-ab12",
    ] {
        assert!(
            parse_text(&one("a", &format!("ous = [\"{good}\"]"), "2027-06-30")).is_ok(),
            "{good}"
        );
    }
}

#[test]
fn neither_accounts_nor_ous_is_refused_at_the_header() {
    let e = refused(&one("a", "regions = [\"*\"]", "2027-06-30"));
    assert_eq!(e.problem, Problem::NoScope);
    assert_eq!(place(&e), (Some(1), None, Some("accounts")));
    assert!(e.to_string().contains("`ous`"), "{e}");
}

#[test]
fn other_bad_values_are_refused_at_their_key() {
    let cases: [(&str, Problem, u32); 7] = [
        ("accounts = []", Problem::Empty, 3),
        (
            "accounts = \"111122223333\"",
            Problem::WrongType {
                expected: "",
                found: "",
            },
            3,
        ),
        (
            "accounts = [\"111122223333\"]\nregions = [\"moon-1\"]",
            Problem::BadRegion(String::new()),
            4,
        ),
        (
            "accounts = [\"111122223333\"]\nregions = [\"*\", \"\"]",
            Problem::Empty,
            4,
        ),
        (
            "accounts = [\"111122223333\"]\ncontrols = \"all\"",
            Problem::WrongType {
                expected: "",
                found: "",
            },
            4,
        ),
        (
            "accounts = [\"111122223333\"]\nous = [1]",
            Problem::WrongType {
                expected: "",
                found: "",
            },
            4,
        ),
        (
            "accounts = [\"111122223333\"]\nregions = [[\"us-east-1\"]]",
            Problem::WrongType {
                expected: "",
                found: "",
            },
            4,
        ),
    ];
    for (extra, problem, line) in cases {
        let e = refused(&one("a", extra, "2027-06-30"));
        assert_eq!(
            std::mem::discriminant(&e.problem),
            std::mem::discriminant(&problem),
            "{extra}: {e}"
        );
        assert_eq!(e.line, Some(line), "{extra}: {e}");
        let key = extra.lines().last().unwrap().split(' ').next().unwrap();
        assert_eq!(e.key.as_deref(), Some(key), "{extra}: {e}");
    }
    let e = refused(
        &one("a", "accounts = [\"111122223333\"]", "2027-06-30").replace("\"accepted\"", "\"  \""),
    );
    assert_eq!(
        (e.problem.clone(), e.key.as_deref()),
        (Problem::Empty, Some("reason"))
    );
    let e = refused(&one("a b", "accounts = [\"111122223333\"]", "2027-06-30"));
    assert!(matches!(e.problem, Problem::BadId(_)), "{e}");
    assert_eq!(place(&e), (Some(2), Some(6), Some("id")));
    let e = refused(
        &one("a", "accounts = [\"111122223333\"]", "2027-06-30")
            .replace("owner = \"secops@example.com\"", "owner = 7"),
    );
    assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("owner")));
    assert!(
        e.to_string()
            .contains("expected a text in quotes, found a number"),
        "{e}"
    );
    // Not a table at all.
    let e = refused("exception = [1]\n");
    assert_eq!(place(&e), (Some(1), Some(14), Some("exception")));
}

// ---------------------------------------------------------------- matching

const ROOT: &str = "r-ab12";
const PROD: &str = "ou-ab12-prod0001";
const PROD_EU: &str = "ou-ab12-prodeu01";
const SANDBOX: &str = "ou-ab12-sandbox1";

fn path(ous: &[&str]) -> Vec<String> {
    std::iter::once(ROOT)
        .chain(ous.iter().copied())
        .map(String::from)
        .collect()
}

fn cell<'a>(
    account: &'a str,
    ou_path: &'a [String],
    region: &'a str,
    control: &'a str,
) -> Cell<'a> {
    Cell {
        account_id: account,
        ou_path,
        region,
        control,
        status: Status::Fail,
    }
}

/// The id of the exception that decides the cell, with the effect's kind.
fn effect(set: &ExceptionSet, c: &Cell<'_>, today: time::Date) -> Option<(&'static str, String)> {
    match decide(set, c, today).effect {
        Effect::Unchanged => None,
        Effect::Excepted(e) => Some(("excepted", e.id.clone())),
        Effect::Expired(e) => Some(("expired", e.id.clone())),
    }
}

fn excepted(id: &str) -> Option<(&'static str, String)> {
    Some(("excepted", id.to_string()))
}

const TODAY: time::Date = date!(2027 - 01 - 15);

#[test]
fn an_account_exception_covers_that_account_only() {
    let set = parse_text(&one("acct", "accounts = [\"111122223333\"]", "2027-06-30")).unwrap();
    let p = path(&[PROD]);
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &p, "us-east-1", "root-usage"),
            TODAY
        ),
        excepted("acct")
    );
    assert_eq!(
        effect(
            &set,
            &cell("111122224444", &p, "us-east-1", "root-usage"),
            TODAY
        ),
        None
    );
}

#[test]
fn an_ou_covers_its_sub_ous_but_not_its_parent_or_siblings() {
    let set = parse_text(&one("prod", &format!("ous = [\"{PROD}\"]"), "2027-06-30")).unwrap();
    let (direct, nested, parent, sibling) = (
        path(&[PROD]),
        path(&[PROD, PROD_EU]),
        path(&[]),
        path(&[SANDBOX]),
    );
    let at = |p| {
        effect(
            &set,
            &cell("111122223333", p, "eu-west-1", "root-usage"),
            TODAY,
        )
    };
    assert_eq!(at(&direct), excepted("prod"));
    assert_eq!(at(&nested), excepted("prod"));
    assert_eq!(at(&parent), None);
    assert_eq!(at(&sibling), None);

    // A sub-OU does not cover its parent; the root covers everything.
    let set = parse_text(&one("eu", &format!("ous = [\"{PROD_EU}\"]"), "2027-06-30")).unwrap();
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &direct, "eu-west-1", "root-usage"),
            TODAY
        ),
        None
    );
    let set = parse_text(&one("org", &format!("ous = [\"{ROOT}\"]"), "2027-06-30")).unwrap();
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &sibling, "eu-west-1", "root-usage"),
            TODAY
        ),
        excepted("org")
    );
}

#[test]
fn accounts_and_ous_together_must_both_match() {
    let set = parse_text(&one(
        "both",
        &format!("accounts = [\"111122223333\"]\nous = [\"{SANDBOX}\"]"),
        "2027-06-30",
    ))
    .unwrap();
    let (sandbox, prod) = (path(&[SANDBOX]), path(&[PROD]));
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &sandbox, "us-east-1", "root-usage"),
            TODAY
        ),
        excepted("both")
    );
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &prod, "us-east-1", "root-usage"),
            TODAY
        ),
        None
    );
    assert_eq!(
        effect(
            &set,
            &cell("111122224444", &sandbox, "us-east-1", "root-usage"),
            TODAY
        ),
        None
    );
}

#[test]
fn regions_default_to_every_region_or_name_them() {
    let text = format!(
        "{}\n{}",
        one(
            "blocked",
            "accounts = [\"111122223333\"]\nregions = [\"ap-east-1\", \"me-south-1\"]",
            "2027-06-30"
        ),
        one("any", "accounts = [\"111122224444\"]", "2027-06-30")
    );
    let set = parse_text(&text).unwrap();
    let p = path(&[]);
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &p, "ap-east-1", "root-usage"),
            TODAY
        ),
        excepted("blocked")
    );
    assert_eq!(
        effect(
            &set,
            &cell("111122223333", &p, "us-east-1", "root-usage"),
            TODAY
        ),
        None
    );
    for region in ["us-east-1", "eu-central-2", "us-gov-west-1"] {
        assert_eq!(
            effect(&set, &cell("111122224444", &p, region, "root-usage"), TODAY),
            excepted("any")
        );
    }
}

#[test]
fn controls_by_id_cis_number_and_security_hub_id() {
    let p = path(&[]);
    for (word, id) in [
        ("root-usage", "root-usage"),
        ("5.3", "root-usage"),
        ("CloudWatch.1", "root-usage"),
        ("cloudwatch.6", "console-auth-failures"),
        ("5.6", "console-auth-failures"),
    ] {
        let set = parse_text(&one(
            "c",
            &format!("accounts = [\"111122223333\"]\ncontrols = [\"{word}\"]"),
            "2027-06-30",
        ))
        .unwrap();
        assert_eq!(
            effect(&set, &cell("111122223333", &p, "us-east-1", id), TODAY),
            excepted("c"),
            "{word}"
        );
        let other = if id == "root-usage" {
            "console-auth-failures"
        } else {
            "root-usage"
        };
        assert_eq!(
            effect(&set, &cell("111122223333", &p, "us-east-1", other), TODAY),
            None,
            "{word}"
        );
    }
    let set = parse_text(&one(
        "c",
        "accounts = [\"111122223333\"]\ncontrols = [\"all\"]",
        "2027-06-30",
    ))
    .unwrap();
    for c in crate::controls::table() {
        assert_eq!(
            effect(&set, &cell("111122223333", &p, "us-east-1", &c.id), TODAY),
            excepted("c")
        );
    }
}

#[test]
fn only_fail_cells_are_touched() {
    let set = parse_text(&one("acct", "accounts = [\"111122223333\"]", "2027-06-30")).unwrap();
    let p = path(&[]);
    for status in [
        Status::Pass,
        Status::Error,
        Status::Skipped,
        Status::Excepted,
    ] {
        let c = Cell {
            status,
            ..cell("111122223333", &p, "us-east-1", "root-usage")
        };
        let outcome = decide(&set, &c, TODAY);
        assert_eq!(outcome.effect, Effect::Unchanged, "{status}");
        assert!(outcome.matched.is_empty(), "{status}");
        let v = Verdict::new(status, Reason::AccessDenied, "denied");
        assert_eq!(
            apply(v.clone(), &Effect::Excepted(&set.exceptions[0])),
            v,
            "{status}"
        );
    }
}

#[test]
fn an_exception_holds_through_its_last_day_in_utc() {
    let set = parse_text(&one("end", "accounts = [\"111122223333\"]", "2027-06-30")).unwrap();
    let p = path(&[]);
    let c = cell("111122223333", &p, "us-east-1", "root-usage");
    let at = |now| effect(&set, &c, utc_day(now));
    assert_eq!(at(datetime!(2027-06-30 00:00:00 UTC)), excepted("end"));
    assert_eq!(at(datetime!(2027-06-30 23:59:59.999 UTC)), excepted("end"));
    assert_eq!(
        at(datetime!(2027-07-01 00:00:00 UTC)),
        Some(("expired", "end".into()))
    );
    // The day is the UTC day, whatever the clock's offset says.
    assert_eq!(
        at(datetime!(2027-06-30 20:00:00 -5)),
        Some(("expired", "end".into()))
    );
    assert_eq!(at(datetime!(2027-07-01 01:00:00 +2)), excepted("end"));
    let e = &set.exceptions[0];
    assert_eq!(
        (
            e.days_left(date!(2027 - 06 - 30)),
            e.days_left(date!(2027 - 07 - 01))
        ),
        (0, -1)
    );
}

#[test]
fn of_several_exceptions_the_one_that_expires_last_is_shown() {
    let text = [
        one("soon", "accounts = [\"111122223333\"]", "2027-02-01"),
        one("later", &format!("ous = [\"{PROD}\"]"), "2027-09-30"),
        one("tie", "accounts = [\"111122223333\"]", "2027-09-30"),
        one("gone", "accounts = [\"111122223333\"]", "2026-12-31"),
        one("gone-longer", "accounts = [\"111122223333\"]", "2026-06-30"),
    ]
    .join("\n");
    let set = parse_text(&text).unwrap();
    let p = path(&[PROD]);
    let c = cell("111122223333", &p, "us-east-1", "root-usage");
    let outcome = decide(&set, &c, TODAY);
    // `later` and `tie` expire together: the first in the file wins.
    assert_eq!(outcome.effect, Effect::Excepted(&set.exceptions[1]));
    assert_eq!(outcome.matched.len(), 5);
    // Once all in force have run out, the expired one shown is the one that ended last.
    assert_eq!(
        effect(&set, &c, date!(2027 - 10 - 01)),
        Some(("expired", "later".into()))
    );
    let p = path(&[]);
    let c = cell("111122223333", &p, "us-east-1", "root-usage");
    assert_eq!(effect(&set, &c, date!(2027 - 03 - 01)), excepted("tie"));
    let only_gone = parse_text(
        &[
            one("gone", "accounts = [\"111122223333\"]", "2026-12-31"),
            one("gone-longer", "accounts = [\"111122223333\"]", "2026-06-30"),
        ]
        .join("\n"),
    )
    .unwrap();
    assert_eq!(
        effect(&only_gone, &c, TODAY),
        Some(("expired", "gone".into()))
    );
}

// ---------------------------------------------------------------- applying

#[test]
fn an_excepted_fail_keeps_its_reason_and_says_whose_it_is() {
    let set = parse_text(&one("siem", "accounts = [\"111122223333\"]", "2027-06-30")).unwrap();
    let chain = ChainResources {
        trail_arn: Some("arn:aws:cloudtrail:us-east-1:111122223333:trail/t".into()),
        ..ChainResources::default()
    };
    let fail = Verdict::new(
        Status::Fail,
        Reason::NoMetricFilter,
        "no metric filter on log group lg",
    )
    .with_chain(chain.clone());
    let v = apply(fail.clone(), &Effect::Excepted(&set.exceptions[0]));
    assert_eq!(v.status, Status::Excepted);
    assert_eq!(v.status.as_str(), "EXCEPTED");
    assert_eq!(v.reason, Reason::NoMetricFilter);
    assert_eq!(v.chain, chain);
    assert_eq!(
        v.detail,
        "exception siem (owner secops@example.com, expires 2027-06-30); no metric filter on log group lg"
    );

    let v = apply(fail.clone(), &Effect::Expired(&set.exceptions[0]));
    assert_eq!((v.status, v.reason), (Status::Fail, Reason::NoMetricFilter));
    assert_eq!(
        v.detail,
        "exception siem expired on 2027-06-30; no metric filter on log group lg"
    );

    assert_eq!(apply(fail.clone(), &Effect::Unchanged), fail);
    let bare = Verdict::new(Status::Fail, Reason::NoTrail, "");
    assert_eq!(
        apply(bare, &Effect::Expired(&set.exceptions[0])).detail,
        "exception siem expired on 2027-06-30"
    );
}

#[test]
fn excepted_serializes_as_its_word() {
    assert_eq!(
        serde_json::to_string(&Status::Excepted).unwrap(),
        "\"EXCEPTED\""
    );
    assert_eq!(
        serde_json::from_str::<Status>("\"EXCEPTED\"").unwrap(),
        Status::Excepted
    );
    assert!(Status::ALL.contains(&Status::Excepted));
}

// ---------------------------------------------------------------- the tally

#[test]
fn the_ledger_counts_cells_expiry_and_unused_exceptions() {
    let text = [
        one("wide", &format!("ous = [\"{ROOT}\"]"), "2027-06-30"),
        one("outranked", "accounts = [\"111122223333\"]", "2027-03-01"),
        one("expired", "accounts = [\"111122224444\"]", "2026-12-31"),
        one("unused", "accounts = [\"999999999999\"]", "2027-02-01"),
        one("only-passes", "accounts = [\"111122225555\"]", "2027-06-30"),
    ]
    .join("\n");
    let set = parse_text(&text).unwrap();
    let p = path(&[PROD]);
    let cells = [
        ("111122223333", Status::Fail),
        ("111122223333", Status::Pass),
        ("111122224444", Status::Fail),
        ("111122225555", Status::Pass),
        ("111122225555", Status::Error),
    ];
    let mut first = ExceptionLedger::new(&set, TODAY);
    let mut second = ExceptionLedger::new(&set, TODAY);
    for (i, (account, status)) in cells.into_iter().enumerate() {
        let c = Cell {
            status,
            ..cell(account, &p, "us-east-1", "root-usage")
        };
        let ledger = if i % 2 == 0 { &mut first } else { &mut second };
        ledger.record(&decide(&set, &c, TODAY));
    }
    first.merge(&second);
    let rows: Vec<(&str, usize, usize, bool, bool)> = first
        .entries()
        .iter()
        .map(|e| (e.id.as_str(), e.cells, e.matched, e.expired, e.unused))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("wide", 2, 2, false, false),
            ("outranked", 0, 1, false, false),
            ("expired", 0, 1, true, false),
            ("unused", 0, 0, false, true),
            ("only-passes", 0, 0, false, true),
        ]
    );
    assert_eq!(first.excepted_cells(), 2);
    let attention: Vec<&str> = first
        .entries()
        .iter()
        .filter(|e| e.needs_attention())
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        attention,
        vec!["expired", "unused"],
        "expired, or expiring within 30 days"
    );
    assert_eq!(
        serde_json::to_value(&first.entries()[2]).unwrap(),
        serde_json::json!({"id": "expired", "owner": "secops@example.com", "expires": "2026-12-31",
                           "cells": 0, "expired": true, "unused": false})
    );
}

#[test]
fn the_thirty_day_warning_starts_thirty_days_before_the_last_day() {
    let set = parse_text(&one("x", "accounts = [\"111122223333\"]", "2027-02-14")).unwrap();
    let at = |today| ExceptionLedger::new(&set, today).entries()[0].needs_attention();
    assert!(!at(date!(2027 - 01 - 14)));
    assert!(at(date!(2027 - 01 - 15)));
}

#[test]
fn ous_the_organization_does_not_have_are_warnings() {
    let text = [
        one(
            "a",
            &format!("ous = [\"{PROD}\", \"ou-ab12-gone0001\"]"),
            "2027-06-30",
        ),
        one("b", &format!("ous = [\"{ROOT}\"]"), "2027-06-30"),
        one("c", "accounts = [\"111122223333\"]", "2027-06-30"),
    ]
    .join("\n");
    let set = parse_text(&text).unwrap();
    let known: BTreeSet<String> = [ROOT, PROD, PROD_EU].map(String::from).into();
    let warnings = unknown_ous(&set, &known);
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (
            warnings[0].exception.as_str(),
            warnings[0].ou.as_str(),
            warnings[0].line
        ),
        ("a", "ou-ab12-gone0001", 1)
    );
    let shown = warnings[0].to_string();
    assert!(
        shown.starts_with("ex.toml:1: exception `a`") && shown.contains("ou-ab12-gone0001"),
        "{shown}"
    );
    assert!(unknown_ous(
        &set,
        &[ROOT, PROD, "ou-ab12-gone0001"].map(String::from).into()
    )
    .is_empty());
}
