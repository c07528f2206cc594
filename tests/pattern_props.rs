//! Property tests of the pattern module: no input panics, printing round-trips, the judge is
//! monotone under `&&`, and — checked against concrete records — sound.

use orgsweep::controls::judge;
use orgsweep::pattern::model::{Fact, Kind, RecordModel};
use orgsweep::pattern::{matches, parse};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value as J};

const SELECTORS: &[&str] = &[
    "$.eventName",
    "$.errorMessage",
    "$.userIdentity.type",
    "$.userIdentity.userName",
    "$.userName",
    "$.awsRegion",
    "$.responseElements.ConsoleLogin",
    "$.additionalEventData.MFAUsed",
    "$.x",
    "$.a[0]",
    "$.a[*]",
    "$.eventName.x",
    "$['errorMessage']",
];

const VALUES: &[&str] = &[
    "ConsoleLogin",
    "\"ConsoleLogin\"",
    "\"Failed authentication\"",
    "Console*",
    "*Login",
    "\"Failed*\"",
    "*",
    "%Fail%",
    "%^Console%",
    "1",
    "2.5",
    "x",
    "IAMUser",
    "Root",
    "Success",
    "consolelogin",
    "\"No username found in supplied account\"",
];

fn cmp() -> impl Strategy<Value = String> {
    let sel = prop::sample::select(SELECTORS);
    let val = prop::sample::select(VALUES);
    prop_oneof![
        6 => (sel.clone(), prop::sample::select(&["=", "!="][..]), val)
            .prop_map(|(s, o, v)| format!("{s} {o} {v}")),
        1 => (sel.clone(), prop::sample::select(&["<", ">", "<=", ">="][..]), prop::sample::select(&["0", "1", "1.5"][..]))
            .prop_map(|(s, o, v)| format!("{s} {o} {v}")),
        2 => (sel, prop::sample::select(&["IS TRUE", "IS FALSE", "IS NULL", "NOT EXISTS"][..]))
            .prop_map(|(s, t)| format!("{s} {t}")),
    ]
}

/// A JSON-pattern condition (without the braces), with `&&`, `||` and parentheses.
fn cond() -> impl Strategy<Value = String> {
    cmp().prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} && {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} || {b}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "$",
    ".",
    "$.a",
    "$.eventName",
    "=",
    "!=",
    "<",
    ">=",
    "&&",
    "||",
    "&",
    "|",
    "\"",
    "'",
    "%",
    "*",
    "?",
    "-",
    ",",
    "...",
    "IS",
    "TRUE",
    "NULL",
    "NOT",
    "EXISTS",
    "ConsoleLogin",
    "\"Failed authentication\"",
    "[*]",
    "[0]",
    "['k']",
    "\\",
    " ",
    "é",
    "1e999",
    "99999999999",
    "%(a)%",
    "%a{2}%",
    "%[%",
    "\n",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.concat())
}

/// Strings a generated record's fields may hold: the ones the generated patterns name, and
/// some others.
const STRINGS: &[&str] = &[
    "ConsoleLogin",
    "Failed authentication",
    "Console",
    "Login",
    "Failed",
    "Success",
    "Failure",
    "IAMUser",
    "Root",
    "x",
    "us-west-2",
    "No username found in supplied account",
    "Yes",
    "No",
    "",
];

/// A value of the kind a fact allows (any kind for a free field; `None` = remove it).
fn value_of(kind: Option<Kind>) -> BoxedStrategy<Option<J>> {
    let string = prop::sample::select(STRINGS).prop_map(|v| Some(json!(v)));
    match kind {
        Some(Kind::String) => string.boxed(),
        Some(Kind::Number) => prop::sample::select(&[0.0, 1.0, 1.5, 2.5, -3.0][..])
            .prop_map(|n| Some(json!(n)))
            .boxed(),
        Some(Kind::Boolean) => any::<bool>().prop_map(|b| Some(json!(b))).boxed(),
        Some(Kind::Object) | Some(Kind::Array) => Just(None).boxed(), // kept as they are
        None => prop_oneof![
            Just(None),
            Just(Some(J::Null)),
            any::<bool>().prop_map(|b| Some(json!(b))),
            prop::sample::select(&[0.0, 1.0, 2.5][..]).prop_map(|n| Some(json!(n))),
            string,
            Just(Some(json!({"x": "y"}))),
            Just(Some(json!(["x", 1, "ConsoleLogin"]))),
        ]
        .boxed(),
    }
}

/// Fields outside the model that a generated record may also carry (any value): a record
/// the model describes may have them.
const EXTRA_PATHS: &[&str] = &[
    "x",
    "a",
    "userName",
    "userIdentity.x",
    "additionalEventData.y",
];

fn set_path(v: &mut J, path: &str, new: Option<J>) {
    let keys: Vec<&str> = path.split('.').collect();
    let Some((last, init)) = keys.split_last() else {
        return;
    };
    let mut cur = v;
    for k in init {
        if !cur.get(*k).is_some_and(|c| c.is_object()) {
            cur[*k] = json!({});
        }
        cur = cur.get_mut(*k).unwrap();
    }
    let obj = cur.as_object_mut().unwrap();
    match new {
        None => {
            obj.remove(*last);
        }
        Some(n) => {
            obj.insert(last.to_string(), n);
        }
    }
}

/// A record as CloudTrail writes it: compact, top-level fields in the class's order.
fn write(v: &J, order: Option<&Vec<String>>) -> String {
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&String> = obj.keys().collect();
    if let Some(order) = order {
        keys.sort_by_key(|k| order.iter().position(|o| o == *k).unwrap_or(usize::MAX));
    }
    let body: Vec<String> = keys
        .iter()
        .map(|k| format!("{}:{}", J::from(k.as_str()), obj[k.as_str()]))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// One change to a generated record: a field path and its new value (`None` removes it).
type Edit = Option<(String, Option<J>)>;

/// A record of a class of the model: one of its examples with every field the class does not
/// fix removed or changed as its fact allows, and (unless `closed`) fields outside the model
/// added.
fn record_of(class_id: &'static str, closed: bool) -> impl Strategy<Value = String> {
    let class = RecordModel::shipped().class(class_id).expect("class");
    let n = class.examples.len();
    let variable: Vec<(String, Option<Kind>, bool)> = class
        .fields
        .iter()
        .filter_map(|f| match &f.fact {
            Fact::Free => Some((f.path.clone(), None, true)),
            Fact::Present(k @ (Kind::String | Kind::Number | Kind::Boolean)) => {
                Some((f.path.clone(), Some(*k), false))
            }
            _ => None,
        })
        .collect();
    let edits: Vec<BoxedStrategy<Edit>> = variable
        .into_iter()
        .map(|(path, kind, may_drop)| {
            let path2 = path.clone();
            prop_oneof![
                2 => Just(None),
                1 => value_of(kind).prop_filter_map("a present field stays", move |v| {
                    if v.is_none() && !may_drop { None } else { Some(Some((path2.clone(), v))) }
                }),
            ]
            .boxed()
        })
        .collect();
    let extras = if closed {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec((prop::sample::select(EXTRA_PATHS), value_of(None)), 0..3).boxed()
    };
    (0..n, edits, extras).prop_map(move |(i, edits, extras)| {
        let class = RecordModel::shipped().class(class_id).unwrap();
        let mut v: J = serde_json::from_str(&class.examples[i]).unwrap();
        for (path, new) in edits.into_iter().flatten() {
            set_path(&mut v, &path, new);
        }
        for (path, new) in extras {
            set_path(&mut v, path, new);
        }
        write(&v, class.order.as_ref())
    })
}

/// A term pattern over words that sign-in records contain (or not).
fn terms() -> impl Strategy<Value = String> {
    let term = prop_oneof![prop::sample::select(
        &[
            "ConsoleLogin",
            "\"Failed authentication\"",
            "Failure",
            "Success",
            "signin",
            "Failed",
            "eventName",
            "Mozilla",
            "x"
        ][..]
    )
    .prop_map(String::from),];
    let kind = prop::sample::select(&["", "", "?", "-"][..]);
    prop::collection::vec((kind, term), 1..4).prop_map(|ts| {
        ts.into_iter()
            .map(|(k, t)| format!("{k}{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>(), msg in any::<String>()) {
        let v = judge(&s);
        prop_assert_eq!(v.parse_ok, v.error.is_none());
        if let Ok(p) = parse(&s) {
            let _ = matches(&p, &msg);
        }
    }

    #[test]
    fn token_soup_never_panics(s in token_soup(), msg in token_soup()) {
        let v = judge(&s);
        prop_assert_eq!(v.parse_ok, v.error.is_none());
        if let Ok(p) = parse(&s) {
            let _ = matches(&p, &msg);
            let _ = matches(&p, r#"{"eventName":"ConsoleLogin","a":[1,{"b":null}]}"#);
        }
    }

    #[test]
    fn print_then_parse_gives_the_same_tree(c in cond(), soup in token_soup()) {
        for text in [format!("{{ {c} }}"), soup] {
            if let Ok(p) = parse(&text) {
                let printed = p.to_string();
                if printed.chars().count() <= 1024 {
                    let again = parse(&printed);
                    prop_assert!(again.is_ok(), "{} printed as {} which fails: {:?}", text, printed, again);
                    prop_assert_eq!(again.unwrap(), p, "{} printed as {}", text, printed);
                }
            }
        }
    }

    #[test]
    fn conjunction_is_never_broader(p in cond(), q in cond()) {
        let both = judge(&format!("{{ ({p}) && ({q}) }}"));
        if both.catches_all {
            let left = judge(&format!("{{ {p} }}"));
            prop_assert!(left.catches_all, "({p}) && ({q}) catches all but {p} does not");
        }
    }

    /// Soundness against records generated from the model: a pattern judged to catch
    /// everything matches every generated failed sign-in; one judged quiet matches no
    /// generated successful sign-in.
    #[test]
    fn verdicts_are_sound_on_records_of_the_model(
        c in cond(),
        failures in prop::collection::vec(record_of("console-sign-in.failed-authentication", false), 8),
        successes in prop::collection::vec(record_of("console-sign-in.success", true), 8),
    ) {
        let text = format!("{{ {c} }}");
        let v = judge(&text);
        // The generator can combine more regexes than CloudWatch allows (at most 2): such a
        // text is no filter at all, so it is outside this property.
        prop_assume!(v.parse_ok);
        let p = parse(&text).unwrap();
        if v.catches_all {
            for r in &failures {
                prop_assert!(matches(&p, r), "{} is judged to catch all but misses {}", text, r);
            }
        }
        if !v.matches_success {
            for r in &successes {
                prop_assert!(!matches(&p, r), "{} is judged quiet but matches {}", text, r);
            }
        }
    }

    /// The same for term patterns (which must find their words in the text every failed
    /// sign-in is sure to contain, whatever else the record holds).
    #[test]
    fn term_verdicts_are_sound(
        t in terms(),
        failures in prop::collection::vec(record_of("console-sign-in.failed-authentication", false), 8),
    ) {
        let v = judge(&t);
        if v.catches_all {
            let p = parse(&t).unwrap();
            for r in &failures {
                prop_assert!(matches(&p, r), "{} is judged to catch all but misses {}", t, r);
            }
        }
    }
}

/// The random soundness test above only bites if some generated patterns are judged to catch
/// all; make sure the generator produces such patterns at all.
#[test]
fn generator_reaches_catching_patterns() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut yes = 0;
    for _ in 0..400 {
        let c = cond().new_tree(&mut runner).unwrap().current();
        if judge(&format!("{{ {c} }}")).catches_all {
            yes += 1;
        }
    }
    assert!(yes >= 10, "only {yes} of 400 generated patterns catch all");
}
