//! Measures the derived pass (findings.ocsf.jsonl, controls.ocsf.json, changes.csv,
//! report.html: src/report/derived.rs) on a synthetic run, without AWS or the emulator: the
//! heap it needs at its peak (a counting global allocator) and its time, at a given size.
//!
//!   cargo run --release --example derived_pass -- [--accounts N] [--regions R] [--compare] [--keep DIR]
//!
//! Writes findings.csv of N accounts × R regions × 15 controls (every chain complete, with
//! names of a realistic length, 1 in 50 accounts broken) into a temporary directory, runs the
//! derived pass on it (with `--compare`, against a copy of itself read as the earlier run), and
//! prints the live heap before, the peak during, and the bytes of each file. `--keep DIR`
//! writes the run into DIR (kept) instead of a temporary directory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use orgsweep::organization::{OrgAccount, Organization};
use orgsweep::report::changes::read_earlier;
use orgsweep::report::derived::{write_derived, DerivedInput};
use orgsweep::report::ocsf::OcsfCells;
use orgsweep::report::{Summary, FINDINGS, FINDINGS_HEADER};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new) };
        if !p.is_null() {
            if new >= layout.size() {
                let now = LIVE.fetch_add(new - layout.size(), Relaxed) + new - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const REGIONS: [&str; 34] = [
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-east-1",
    "us-gov-west-1",
];

fn mb(b: usize) -> String {
    format!("{:.1} MB", b as f64 / 1_048_576.0)
}

fn main() {
    let mut accounts = 1000usize;
    let mut regions = 17usize;
    let mut compare = false;
    let mut keep: Option<std::path::PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--accounts" => accounts = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--regions" => regions = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--compare" => compare = true,
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            _ => {
                eprintln!(
                    "usage: derived_pass [--accounts N] [--regions 1-34] [--compare] [--keep DIR]"
                );
                std::process::exit(2);
            }
        }
    }
    if accounts == 0 || regions == 0 || regions > REGIONS.len() {
        eprintln!("--accounts must be at least 1 and --regions 1 to 34");
        std::process::exit(2);
    }
    let columns: Vec<String> = REGIONS[..regions].iter().map(|r| r.to_string()).collect();
    let controls: Vec<&'static orgsweep::controls::Control> =
        orgsweep::controls::table().iter().collect();
    let work = tempfile::tempdir().expect("temporary directory");
    let dir = keep.clone().unwrap_or_else(|| work.path().join("run"));
    std::fs::create_dir_all(&dir).unwrap();
    let org = Organization {
        id: "o-bench12345".into(),
        management_account_id: "100000000000".into(),
        accounts: (0..accounts)
            .map(|i| OrgAccount {
                id: format!("{:012}", 100_000_000_000u64 + i as u64),
                name: format!("workload-{i:05}-production"),
                email: format!("aws+{i}@example.com"),
                status: "ACTIVE".into(),
                parent_id: format!("ou-ab12-{:08}", i % 20),
                parent_name: format!("Unit {}", i % 20),
                ou_path: format!("Root / Workloads / Unit {}", i % 20),
                lineage: vec!["r-ab12".into(), format!("ou-ab12-{:08}", i % 20)],
            })
            .collect(),
        outside_ous: 0,
        parents: Default::default(),
        org_paths: Default::default(),
    };
    {
        let mut w = csv::Writer::from_path(dir.join(FINDINGS)).unwrap();
        w.write_record(FINDINGS_HEADER).unwrap();
        for (i, a) in org.accounts.iter().enumerate() {
            let id = &a.id;
            for c in &controls {
                for r in &columns {
                    let broken = i % 50 == 7;
                    let trail =
                        format!("arn:aws:cloudtrail:us-east-1:{id}:trail/management-events-trail");
                    let group =
                        format!("arn:aws:logs:us-east-1:{id}:log-group:aws-cloudtrail-logs-{id}:*");
                    let alarm = format!("arn:aws:cloudwatch:us-east-1:{id}:alarm:cis-{}", c.id);
                    let topic = format!("arn:aws:sns:us-east-1:{id}:security-alarms");
                    let filter = format!("cis-{}", c.id);
                    let (status, reason, detail, alarm) = if broken {
                        (
                            "FAIL",
                            "NO_ALARM",
                            format!("no alarm on the metric of filter {filter}"),
                            "",
                        )
                    } else {
                        // The detail the judge writes for a complete chain.
                        let detail = format!(
                            "trail {trail} -> {group} -> filter {filter} -> alarm cis-{} notifies {topic} (1 confirmed subscription)",
                            c.id
                        );
                        ("PASS", "COMPLIANT", detail, alarm.as_str())
                    };
                    w.write_record([
                        id, &a.name, r, &c.id, status, reason, &detail, &trail, &group, &filter,
                        alarm, &topic, "",
                    ])
                    .unwrap();
                }
            }
        }
        w.flush().unwrap();
    }
    let earlier = compare.then(|| {
        let before = work.path().join("before");
        std::fs::create_dir_all(&before).unwrap();
        std::fs::copy(dir.join(FINDINGS), before.join(FINDINGS)).unwrap();
        read_earlier(&before).expect("the earlier run")
    });
    let mut summary = Summary {
        started_at: "2026-12-07T03:00:00Z".into(),
        regions: columns.clone(),
        controls_checked: controls.iter().map(|c| c.id.clone()).collect(),
        accounts_selected: accounts,
        accounts_done: accounts,
        complete: true,
        ..Summary::default()
    };
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let started = Instant::now();
    write_derived(
        DerivedInput {
            dir: &dir,
            organization: &org,
            controls: &controls,
            columns: &columns,
            partition: "aws",
            selected: org.accounts.iter().map(|a| a.id.clone()).collect(),
            earlier,
            ocsf_cells: OcsfCells::All,
        },
        &mut summary,
    )
    .expect("the derived pass");
    let seconds = started.elapsed().as_secs_f64();
    let cells = accounts * regions * controls.len();
    println!(
        "derived pass: {accounts} accounts x {regions} regions x {} controls = {cells} cells{}",
        controls.len(),
        if compare { ", with --compare" } else { "" }
    );
    println!("  time                 {seconds:.2} s");
    println!(
        "  heap before          {} (the earlier run, when comparing)",
        mb(before)
    );
    println!(
        "  heap peak            {} ({:.0} bytes a cell above before)",
        mb(PEAK.load(Relaxed)),
        (PEAK.load(Relaxed) - before) as f64 / cells as f64
    );
    for f in [
        "findings.csv",
        "findings.ocsf.jsonl",
        "controls.ocsf.json",
        "changes.csv",
        "report.html",
    ] {
        if let Ok(m) = std::fs::metadata(dir.join(f)) {
            println!(
                "  {f:<20} {:>12} bytes {:>8.1} a cell",
                m.len(),
                m.len() as f64 / cells as f64
            );
        }
    }
}
