//! No credential reaches the screen or a file: a sweep and a remediation plan made with a
//! distinctive management key, secret and session token — some cells ERROR on purpose, so the
//! error paths print their messages too — leave no trace of them, nor of the member accounts'
//! assumed-role keys, in stdout, stderr, matrix.csv, findings.csv, summary.json or the plan.
//!
//! moto hands out fresh assumed-role keys on every AssumeRole, so those cannot be known in
//! advance: the test asserts that nothing shaped like an AWS access key id (`AKIA`/`ASIA` + 16)
//! appears, nor the words `SecretAccessKey` / `SessionToken`, nor any key the proxy saw
//! passing by (it records each assumed-role key, secret and token from the AssumeRole answers).

use std::path::Path;

use testkit::chain::org_with_chains;
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::{Break, Moto};

const ACCESS_KEY: &str = "AKIAORGSWEEPTEST0001";
const SECRET_KEY: &str = "orgsweepTESTsecretKEY0123456789";
const SESSION_TOKEN: &str = "orgsweepTESTsessionTOKEN9876543210";

fn leaks(label: &str, text: &str, known: &[String]) -> Vec<String> {
    let shape = regex::Regex::new(r"(AKIA|ASIA)[A-Z0-9]{16}").unwrap();
    let mut found = Vec::new();
    if let Some(m) = shape.find(text) {
        found.push(format!("{label}: access-key-shaped {:?}", m.as_str()));
    }
    for word in [
        "SecretAccessKey",
        "SessionToken",
        "secret_access_key",
        "session_token",
    ] {
        if text.contains(word) {
            found.push(format!("{label}: the word {word}"));
        }
    }
    for secret in known {
        if !secret.is_empty() && text.contains(secret.as_str()) {
            found.push(format!("{label}: {secret:?}"));
        }
    }
    found
}

fn read_dir_texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_reaches_the_screen_or_a_file() {
    let moto = Moto::start();
    let names: Vec<String> = (0..6).map(|i| format!("member-{i}")).collect();
    let members: Vec<(&str, Break)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.as_str(),
                [Break::None, Break::NoAlarm, Break::NoMetricFilter][i % 3],
            )
        })
        .collect();
    let (_, seeded) = org_with_chains(&moto, "us-east-1", &members).await;
    let ids: Vec<String> = seeded.into_iter().map(|(id, _)| id).collect();
    // One account's AssumeRole and another's CloudTrail are denied: their error messages are
    // printed and written as well.
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![
            Rule::access_denied()
                .operation("AssumeRole")
                .account(&ids[4]),
            Rule::access_denied().service("cloudtrail").account(&ids[5]),
            Rule::throttle().probability(0.2),
        ],
        3,
    )
    .await;
    let em = proxy.emulator();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("orgsweep.toml");
    std::fs::write(
        &config,
        "[sweep]\nmax_attempts = 10\ninitial_backoff_ms = 5\nmax_backoff_ms = 50\n\
         [remediation]\nsubscription_endpoints = [\"email:security@example.com\"]\n",
    )
    .unwrap();
    let config = config.to_string_lossy().into_owned();

    let run = |args: Vec<String>| {
        let mut cmd = em.command(env!("CARGO_BIN_EXE_orgsweep"));
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
            .args(args);
        async move {
            tokio::process::Command::from(cmd)
                .output()
                .await
                .expect("cannot run orgsweep")
        }
    };
    let check_dir = tmp.path().join("check");
    let plan = tmp.path().join("plan.json");
    let mut texts: Vec<(String, String)> = Vec::new();
    let runs = [
        vec![
            "check".to_string(),
            "--config".into(),
            config.clone(),
            "--regions".into(),
            "us-east-1,eu-west-1".into(),
            "--output-dir".into(),
            check_dir.display().to_string(),
        ],
        vec![
            "remediate".to_string(),
            "--config".into(),
            config.clone(),
            "--regions".into(),
            "us-east-1,eu-west-1".into(),
            "--plan-out".into(),
            plan.display().to_string(),
        ],
    ];
    for args in runs {
        let label = args[0].clone();
        let out = run(args).await;
        assert_eq!(
            out.status.code(),
            Some(3),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        texts.push((
            format!("{label} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        texts.push((
            format!("{label} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    texts.extend(read_dir_texts(&check_dir));
    texts.push((
        plan.display().to_string(),
        std::fs::read_to_string(&plan).expect("the plan file was written"),
    ));

    // Every key the proxy saw: the management key, each assumed-role key.
    let mut known = vec![
        ACCESS_KEY.to_string(),
        SECRET_KEY.to_string(),
        SESSION_TOKEN.to_string(),
    ];
    known.extend(proxy.seen_credentials());
    assert!(
        known
            .iter()
            .filter(|k| k.starts_with("ASIA") || k.starts_with("AKIA"))
            .count()
            > 4,
        "{known:?}"
    );
    let findings = std::fs::read_to_string(check_dir.join("findings.csv")).unwrap();
    assert!(findings.contains("ASSUME_ROLE_FAILED"), "{findings}");
    assert!(findings.contains("ACCESS_DENIED"), "{findings}");

    // The detector itself catches each kind.
    assert_eq!(
        leaks("self-test", &format!("{ACCESS_KEY} SessionToken"), &[]).len(),
        2
    );
    let found: Vec<String> = texts
        .iter()
        .flat_map(|(label, text)| leaks(label, text, &known))
        .collect();
    assert!(
        found.is_empty(),
        "credentials leaked:\n{}",
        found.join("\n")
    );
}
