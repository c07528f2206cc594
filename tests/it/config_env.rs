//! Configuration files and the standard AWS environment, through the real binary: bad files
//! exit 2 naming file, line and key; `AWS_ENDPOINT_URL` decides where calls go.

use std::io::Write;

use crate::orgsweep as orgsweep_in;
use testkit::seed::{self, NewAccount};
use testkit::{Emulator, Moto};

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

/// Runs `orgsweep accounts --config FILE` with the emulator's environment; returns exit code
/// and stderr.
fn accounts_with_config(em: &Emulator, text: &str) -> (Option<i32>, String, String) {
    let file = config_file(text);
    let path = file.path().to_str().unwrap().to_string();
    let out = orgsweep_in(em, &["accounts", "--config", &path]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path,
    )
}

#[test]
fn bad_config_files_exit_2_naming_file_line_and_key() {
    // No emulator needed: the file is read before any AWS call. Point at a dead endpoint so a
    // regression would fail rather than reach a real AWS.
    let em = Emulator::new("http://127.0.0.1:9");

    let (code, err, path) =
        accounts_with_config(&em, "[access]\nrole_name = \"Audit\"\nrolename = \"x\"\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{path}:3")), "{err}");
    assert!(err.contains("rolename"), "{err}");

    let (code, err, path) = accounts_with_config(&em, "[sweep]\n\nconcurrency = \"many\"\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{path}:3")), "{err}");
    assert!(err.contains("invalid type"), "{err}");

    let (code, err, path) = accounts_with_config(&em, "# roles\n[access]\nrole_name = \"\"\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{path}:3")), "{err}");
    assert!(err.contains("access.role_name"), "{err}");

    let (code, err, _) = accounts_with_config(&em, "[sweep]\nconcurrency = 0\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("sweep.concurrency") && err.contains("1 to 512"),
        "{err}"
    );

    let (code, err, _) = accounts_with_config(&em, "[acess]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("acess"), "{err}");

    // A file named with --config must exist.
    let out = orgsweep_in(&em, &["accounts", "--config", "/nonexistent/orgsweep.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/orgsweep.toml"));
}

#[test]
fn flags_are_checked_like_the_file() {
    let em = Emulator::new("http://127.0.0.1:9");
    let out = orgsweep_in(&em, &["accounts", "--role-name", ""]);
    assert_eq!(out.status.code(), Some(2));
    let out = orgsweep_in(&em, &["accounts", "--concurrency", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn aws_endpoint_url_decides_where_calls_go() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let ids = seed::create_accounts(
        &moto,
        &org.root_id,
        &[NewAccount::new("only", "only@example.com")],
    )
    .await;

    // One attempt per call so the dead endpoint fails fast.
    let fast = config_file("[sweep]\nmax_attempts = 1\n");
    let fast = fast.path().to_str().unwrap();

    // The right endpoint: listed.
    let out = orgsweep_in(&moto, &["accounts", "--csv", "--config", fast]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&ids[0]));

    // A dead endpoint (a port nobody listens on): the sweep cannot start, exit 4, with a
    // message that names the endpoint and the kind of failure.
    let dead_endpoint = format!("http://127.0.0.1:{}", testkit::port::free_port());
    let out = Emulator::new(&dead_endpoint)
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["accounts", "--config", fast])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("cannot read the organization"), "{err}");
    assert!(err.contains("DescribeOrganization"), "{err}");
    assert!(err.contains(&dead_endpoint), "{err}");
    assert!(err.contains("connection was refused"), "{err}");

    // Another emulator without an organization: its answer, not the first one's.
    let other = Moto::start();
    let out = orgsweep_in(&other, &["accounts", "--config", fast]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("not its management account"), "{err}");
    assert!(err.contains("AWSOrganizationsNotInUseException"), "{err}");
}
