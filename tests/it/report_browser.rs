//! `report.html` in a real browser: a small organization (a compliant member, a broken one, one
//! whose name is an HTML injection, one with `"` and `&` in its name) is swept on moto, and the
//! page the sweep wrote is opened in headless Chromium through chromedriver
//! (`testkit::webdriver`). The page must render, show every account name as text (never as
//! markup), agree with summary.json on the counts, and filter by status and by account.
//!
//! A second test opens a generated report of 1000 accounts × 17 regions × 15 controls
//! (scripts/sample-report-data.py, on the same template): the page stays short, its ERROR rows
//! are there, findings are grouped per account, control, status and reason, the organization
//! chain is shown once, and a heatmap cell works from the keyboard. Its timings are printed for
//! the README, not asserted (they depend on the machine).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::check_scenarios::check;
use testkit::seed::{self, NewAccount};
use testkit::webdriver::{Browser, KEY_DOWN, KEY_ENTER, KEY_RIGHT, KEY_SPACE};
use testkit::{seed_chain, Break, ChainSpec, Moto};

/// An account name that is markup: rendered as HTML, it would run `alert(1)`.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
/// Quotes and an ampersand: breaks attribute quoting and entity handling when not escaped.
const QUOTED: &str = "Tom & \"Jerry\" prod";
/// The management account's name on moto.
const MANAGEMENT_NAME: &str = "master";
const STATUSES: [&str; 4] = ["PASS", "FAIL", "ERROR", "SKIPPED"];

/// `(account id, status, regions)` of each visible findings row (one row per account, control,
/// status and reason; `regions` is how many region cells it stands for).
fn finding_rows(b: &Browser) -> Vec<(String, String, usize)> {
    let v = b.exec(
        "return Array.from(document.querySelectorAll('#findings tr.finding'))\
           .filter(r => r.offsetParent !== null)\
           .map(r => [r.getAttribute('data-account'), r.querySelector('.badge').textContent,\
                      +r.getAttribute('data-regions')]);",
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
                r[2].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect()
}

/// The cells the rows stand for.
fn cells_of(rows: &[(String, String, usize)]) -> usize {
    rows.iter().map(|r| r.2).sum()
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

    // Findings start at every FAIL and ERROR cell (PASS and SKIPPED left out until asked), one
    // row per account, control, status and reason: fewer rows than cells, the same cells.
    let skipped = summary_count("SKIPPED");
    let rows = finding_rows(&b);
    assert_eq!(findings_count(&b), total - pass - skipped);
    assert_eq!(cells_of(&rows), total - pass - skipped, "{rows:?}");
    assert!(
        rows.len() < cells_of(&rows),
        "rows are not grouped: {rows:?}"
    );
    assert!(
        rows.iter().all(|(_, s, _)| s == "FAIL" || s == "ERROR"),
        "{rows:?}"
    );
    b.click(&b.get("#findings-include-skipped"));
    assert_eq!(findings_count(&b), total - pass);
    assert_eq!(cells_of(&finding_rows(&b)), total - pass);
    b.click(&b.get("#findings-include-skipped"));

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
    assert_eq!(cells_of(&rows), fail, "{rows:?}");
    assert!(rows.iter().all(|(_, s, _)| s == "FAIL"), "{rows:?}");
    b.click(&fail_button);
    assert_eq!(
        b.attr(&fail_button, "aria-pressed").as_deref(),
        Some("false")
    );
    assert_eq!(findings_count(&b), total - pass - skipped);

    // Typing the hostile name keeps only that account (the filter waits 150 ms for typing).
    let want = run
        .findings
        .iter()
        .filter(|f| &f.account_id == hostile_id && f.status != "PASS" && f.status != "SKIPPED")
        .count();
    assert!(want > 0 && want < total - pass - skipped);
    b.type_text(&b.get("#filter-account"), HOSTILE);
    let narrowed = b.wait_for(
        &format!(
            "return document.getElementById('findings-count').textContent === '{want}' || null;"
        ),
        Duration::from_secs(5),
    );
    let rows = finding_rows(&b);
    assert!(
        narrowed.is_some(),
        "typing the account name did not narrow to {want} rows: {rows:?}"
    );
    assert!(rows.iter().all(|(a, _, _)| a == hostile_id), "{rows:?}");
    assert_eq!(cells_of(&rows), want, "{rows:?}");
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

/// What the page must show for generated report data, worked out from the data itself.
#[derive(Debug, Default)]
struct Expected {
    /// Rows per status: (account, control, status, reason) groups, organization chains apart.
    rows: BTreeMap<String, usize>,
    /// Organization-chain rows of the default view (FAIL, ERROR, EXCEPTED) by status, reason,
    /// detail and chain, and the accounts of each.
    chains: BTreeMap<String, BTreeSet<usize>>,
    accounts_with: BTreeMap<String, BTreeSet<usize>>,
}

/// Groups the cells of the page data the way the page must.
fn expected(data: &Value) -> Expected {
    let strings = data["strings"].as_array().expect("strings");
    let kinds = data["kinds"].as_array().expect("kinds");
    let accounts = data["accounts"].as_array().expect("accounts");
    let string = |i: &Value| {
        i.as_i64()
            .filter(|i| *i >= 0)
            .and_then(|i| strings[i as usize].as_str())
            .unwrap_or_default()
    };
    let mut groups: BTreeSet<(u64, u64, String, String)> = BTreeSet::new();
    let mut e = Expected::default();
    for row in data["rows"].as_array().expect("rows") {
        let (a, c) = (row[0].as_u64().unwrap(), row[1].as_u64().unwrap());
        let member = accounts[a as usize]["id"].as_str().unwrap();
        for k in row[2].as_array().unwrap() {
            let Some(k) = k.as_i64().filter(|k| *k >= 0) else {
                continue;
            };
            let kind = kinds[k as usize].as_array().unwrap();
            let (status, reason) = (kind[0].as_str().unwrap(), kind[1].as_str().unwrap());
            e.accounts_with
                .entry(status.to_string())
                .or_default()
                .insert(a as usize);
            let owner = string(&kind[3]).split(':').nth(4).unwrap_or_default();
            let listed = matches!(status, "FAIL" | "ERROR" | "EXCEPTED");
            if owner.len() == 12 && owner != member {
                if !listed {
                    continue;
                }
                // One row per fault (detail and chain), whichever controls it breaks.
                let chain: Vec<String> = kind[2..8].iter().map(Value::to_string).collect();
                e.chains
                    .entry(format!("{status}|{reason}|{}", chain.join(",")))
                    .or_default()
                    .insert(a as usize);
            } else {
                groups.insert((a, c, status.to_string(), reason.to_string()));
            }
        }
    }
    for (_, _, status, _) in groups {
        *e.rows.entry(status).or_default() += 1;
    }
    e
}

fn generate(out: &Path, json_out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new("python3")
        .arg(root.join("scripts/sample-report-data.py"))
        .args([
            "--accounts",
            "1000",
            "--regions",
            "17",
            "--controls",
            "15",
            "--summary-fields",
        ])
        .arg("--out")
        .arg(out)
        .arg("--json-out")
        .arg(json_out)
        .output()
        .expect("python3 is needed to generate the report (scripts/sample-report-data.py)");
    assert!(
        run.status.success(),
        "sample-report-data.py failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn number(b: &Browser, script: &str) -> f64 {
    let v = b.exec(script, json!([]));
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {script} -> {v}"))
}

#[test]
fn a_report_of_1000_accounts_is_short_shows_its_errors_grouped_and_works_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let (report, data_path) = (dir.path().join("report.html"), dir.path().join("data.json"));
    generate(&report, &data_path);
    let data: Value = serde_json::from_slice(&std::fs::read(&data_path).unwrap()).unwrap();
    let want = expected(&data);
    let size = std::fs::metadata(&report).unwrap().len();
    assert!(size < 10 << 20, "report.html is {size} bytes, over 10 MB");

    let b = Browser::start();
    let opened = Instant::now();
    b.goto(&Browser::file_url(&report));
    let ready = b.wait_for(
        "var r = document.body.dataset.ready; return r ? r : null;",
        Duration::from_secs(60),
    );
    let until_ready = opened.elapsed();
    assert_eq!(
        ready,
        Some(json!("1")),
        "the page did not render; #fatal: {:?}",
        b.find("#fatal").map(|e| b.text(&e))
    );
    let render_ms = number(&b, "return document.body.dataset.renderMs;");

    // Short: at most 10 screens, however many accounts.
    let (height, screen) = (
        number(&b, "return document.documentElement.scrollHeight;"),
        number(&b, "return window.innerHeight;"),
    );
    assert!(
        height <= 10.0 * screen,
        "the page is {height} px tall, {:.1} screens of {screen} px",
        height / screen
    );

    // Grouped rows, each status in its own list; no FAIL or ERROR row is left out: scrolling
    // a list's box builds its rows to the end.
    for status in ["FAIL", "ERROR", "EXCEPTED"] {
        let rows = want.rows.get(status).copied().unwrap_or(0);
        assert!(rows > 0, "the generated data has no {status} rows");
        let total = number(
            &b,
            &format!("return document.querySelector('#findings .box[data-status={status}]').dataset.total;"),
        );
        assert_eq!(
            total as usize, rows,
            "{status} rows (account, control, status, reason)"
        );
        let shown = number(
            &b,
            &format!("return document.querySelectorAll('#findings .box[data-status={status}] tr.finding[data-status={status}]').length;"),
        );
        assert!(shown > 0.0, "no {status} row is on the page");
    }
    let statuses = &data["statuses"];
    let cells = |s: &str| statuses[s].as_u64().unwrap_or(0);
    assert_eq!(
        findings_count(&b) as u64,
        cells("FAIL") + cells("ERROR") + cells("EXCEPTED"),
        "the findings count FAIL, ERROR and EXCEPTED cells (SKIPPED and PASS left out)"
    );
    let error_rows = want.rows["ERROR"];
    let built = b.exec(
        "var box = document.querySelector('#findings .box[data-status=ERROR]');\
         for (var i = 0; i < 1000 && +box.dataset.rendered < +box.dataset.total; i++) {\
           box.scrollTop = box.scrollHeight; box.dispatchEvent(new Event('scroll')); }\
         return box.querySelectorAll('tr.finding').length;",
        json!([]),
    );
    assert_eq!(
        built,
        json!(error_rows),
        "scrolling the ERROR list reaches every row"
    );
    assert!(
        b.exec(
            "return Array.from(document.querySelectorAll('#findings td')).some(td => td.textContent === 'all 17 regions');",
            json!([])
        ) == json!(true),
        "no row stands for all 17 regions"
    );

    // The organization chain's faults: one row each, not one per member.
    let chain_rows = b.find_all("#chain-table tr.chain");
    assert_eq!(
        chain_rows.len(),
        want.chains.len(),
        "organization-chain rows"
    );
    let mut shown_members: Vec<usize> = b
        .find_all("#chain-table tr.chain td.n button")
        .iter()
        .map(|e| b.text(e).parse().unwrap())
        .collect();
    let mut members: Vec<usize> = want.chains.values().map(BTreeSet::len).collect();
    shown_members.sort();
    members.sort();
    assert_eq!(shown_members, members, "members per organization-chain row");
    assert!(members.iter().all(|n| *n > 100), "{members:?}");
    assert_eq!(
        b.find_all("#root-cause-list li").len(),
        data["root_causes"].as_array().unwrap().len()
    );

    // The headline, and the exceptions that need attention (one expired, one within 30 days).
    let with = |s: &str| want.accounts_with.get(s).map_or(0, BTreeSet::len);
    assert_eq!(b.text(&b.get("#acc-fail")), with("FAIL").to_string());
    assert_eq!(b.text(&b.get("#acc-error")), with("ERROR").to_string());
    assert_eq!(b.find_all("#exceptions-table tr[data-warn]").len(), 2);
    assert_eq!(
        b.text(&b.get("#count-EXCEPTED")),
        cells("EXCEPTED").to_string()
    );

    // The keyboard: the overview is one tab stop; the arrows move, Enter opens the cell.
    assert_eq!(b.find_all("#overview td[tabindex=\"0\"]").len(), 1);
    b.exec(
        "document.querySelector('#overview td[tabindex=\"0\"]').focus();",
        json!([]),
    );
    let focused = "var e = document.activeElement; return e && e.tagName === 'TD' ? \
                   [e.closest('tr').getAttribute('data-a'), e.getAttribute('data-c') || e.getAttribute('data-r')] : null;";
    assert_eq!(b.exec(focused, json!([]))[1], json!("0"));
    b.keys(&[KEY_RIGHT, KEY_RIGHT, KEY_DOWN]);
    let at = b.exec(focused, json!([]));
    assert_eq!(at[1], json!("2"), "ArrowRight twice: {at}");
    let account = at[0].as_str().unwrap().parse::<usize>().unwrap();
    assert_ne!(
        account, 0,
        "ArrowDown did not move to the next account: {at}"
    );
    assert_eq!(
        b.find_all("#overview td[tabindex=\"0\"]").len(),
        1,
        "one tab stop"
    );
    b.keys(&[KEY_ENTER]);
    let panel = b.get("#cell-details");
    assert_eq!(
        b.attr(&panel, "hidden"),
        None,
        "Enter did not open the cell"
    );
    let name = data["accounts"][account]["name"].as_str().unwrap();
    let about = b.exec(
        "return document.getElementById('cd-title').textContent.indexOf(arguments[0] + ' · ') === 0;",
        json!([name]),
    );
    assert_eq!(
        about,
        json!(true),
        "the panel is not about {name:?}: {:?}",
        b.text(&b.get("#cd-title"))
    );
    b.click(&b.get("#cd-close"));
    b.exec(
        "document.querySelector('#control-heatmap td[tabindex=\"0\"]').focus();",
        json!([]),
    );
    b.keys(&[KEY_RIGHT, KEY_SPACE]);
    assert_eq!(
        b.attr(&panel, "hidden"),
        None,
        "Space did not open the cell"
    );
    let region = data["regions"][1].as_str().unwrap();
    assert!(b.text(&b.get("#cd-title")).ends_with(region));
    b.click(&b.get("#cd-close"));

    // Filtering, timed in the page from the change to the laid-out page (figures for the
    // README, not thresholds).
    let mut filter_ms = Vec::new();
    for status in ["ERROR", "FAIL", ""] {
        let ms = b.exec(
            "var t = performance.now(), s = document.getElementById('filter-status'); s.value = arguments[0];\
             s.dispatchEvent(new Event('change')); void document.body.offsetHeight;\
             return Math.round(performance.now() - t);",
            json!([status]),
        );
        filter_ms.push(ms.as_f64().unwrap_or(f64::NAN));
        let parts = b.exec("return document.body.dataset.updateParts;", json!([]));
        eprintln!("filter {status:?}: overview, control heatmap, findings {parts} ms");
    }
    let error_cells = {
        b.exec(
            "var s = document.getElementById('filter-status'); s.value = 'ERROR'; s.dispatchEvent(new Event('change'));",
            json!([]),
        );
        findings_count(&b)
    };
    assert_eq!(error_cells as u64, cells("ERROR"), "the ERROR filter");
    eprintln!(
        "1000 × 17 × 15: {:.1} MB, first render {render_ms} ms (page's own clock; {until_ready:?} from navigation to ready), \
         height {height} px = {:.1} screens of {screen} px, filter ERROR/FAIL/All {filter_ms:?} ms",
        size as f64 / 1e6,
        height / screen
    );
}
