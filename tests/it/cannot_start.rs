//! A sweep that cannot start — an endpoint nobody listens on, a host name that does not
//! resolve — writes no report, exits 4, and says in one paragraph where it tried, what kind of
//! failure it met and what to do, within the configured retries and without a debug dump.

use std::time::{Duration, Instant};

use crate::{explain, text};
use testkit::Emulator;

fn check_against(endpoint: &str) -> (std::process::Output, Duration, tempfile::TempDir) {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[sweep]\nmax_attempts = 2\n").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = Emulator::new(endpoint)
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["check", "--config"])
        .arg(config.path())
        .arg("--output-dir")
        .arg(out_dir.path().join("run"))
        .output()
        .unwrap();
    (out, started.elapsed(), out_dir)
}

fn assert_cannot_start(endpoint: &str, kind: &str) {
    let (out, took, out_dir) = check_against(endpoint);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{}", explain(&out));
    assert!(err.contains(endpoint), "names the endpoint: {err}");
    assert!(err.contains("us-east-1"), "names the region: {err}");
    assert!(err.contains(kind), "names the kind ({kind}): {err}");
    assert!(err.contains("What to do:"), "{err}");
    assert!(err.contains("no report was written"), "{err}");
    for dump in ["DispatchFailure", "ConnectorError", "Some(", "{ source"] {
        assert!(!err.contains(dump), "no debug dump ({dump}): {err}");
    }
    assert_eq!(err.trim().lines().count(), 1, "one paragraph: {err}");
    assert!(
        !out_dir.path().join("run").exists(),
        "a sweep that cannot start writes no report"
    );
    assert!(took < Duration::from_secs(40), "took {took:?}");
}

#[test]
fn a_closed_port_is_a_refused_connection() {
    let endpoint = format!("http://127.0.0.1:{}", testkit::port::free_port());
    assert_cannot_start(&endpoint, "connection was refused");
}

#[test]
fn an_unresolvable_host_is_a_dns_failure() {
    // `.invalid` never resolves (RFC 2606).
    assert_cannot_start(
        "http://orgsweep-test.invalid:4566",
        "could not be resolved (DNS)",
    );
}
