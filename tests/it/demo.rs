//! The demo organization is swept as its own table says: every control of every account in
//! the home region gets the status and reason the demo prints as intended (so the table a new
//! user reads beside the sweep cannot drift from it).

use std::collections::BTreeMap;

use testkit::demo::{seed_demo, DEMO, HOME};
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::Moto;

use crate::{explain, orgsweep};

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_is_swept_as_its_table_says() {
    let moto = Moto::start();
    let seeded = seed_demo(moto.emulator()).await;
    // As scripts/demo does: AWS would refuse the AssumeRole into the account whose role is gone.
    let no_role = DEMO.iter().position(|r| r.name == "ops-norole").unwrap();
    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![Rule::access_denied()
            .service("sts")
            .operation("AssumeRole")
            .account(&seeded.ids[no_role])],
        1,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = orgsweep(
        &proxy.emulator(),
        &[
            "check",
            "--quiet",
            "--controls",
            "all",
            "--regions",
            HOME,
            "--output-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", explain(&out));

    let mut swept: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.path().join("findings.csv")).unwrap();
    for r in reader.deserialize::<BTreeMap<String, String>>() {
        let r = r.unwrap();
        swept.insert(
            (r["account_id"].clone(), r["control"].clone()),
            (r["status"].clone(), r["reason"].clone()),
        );
    }
    let mut wrong = Vec::new();
    let mut compared = 0;
    for (i, id) in seeded.ids.iter().enumerate() {
        let Some(cells) = seeded.intended(i) else {
            assert!(
                !swept.keys().any(|(a, _)| a == id),
                "{} is closed and must not be checked",
                DEMO[i].name
            );
            continue;
        };
        for (control, status, reason) in cells {
            compared += 1;
            let got = swept.get(&(id.clone(), control.clone()));
            if got != Some(&(status.to_string(), reason.to_string())) {
                wrong.push(format!(
                    "{} {control}: the table says {status} {reason}, the sweep {got:?}",
                    DEMO[i].name
                ));
            }
        }
    }
    let management = swept
        .iter()
        .filter(|((a, _), _)| *a == seeded.management_account_id)
        .filter(|(_, v)| *v != &("FAIL".to_string(), "NO_TRAIL".to_string()))
        .count();
    assert_eq!(management, 0, "the management account is FAIL NO_TRAIL");
    assert!(compared > 300, "only {compared} cells compared");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
