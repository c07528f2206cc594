//! The one integration-test binary (one binary keeps link time down): each module is a test
//! file, all sharing `tests/support`. Tests that need moto start a private server each.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod config_env;
mod faults;
mod secrets;
mod support_selftest;

/// Runs the orgsweep binary with `args`, talking to `em` as the management account (see
/// `Emulator::command`: the caller's own AWS settings are removed).
pub fn orgsweep(em: &support::Emulator, args: &[&str]) -> std::process::Output {
    em.command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(args)
        .output()
        .expect("cannot run the orgsweep binary")
}
mod bad_input;
mod check_scenarios;
mod least_privilege;
mod remediate;
mod remediate_faults;
mod sweep;
