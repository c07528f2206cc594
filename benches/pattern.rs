//! Criterion benchmarks of the filter-pattern module: CIS-pattern evaluations per second over
//! the sample CloudTrail records (compact JSON, as CloudWatch Logs receives them), and the
//! time to judge a pattern.
//!
//! Run: `cargo bench --bench pattern`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use orgsweep::controls::{self, judge};
use orgsweep::pattern::{judge_cached, matches, parse};
use std::hint::black_box;
use std::path::PathBuf;

fn records() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("sample records in {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for p in names {
        // Compact, fields in CloudTrail's order (as CloudWatch Logs receives them).
        out.push(orgsweep::pattern::json::compact(
            &std::fs::read_to_string(&p).unwrap(),
        ));
    }
    out
}

const CIS_PATTERN: &str =
    "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }";

fn evaluate(c: &mut Criterion) {
    let recs = records();
    let cis = parse(CIS_PATTERN).unwrap();
    let broad =
        parse("{ $.eventName = ConsoleLogin || $.errorMessage = \"Failed authentication\" }")
            .unwrap();
    let terms = parse("ConsoleLogin \"Failed authentication\"").unwrap();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.bench_function("cis_x_sample_records", |b| {
        b.iter(|| recs.iter().filter(|r| matches(&cis, black_box(r))).count())
    });
    g.bench_function("or_pattern_x_sample_records", |b| {
        b.iter(|| {
            recs.iter()
                .filter(|r| matches(&broad, black_box(r)))
                .count()
        })
    });
    g.bench_function("terms_x_sample_records", |b| {
        b.iter(|| {
            recs.iter()
                .filter(|r| matches(&terms, black_box(r)))
                .count()
        })
    });
    let must_catch: Vec<&String> = recs.iter().filter(|r| matches(&cis, r)).collect();
    g.throughput(Throughput::Elements(must_catch.len() as u64));
    g.bench_function("cis_x_matching_records_only", |b| {
        b.iter(|| {
            must_catch
                .iter()
                .filter(|r| matches(&cis, black_box(r)))
                .count()
        })
    });
    g.finish();
}

fn judging(c: &mut Criterion) {
    let mut g = c.benchmark_group("judge");
    g.bench_function("cis", |b| b.iter(|| judge(black_box(CIS_PATTERN))));
    g.bench_function("narrowed_by_username", |b| {
        b.iter(|| {
            judge(black_box(
                "{ $.eventName = ConsoleLogin && $.errorMessage = \"Failed authentication\" && $.userName != x }",
            ))
        })
    });
    g.bench_function("six_fields_mixed", |b| {
        b.iter(|| {
            judge(black_box(
                "{ ($.eventName = Console* || $.eventName = %Cred%) && ($.errorMessage = \"Failed*\" || $.errorCode = AccessDenied) && ($.userIdentity.type = IAMUser || $.userIdentity.type = Root || $.userIdentity.type NOT EXISTS) && ($.awsRegion != x || $.awsRegion NOT EXISTS) }",
            ))
        })
    });
    g.bench_function("regex_over_field_order", |b| {
        b.iter(|| judge(black_box(r"%ConsoleLogin.*Failed\sauthentication%")))
    });
    // The largest reference of the family: 18 alternatives, judged against its own text.
    let orgs = &controls::get("organizations-changes").unwrap().reference;
    let orgs_text = orgs.texts[0].clone();
    g.bench_function("organizations_reference_against_itself", |b| {
        b.iter(|| orgsweep::pattern::judge_for(black_box(&orgs_text), orgs))
    });
    let r = &controls::default_control().reference;
    g.bench_function("cached_cis", |b| {
        b.iter(|| judge_cached(black_box(CIS_PATTERN), r))
    });
    g.finish();
}

criterion_group!(benches, evaluate, judging);
criterion_main!(benches);
