//! The whole CIS monitoring family in one account: one trail and log group, a metric filter
//! and an alarm per control (from the controls table), one shared topic with a confirmed
//! subscription — with any control broken at one of its own links (a [`Break`]), left out, or
//! spelled another way.
//!
//! ```ignore
//! let spec = FamilySpec::complete(HOME).set("root-usage", Break::NoAlarm).without("vpc-changes");
//! seed_family(&em, &account, &spec).await;
//! ```

use orgsweep::controls::{self, Control};

use crate::breaks::Break;
use crate::moto::Emulator;
use crate::seed::{Account, AlarmSpec, FilterSpec, Selectors, TrailSpec};

/// The family to seed in one account (everything in `home_region`).
#[derive(Debug, Clone)]
pub struct FamilySpec {
    pub home_region: String,
    pub prefix: String,
    pub organization: bool,
    /// The trail's event selectors (classic `All` unless set).
    pub selectors: Selectors,
    /// `(control id, how it is broken)`, in table order; a control not listed is left out.
    pub controls: Vec<(String, Break)>,
}

impl FamilySpec {
    /// Every control complete.
    pub fn complete(home_region: &str) -> FamilySpec {
        FamilySpec {
            home_region: home_region.to_string(),
            prefix: "fam".into(),
            organization: false,
            selectors: Selectors::all(),
            controls: controls::table()
                .iter()
                .map(|c| (c.id.clone(), Break::None))
                .collect(),
        }
    }

    /// Only these controls (complete).
    pub fn only(home_region: &str, ids: &[&str]) -> FamilySpec {
        let mut s = FamilySpec::complete(home_region);
        s.controls.retain(|(id, _)| ids.contains(&id.as_str()));
        s
    }

    pub fn set(mut self, id: &str, brk: Break) -> FamilySpec {
        let entry = self
            .controls
            .iter_mut()
            .find(|(c, _)| c == id)
            .unwrap_or_else(|| panic!("{id} is not in the spec"));
        entry.1 = brk;
        self
    }

    pub fn without(mut self, id: &str) -> FamilySpec {
        self.controls.retain(|(c, _)| c != id);
        self
    }

    pub fn organization_trail(mut self) -> FamilySpec {
        self.organization = true;
        self
    }

    pub fn selectors(mut self, selectors: Selectors) -> FamilySpec {
        self.selectors = selectors;
        self
    }

    pub fn log_group_name(&self) -> String {
        format!("{}-cloudtrail-logs", self.prefix)
    }
    pub fn topic_name(&self) -> String {
        format!("{}-monitoring", self.prefix)
    }
}

fn control(id: &str) -> &'static Control {
    controls::get(id).unwrap_or_else(|| panic!("unknown control {id}"))
}

/// The reference pattern narrowed to us-east-1: every record it matches the reference catches.
pub fn narrowed(c: &Control) -> String {
    let text = &c.reference.texts[0];
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}');
    format!("{{ ({inner}) && ($.awsRegion = \"us-east-1\") }}")
}

/// What `seed_family` made.
#[derive(Debug, Clone, Default)]
pub struct FamilyResources {
    pub trail_arn: String,
    pub log_group_arn: String,
    pub topic_arn: String,
}

/// Seeds the family in `account` as `spec` says.
pub async fn seed_family(em: &Emulator, account: &Account, spec: &FamilySpec) -> FamilyResources {
    let region = spec.home_region.as_str();
    let group = spec.log_group_name();
    account.create_log_group(region, &group).await;
    let log_group_arn = account.log_group_arn(region, &group);
    let trail_arn = account
        .create_trail(
            em,
            &TrailSpec {
                name: format!("{}-trail", spec.prefix),
                home_region: region.to_string(),
                bucket: format!("{}-trail-{}-{region}", spec.prefix, account.id),
                multi_region: true,
                logging: true,
                include_global_events: true,
                organization: spec.organization,
                selectors: spec.selectors.clone(),
                log_group_arn: Some(log_group_arn.clone()),
                role_arn: Some(format!(
                    "arn:aws:iam::{}:role/CloudTrail_CloudWatchLogs_Role",
                    account.id
                )),
            },
        )
        .await;
    let topic_arn = account
        .create_topic(
            region,
            &spec.topic_name(),
            &[("email", "security@example.com")],
        )
        .await;
    seed_controls(
        account,
        region,
        &group,
        &topic_arn,
        &spec.prefix,
        &spec.controls,
    )
    .await;
    FamilyResources {
        trail_arn,
        log_group_arn,
        topic_arn,
    }
}

/// Puts a filter and an alarm per control on `group` (in `region`), alarms notifying
/// `topic_arn`, each control broken as its [`Break`] says. Names are `<prefix>-<control>`.
pub async fn seed_controls(
    account: &Account,
    region: &str,
    group: &str,
    topic_arn: &str,
    prefix: &str,
    controls: &[(String, Break)],
) {
    for (id, brk) in controls {
        let c = control(id);
        let pattern = match *brk {
            Break::NoMetricFilter => continue,
            Break::Spelled(p) | Break::Pattern(p) => p.to_string(),
            Break::NarrowPattern => narrowed(c),
            Break::None
            | Break::NoAlarm
            | Break::CannotFire
            | Break::ActionsDisabled
            | Break::NoAlarmAction
            | Break::TopicWithoutSubscription => c.reference.texts[0].clone(),
            other => panic!(
                "{other:?} is not a link of {id} alone: the family's controls share the trail, \
                 log group and topic (seed it with seed_chain)"
            ),
        };
        let name = format!("{prefix}-{id}");
        account
            .put_metric_filter(
                region,
                &FilterSpec {
                    log_group: group.to_string(),
                    name: name.clone(),
                    pattern,
                    namespace: "CISBenchmark".into(),
                    metric: c.metric_name.clone(),
                    value: "1".into(),
                    dimensions: Vec::new(),
                },
            )
            .await;
        if *brk == Break::NoAlarm {
            continue;
        }
        let actions = match brk {
            Break::NoAlarmAction => Vec::new(),
            Break::TopicWithoutSubscription => vec![
                account
                    .create_topic(region, &format!("{prefix}-{id}-silent"), &[])
                    .await,
            ],
            _ => vec![topic_arn.to_string()],
        };
        account
            .put_alarm(
                region,
                &AlarmSpec {
                    name,
                    namespace: "CISBenchmark".into(),
                    metric: c.metric_name.clone(),
                    dimensions: Vec::new(),
                    statistic: "Sum".into(),
                    threshold: if *brk == Break::CannotFire { 2.0 } else { 1.0 },
                    comparison: "GreaterThanOrEqualToThreshold".into(),
                    period: 300,
                    evaluation_periods: 1,
                    actions_enabled: *brk != Break::ActionsDisabled,
                    actions,
                },
            )
            .await;
    }
}
