//! Bad input on the command line gets a clear error naming the flag or file and exit code 2,
//! before anything is swept.

use crate::support::seed;
use crate::support::{Emulator, Moto};
use crate::{orgsweep, text};

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
