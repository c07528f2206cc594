//! `report.html` in a real browser: a small organization (a compliant member, a broken one, one
//! whose name is an HTML injection, one with `"` and `&` in its name) is swept on moto, and the
//! page the sweep wrote is opened in headless Chromium through chromedriver
//! (`support::webdriver`). The page must render, show every account name as text (never as
//! markup), agree with summary.json on the counts, and filter by status and by account.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::check_scenarios::check;
use crate::support::seed::{self, NewAccount};
use crate::support::webdriver::Browser;
use crate::support::{seed_chain, Break, ChainSpec, Moto};

/// An account name that is markup: rendered as HTML, it would run `alert(1)`.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
/// Quotes and an ampersand: breaks attribute quoting and entity handling when not escaped.
const QUOTED: &str = "Tom & \"Jerry\" prod";
/// The management account's name on moto.
const MANAGEMENT_NAME: &str = "master";
const STATUSES: [&str; 4] = ["PASS", "FAIL", "ERROR", "SKIPPED"];

/// `(account id, status)` of each visible findings row.
fn finding_rows(b: &Browser) -> Vec<(String, String)> {
    let v = b.exec(
        "return Array.from(document.querySelectorAll('#findings tr.finding'))\
           .filter(r => r.offsetParent !== null)\
           .map(r => [r.getAttribute('data-account'), r.querySelector('.badge').textContent]);",
        json!([]),
    );
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let badge = r[1].as_str().unwrap_or_default();
            let status = STATUSES
                .iter()
                .find(|s| badge.contains(*s))
                .unwrap_or_else(|| panic!("a findings row without a status badge: {badge:?}"));
            (
                r[0].as_str().unwrap_or_default().to_string(),
                status.to_string(),
            )
        })
        .collect()
}

fn findings_count(b: &Browser) -> usize {
    let text = b.text(&b.get("#findings-count"));
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("#findings-count is not a number: {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_renders_names_as_text_and_its_counts_and_filters_agree_with_the_summary() {
    let started = Instant::now();
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let members = [
        ("compliant-member", Break::None),
        ("no-alarm-member", Break::NoAlarm),
        (HOSTILE, Break::NoAlarm),
        (QUOTED, Break::None),
    ];
    let new: Vec<NewAccount> = members
        .iter()
        .enumerate()
        .map(|(i, (name, _))| NewAccount::new(*name, format!("member{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    for ((_, brk), id) in members.iter().zip(&ids) {
        let account = moto.account(id).await;
        seed_chain(
            &moto,
            &account,
            &brk.apply(ChainSpec::compliant("us-east-1")),
        )
        .await;
    }
    // ap-east-1 is not opted in on moto: SKIPPED cells, so the FAIL filter has something to
    // leave out.
    let run = check(&moto, &["--regions", "us-east-1,eu-west-1,ap-east-1"]);
    assert!(
        matches!(run.code(), Some(0) | Some(1)),
        "check failed:\n{}",
        run.stderr()
    );
    let report = run._dir.path().join("report").join("report.html");
    let seeded = started.elapsed();

    let summary_count =
        |status: &str| run.summary["statuses"][status].as_u64().unwrap_or(0) as usize;
    let total: usize = STATUSES.iter().map(|s| summary_count(s)).sum();
    assert_eq!(
        total,
        run.findings.len(),
        "summary.json counts every cell of findings.csv"
    );
    assert_eq!(run.summary["accounts_selected"], json!(members.len() + 1));
    let (fail, pass) = (summary_count("FAIL"), summary_count("PASS"));
    assert!(
        fail > 0 && pass > 0 && summary_count("SKIPPED") > 0,
        "{}",
        run.summary
    );
    let hostile_id = &ids[2];

    let b = Browser::start();
    b.goto(&Browser::file_url(&report));
    let ready = b.wait_for(
        "var r = document.body.dataset.ready; return r ? r : null;",
        Duration::from_secs(15),
    );
    assert_eq!(
        ready,
        Some(json!("1")),
        "the page did not render; #fatal: {:?}",
        b.find("#fatal").map(|e| b.text(&e))
    );
    let render_ms = b.exec("return document.body.dataset.renderMs || null;", json!([]));
    assert!(render_ms.is_string(), "no data-render-ms: {render_ms}");

    // Every account name, as literal text; the injection never became an element or ran.
    let page_text = b
        .exec("return document.body.innerText;", json!([]))
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut names: Vec<&str> = members.iter().map(|(n, _)| *n).collect();
    names.push(MANAGEMENT_NAME);
    for name in &names {
        assert!(
            page_text.contains(name),
            "the page text lacks the account name {name:?}"
        );
    }
    for (id, name) in ids
        .iter()
        .zip(&names)
        .chain([(&org.management_account_id, &MANAGEMENT_NAME)])
    {
        let shown = b.text(&b.get(&format!("#overview tr[data-account=\"{id}\"] .an")));
        assert_eq!(&shown, name, "the overview row of {id}");
    }
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('img[src=\"x\"]').length;",
            json!([])
        ),
        json!(0),
        "the hostile account name became an <img>"
    );
    assert_eq!(b.alert_text(), None, "an alert was opened");

    // The counts are summary.json's.
    for status in STATUSES {
        let shown = b.text(&b.get(&format!("#count-{status}")));
        assert_eq!(shown, summary_count(status).to_string(), "#count-{status}");
    }
    assert!(
        b.find("#partial-banner").is_none(),
        "a partial banner on a complete run"
    );
    assert!(
        !b.find_all("#legend tr[data-code]").is_empty(),
        "the reason legend is empty"
    );

    // Findings start at every non-PASS cell (PASS left out).
    let rows = finding_rows(&b);
    assert_eq!(findings_count(&b), total - pass);
    assert_eq!(rows.len(), total - pass);
    assert!(rows.iter().all(|(_, s)| s != "PASS"), "{rows:?}");

    // The FAIL button narrows to the FAIL cells; clicked again, it clears.
    let fail_button = b.get("button[data-filter-status=\"FAIL\"]");
    b.click(&fail_button);
    assert_eq!(
        b.attr(&fail_button, "aria-pressed").as_deref(),
        Some("true")
    );
    let rows = finding_rows(&b);
    assert_eq!(
        findings_count(&b),
        fail,
        "#findings-count with the FAIL filter"
    );
    assert_eq!(rows.len(), fail, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "FAIL"), "{rows:?}");
    b.click(&fail_button);
    assert_eq!(
        b.attr(&fail_button, "aria-pressed").as_deref(),
        Some("false")
    );
    assert_eq!(findings_count(&b), total - pass);

    // Typing the hostile name keeps only that account (the filter waits 150 ms for typing).
    let want = run
        .findings
        .iter()
        .filter(|f| &f.account_id == hostile_id && f.status != "PASS")
        .count();
    assert!(want > 0 && want < total - pass);
    b.type_text(&b.get("#filter-account"), HOSTILE);
    let narrowed = b.wait_for(
        &format!(
            "return document.querySelectorAll('#findings tr.finding').length === {want} || null;"
        ),
        Duration::from_secs(5),
    );
    let rows = finding_rows(&b);
    assert!(
        narrowed.is_some(),
        "typing the account name did not narrow to {want} rows: {rows:?}"
    );
    assert!(rows.iter().all(|(a, _)| a == hostile_id), "{rows:?}");
    assert_eq!(findings_count(&b), want);
    let overview: Vec<String> = b
        .find_all("#overview tr[data-account]")
        .iter()
        .filter_map(|e| b.attr(e, "data-account"))
        .collect();
    assert_eq!(
        overview,
        vec![hostile_id.clone()],
        "overview rows with the account filter"
    );
    assert_eq!(b.alert_text(), None, "an alert was opened");

    let png = b.screenshot(&run._dir.path().join("report.png"));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    eprintln!(
        "seeded and swept in {seeded:?}, browser checks in {:?}",
        started.elapsed() - seeded
    );
}
