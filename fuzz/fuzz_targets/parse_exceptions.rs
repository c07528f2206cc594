//! Fuzz target: any UTF-8 text, as an exceptions file, must load or be refused with a value,
//! never a panic. A refusal names the file, points at a line (and column) inside the text, and
//! names its key whenever it has one (every refusal but a TOML syntax error on a line that
//! assigns nothing). A loaded file is checked as the parser promises (unique ids, an account or
//! OU in each), loads again to the same value, and matching it against cells built from its own
//! keys, on days before, at and after its expiries, decides as documented: only FAIL cells
//! change, an excepting exception covers the cell and is in force and expires last, an expired
//! one is shown only when none is in force, and the ledger adds up.
#![no_main]

use std::collections::BTreeSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use time::macros::date;

#[path = "common/mod.rs"]
mod common;
use common::{assert_line_inside, show};
use orgsweep::exceptions::{self, Cell, Effect, ExceptionLedger, ExceptionSet, Problem, Scope};
use orgsweep::verdict::{Reason, Status, Verdict};

const FILE: &str = "fuzz/exceptions.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new(FILE);
    match exceptions::parse(text, path, exceptions::table_controls) {
        Ok(set) => {
            if show() {
                eprintln!("loaded: {set:?}");
            }
            loaded(text, &set);
            let again = exceptions::parse(text, path, exceptions::table_controls)
                .expect("the same text must load again");
            assert_eq!(
                again, set,
                "loading the same text twice gave different values"
            );
            match_cells(&set);
        }
        Err(e) => {
            if show() {
                eprintln!("refused: {e}");
            }
            let shown = e.to_string();
            assert_eq!(e.file, path, "the error names another file: {shown}");
            assert!(
                shown.starts_with(FILE),
                "the message does not start with the file: {shown}"
            );
            assert!(
                !matches!(e.problem, Problem::Unreadable(_)),
                "text is never unreadable: {shown}"
            );
            let line = e
                .line
                .unwrap_or_else(|| panic!("a refusal without a line: {shown}"))
                as usize;
            assert_line_inside(line, text, &shown);
            if let Some(column) = e.column {
                let width = text.lines().nth(line - 1).map_or(0, |l| l.chars().count());
                assert!(
                    (1..=width + 1).contains(&(column as usize)),
                    "column {column} is outside line {line} ({width} characters): {shown}"
                );
            }
            match &e.key {
                Some(key) => assert!(
                    shown.contains(&format!("key `{key}`")),
                    "the message does not name the key: {shown}"
                ),
                None => assert!(
                    matches!(e.problem, Problem::NotToml(_)),
                    "only a syntax error may lack a key: {shown}"
                ),
            }
        }
    }
});

/// What the parser promises of every loaded file.
fn loaded(text: &str, set: &ExceptionSet) {
    let mut ids = BTreeSet::new();
    for e in &set.exceptions {
        assert!(ids.insert(e.id.as_str()), "duplicate id {}", e.id);
        assert!(
            !e.id.is_empty() && !e.reason.is_empty() && !e.owner.is_empty(),
            "{e:?}"
        );
        assert!(
            e.accounts.is_some() || e.ous.is_some(),
            "no account or OU: {e:?}"
        );
        for set in [&e.accounts, &e.ous].into_iter().flatten() {
            assert!(!set.is_empty(), "an empty list loaded: {e:?}");
        }
        if let Scope::Only(s) = &e.controls {
            assert!(
                !s.is_empty() && s.iter().all(|c| orgsweep::controls::get(c).is_some()),
                "{e:?}"
            );
        }
        assert_line_inside(e.line, text, &e.id);
    }
}

/// Cells made of each exception's own keys (so that some match) and a few that match nothing.
fn match_cells(set: &ExceptionSet) {
    let days = [
        date!(1999 - 12 - 31),
        date!(2027 - 06 - 30),
        date!(2027 - 07 - 01),
        date!(9999 - 12 - 31),
    ];
    let mut shapes: Vec<(String, Vec<String>, String, String)> = vec![(
        "000000000000".into(),
        vec!["r-ab12".into()],
        "us-east-1".into(),
        "root-usage".into(),
    )];
    for e in set.exceptions.iter().take(8) {
        let first =
            |s: &Option<BTreeSet<String>>| s.as_ref().and_then(|s| s.iter().next().cloned());
        let only = |s: &Scope, default: &str| match s {
            Scope::Every => default.to_string(),
            Scope::Only(v) => v.iter().next().cloned().unwrap_or_default(),
        };
        let mut path = vec!["r-zz99".to_string()];
        path.extend(first(&e.ous));
        shapes.push((
            first(&e.accounts).unwrap_or_else(|| "123456789012".into()),
            path,
            only(&e.regions, "eu-west-1"),
            only(&e.controls, "console-auth-failures"),
        ));
    }
    for today in days {
        let mut ledger = ExceptionLedger::new(set, today);
        let mut excepted = 0;
        for (account, path, region, control) in &shapes {
            for status in [Status::Fail, Status::Pass, Status::Error] {
                let cell = Cell {
                    account_id: account,
                    ou_path: path,
                    region,
                    control,
                    status,
                };
                let outcome = exceptions::decide(set, &cell, today);
                let in_force: Vec<_> = outcome
                    .matched
                    .iter()
                    .filter(|e| !e.expired_on(today))
                    .collect();
                assert!(outcome.matched.iter().all(|e| e.covers(&cell)));
                match outcome.effect {
                    Effect::Unchanged => assert!(outcome.matched.is_empty()),
                    Effect::Excepted(e) => {
                        assert!(e.covers(&cell) && !e.expired_on(today));
                        assert!(in_force.iter().all(|o| o.expires <= e.expires));
                        excepted += 1;
                    }
                    Effect::Expired(e) => {
                        assert!(e.covers(&cell) && e.expired_on(today) && in_force.is_empty());
                    }
                }
                if status != Status::Fail {
                    assert_eq!(outcome.effect, Effect::Unchanged);
                }
                let before = Verdict::new(status, Reason::NoMetricFilter, "detail");
                let after = exceptions::apply(before.clone(), &outcome.effect);
                assert_eq!(after.reason, before.reason);
                match outcome.effect {
                    Effect::Excepted(e) => {
                        assert_eq!(after.status, Status::Excepted);
                        assert!(after
                            .detail
                            .starts_with(&format!("exception {} (owner ", e.id)));
                    }
                    Effect::Expired(e) => {
                        assert_eq!(after.status, Status::Fail);
                        assert!(after
                            .detail
                            .starts_with(&format!("exception {} expired on ", e.id)));
                    }
                    Effect::Unchanged => assert_eq!(after, before),
                }
                ledger.record(&outcome);
            }
        }
        assert_eq!(ledger.excepted_cells(), excepted);
        for entry in ledger.entries() {
            assert_eq!(entry.unused, entry.matched == 0, "{entry:?}");
            assert!(entry.cells <= entry.matched, "{entry:?}");
            assert_eq!(entry.expired, entry.days_left < 0, "{entry:?}");
        }
    }
    let _ = exceptions::unknown_ous(set, &BTreeSet::new());
}
