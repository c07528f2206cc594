//! Fuzz target: any UTF-8 text, as a remediation plan file (`remediate --apply --plan FILE`),
//! must load or be refused with a value, never a panic. A refusal names the file and says what
//! is wrong; a JSON mistake names a line and column inside the text. A loaded plan passes the
//! value checks, saves (pretty JSON, as `--plan-out` writes it) to text that loads back to the
//! same plan, and the applicability check (organization, age) answers with a value too.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::{assert_line_inside, show};
use orgsweep::remediate::plan_file;
use time::macros::datetime;

const FILE: &str = "fuzz/plan.json";

fn check_error(e: &plan_file::PlanFileError, text: &str) {
    let shown = e.to_string();
    assert_eq!(
        e.file,
        Path::new(FILE),
        "the error names another file: {shown}"
    );
    assert!(
        shown.starts_with(&format!("plan file {FILE}: ")),
        "the message does not start with the file: {shown}"
    );
    assert!(!e.message.trim().is_empty(), "empty message: {shown}");
    if let Some(rest) = e.message.strip_prefix("line ") {
        let line: usize = rest
            .split(',')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a JSON error without a line number: {shown}"));
        assert_line_inside(line, text, &shown);
        // The place is said once, in front (serde_json's own message repeats it at the end).
        assert!(
            !e.message.contains(&format!(" at line {line} column")),
            "the place is said twice: {shown}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new(FILE);
    match plan_file::parse(text, path) {
        Ok(plan) => {
            if show() {
                eprintln!(
                    "loaded: {} target(s), {} action(s)",
                    plan.targets.len(),
                    plan.action_count()
                );
            }
            assert_eq!(
                plan_file::check(&plan),
                Ok(()),
                "a loaded plan must pass the checks"
            );
            let saved = serde_json::to_string_pretty(&plan).expect("a loaded plan must serialise");
            let again = plan_file::parse(&saved, path)
                .unwrap_or_else(|e| panic!("a saved plan must load again: {e}\n{saved}"));
            assert_eq!(again, plan, "save and load changed the plan:\n{saved}");
            let now = datetime!(2025-01-02 04:00 UTC);
            let mgmt = plan.management_account_id.clone();
            let org = plan.organization_id.clone();
            for org in [None, Some(org.as_str()), Some("o-other")] {
                if let Err(e) = plan_file::check_applicable(&plan, path, &mgmt, org, 24, now) {
                    check_error(&e, text);
                }
            }
        }
        Err(e) => {
            if show() {
                eprintln!("refused: {e}");
            }
            check_error(&e, text)
        }
    }
});
