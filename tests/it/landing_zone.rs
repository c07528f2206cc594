//! Landing zones (issue 18), on the emulator through the real binary: alarms of the management
//! account notifying a topic of the Audit account (read there, with the Audit account's role,
//! once per sweep), whose policy grants the alarms' account, the whole organization, or no one;
//! a topic in an account orgsweep cannot enter; a central filter restricted to two accounts by
//! `$.recipientAccountId`; Control Tower 4.0's suffixed log group beside a stale one; and an
//! organization without the Control Tower trail. (A pending subscription cannot be made on
//! moto: the judge's unit tests cover it.)

use std::collections::BTreeMap;

use crate::check_scenarios::{check, CheckRun, Finding};
use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::landing_zone::{
    grant_for_accounts, grant_for_organization, no_grant, seed_group_chain, seed_trail,
    AUDIT_TOPIC, CT_GROUP, CT_GROUP_STALE,
};
use testkit::seed::{self, NewAccount, OrgSeed};
use testkit::{cis_pattern, Account, Moto};

const HOME: &str = "us-east-1";
const REGIONS: &str = "us-east-1,eu-west-1";

/// An organization with an Audit account under a Security OU and `members` under Workloads.
struct Org {
    seed: OrgSeed,
    management: Account,
    audit: Account,
    members: Vec<Account>,
}

async fn organization(moto: &Moto, members: usize) -> Org {
    let seed = seed::create_organization(moto).await;
    let security = seed::create_ou(moto, &seed.root_id, "Security").await;
    let workloads = seed::create_ou(moto, &seed.root_id, "Workloads").await;
    let mut new = vec![NewAccount::new("audit", "audit@example.com").under(&security)];
    new.extend(
        (1..=members).map(|i| {
            NewAccount::new(format!("m{i}"), format!("m{i}@example.com")).under(&workloads)
        }),
    );
    let ids = seed::create_accounts(moto, &seed.root_id, &new).await;
    let mut accounts = Vec::new();
    for id in &ids {
        accounts.push(moto.account(id).await);
    }
    let audit = accounts.remove(0);
    Org {
        management: moto.management(),
        seed,
        audit,
        members: accounts,
    }
}

/// `account id → region → finding` (one control).
fn cells(run: &CheckRun) -> BTreeMap<String, BTreeMap<String, Finding>> {
    let mut out: BTreeMap<String, BTreeMap<String, Finding>> = BTreeMap::new();
    for f in &run.findings {
        out.entry(f.account_id.clone())
            .or_default()
            .insert(f.region.clone(), f.clone());
    }
    out
}

/// Every region of `account` has `(status, reason)`; returns the home region's detail.
fn expect(
    cells: &BTreeMap<String, BTreeMap<String, Finding>>,
    account: &str,
    status: &str,
    reason: &str,
) -> String {
    let row = cells
        .get(account)
        .unwrap_or_else(|| panic!("no row for {account}"));
    for (region, f) in row {
        assert_eq!(
            (f.status.as_str(), f.reason.as_str()),
            (status, reason),
            "{account} {region}: {}",
            f.detail
        );
    }
    row[HOME].detail.clone()
}

/// The Audit account's topic, with one (confirmed) subscription.
async fn audit_topic(org: &Org) -> String {
    org.audit
        .create_topic(HOME, AUDIT_TOPIC, &[("email", "security@example.com")])
        .await
}

/// The management account's own topic, with one (confirmed) subscription.
async fn management_topic(org: &Org) -> String {
    org.management
        .create_topic(
            HOME,
            "security-alarms",
            &[("email", "security@example.com")],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_notifying_the_audit_accounts_topic_are_judged_by_its_grant() {
    let moto = Moto::start();
    let org = organization(&moto, 3).await;
    let topic = audit_topic(&org).await;
    let (mgmt, m1, m2, m3) = (
        &org.management,
        &org.members[0],
        &org.members[1],
        &org.members[2],
    );
    // The organization chain: Control Tower's group, its alarm notifying the Audit topic.
    seed_group_chain(mgmt, HOME, CT_GROUP, "lz", cis_pattern(), &topic).await;
    seed_trail(
        &moto,
        mgmt,
        HOME,
        "aws-controltower-BaselineCloudTrail",
        CT_GROUP,
        true,
    )
    .await;
    // Two members with chains of their own, notifying the same topic.
    for m in [m1, m2] {
        let group = format!("{}-trail-logs", m.id);
        seed_group_chain(m, HOME, &group, "own", cis_pattern(), &topic).await;
        seed_trail(&moto, m, HOME, "own-trail", &group, false).await;
    }
    let set_policy = |policy: String| {
        let audit = org.audit.clone();
        let topic = topic.clone();
        async move { audit.set_topic_attribute(&topic, "Policy", &policy).await }
    };

    // Only the members may publish: the organization chain is blocked (the management
    // account's alarm may not publish), the members' own chains pass.
    set_policy(grant_for_accounts(&topic, &[&m1.id, &m2.id])).await;
    let run = check(&moto, &["--regions", REGIONS]);
    let c = cells(&run);
    for m in [m1, m2] {
        expect(&c, &m.id, "PASS", "COMPLIANT");
    }
    for account in [&mgmt.id, &m3.id, &org.audit.id] {
        let detail = expect(&c, account, "FAIL", "NOTIFICATION_BLOCKED");
        assert!(
            detail.starts_with("organization trail")
                && detail.contains(&format!("owner account {}", mgmt.id))
                && detail.contains(CT_GROUP)
                && detail.contains(&topic),
            "{detail}"
        );
    }
    // Three accounts' alarms notify the topic: it is read once, in the Audit account.
    let calls = run.api_calls();
    assert_eq!(calls["SNS:ListSubscriptionsByTopic"], 1, "{calls:?}");
    assert_eq!(calls["SNS:GetTopicAttributes"], 1, "{calls:?}");

    // A grant for the management account's alarms: the organization chain covers everyone.
    set_policy(grant_for_accounts(&topic, &[&mgmt.id])).await;
    let run = check(&moto, &["--regions", REGIONS]);
    let c = cells(&run);
    for account in [&mgmt.id, &m1.id, &m2.id, &m3.id, &org.audit.id] {
        expect(&c, account, "PASS", "COVERED_BY_ORG_TRAIL");
    }
    assert_eq!(run.api_calls()["SNS:ListSubscriptionsByTopic"], 1);

    // An org-wide grant (aws:SourceOrgID), as LZA makes it: the same.
    set_policy(grant_for_organization(&topic, &org.seed.organization_id)).await;
    let c = cells(&check(&moto, &["--regions", REGIONS]));
    for account in [&mgmt.id, &m1.id, &m2.id, &m3.id, &org.audit.id] {
        let detail = expect(&c, account, "PASS", "COVERED_BY_ORG_TRAIL");
        assert!(!detail.contains("cannot tell"), "{detail}");
    }

    // No grant: every chain that ends at the topic is blocked, the members' own too.
    set_policy(no_grant(&topic)).await;
    let c = cells(&check(&moto, &["--regions", REGIONS]));
    for account in [&mgmt.id, &m1.id, &m2.id, &m3.id, &org.audit.id] {
        expect(&c, account, "FAIL", "NOTIFICATION_BLOCKED");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_in_an_account_orgsweep_cannot_enter_is_an_error_that_names_it() {
    let moto = Moto::start();
    let org = organization(&moto, 1).await;
    let topic = audit_topic(&org).await;
    org.audit
        .set_topic_attribute(
            &topic,
            "Policy",
            &grant_for_organization(&topic, &org.seed.organization_id),
        )
        .await;
    let mgmt = &org.management;
    seed_group_chain(mgmt, HOME, CT_GROUP, "lz", cis_pattern(), &topic).await;
    seed_trail(
        &moto,
        mgmt,
        HOME,
        "aws-controltower-BaselineCloudTrail",
        CT_GROUP,
        true,
    )
    .await;

    let proxy = FaultProxy::start(
        moto.endpoint(),
        vec![Rule::access_denied()
            .service("sts")
            .operation("AssumeRole")
            .account(&org.audit.id)],
        3,
    )
    .await;
    let run = check(&proxy.emulator(), &["--regions", REGIONS]);
    let c = cells(&run);
    expect(&c, &org.audit.id, "ERROR", "ASSUME_ROLE_FAILED");
    for account in [&mgmt.id, &org.members[0].id] {
        let detail = expect(&c, account, "ERROR", "ASSUME_ROLE_FAILED");
        assert!(
            detail.contains(&topic) && detail.contains(&format!("account {}", org.audit.id)),
            "{detail}"
        );
    }
    // Never a FAIL on a guess.
    assert!(run.findings.iter().all(|f| f.status != "FAIL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_central_filter_covers_only_the_accounts_it_names_and_stale_groups_do_not_count() {
    let moto = Moto::start();
    let org = organization(&moto, 5).await;
    let mgmt = &org.management;
    let topic = management_topic(&org).await;
    let (m1, m2, m3) = (&org.members[0], &org.members[1], &org.members[2]);
    let restricted = format!(
        r#"{{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && (($.recipientAccountId = "{}") || ($.recipientAccountId = "{}")) }}"#,
        m1.id, m2.id
    );
    // Control Tower 4.0: the trail writes to the suffixed group; the unsuffixed one keeps a
    // complete chain that no trail writes to.
    seed_group_chain(mgmt, HOME, CT_GROUP, "lz", &restricted, &topic).await;
    seed_group_chain(mgmt, HOME, CT_GROUP_STALE, "stale", cis_pattern(), &topic).await;
    seed_trail(
        &moto,
        mgmt,
        HOME,
        "aws-controltower-BaselineCloudTrail",
        CT_GROUP,
        true,
    )
    .await;
    // Bad input in two members' own chains: a malformed topic ARN, a topic outside the
    // organization. The sweep goes on.
    let malformed = "arn:aws:sns:us-east-1:12345:broken";
    let outside = "arn:aws:sns:us-east-1:999999999999:elsewhere";
    for (m, action) in [(&org.members[3], malformed), (&org.members[4], outside)] {
        let group = format!("{}-trail-logs", m.id);
        seed_group_chain(m, HOME, &group, "own", cis_pattern(), action).await;
        seed_trail(&moto, m, HOME, "own-trail", &group, false).await;
    }

    let run = check(&moto, &["--regions", REGIONS]);
    let c = cells(&run);
    for m in [m1, m2] {
        let detail = expect(&c, &m.id, "PASS", "COVERED_BY_ORG_TRAIL");
        assert!(detail.contains(CT_GROUP), "{detail}");
    }
    for account in [&m3.id, &mgmt.id, &org.audit.id] {
        let detail = expect(&c, account, "FAIL", "PATTERN_TOO_NARROW");
        assert!(
            detail.starts_with("organization trail")
                && detail.contains("$.recipientAccountId")
                && detail.contains(&m1.id)
                && detail.contains(&format!("account {account}"))
                && detail.contains(CT_GROUP)
                && !detail.contains("stale-console-auth-failures"),
            "{detail}"
        );
    }
    let detail = expect(&c, &org.members[3].id, "ERROR", "API_ERROR");
    assert!(detail.contains(malformed), "{detail}");
    let detail = expect(&c, &org.members[4].id, "ERROR", "ASSUME_ROLE_FAILED");
    assert!(
        detail.contains(outside) && detail.contains("not in the organization"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_control_tower_trail_accounts_are_judged_on_their_own() {
    let moto = Moto::start();
    let org = organization(&moto, 2).await;
    let mgmt = &org.management;
    let topic = management_topic(&org).await;
    // The CloudTrail integration is off: the old group keeps its chain, no trail writes to it.
    seed_group_chain(mgmt, HOME, CT_GROUP_STALE, "stale", cis_pattern(), &topic).await;
    // The management account's own trail writes to a group without filters.
    mgmt.create_log_group(HOME, "mgmt-trail-logs").await;
    seed_trail(&moto, mgmt, HOME, "mgmt-trail", "mgmt-trail-logs", false).await;
    let m1 = &org.members[0];
    let m1_topic = m1
        .create_topic(HOME, "own-alarms", &[("email", "security@example.com")])
        .await;
    seed_group_chain(m1, HOME, "own-trail-logs", "own", cis_pattern(), &m1_topic).await;
    seed_trail(&moto, m1, HOME, "own-trail", "own-trail-logs", false).await;

    let c = cells(&check(&moto, &["--regions", REGIONS]));
    expect(&c, &mgmt.id, "FAIL", "NO_METRIC_FILTER");
    expect(&c, &m1.id, "PASS", "COMPLIANT");
    expect(&c, &org.members[1].id, "FAIL", "NO_TRAIL");
    expect(&c, &org.audit.id, "FAIL", "NO_TRAIL");
}
