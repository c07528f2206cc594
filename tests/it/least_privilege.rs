//! Least privilege, proven on moto's auth mode: `scripts/iam/check-policy.json` on the member
//! role and `scripts/iam/management-policy.json` on the caller are enough for `orgsweep check`
//! (no ERROR cell, no call that no policy grants), and every single action in them is needed:
//! removing it from the member roles (first test) or from the caller (second test) turns
//! exactly the cells that depend on it into `ERROR` (`ACCESS_DENIED`, or `ASSUME_ROLE_FAILED`
//! for `sts:AssumeRole`), or stops the sweep (exit 3) when the organization or the region list
//! cannot be read. scripts/iam/README.md states what this proves and what moto cannot.
//!
//! The organization (management + 2 members, `--regions us-east-1,eu-west-1`) is chosen so that
//! each conditional call is made by some account and skipped by another:
//! - management: a compliant chain whose alarm is a metric-math alarm: `DescribeAlarms` (once
//!   per region, for every control) finds it, and its topic is read (`ListSubscriptionsByTopic`,
//!   `GetTopicAttributes`); the topic is encrypted with a customer key named by its alias
//!   (`kms:DescribeKey`, `kms:GetKeyPolicy`), and `--alarm-history 7` reads the alarm's
//!   actions (`DescribeAlarmHistory`): every check action.
//! - member `compliant`: the same with a plain metric alarm: the same calls.
//! - member `no-alarm`: the chain stops at the metric filter: `DescribeAlarms` is called (the
//!   group has a filter), no topic, key or alarm history is read (no usable alarm).
//!
//! moto does not implement `DescribeAlarmHistory` (HTTP 500 once auth lets it through): the
//! sweep talks through the fault proxy, which stands in an empty history for a 5xx only, so a
//! denial is still moto's own 403.
//!
//! How auth mode is driven (moto 5.2.5, moto/core/authorization.py, moto/iam/access_control.py,
//! moto/moto_api/_internal/responses.py):
//! - `POST /moto-api/reset-auth` with a body that is a bare number (`float(body)`, not JSON)
//!   sets `INITIAL_NO_AUTH_ACTION_COUNT` and resets the request counter: `0` turns auth on at
//!   once, `inf` turns it off. The seeding and the IAM edits between runs happen with auth off.
//! - With auth on, every request must be signed by a key moto knows (an IAM user's access key,
//!   or keys from `AssumeRole`); the action evaluated is `<signing name>:<Operation>`, against
//!   the user's or the assumed role's inline and attached policies.
//! - CloudWatch signs as `monitoring`, so moto evaluates `monitoring:DescribeAlarms` where AWS
//!   evaluates `cloudwatch:DescribeAlarms`. The policies loaded into moto are therefore a
//!   moto-only copy: every `cloudwatch:<Op>` gets a `monitoring:<Op>` twin added ([`for_moto`]);
//!   removing `cloudwatch:<Op>` removes its twin too. The files themselves are unchanged.
//! - moto checks the member role's trust policy only when the role is in the caller's own
//!   account (`_is_assuming_role_operation` looks the role up in the caller's IAM backend), so
//!   a cross-account AssumeRole is decided by the caller's identity policy alone: the trust
//!   policy and its `sts:ExternalId` condition are NOT proven here.
//!   `sts:GetCallerIdentity` is always allowed (as on AWS).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};

use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::seed::{self, NewAccount};
use testkit::{seed_chain, Break, ChainSpec, Emulator, Moto, TopicKey, MANAGEMENT_ACCOUNT_ID};

const REGIONS: &str = "us-east-1,eu-west-1";
const ROLE: &str = "OrgSweepRole";
const USER: &str = "orgsweep-runner";
const POLICY_NAME: &str = "orgsweep";

/// A policy file of scripts/iam/.
fn policy_file(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/iam")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn statement_actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(list) => list
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect(),
        other => panic!("unexpected Action {other}"),
    }
}

/// Every action a policy allows, in file order.
fn actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(statement_actions)
        .collect()
}

/// Maps each statement's action list (statements left with none are dropped).
fn map_actions(policy: &Value, f: impl Fn(Vec<String>) -> Vec<String>) -> Value {
    let statements: Vec<Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            let kept = f(statement_actions(s));
            if kept.is_empty() {
                return None;
            }
            let mut s = s.clone();
            s["Action"] = json!(kept);
            Some(s)
        })
        .collect();
    json!({ "Version": policy["Version"], "Statement": statements })
}

/// The policy without one action.
fn without(policy: &Value, action: &str) -> Value {
    map_actions(policy, |list| {
        list.into_iter().filter(|a| a != action).collect()
    })
}

/// The moto-only copy: a `monitoring:<Op>` twin added for every `cloudwatch:<Op>` (moto names
/// CloudWatch actions by the signing name `monitoring`).
fn for_moto(policy: &Value) -> Value {
    map_actions(policy, |list| {
        let twins: Vec<String> = list
            .iter()
            .filter_map(|a| a.strip_prefix("cloudwatch:"))
            .map(|op| format!("monitoring:{op}"))
            .collect();
        list.into_iter().chain(twins).collect()
    })
}

/// `POST /moto-api/reset-auth` with `body` (`0`: auth on now; `inf`: auth off).
async fn reset_auth(em: &Emulator, body: &str) {
    let (status, answer) = testkit::http::request_async(
        em.endpoint(),
        "POST",
        "/moto-api/reset-auth",
        Some(("text/plain", body)),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "reset-auth {body}: {answer}");
}

/// An empty `DescribeAlarmHistory` answer, which moto does not implement: the proxy gives it
/// where moto fails with a 5xx, so a denial (403) still comes from moto's auth mode.
const EMPTY_ALARM_HISTORY: &str = r#"<DescribeAlarmHistoryResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmHistoryResult><AlarmHistoryItems/></DescribeAlarmHistoryResult><ResponseMetadata><RequestId>least-privilege</RequestId></ResponseMetadata></DescribeAlarmHistoryResponse>"#;

/// The seeded organization, the management caller's key, and the proxy orgsweep talks through.
struct Org {
    compliant: String,
    no_alarm: String,
    key: (String, String),
    proxy: FaultProxy,
}

impl Org {
    fn members(&self) -> [&str; 2] {
        [&self.compliant, &self.no_alarm]
    }
}

/// Seeds the organization and its chains, the member roles and the management user (auth off).
async fn seed_org(em: &Emulator) -> Org {
    let org = seed::create_organization(em).await;
    let ids = seed::create_accounts(
        em,
        &org.root_id,
        &[
            NewAccount::new("compliant", "compliant@example.com"),
            NewAccount::new("no-alarm", "no-alarm@example.com"),
        ],
    )
    .await;
    let management = em.management();
    // Topics encrypted with a customer key named by its alias: DescribeKey, then GetKeyPolicy.
    let encrypted = TopicKey::Customer { cloudwatch: true };
    seed_chain(
        em,
        &management,
        &ChainSpec::compliant("us-east-1")
            .math_alarm()
            .topic_key(encrypted),
    )
    .await;
    let compliant = em.account(&ids[0]).await;
    seed_chain(
        em,
        &compliant,
        &ChainSpec::compliant("us-east-1").topic_key(encrypted),
    )
    .await;
    let no_alarm = em.account(&ids[1]).await;
    seed_chain(
        em,
        &no_alarm,
        &Break::NoAlarm.apply(ChainSpec::compliant("us-east-1")),
    )
    .await;

    // The member role, as member-role-stackset.yaml makes it (without ExternalId).
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:root") },
            "Action": "sts:AssumeRole"
        }]
    });
    for account in [&compliant, &no_alarm] {
        account
            .iam()
            .create_role()
            .role_name(ROLE)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
    }
    let key = seed::create_management_user_key(em, USER).await;
    let proxy = FaultProxy::start(
        em.endpoint(),
        vec![Rule::stand_in(EMPTY_ALARM_HISTORY).operation("DescribeAlarmHistory")],
        1,
    )
    .await;
    Org {
        compliant: ids[0].clone(),
        no_alarm: ids[1].clone(),
        key,
        proxy,
    }
}

/// Gives the member roles and the management user exactly these policy documents (callers
/// pass [`for_moto`] copies). Turns auth off for the edit and back on after it.
async fn set_policies(em: &Emulator, org: &Org, member: &Value, management: &Value) {
    reset_auth(em, "inf").await;
    for id in org.members() {
        em.account(id)
            .await
            .iam()
            .put_role_policy()
            .role_name(ROLE)
            .policy_name(POLICY_NAME)
            .policy_document(member.to_string())
            .send()
            .await
            .unwrap();
    }
    em.management()
        .iam()
        .put_user_policy()
        .user_name(USER)
        .policy_name(POLICY_NAME)
        .policy_document(management.to_string())
        .send()
        .await
        .unwrap();
    reset_auth(em, "0").await;
}

/// One finished sweep.
struct Run {
    code: Option<i32>,
    stderr: String,
    /// (account, region) → (status, reason, detail); empty when the sweep did not start.
    cells: BTreeMap<(String, String), (String, String, String)>,
    summary: Value,
}

impl Run {
    fn errors(&self) -> Vec<String> {
        self.cells
            .iter()
            .filter(|(_, (s, _, _))| s == "ERROR")
            .map(|((a, r), (s, why, d))| format!("{a} {r}: {s} {why} {d}"))
            .collect()
    }
    fn account(&self, id: &str) -> Vec<(&str, &str, &str)> {
        self.cells
            .iter()
            .filter(|((a, _), _)| a == id)
            .map(|(_, (s, r, d))| (s.as_str(), r.as_str(), d.as_str()))
            .collect()
    }
    fn cells_of(&self, id: &str) -> BTreeMap<String, (String, String)> {
        self.cells
            .iter()
            .filter(|((a, _), _)| a == id)
            .map(|((_, r), (s, why, _))| (r.clone(), (s.clone(), why.clone())))
            .collect()
    }
}

/// `orgsweep check --alarm-history 7` as the management user, assuming `role` in the members,
/// through the proxy (which stands in for moto's missing `DescribeAlarmHistory`).
async fn check(_em: &Emulator, org: &Org, role: &str, out_dir: &Path) -> Run {
    let mut cmd = org.proxy.emulator().command(env!("CARGO_BIN_EXE_orgsweep"));
    cmd.env("AWS_ACCESS_KEY_ID", &org.key.0)
        .env("AWS_SECRET_ACCESS_KEY", &org.key.1)
        .args([
            "check",
            "--quiet",
            "--regions",
            REGIONS,
            "--role-name",
            role,
            "--alarm-history",
            "7",
            "--output-dir",
        ])
        .arg(out_dir);
    let out = tokio::process::Command::from(cmd)
        .output()
        .await
        .expect("cannot run orgsweep");
    let mut cells = BTreeMap::new();
    let mut summary = Value::Null;
    if let Ok(mut reader) = csv::Reader::from_path(out_dir.join("findings.csv")) {
        for record in reader.records() {
            let r = record.unwrap();
            cells.insert(
                (r[0].to_string(), r[2].to_string()),
                (r[4].to_string(), r[5].to_string(), r[6].to_string()),
            );
        }
        summary =
            serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    }
    Run {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        cells,
        summary,
    }
}

/// The operation part of an action (`cloudwatch:DescribeAlarms` → `DescribeAlarms`).
fn op(action: &str) -> &str {
    action.split_once(':').unwrap().1
}

/// The full policies: a clean sweep with the expected verdicts, every check action called.
async fn full_run(moto: &Moto, org: &Org, dir: &Path) -> Run {
    let check_policy = policy_file("check-policy.json");
    let management_policy = policy_file("management-policy.json");
    set_policies(
        moto,
        org,
        &for_moto(&check_policy),
        &for_moto(&management_policy),
    )
    .await;
    let full = check(moto, org, ROLE, &dir.join("full")).await;
    assert_eq!(full.cells.len(), 6, "{}", full.stderr);
    assert!(full.errors().is_empty(), "{:#?}", full.errors());
    for (id, status, reason) in [
        (MANAGEMENT_ACCOUNT_ID, "PASS", "COMPLIANT"),
        (org.compliant.as_str(), "PASS", "COMPLIANT"),
        (org.no_alarm.as_str(), "FAIL", "NO_ALARM"),
    ] {
        for (s, r, d) in full.account(id) {
            assert_eq!((s, r), (status, reason), "{id}: {d}");
        }
    }
    assert_eq!(full.code, Some(1), "{}", full.stderr);
    // Every check action was really called (the summary names them `Service:Operation`).
    let called: Vec<String> = full.summary["api_calls"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    // ...and nothing else: each call is granted by a policy (or is GetCallerIdentity, which
    // needs no permission).
    let granted: Vec<String> = actions(&check_policy)
        .iter()
        .chain(&actions(&management_policy))
        .map(|a| op(a).to_ascii_lowercase())
        .chain(["getcalleridentity".to_string()])
        .collect();
    for call in &called {
        let call_op = call.split_once(':').unwrap().1;
        assert!(
            granted.iter().any(|g| g == call_op),
            "{call} is called but no policy grants it"
        );
    }
    for action in actions(&check_policy) {
        let suffix = format!(":{}", op(&action).to_ascii_lowercase());
        assert!(
            called.iter().any(|c| c.ends_with(&suffix)),
            "{action} was never called: {called:?}"
        );
    }
    full
}

/// Every cell of the `affected` accounts is `status`/`reason` with a detail naming `action`'s
/// operation; every other account's cells are as in the `full` run.
fn assert_only(
    run: &Run,
    full: &Run,
    org: &Org,
    affected: &[&str],
    (status, reason): (&str, &str),
    action: &str,
) {
    assert_eq!(run.cells.len(), 6, "without {action}: {}", run.stderr);
    for id in [MANAGEMENT_ACCOUNT_ID, &org.compliant, &org.no_alarm] {
        if affected.contains(&id) {
            for (s, r, d) in run.account(id) {
                assert_eq!((s, r), (status, reason), "without {action}, {id}: {d}");
                assert!(
                    d.contains(&format!(":{} ", op(action))),
                    "without {action}, {id}: {d}"
                );
            }
        } else {
            assert_eq!(
                run.cells_of(id),
                full.cells_of(id),
                "without {action}, {id} changed: {:#?}",
                run.errors()
            );
        }
    }
    assert_eq!(run.code, Some(3), "without {action}");
}

/// Each check-policy action removed from the member roles in turn: the cells of the members
/// that make that call become ERROR / ACCESS_DENIED, every other cell stays as it was. Also
/// shows why the moto copy needs its `monitoring:` twins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_policy_is_enough_and_every_action_is_needed() {
    let started = Instant::now();
    let moto = Moto::start();
    let org = seed_org(&moto).await;
    let tmp = tempfile::tempdir().unwrap();
    let full = full_run(&moto, &org, tmp.path()).await;

    let check_policy = policy_file("check-policy.json");
    let management = for_moto(&policy_file("management-policy.json"));
    for (i, action) in actions(&check_policy).iter().enumerate() {
        // Which members make this call (see the module comment).
        let affected: Vec<&str> = org
            .members()
            .into_iter()
            .filter(|id| match action.as_str() {
                // Only `compliant` has an alarm, hence a topic and a key.
                "sns:ListSubscriptionsByTopic"
                | "sns:GetTopicAttributes"
                | "kms:DescribeKey"
                | "kms:GetKeyPolicy"
                | "cloudwatch:DescribeAlarmHistory" => *id == org.compliant,
                _ => true,
            })
            .collect();
        let member = for_moto(&without(&check_policy, action));
        set_policies(&moto, &org, &member, &management).await;
        let run = check(&moto, &org, ROLE, &tmp.path().join(format!("without-{i}"))).await;
        assert_only(
            &run,
            &full,
            &org,
            &affected,
            ("ERROR", "ACCESS_DENIED"),
            action,
        );
        eprintln!(
            "[least_privilege] member role without {action}: {} ERROR cells",
            run.errors().len()
        );
    }

    // The file as it is, without the `monitoring:` twins: moto denies the first CloudWatch call
    // of both members, although the policy grants it under the name AWS uses.
    set_policies(&moto, &org, &check_policy, &management).await;
    let plain = check(&moto, &org, ROLE, &tmp.path().join("no-twins")).await;
    assert_only(
        &plain,
        &full,
        &org,
        &org.members(),
        ("ERROR", "ACCESS_DENIED"),
        "cloudwatch:DescribeAlarms",
    );
    eprintln!(
        "[least_privilege] check policy: {} actions, {:.1} s",
        actions(&check_policy).len(),
        started.elapsed().as_secs_f64()
    );
}

/// Each management-policy action removed from the caller in turn: organization discovery and
/// `DescribeRegions` stop the sweep before any cell (exit 4, the operation named);
/// `sts:AssumeRole` makes every member ERROR / ASSUME_ROLE_FAILED; each check action makes the
/// management account's cells ERROR / ACCESS_DENIED. Also: the `sts:AssumeRole` grant is
/// scoped to `role/OrgSweepRole` (another role name is refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_policy_is_enough_and_every_action_is_needed() {
    let started = Instant::now();
    let moto = Moto::start();
    let org = seed_org(&moto).await;
    let tmp = tempfile::tempdir().unwrap();
    let full = full_run(&moto, &org, tmp.path()).await;

    let member = for_moto(&policy_file("check-policy.json"));
    let management_policy = policy_file("management-policy.json");
    for (i, action) in actions(&management_policy).iter().enumerate() {
        set_policies(
            &moto,
            &org,
            &member,
            &for_moto(&without(&management_policy, action)),
        )
        .await;
        let run = check(&moto, &org, ROLE, &tmp.path().join(format!("without-{i}"))).await;
        if action.starts_with("organizations:") || action == "ec2:DescribeRegions" {
            // The sweep cannot start: exit 4, no report.
            assert_eq!(run.code, Some(4), "without {action}: {}", run.stderr);
            assert!(run.cells.is_empty(), "without {action}: {:?}", run.cells);
            assert!(
                run.stderr.contains(&format!(":{} ", op(action))) && run.stderr.contains("403"),
                "without {action}: {}",
                run.stderr
            );
        } else if action == "sts:AssumeRole" {
            assert_only(
                &run,
                &full,
                &org,
                &org.members(),
                ("ERROR", "ASSUME_ROLE_FAILED"),
                action,
            );
        } else {
            assert_only(
                &run,
                &full,
                &org,
                &[MANAGEMENT_ACCOUNT_ID],
                ("ERROR", "ACCESS_DENIED"),
                action,
            );
        }
        eprintln!(
            "[least_privilege] management caller without {action}: exit {:?}, {} ERROR cells",
            run.code,
            run.errors().len()
        );
    }

    // The full policy, but another member role: the grant does not reach it.
    set_policies(&moto, &org, &member, &for_moto(&management_policy)).await;
    let other = check(
        &moto,
        &org,
        "OrganizationAccountAccessRole",
        &tmp.path().join("other-role"),
    )
    .await;
    assert_only(
        &other,
        &full,
        &org,
        &org.members(),
        ("ERROR", "ASSUME_ROLE_FAILED"),
        "sts:AssumeRole",
    );
    // A moto limit, asserted so that it shows if moto changes: the member role's trust policy
    // is not evaluated on a cross-account AssumeRole. Trusting only another account, behind an
    // ExternalId orgsweep does not pass, the roles are still assumed and the sweep is clean.
    reset_auth(&moto, "inf").await;
    let foreign_trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": "arn:aws:iam::111111111111:root" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "sts:ExternalId": "not-given" } }
        }]
    });
    for id in org.members() {
        moto.account(id)
            .await
            .iam()
            .update_assume_role_policy()
            .role_name(ROLE)
            .policy_document(foreign_trust.to_string())
            .send()
            .await
            .unwrap();
    }
    reset_auth(&moto, "0").await;
    let untrusted = check(&moto, &org, ROLE, &tmp.path().join("untrusted")).await;
    assert_eq!(
        untrusted.cells, full.cells,
        "moto now evaluates cross-account trust policies: prove the trust policy and its \
         ExternalId condition here, and update scripts/iam/README.md"
    );
    eprintln!(
        "[least_privilege] management policy: {} actions, {:.1} s",
        actions(&management_policy).len(),
        started.elapsed().as_secs_f64()
    );
}
