//! Bad input on the command line gets a clear error naming the flag or file and exit code 2,
//! before anything is swept.

use crate::{orgsweep, text};
use testkit::seed;
use testkit::{Emulator, Moto};

#[test]
fn malformed_account_ids_and_region_names_are_refused_by_the_flags() {
    // No emulator needed: the flags are checked before any call (port 9 answers nothing).
    let em = Emulator::new("http://127.0.0.1:9");
    let out = orgsweep(&em, &["check", "--accounts", "12345"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--accounts") && err.contains("12 digits"),
        "{err}"
    );

    let out = orgsweep(&em, &["check", "--exclude-accounts", "0123456789ab"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--exclude-accounts"));

    let out = orgsweep(&em, &["check", "--regions", "us-east-1,US-WEST-2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--regions") && err.contains("US-WEST-2"),
        "{err}"
    );

    let out = orgsweep(&em, &["check", "--ous", "Security"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--ous"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_regions_accounts_and_unwritable_output_dirs_are_clear_errors() {
    let moto = Moto::start();
    seed::create_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();

    // Shaped like a region, but no such region in the partition.
    let out = orgsweep(
        &moto,
        &[
            "check",
            "--regions",
            "xx-north-9",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("xx-north-9") && err.contains("not a region"),
        "{err}"
    );

    // A well-formed id that is not in the organization.
    let out = orgsweep(
        &moto,
        &[
            "check",
            "--accounts",
            "000000000001",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("000000000001") && err.contains("not in the organization"),
        "{err}"
    );

    // An output directory that cannot be made: its parent is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("reports");
    let out = orgsweep(
        &moto,
        &[
            "check",
            "--regions",
            "us-east-1",
            "--output-dir",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(target.to_str().unwrap()) && err.contains("--output-dir"),
        "{err}"
    );
}

/// An unknown benchmark — on the command line, in the environment or in the config file — is
/// exit 2 naming where it came from and listing the valid ids; a control number the selected
/// benchmark does not have says which benchmark numbers it that way. Nothing is swept.
#[test]
fn unknown_benchmarks_and_other_benchmarks_numbers_are_refused() {
    let em = Emulator::new("http://127.0.0.1:9");
    let ids = "cis-1.2, cis-1.4, cis-1.5, cis-2.0, cis-3.0, cis-4.0, cis-5.0, cis-6.0, cis-7.0, security-hub";
    for cmd in [
        &["check", "--benchmark", "cis-9.9"][..],
        &["remediate", "--benchmark", "cis-9.9"],
        &["controls", "--benchmark", "cis-9.9"],
        &["pattern", "--benchmark", "cis-9.9", "{ $.eventName = x }"],
    ] {
        let out = orgsweep(&em, cmd);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd:?}: {}",
            crate::explain(&out)
        );
        let err = text(&out.stderr);
        assert!(
            err.contains("--benchmark") && err.contains("`cis-9.9`") && err.contains(ids),
            "{cmd:?}: {err}"
        );
    }

    let out = em
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .env("ORGSWEEP_BENCHMARK", "cis-4")
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", crate::explain(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("ORGSWEEP_BENCHMARK") && err.contains("`cis-4`") && err.contains(ids),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orgsweep.toml");
    std::fs::write(&config, "[sweep]\nbenchmark = \"CIS v5\"\n").unwrap();
    let out = orgsweep(&em, &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", crate::explain(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("orgsweep.toml:2")
            && err.contains("sweep.benchmark")
            && err.contains("`CIS v5`")
            && err.contains(ids),
        "{err}"
    );

    // 4.6 is CIS v1.4.0-v5.0.0's number for console authentication failures, not v7.0.0's.
    let out = orgsweep(&em, &["check", "--controls", "4.6"]);
    assert_eq!(out.status.code(), Some(2), "{}", crate::explain(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("--controls")
            && err.contains("`4.6` is not a control number of CIS v7.0.0")
            && err.contains("5.1–5.15")
            && err.contains("CIS v5.0.0 (console-auth-failures)"),
        "{err}"
    );
    let out = orgsweep(
        &em,
        &["check", "--benchmark", "cis-5.0", "--controls", "4.16"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", crate::explain(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("`4.16` is not a control number of CIS v5.0.0") && err.contains("4.1–4.15"),
        "{err}"
    );
}

/// `orgsweep … | head -1`: a reader that goes away early is no panic and no error; the exit code
/// is the command's own.
#[test]
fn a_closed_standard_output_is_not_a_panic() {
    let em = Emulator::new("http://127.0.0.1:9");
    for (args, code) in [
        (
            vec!["pattern", "{ ($.eventName = ConsoleLogin) }"],
            1, // narrower than the reference
        ),
        (vec!["controls"], 0),
    ] {
        let mut child = em
            .command(env!("CARGO_BIN_EXE_orgsweep"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The read end is closed before the command writes a byte.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    }
}
