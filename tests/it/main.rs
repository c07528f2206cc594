//! The one integration-test binary (one binary keeps link time down): each module is a test
//! file, all sharing the test kit (`testkit/`). Tests that need moto start a private server
//! each.

mod accounts;
mod bad_input;
mod benchmarks;
mod cannot_start;
mod check_scenarios;
mod config_env;
mod delivery;
mod demo;
mod emulator_state;
mod exceptions;
mod family;
mod faults;
mod landing_zone;
mod least_privilege;
mod remediate;
mod remediate_faults;
mod report_browser;
mod reports;
mod secrets;
mod support_selftest;
mod sweep;

/// Runs the orgsweep binary with `args`, talking to `em` as the management account (see
/// `Emulator::command`: the caller's own AWS settings are removed).
pub fn orgsweep(em: &testkit::Emulator, args: &[&str]) -> std::process::Output {
    em.command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(args)
        .output()
        .expect("cannot run the orgsweep binary")
}

/// How many controls the table has (under the default benchmark): tests count from the
/// table, never from a literal.
pub fn control_count() -> usize {
    orgsweep::controls::table().len()
}

/// Bytes as text, for assertions and messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A run's exit code, stdout and stderr, for assertion messages.
pub fn explain(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// A plan file written by `remediate --plan-out`.
pub fn read_plan(path: &std::path::Path) -> orgsweep::remediate::Plan {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the plan file is a Plan")
}

/// `account → region → (status, reason)` from a report directory's findings.csv (one control's
/// sweep: a second control's row for the same cell is a test error).
pub fn findings(
    dir: &std::path::Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, (String, String)>> {
    let mut reader = csv::Reader::from_path(dir.join("findings.csv")).expect("findings.csv");
    let mut cells: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, (String, String)>,
    > = Default::default();
    for r in reader.records() {
        let r = r.expect("findings.csv: valid CSV");
        let previous = cells
            .entry(r[0].to_string())
            .or_default()
            .insert(r[2].to_string(), (r[4].to_string(), r[5].to_string()));
        assert!(previous.is_none(), "two controls in {}", dir.display());
    }
    cells
}
