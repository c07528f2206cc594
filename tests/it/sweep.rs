//! `orgsweep check` over whole organizations (issue 5), through the real binary: the files are
//! exactly what the seeded spec says, a role that cannot be assumed confines its failure to
//! its account, an interrupted run leaves valid files, hostile account names survive CSV.
//!
//! Expected files are built from the spec table ([`members`]), never copied from the output.
//! The one exception is findings.csv's `detail` column, free text for people: it is checked
//! exactly where the wording is part of the spec (REGION_NOT_ENABLED, EXCLUDED), to be
//! non-empty elsewhere, and otherwise taken from the output so that the rest of the file can
//! still be compared as exact text (quoting, order, line ends included).

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::check_scenarios::{
    check, expected_resources, parse_findings, read, resources_of, CheckRun, DISABLED,
    FINDINGS_HEADER, HOME, OTHER, REGIONS,
};
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::seed::MOTO_NOT_OPTED_IN;
use testkit::seed::{self, NewAccount};
use testkit::MANAGEMENT_ACCOUNT_ID;
use testkit::{seed_chain, Break, ChainResources, ChainSpec, Emulator, Moto};

/// Columns of these sweeps, in file order (sorted).
const COLUMNS: [&str; 3] = [DISABLED, OTHER, HOME];

/// What a spreadsheet-safe CSV cell shows for a name (README "Output").
fn neutralised(name: &str) -> String {
    if name.starts_with(['=', '+', '-', '@']) {
        format!("'{name}")
    } else {
        name.to_string()
    }
}

/// One member account of the spec table.
#[derive(Debug, Clone)]
struct Member {
    name: String,
    chain: Break,
    /// Its AssumeRole is refused (through the fault proxy): ERROR/ASSUME_ROLE_FAILED.
    denied: bool,
    /// Passed to `--exclude-accounts`: SKIPPED/EXCLUDED.
    excluded: bool,
}

fn member(name: impl Into<String>, chain: Break) -> Member {
    Member {
        name: name.into(),
        chain,
        denied: false,
        excluded: false,
    }
}

/// Names that try to break CSV files or spreadsheets.
const HOSTILE: &[&str] = &[
    "=HYPERLINK(\"http://evil.example/\",\"click\")",
    "+1, \"quoted\", plus",
    "-2+3\nsecond line",
    "@SUM(A1:A2) ユニコード — Ünïcödé",
    "team, \"ops\"; 'quotes'",
    "\"=not a formula (quote first)\"",
];

/// The organization: one member per way to break the chain, hostile names, refused roles,
/// excluded accounts (31 members and the management account; one more is closed).
fn members() -> Vec<Member> {
    let mut m: Vec<Member> = Break::ALL
        .iter()
        .map(|b| member(format!("chain-{b:?}").to_lowercase(), *b))
        .collect();
    let hostile_chains = [
        Break::None,
        Break::NoAlarm,
        Break::SingleRegion,
        Break::None,
        Break::TopicDeleted,
        Break::NoTrail,
    ];
    m.extend(
        HOSTILE
            .iter()
            .zip(hostile_chains)
            .map(|(n, b)| member(*n, b)),
    );
    m.push(Member {
        denied: true,
        ..member("denied-compliant", Break::None)
    });
    m.push(Member {
        denied: true,
        ..member("denied-empty", Break::NoTrail)
    });
    m.push(Member {
        excluded: true,
        ..member("excluded-compliant", Break::None)
    });
    m.push(Member {
        excluded: true,
        ..member("excluded-broken", Break::NotLogging)
    });
    m
}

/// An expected findings row (detail `None`: free text, taken from the output).
#[derive(Debug, Clone)]
struct Cell {
    status: &'static str,
    reason: &'static str,
    detail: Option<String>,
    resources: [String; 5],
}

fn cell(status: &'static str, reason: &'static str) -> Cell {
    Cell {
        status,
        reason,
        detail: None,
        resources: Default::default(),
    }
}

/// The three cells (in [`COLUMNS`] order) of an account, from its spec.
fn expected_cells(m: &Member, made: &ChainResources) -> [Cell; 3] {
    if m.excluded {
        return std::array::from_fn(|_| Cell {
            detail: Some("excluded with --exclude-accounts".into()),
            ..cell("SKIPPED", "EXCLUDED")
        });
    }
    if m.denied {
        // The account could not be entered: nothing is known, not even its regions.
        return std::array::from_fn(|_| cell("ERROR", "ASSUME_ROLE_FAILED"));
    }
    let disabled = Cell {
        detail: Some(format!("{DISABLED} is not enabled in this account")),
        ..cell("SKIPPED", "REGION_NOT_ENABLED")
    };
    let (status, reason) = m.chain.verdict();
    let home = Cell {
        resources: expected_resources(reason, made),
        ..cell(status, reason)
    };
    let other = if m.chain == Break::SingleRegion {
        cell("FAIL", "NO_TRAIL")
    } else {
        home.clone()
    };
    [disabled, other, home]
}

/// The one control this suite sweeps (the support sets `ORGSWEEP_CONTROLS` to it).
const CONTROL: &str = "console-auth-failures";

/// The expected matrix.csv and findings.csv records, sorted by account id.
struct Expected {
    matrix: Vec<Vec<String>>,
    findings: Vec<(Vec<String>, Option<String>)>,
}

fn expected_files(rows: &[(String, String, [Cell; 3])]) -> Expected {
    let mut rows: Vec<&(String, String, [Cell; 3])> = rows.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut matrix = Vec::new();
    let mut findings = Vec::new();
    for (id, name, cells) in rows {
        let mut record = vec![id.clone(), neutralised(name), CONTROL.to_string()];
        record.extend(cells.iter().map(|c| c.status.to_string()));
        matrix.push(record);
        for (region, c) in COLUMNS.iter().zip(cells) {
            let mut record = vec![
                id.clone(),
                neutralised(name),
                region.to_string(),
                CONTROL.to_string(),
                c.status.to_string(),
                c.reason.to_string(),
                String::new(), // detail, filled in below
            ];
            record.extend(c.resources.iter().cloned());
            record.push(String::new()); // exception: none recorded in this run
            findings.push((record, c.detail.clone()));
        }
    }
    Expected { matrix, findings }
}

fn csv_text(records: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in records {
        w.write_record(&r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Runs `orgsweep check` without blocking the runtime (the fault proxy lives on it).
async fn check_off_runtime(em: &Emulator, args: &[&str]) -> CheckRun {
    let em = em.clone();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&em, &args)
    })
    .await
    .expect("the check run panicked")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_in_every_state_gives_exactly_the_expected_files() {
    let moto = Moto::start();
    let started = Instant::now();
    let org = seed::create_organization(&moto).await;
    let members = members();
    let new: Vec<NewAccount> = members
        .iter()
        .enumerate()
        .map(|(i, m)| NewAccount::new(m.name.clone(), format!("member{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let closed = seed::create_account(&moto, "closed-account", "closed@example.com").await;
    seed::close_account(&moto, &closed).await;
    let made: Vec<ChainResources> = join_all(members.iter().zip(&ids).map(|(m, id)| {
        let moto = &moto;
        async move {
            let account = moto.account(id).await;
            seed_chain(moto, &account, &m.chain.apply(ChainSpec::compliant(HOME))).await
        }
    }))
    .await;
    eprintln!(
        "seeded {} accounts in {:?}",
        ids.len() + 2,
        started.elapsed()
    );

    let pick = |f: fn(&Member) -> bool| -> Vec<String> {
        members
            .iter()
            .zip(&ids)
            .filter(|(m, _)| f(m))
            .map(|(_, id)| id.clone())
            .collect()
    };
    let denied = pick(|m| m.denied);
    let excluded = pick(|m| m.excluded);
    let rules = denied
        .iter()
        .map(|id| {
            Rule::access_denied()
                .service("sts")
                .operation("AssumeRole")
                .account(id)
        })
        .collect();
    let proxy = FaultProxy::start(moto.endpoint(), rules, 1).await;
    let run = check_off_runtime(
        &proxy.emulator(),
        &[
            "--regions",
            REGIONS,
            "--exclude-accounts",
            &excluded.join(","),
        ],
    )
    .await;
    assert_eq!(run.code(), Some(3), "ERROR cells exit 3\n{}", run.stderr());

    let mut rows: Vec<(String, String, [Cell; 3])> = members
        .iter()
        .zip(&ids)
        .zip(&made)
        .map(|((m, id), made)| (id.clone(), m.name.clone(), expected_cells(m, made)))
        .collect();
    let mgmt_home = cell("FAIL", "NO_TRAIL");
    rows.push((
        MANAGEMENT_ACCOUNT_ID.to_string(),
        "master".to_string(),
        [
            Cell {
                detail: Some(format!("{DISABLED} is not enabled in this account")),
                ..cell("SKIPPED", "REGION_NOT_ENABLED")
            },
            mgmt_home.clone(),
            mgmt_home,
        ],
    ));
    assert!(rows.len() >= 30);
    let expected = expected_files(&rows);

    // matrix.csv: exact text.
    let mut matrix_header = vec![
        "account_id".to_string(),
        "account_name".to_string(),
        "control".to_string(),
    ];
    matrix_header.extend(COLUMNS.iter().map(|c| c.to_string()));
    let want_matrix = csv_text(std::iter::once(matrix_header).chain(expected.matrix.clone()));
    assert_eq!(run.matrix, want_matrix);

    // findings.csv: every column from the spec except free-text details, then exact text.
    assert_eq!(run.findings.len(), expected.findings.len());
    let mut want_findings = Vec::new();
    for ((mut record, detail), got) in expected.findings.into_iter().zip(&run.findings) {
        assert!(
            !got.detail.is_empty(),
            "{} {}: empty detail",
            got.account_id,
            got.region
        );
        if let Some(d) = &detail {
            assert_eq!(&got.detail, d, "{} {}", got.account_id, got.region);
        }
        record[6] = detail.unwrap_or_else(|| got.detail.clone());
        want_findings.push(record);
    }
    let header: Vec<String> = FINDINGS_HEADER.split(',').map(String::from).collect();
    let want_findings_text = csv_text(std::iter::once(header).chain(want_findings));
    if run.findings_text != want_findings_text {
        let want = parse_findings(&want_findings_text);
        for (w, g) in want.iter().zip(&run.findings) {
            assert_eq!(
                (&g.status, &g.reason, resources_of(g)),
                (&w.status, &w.reason, resources_of(w)),
                "{} ({:?}) {}: {}",
                w.account_id,
                w.account_name,
                w.region,
                g.detail
            );
        }
        assert_eq!(run.findings_text, want_findings_text);
    }

    // The denied accounts were really refused by the proxy (once each: no retry of a refusal
    // is needed, and none loops), the closed one is not listed, and the summary agrees.
    assert_eq!(
        proxy.stats().faults_of("access_denied") as usize,
        denied.len()
    );
    assert!(!run.matrix.contains(&closed));
    assert_eq!(run.summary["complete"], true);
    assert_eq!(run.summary["interrupted"], serde_json::Value::Null);
    let statuses = &run.summary["statuses"];
    let count = |s: &str| {
        rows.iter()
            .flat_map(|r| r.2.iter())
            .filter(|c| c.status == s)
            .count() as u64
    };
    for s in ["PASS", "FAIL", "ERROR", "SKIPPED"] {
        assert_eq!(
            statuses[s].as_u64().unwrap_or(0),
            count(s),
            "{s}: {statuses}"
        );
        assert!(count(s) > 0, "the organization has {s} cells");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_account_names_round_trip_through_csv() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let new: Vec<NewAccount> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, n)| NewAccount::new(*n, format!("hostile{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let run = check(&moto, &["--regions", REGIONS]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());

    let names: BTreeMap<&str, &str> = ids
        .iter()
        .map(String::as_str)
        .zip(HOSTILE.iter().copied())
        .collect();
    let mut reader = csv::Reader::from_reader(run.matrix.as_bytes());
    let mut seen = 0;
    for record in reader.records() {
        let record = record.expect("matrix.csv: valid CSV");
        assert_eq!(record.len(), 3 + COLUMNS.len());
        if let Some(name) = names.get(&record[0]) {
            assert_eq!(&record[1], neutralised(name), "matrix.csv");
            seen += 1;
        }
    }
    assert_eq!(seen, HOSTILE.len());
    for f in &run.findings {
        if let Some(name) = names.get(f.account_id.as_str()) {
            assert_eq!(f.account_name, neutralised(name), "findings.csv");
            // The `'` is added only where a spreadsheet would see a formula.
            assert_eq!(
                f.account_name.strip_prefix('\'').unwrap_or(&f.account_name),
                *name
            );
        }
    }
    assert_eq!(run.findings.len(), (HOSTILE.len() + 1) * COLUMNS.len());
    // The files are plain CSV: a newline inside a name is quoted, not a new record.
    assert_eq!(
        run.matrix.matches('\n').count(),
        1 + HOSTILE.len() + 1 + HOSTILE.iter().filter(|n| n.contains('\n')).count()
    );
}

/// Ctrl-C during a run: the files on disk hold only complete rows of finished accounts, the
/// summary says the run is incomplete and why, the exit code is 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_leaves_valid_files() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    // Accounts without trails are cheap to seed and cost one DescribeTrails per enabled
    // region to judge: with every region and one account at a time, the run takes seconds.
    let new: Vec<NewAccount> = (0..120)
        .map(|i| NewAccount::new(format!("acct-{i:03}"), format!("a{i}@example.com")))
        .collect();
    seed::create_accounts(&moto, &org.root_id, &new).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let mut child = moto
        .command(env!("CARGO_BIN_EXE_orgsweep"))
        .args(["check", "--quiet", "--concurrency", "1", "--output-dir"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgsweep");

    // Wait for the first finished rows (header + at least 2 accounts) to land.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = std::fs::read_to_string(out.join("matrix.csv"))
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 3 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "orgsweep ended before any row landed"
        );
        assert!(Instant::now() < deadline, "no row landed within 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(kill.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");

    let summary: serde_json::Value =
        serde_json::from_str(&read(&out, "summary.json")).expect("summary.json is JSON");
    assert_eq!(summary["complete"], false, "{summary}");
    assert_eq!(summary["interrupted"], "SIGINT", "{summary}");
    let done = summary["accounts_done"].as_u64().unwrap() as usize;

    // matrix.csv: the header, then complete rows only, one per finished account.
    let matrix = read(&out, "matrix.csv");
    assert!(matrix.ends_with('\n'), "no half-written last line");
    let mut reader = csv::Reader::from_reader(matrix.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "account_id");
    assert_eq!(&header[2], "control");
    let columns: Vec<String> = header.iter().skip(3).map(String::from).collect();
    // Every region of the partition: 34 on moto, of which 14 are not opted in.
    assert_eq!(columns.len(), 34, "{columns:?}");
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("matrix.csv: valid CSV"))
        .collect();
    assert!(!rows.is_empty());
    assert!(
        rows.len() < new.len() + 1,
        "the run was really interrupted ({} rows)",
        rows.len()
    );
    assert_eq!(rows.len(), done, "summary.accounts_done matches the rows");
    for r in &rows {
        assert_eq!(r.len(), header.len());
        for (region, status) in columns.iter().zip(r.iter().skip(3)) {
            let want = if MOTO_NOT_OPTED_IN.contains(&region.as_str()) {
                "SKIPPED"
            } else {
                "FAIL"
            };
            assert_eq!(status, want, "{} {region}", &r[0]);
        }
    }

    // findings.csv: exactly one finding per (finished account, region).
    let findings = parse_findings(&read(&out, "findings.csv"));
    let mut per_account: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in &findings {
        per_account
            .entry(&f.account_id)
            .or_default()
            .push(&f.region);
    }
    let matrix_ids: Vec<&str> = {
        let mut v: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        v.sort();
        v
    };
    assert_eq!(per_account.keys().copied().collect::<Vec<_>>(), matrix_ids);
    for (id, regions) in per_account {
        let mut regions: Vec<String> = regions.into_iter().map(String::from).collect();
        regions.sort();
        assert_eq!(regions, columns, "{id}");
    }

    // The derived files are written for the finished accounts too: the page says it is
    // partial (its data carries `complete: false` and the signal), and there is one OCSF
    // finding per finding row.
    let page = read(&out, "report.html");
    assert!(
        page.contains("\"complete\":false") && page.contains("\"interrupted\":\"SIGINT\""),
        "report.html does not say it is partial"
    );
    assert!(
        !page.contains("/*ORGSWEEP_DATA*/null"),
        "report.html has no data"
    );
    let ocsf = read(&out, "findings.ocsf.jsonl");
    assert_eq!(ocsf.lines().count(), findings.len());
}
