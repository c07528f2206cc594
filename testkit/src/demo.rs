//! The demo organization (`scripts/demo`, `examples/seed.rs demo`): about 30 accounts spread
//! over every status and reason code — one row of [`DEMO`] per account, each a
//! console-authentication-failures chain broken (or not) in one way, and, where the chain reaches
//! its log group, the other fourteen controls of the family in mixed states — with what a
//! correct sweep says about each, as data ([`Seeded::intended`]) and as the table the demo
//! prints. A test sweeps it and holds the sweep to that table.

use std::time::Instant;

use futures::stream::{self, StreamExt};

use crate::family::seed_controls;
use crate::seed::{self, NewAccount, Selectors};
use crate::{seed_chain, Break, ChainSpec, Emulator};

/// The home region of every demo chain (where console sign-ins are recorded).
pub const HOME: &str = "us-east-1";
/// Where the demo's (broken, single-region) organization trail lives.
const ORG_TRAIL_REGION: &str = "eu-west-1";

/// Which OU an account goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ou {
    Root,
    Prod,
    /// Nested under Prod.
    ProdEu,
    Dev,
    Sandbox,
}

/// What to do in an account, beyond a (possibly broken) chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    None,
    /// Also a single-region trail in eu-west-1 (that region is then judged by it).
    SingleRegionElsewhere,
    /// An advanced-selector chain (Management, no readOnly restriction): passes.
    AdvancedSelectors,
    /// An advanced-selector trail for data events only.
    AdvancedDataOnly,
    /// A metric-math alarm instead of a plain one.
    MathAlarm,
    /// Delete the member role with IAM (moto does not honour it: still assumable).
    DeleteRole,
    /// Close the account (SUSPENDED at once).
    Suspend,
}

/// One demo account.
pub struct Row {
    pub name: &'static str,
    ou: Ou,
    chain: Break,
    extra: Extra,
    /// What a correct sweep says about the home region.
    pub intended: &'static str,
}

const fn row(
    name: &'static str,
    ou: Ou,
    chain: Break,
    extra: Extra,
    intended: &'static str,
) -> Row {
    Row {
        name,
        ou,
        chain,
        extra,
        intended,
    }
}

/// The demo organization, one row per member account.
///
/// The management account owns a BROKEN organization trail, so it does not cover everyone
/// (COVERED_BY_ORG_TRAIL) and members are judged by their own chains. It is broken by being
/// single-region in eu-west-1 (its chain is otherwise complete): a broken organization chain is
/// one more candidate for every account and wins where it gets furthest, so a
/// multi-region org trail broken late (say, no alarm) would turn most members' us-east-1
/// reasons into that org chain's NO_ALARM. This way, in us-east-1 the org chain is absent and
/// every member's own first broken link shows; in eu-west-1 it is TRAIL_NOT_MULTI_REGION.
pub const DEMO: &[Row] = &[
    row(
        "prod-web",
        Ou::Prod,
        Break::None,
        Extra::None,
        "PASS COMPLIANT",
    ),
    row(
        "prod-api",
        Ou::Prod,
        Break::ReorderedPattern,
        Extra::None,
        "PASS COMPLIANT (reordered, re-quoted pattern)",
    ),
    row(
        "prod-data",
        Ou::Prod,
        Break::BroaderPattern,
        Extra::None,
        "PASS COMPLIANT (broader pattern)",
    ),
    row(
        "prod-eu-1",
        Ou::ProdEu,
        Break::None,
        Extra::AdvancedSelectors,
        "PASS COMPLIANT (advanced selectors)",
    ),
    row(
        "prod-eu-2",
        Ou::ProdEu,
        Break::None,
        Extra::SingleRegionElsewhere,
        "PASS COMPLIANT (+ a single-region trail in eu-west-1)",
    ),
    row(
        "=SUM(1+1), \"evil\"",
        Ou::Prod,
        Break::None,
        Extra::None,
        "PASS COMPLIANT (hostile name)",
    ),
    row(
        "dev-empty",
        Ou::Dev,
        Break::NoTrail,
        Extra::None,
        "FAIL NO_TRAIL",
    ),
    row(
        "dev-single",
        Ou::Dev,
        Break::SingleRegion,
        Extra::None,
        "FAIL TRAIL_NOT_MULTI_REGION",
    ),
    row(
        "dev-stopped",
        Ou::Dev,
        Break::NotLogging,
        Extra::None,
        "FAIL TRAIL_NOT_LOGGING",
    ),
    row(
        "dev-readonly",
        Ou::Dev,
        Break::ReadOnlySelectors,
        Extra::None,
        "FAIL NO_MANAGEMENT_EVENTS (ReadOnly)",
    ),
    row(
        "dev-nomgmt",
        Ou::Dev,
        Break::NoManagementSelectors,
        Extra::None,
        "FAIL NO_MANAGEMENT_EVENTS (no management events)",
    ),
    row(
        "dev-adv-ro",
        Ou::Dev,
        Break::AdvancedReadOnly,
        Extra::None,
        "FAIL NO_MANAGEMENT_EVENTS (advanced, readOnly)",
    ),
    row(
        "dev-dataonly",
        Ou::Dev,
        Break::NoSelectors,
        Extra::AdvancedDataOnly,
        "FAIL NO_MANAGEMENT_EVENTS (data events only)",
    ),
    row(
        "sbx-nocwl",
        Ou::Sandbox,
        Break::NoCloudWatchLogs,
        Extra::None,
        "FAIL NO_CLOUDWATCH_LOGS",
    ),
    row(
        "sbx-nogroup",
        Ou::Sandbox,
        Break::LogGroupMissing,
        Extra::None,
        "FAIL LOG_GROUP_MISSING",
    ),
    row(
        "sbx-nofilter",
        Ou::Sandbox,
        Break::NoMetricFilter,
        Extra::None,
        "FAIL NO_METRIC_FILTER",
    ),
    row(
        "sbx-narrow",
        Ou::Sandbox,
        Break::NarrowPattern,
        Extra::None,
        "FAIL PATTERN_TOO_NARROW",
    ),
    row(
        "sbx-noalarm",
        Ou::Sandbox,
        Break::NoAlarm,
        Extra::None,
        "FAIL NO_ALARM",
    ),
    row(
        "sbx-dims",
        Ou::Sandbox,
        Break::AlarmExtraDimension,
        Extra::None,
        "FAIL NO_ALARM (alarm has an extra dimension)",
    ),
    row(
        "sbx-math",
        Ou::Sandbox,
        Break::None,
        Extra::MathAlarm,
        "PASS COMPLIANT (a metric-math alarm, e1 = m1 * 1)",
    ),
    row(
        "team, \"ops\"",
        Ou::Root,
        Break::ActionsDisabled,
        Extra::None,
        "FAIL ALARM_ACTIONS_DISABLED (hostile name)",
    ),
    row(
        "ops-noaction",
        Ou::Root,
        Break::NoAlarmAction,
        Extra::None,
        "FAIL NO_ALARM_ACTION",
    ),
    row(
        "ops-nosub",
        Ou::Root,
        Break::TopicWithoutSubscription,
        Extra::None,
        "FAIL NO_CONFIRMED_SUBSCRIPTION (no subscription)",
    ),
    row(
        "ops-deleted",
        Ou::Root,
        Break::TopicDeleted,
        Extra::None,
        "FAIL NO_CONFIRMED_SUBSCRIPTION (topic deleted)",
    ),
    row(
        "ops-sns-key",
        Ou::Root,
        Break::SnsManagedKey,
        Extra::None,
        "FAIL NOTIFICATION_BLOCKED (topic encrypted with alias/aws/sns)",
    ),
    row(
        "ops-key-policy",
        Ou::Root,
        Break::KeyWithoutCloudWatch,
        Extra::None,
        "FAIL NOTIFICATION_BLOCKED (customer key without CloudWatch)",
    ),
    row(
        "ops-norole",
        Ou::Root,
        Break::None,
        Extra::DeleteRole,
        "ERROR ASSUME_ROLE_FAILED (role deleted; the demo proxy refuses the AssumeRole, as AWS does)",
    ),
    row(
        "old-closed",
        Ou::Root,
        Break::NoTrail,
        Extra::Suspend,
        "SUSPENDED: listed and marked",
    ),
];

/// One cell a correct sweep reports in [`HOME`]: control id, status, reason.
pub type Cell = (String, &'static str, &'static str);

/// What [`seed_demo`] made.
pub struct Seeded {
    pub management_account_id: String,
    /// Each demo row's account id, in [`DEMO`] order.
    pub ids: Vec<String>,
}

impl Seeded {
    /// See [`intended`].
    pub fn intended(&self, i: usize) -> Option<Vec<Cell>> {
        intended(i)
    }
}

/// What a correct sweep reports in [`HOME`] for demo row `i`, every control, the console
/// control first; `None` for an account the sweep does not check (closed).
pub fn intended(i: usize) -> Option<Vec<Cell>> {
    let r = &DEMO[i];
    if r.extra == Extra::Suspend {
        return None;
    }
    let mut words = r.intended.split_whitespace();
    let console: (&'static str, &'static str) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let mut cells = vec![(
        orgsweep::controls::DEFAULT_CONTROL.to_string(),
        console.0,
        console.1,
    )];
    let placed = others_of(i);
    for id in other_controls() {
        let verdict = match r.extra {
            Extra::DeleteRole => console,
            _ if reaches_filters(r.chain) => placed
                .iter()
                .find(|(c, _)| *c == id)
                .map_or(("FAIL", "NO_METRIC_FILTER"), |(_, b)| b.verdict()),
            _ if SHARED_LINKS.contains(&r.chain.verdict().1) => console,
            _ => ("FAIL", "NO_METRIC_FILTER"),
        };
        cells.push((id, verdict.0, verdict.1));
    }
    Some(cells)
}

/// Reasons of a link every control shares (the trail and its log group).
const SHARED_LINKS: [&str; 6] = [
    "NO_TRAIL",
    "TRAIL_NOT_MULTI_REGION",
    "TRAIL_NOT_LOGGING",
    "NO_MANAGEMENT_EVENTS",
    "NO_CLOUDWATCH_LOGS",
    "LOG_GROUP_MISSING",
];

fn other_controls() -> Vec<String> {
    orgsweep::controls::table()
        .iter()
        .map(|c| c.id.clone())
        .filter(|id| id != orgsweep::controls::DEFAULT_CONTROL)
        .collect()
}

/// Seeds the demo organization into a fresh emulator and prints its table.
pub async fn seed_demo(em: &Emulator) -> Seeded {
    let started = Instant::now();
    let org = seed::create_organization(em).await;
    let prod = seed::create_ou(em, &org.root_id, "Prod").await;
    let prod_eu = seed::create_ou(em, &prod, "Prod EU").await;
    let dev = seed::create_ou(em, &org.root_id, "Dev").await;
    let sandbox = seed::create_ou(em, &org.root_id, "Sandbox").await;
    let parent = |ou: Ou| match ou {
        Ou::Root => org.root_id.clone(),
        Ou::Prod => prod.clone(),
        Ou::ProdEu => prod_eu.clone(),
        Ou::Dev => dev.clone(),
        Ou::Sandbox => sandbox.clone(),
    };
    let new: Vec<NewAccount> = DEMO
        .iter()
        .enumerate()
        .map(|(i, r)| {
            NewAccount::new(r.name, format!("demo{i:02}@example.com")).under(&parent(r.ou))
        })
        .collect();
    let ids = seed::create_accounts(em, &org.root_id, &new).await;

    // The management account: a broken (single-region, eu-west-1) organization trail.
    let management = em.management();
    let org_chain = ChainSpec::compliant(ORG_TRAIL_REGION)
        .prefix("org")
        .organization_trail()
        .single_region();
    seed_chain(em, &management, &org_chain).await;

    stream::iter(ids.iter().zip(DEMO).enumerate())
        .for_each_concurrent(seed::SEED_CONCURRENCY, |(i, (id, r))| async move {
            seed_row(em, id, r, i).await;
        })
        .await;

    println!("endpoint:            {}", em.endpoint());
    println!(
        "management account:  {} (its organization trail is single-region in {ORG_TRAIL_REGION}: \
         broken, so members are judged by their own chains)",
        org.management_account_id
    );
    println!(
        "organization:        {} ({} accounts)",
        org.organization_id,
        ids.len() + 1
    );
    println!();
    println!(
        "{:<14}  {:<22}  intended verdict in {HOME}: console-auth-failures; the other controls",
        "account", "name"
    );
    println!(
        "{:<14}  {:<22}  FAIL NO_TRAIL (its only trail is the org trail in {ORG_TRAIL_REGION}); the same",
        org.management_account_id, "master"
    );
    for (i, (id, r)) in ids.iter().zip(DEMO).enumerate() {
        let others = others_intended(i);
        println!("{id:<14}  {:<22}  {}; {others}", r.name, r.intended);
    }
    eprintln!("seeded in {:.1?}", started.elapsed());
    Seeded {
        management_account_id: org.management_account_id,
        ids,
    }
}

/// The table's words for the other fourteen controls of demo row `i`, from [`intended`]: one
/// source for what the demo prints and what the test holds the sweep to.
fn others_intended(i: usize) -> String {
    let Some(cells) = intended(i) else {
        return "the same".into();
    };
    let (console, others) = cells
        .split_first()
        .expect("the console control comes first");
    if console.1 != "PASS" && others.iter().all(|c| (c.1, c.2) == (console.1, console.2)) {
        return "the same (the link that breaks it is every control's)".into();
    }
    let complete = others.iter().filter(|c| c.1 == "PASS").count();
    let without = others.iter().filter(|c| c.2 == "NO_METRIC_FILTER").count();
    if without == others.len() {
        return format!("the other {without} have no filter (NO_METRIC_FILTER)");
    }
    let mut words = vec![format!("{complete} complete")];
    words.extend(
        others
            .iter()
            .filter(|c| c.1 != "PASS" && c.2 != "NO_METRIC_FILTER")
            .map(|(id, _, reason)| format!("{id} {reason}")),
    );
    if without > 0 {
        words.push(format!("{without} without a filter"));
    }
    words.join(", ")
}

/// Whether a demo chain gets as far as its log group's filters (so the other controls can be
/// seeded beside it).
fn reaches_filters(b: Break) -> bool {
    matches!(
        b,
        Break::None
            | Break::ReorderedPattern
            | Break::BroaderPattern
            | Break::NoMetricFilter
            | Break::NarrowPattern
            | Break::NoAlarm
            | Break::AlarmExtraDimension
            | Break::ActionsDisabled
            | Break::NoAlarmAction
            | Break::TopicWithoutSubscription
            | Break::TopicDeleted
    )
}

/// The other fourteen controls of demo account `i`, in mixed states: all complete; one broken
/// at a link; a subset; two broken; none at all.
fn others_of(i: usize) -> Vec<(String, Break)> {
    let others = other_controls();
    let complete = |ids: &[String]| -> Vec<(String, Break)> {
        ids.iter().map(|id| (id.clone(), Break::None)).collect()
    };
    let mut out = complete(&others);
    let rot = |k: usize| Break::ROTATION[k % Break::ROTATION.len()];
    match i % 5 {
        0 => {}
        1 => out[i % others.len()].1 = rot(i),
        2 => out.truncate(5),
        3 => {
            out[i % others.len()].1 = rot(i);
            out[(i + 7) % others.len()].1 = rot(i + 3);
        }
        _ => out.clear(),
    }
    out
}

async fn seed_row(em: &Emulator, id: &str, r: &Row, i: usize) {
    let account = em.account(id).await;
    let mut spec = r.chain.apply(ChainSpec::compliant(HOME));
    match r.extra {
        Extra::AdvancedSelectors => spec = spec.selectors(Selectors::Advanced { read_only: None }),
        Extra::AdvancedDataOnly => spec = spec.selectors(Selectors::AdvancedDataOnly),
        Extra::MathAlarm => spec = spec.math_alarm(),
        _ => {}
    }
    seed_chain(em, &account, &spec).await;
    if reaches_filters(r.chain) && r.extra != Extra::Suspend {
        // The family beside the console chain, on the same log group, with a topic of its own.
        let topic = account
            .create_topic(
                HOME,
                "demo-monitoring",
                &[("email", "security@example.com")],
            )
            .await;
        seed_controls(
            &account,
            HOME,
            &spec.log_group_name(),
            &topic,
            "demo",
            &others_of(i),
        )
        .await;
    }
    match r.extra {
        Extra::SingleRegionElsewhere => {
            let other = ChainSpec::compliant("eu-west-1")
                .prefix("eu")
                .single_region();
            seed_chain(em, &account, &other).await;
        }
        Extra::DeleteRole => account.delete_member_role().await,
        Extra::Suspend => seed::close_account(em, id).await,
        _ => {}
    }
}
