//! `orgsweep accounts` against a seeded emulator: every page, every OU, hostile names, OU
//! filtering, suspended accounts, account filters. Runs the real binary.

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Instant;

use crate::orgsweep;
use testkit::seed::{self, NewAccount};
use testkit::{Emulator, Moto};

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A row of `accounts --csv`, in header order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    id: String,
    name: String,
    email: String,
    status: String,
    parent_id: String,
    parent_name: String,
}

fn parse_csv(text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "name", "email", "status", "parent_id", "parent_name"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("valid CSV record");
            Row {
                id: r[0].to_string(),
                name: r[1].to_string(),
                email: r[2].to_string(),
                status: r[3].to_string(),
                parent_id: r[4].to_string(),
                parent_name: r[5].to_string(),
            }
        })
        .collect()
}

/// What the CSV shows for a name: formula starts neutralised with a leading `'`.
fn csv_cell(name: &str) -> String {
    if name.starts_with(['=', '+', '-', '@']) {
        format!("'{name}")
    } else {
        name.to_string()
    }
}

/// A name for the i-th seeded account; every seventh one is hostile.
fn account_name(i: usize) -> String {
    match i % 7 {
        0 => format!("=HYPERLINK(\"http://evil/{i}\"), \"x\""),
        3 => format!("Équipe Ünïcode {i} — 日本"),
        5 => format!("team, {i}; 'quoted'"),
        _ => format!("acct-{i:03}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_a_250_account_organization_across_every_page() {
    let moto = Moto::start();
    let started = Instant::now();
    let org = seed::create_organization(&moto).await;
    let engineering = seed::create_ou(&moto, &org.root_id, "Engineering").await;
    let platform = seed::create_ou(&moto, &engineering, "Platform").await;
    let sandbox = seed::create_ou(&moto, &platform, "Sandbox").await;
    let finance = seed::create_ou(&moto, &org.root_id, "Finance, EU").await;
    // 249 members + the management account = 250; 130 in one OU (> 100, 7 pages of 20).
    let placement: Vec<(&str, &str)> = std::iter::repeat_n((platform.as_str(), "Platform"), 130)
        .chain(std::iter::repeat_n((sandbox.as_str(), "Sandbox"), 45))
        .chain(std::iter::repeat_n((finance.as_str(), "Finance, EU"), 44))
        .chain(std::iter::repeat_n((org.root_id.as_str(), "Root"), 30))
        .collect();
    let new: Vec<NewAccount> = placement
        .iter()
        .enumerate()
        .map(|(i, (parent, _))| {
            NewAccount::new(account_name(i), format!("acct{i}@example.com")).under(parent)
        })
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let seeded = started.elapsed();

    let mut expected: Vec<Row> = ids
        .iter()
        .zip(&new)
        .zip(&placement)
        .map(|((id, n), (parent_id, parent_name))| Row {
            id: id.clone(),
            name: csv_cell(&n.name),
            email: n.email.clone(),
            status: "ACTIVE".into(),
            parent_id: parent_id.to_string(),
            parent_name: parent_name.to_string(),
        })
        .collect();
    expected.push(Row {
        id: org.management_account_id.clone(),
        name: "master".into(),
        email: "master@example.com".into(),
        status: "ACTIVE".into(),
        parent_id: org.root_id.clone(),
        parent_name: "Root".into(),
    });
    expected.sort();
    assert_eq!(expected.len(), 250);

    let listed_at = Instant::now();
    let out = orgsweep(&moto, &["accounts", "--csv"]);
    let listing = listed_at.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = parse_csv(&stdout(&out));
    assert_eq!(rows.len(), 250);
    assert!(
        rows.windows(2).all(|w| w[0].id < w[1].id),
        "rows are sorted by id"
    );
    assert_eq!(rows, expected);
    eprintln!("250 accounts: seeded in {seeded:?}, listed in {listing:?}");

    // The table shows the same accounts, one line each after the header.
    let out = orgsweep(&moto, &["accounts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert_eq!(table.lines().count(), 251, "{table}");
    assert!(table.lines().next().unwrap().starts_with("ID "));
    for row in &expected {
        assert_eq!(
            table.lines().filter(|l| l.starts_with(&row.id)).count(),
            1,
            "{}",
            row.id
        );
    }
    assert!(stderr(&out).contains("250 account(s)"), "{}", stderr(&out));
}

/// root → Alpha → Alpha1 → Alpha2; root → Beta; two accounts in each and two in the root.
struct Tree {
    root: String,
    alpha: String,
    alpha1: String,
    alpha2: String,
    beta: String,
    /// parent id → account ids
    accounts: BTreeMap<String, Vec<String>>,
    management: String,
}

async fn seed_tree(em: &Emulator) -> Tree {
    let org = seed::create_organization(em).await;
    let alpha = seed::create_ou(em, &org.root_id, "Alpha").await;
    let alpha1 = seed::create_ou(em, &alpha, "Alpha1").await;
    let alpha2 = seed::create_ou(em, &alpha1, "Alpha2").await;
    let beta = seed::create_ou(em, &org.root_id, "Beta").await;
    let parents = [&org.root_id, &alpha, &alpha1, &alpha2, &beta];
    let new: Vec<NewAccount> = parents
        .iter()
        .flat_map(|p| {
            [0, 1].map(|i| {
                NewAccount::new(format!("{p}-{i}"), format!("{p}-{i}@example.com")).under(p)
            })
        })
        .collect();
    let ids = seed::create_accounts(em, &org.root_id, &new).await;
    let mut accounts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, n) in ids.iter().zip(&new) {
        accounts
            .entry(n.parent_id.clone().unwrap())
            .or_default()
            .push(id.clone());
    }
    Tree {
        root: org.root_id,
        alpha,
        alpha1,
        alpha2,
        beta,
        accounts,
        management: org.management_account_id,
    }
}

fn listed_ids(em: &Emulator, args: &[&str]) -> Vec<String> {
    let mut full = vec!["accounts", "--csv"];
    full.extend_from_slice(args);
    let out = orgsweep(em, &full);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    parse_csv(&stdout(&out)).into_iter().map(|r| r.id).collect()
}

fn under(tree: &Tree, parents: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = parents
        .iter()
        .flat_map(|p| tree.accounts[*p].clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn ous_select_accounts_under_them_at_any_depth() {
    let moto = Moto::start();
    let t = seed_tree(&moto).await;

    assert_eq!(
        listed_ids(&moto, &["--ous", &t.alpha]),
        under(&t, &[&t.alpha, &t.alpha1, &t.alpha2])
    );
    assert_eq!(
        listed_ids(&moto, &["--ous", &t.alpha1]),
        under(&t, &[&t.alpha1, &t.alpha2])
    );
    assert_eq!(
        listed_ids(&moto, &["--ous", &t.alpha2]),
        under(&t, &[&t.alpha2])
    );
    assert_eq!(
        listed_ids(&moto, &["--ous", &format!("{},{}", t.alpha2, t.beta)]),
        under(&t, &[&t.alpha2, &t.beta])
    );
    // Overlapping OUs list each account once.
    assert_eq!(
        listed_ids(&moto, &["--ous", &format!("{},{}", t.alpha, t.alpha1)]),
        under(&t, &[&t.alpha, &t.alpha1, &t.alpha2])
    );
    // The root selects everything, the management account included.
    let mut all = under(&t, &[&t.root, &t.alpha, &t.alpha1, &t.alpha2, &t.beta]);
    all.push(t.management.clone());
    all.sort();
    assert_eq!(listed_ids(&moto, &["--ous", &t.root]), all);
    assert_eq!(listed_ids(&moto, &[]), all);

    // Parent names and ids are those of the direct parent.
    let out = orgsweep(&moto, &["accounts", "--csv", "--ous", &t.alpha]);
    let names = [
        (&t.alpha, "Alpha"),
        (&t.alpha1, "Alpha1"),
        (&t.alpha2, "Alpha2"),
    ];
    for row in parse_csv(&stdout(&out)) {
        let (parent, name) = names
            .iter()
            .find(|(p, _)| t.accounts[*p].contains(&row.id))
            .unwrap();
        assert_eq!(&row.parent_id, *parent);
        assert_eq!(row.parent_name, *name);
        assert!(row.name.starts_with(parent.as_str()), "{row:?}");
    }

    // An OU id that is not in the organization is a usage error naming it.
    let out = orgsweep(&moto, &["accounts", "--ous", "ou-zzzz-zzzzzzzz"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ou-zzzz-zzzzzzzz"),
        "{}",
        stderr(&out)
    );
    // A malformed one is refused by the flag parser.
    let out = orgsweep(&moto, &["accounts", "--ous", "Alpha"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test]
async fn suspended_accounts_are_listed_and_marked() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let ids = seed::create_accounts(
        &moto,
        &org.root_id,
        &[
            NewAccount::new("kept", "kept@example.com"),
            NewAccount::new("closed", "closed@example.com"),
        ],
    )
    .await;
    seed::close_account(&moto, &ids[1]).await;

    let out = orgsweep(&moto, &["accounts", "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = parse_csv(&stdout(&out));
    let status = |id: &str| rows.iter().find(|r| r.id == id).unwrap().status.clone();
    assert_eq!(status(&ids[0]), "ACTIVE");
    assert_eq!(status(&ids[1]), "SUSPENDED");

    let out = orgsweep(&moto, &["accounts"]);
    let table = stdout(&out);
    let line = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    assert!(line(&ids[1]).contains("SUSPENDED *"), "{table}");
    assert!(!line(&ids[0]).contains('*'), "{table}");
    assert!(table.contains("* not ACTIVE"), "{table}");
    assert!(stderr(&out).contains("1 not ACTIVE"), "{}", stderr(&out));
}

#[tokio::test]
async fn account_filters_narrow_the_listing() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let new: Vec<NewAccount> = (0..4)
        .map(|i| NewAccount::new(format!("a{i}"), format!("a{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;

    let mut want = vec![ids[0].clone(), ids[2].clone()];
    want.sort();
    assert_eq!(
        listed_ids(&moto, &["--accounts", &format!("{},{}", ids[0], ids[2])]),
        want
    );

    let mut want: Vec<String> = ids[1..].to_vec();
    want.push(org.management_account_id.clone());
    want.sort();
    assert_eq!(
        listed_ids(&moto, &["--exclude-accounts", &ids[0]]),
        want,
        "--exclude-accounts drops the account"
    );

    // An id that is not in the organization is warned about, not fatal.
    let out = orgsweep(&moto, &["accounts", "--accounts", "000000000001"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("000000000001 is not an account"),
        "{}",
        stderr(&out)
    );
    // A malformed id is a usage error.
    let out = orgsweep(&moto, &["accounts", "--accounts", "12345"]);
    assert_eq!(out.status.code(), Some(2));
}
