//! One vocabulary for a broken monitoring chain, whether it is seeded for one control
//! ([`crate::chain`], the console sign-in failures chain: [`Break::apply`]) or for each control
//! of the family ([`crate::family`]): one variant per way to break a link, each with the
//! `(status, reason)` a correct sweep reports for it (README "Output").

use crate::chain::{ChainSpec, TopicKey, BROADER_PATTERN, CIS_PATTERN_REORDERED, NARROW_PATTERN};
use crate::seed::Selectors;

/// One way to break a chain, per FAIL reason code (plus passing variants). `apply` turns a
/// compliant chain spec into the broken one; `verdict` is what a correct sweep reports for the
/// chain's home region. The family seeds the variants that break one control's own links (its
/// filter, alarm and actions); the rest break what its controls share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Nothing broken: COMPLIANT.
    None,
    /// COMPLIANT with a reordered, re-quoted pattern.
    ReorderedPattern,
    /// COMPLIANT with a broader pattern.
    BroaderPattern,
    NoTrail,
    SingleRegion,
    NotLogging,
    /// Classic selectors, ReadOnly.
    ReadOnlySelectors,
    /// Classic selectors without management events.
    NoManagementSelectors,
    /// Advanced selectors restricted to `readOnly = true`.
    AdvancedReadOnly,
    /// No selectors at all (moto's default for a new trail).
    NoSelectors,
    NoCloudWatchLogs,
    LogGroupMissing,
    NoMetricFilter,
    /// A pattern that misses some of what the reference catches (a near miss).
    NarrowPattern,
    NoAlarm,
    /// The alarm watches the metric with an extra dimension the filter does not emit.
    AlarmExtraDimension,
    ActionsDisabled,
    NoAlarmAction,
    TopicWithoutSubscription,
    TopicDeleted,
    /// Classic selectors leave out kms.amazonaws.com: console sign-ins are still recorded.
    KmsEventsExcluded,
    /// Advanced selectors leave out signin.amazonaws.com: NO_MANAGEMENT_EVENTS.
    SignInEventsExcluded,
    /// The topic is encrypted with `alias/aws/sns`: NOTIFICATION_BLOCKED.
    SnsManagedKey,
    /// A customer key CloudWatch may use: COMPLIANT.
    KeyWithCloudWatch,
    /// A customer key whose policy leaves CloudWatch out: NOTIFICATION_BLOCKED.
    KeyWithoutCloudWatch,
    /// A topic policy that denies CloudWatch the publish: NOTIFICATION_BLOCKED.
    TopicPolicyDenies,
    /// Threshold 2: one event cannot fire the alarm.
    CannotFire,
    /// Complete, with another spelling of the reference that passes (another benchmark's).
    Spelled(&'static str),
    /// This pattern instead; the test says what it expects.
    Pattern(&'static str),
}

impl Break {
    /// The breaks of the single-control suites, in the order that gives their members their
    /// breaks (the family rotates through its own, [`Break::ROTATION`]).
    pub const ALL: &'static [Break] = &[
        Break::None,
        Break::ReorderedPattern,
        Break::BroaderPattern,
        Break::NoTrail,
        Break::SingleRegion,
        Break::NotLogging,
        Break::ReadOnlySelectors,
        Break::NoManagementSelectors,
        Break::AdvancedReadOnly,
        Break::NoSelectors,
        Break::NoCloudWatchLogs,
        Break::LogGroupMissing,
        Break::NoMetricFilter,
        Break::NarrowPattern,
        Break::NoAlarm,
        Break::AlarmExtraDimension,
        Break::ActionsDisabled,
        Break::NoAlarmAction,
        Break::TopicWithoutSubscription,
        Break::TopicDeleted,
        Break::KmsEventsExcluded,
        Break::SignInEventsExcluded,
        Break::SnsManagedKey,
        Break::KeyWithCloudWatch,
        Break::KeyWithoutCloudWatch,
        Break::TopicPolicyDenies,
    ];

    pub fn apply(self, spec: ChainSpec) -> ChainSpec {
        match self {
            Break::None => spec,
            Break::ReorderedPattern => spec.pattern(CIS_PATTERN_REORDERED),
            Break::BroaderPattern => spec.pattern(BROADER_PATTERN),
            Break::NoTrail => spec.no_trail(),
            Break::SingleRegion => spec.single_region(),
            Break::NotLogging => spec.not_logging(),
            Break::ReadOnlySelectors => spec.selectors(Selectors::Classic {
                read_write: "ReadOnly",
                management: true,
            }),
            Break::NoManagementSelectors => spec.selectors(Selectors::Classic {
                read_write: "All",
                management: false,
            }),
            Break::AdvancedReadOnly => spec.selectors(Selectors::Advanced {
                read_only: Some(true),
            }),
            Break::NoSelectors => spec.selectors(Selectors::None),
            Break::NoCloudWatchLogs => spec.without_cloudwatch_logs(),
            Break::LogGroupMissing => spec.log_group_missing(),
            Break::NoMetricFilter => spec.without_metric_filter(),
            Break::NarrowPattern => spec.pattern(NARROW_PATTERN),
            Break::NoAlarm => spec.without_alarm(),
            Break::AlarmExtraDimension => spec.alarm_dimensions(&[("Team", "security")]),
            Break::ActionsDisabled => spec.actions_disabled(),
            Break::NoAlarmAction => spec.without_alarm_action(),
            Break::TopicWithoutSubscription => spec.topic_without_subscription(),
            Break::TopicDeleted => spec.topic_deleted(),
            Break::KmsEventsExcluded => {
                spec.selectors(Selectors::ClassicExcluding(
                    vec!["kms.amazonaws.com".into()],
                ))
            }
            Break::SignInEventsExcluded => spec.selectors(Selectors::AdvancedExcluding(vec![
                "signin.amazonaws.com".into(),
            ])),
            Break::SnsManagedKey => spec.topic_key(TopicKey::SnsManaged),
            Break::KeyWithCloudWatch => spec.topic_key(TopicKey::Customer { cloudwatch: true }),
            Break::KeyWithoutCloudWatch => spec.topic_key(TopicKey::Customer { cloudwatch: false }),
            Break::TopicPolicyDenies => spec.topic_policy_denies(),
            Break::CannotFire => spec.threshold(2.0, "GreaterThanOrEqualToThreshold"),
            Break::Spelled(pattern) | Break::Pattern(pattern) => spec.pattern(pattern),
        }
    }

    /// `(status, reason)` a correct sweep reports in the chain's home region.
    pub fn verdict(self) -> (&'static str, &'static str) {
        match self {
            Break::None
            | Break::ReorderedPattern
            | Break::BroaderPattern
            | Break::KmsEventsExcluded
            | Break::KeyWithCloudWatch
            | Break::Spelled(_) => ("PASS", "COMPLIANT"),
            Break::NoTrail => ("FAIL", "NO_TRAIL"),
            Break::SingleRegion => ("FAIL", "TRAIL_NOT_MULTI_REGION"),
            Break::NotLogging => ("FAIL", "TRAIL_NOT_LOGGING"),
            Break::ReadOnlySelectors
            | Break::NoManagementSelectors
            | Break::AdvancedReadOnly
            | Break::NoSelectors
            | Break::SignInEventsExcluded => ("FAIL", "NO_MANAGEMENT_EVENTS"),
            Break::NoCloudWatchLogs => ("FAIL", "NO_CLOUDWATCH_LOGS"),
            Break::LogGroupMissing => ("FAIL", "LOG_GROUP_MISSING"),
            Break::NoMetricFilter => ("FAIL", "NO_METRIC_FILTER"),
            Break::NarrowPattern => ("FAIL", "PATTERN_TOO_NARROW"),
            Break::NoAlarm | Break::AlarmExtraDimension => ("FAIL", "NO_ALARM"),
            Break::ActionsDisabled => ("FAIL", "ALARM_ACTIONS_DISABLED"),
            Break::NoAlarmAction => ("FAIL", "NO_ALARM_ACTION"),
            Break::TopicWithoutSubscription | Break::TopicDeleted => {
                ("FAIL", "NO_CONFIRMED_SUBSCRIPTION")
            }
            Break::SnsManagedKey | Break::KeyWithoutCloudWatch | Break::TopicPolicyDenies => {
                ("FAIL", "NOTIFICATION_BLOCKED")
            }
            Break::CannotFire => ("FAIL", "ALARM_CANNOT_FIRE"),
            Break::Pattern(_) => ("FAIL", "?"),
        }
    }

    /// The links that break one control of the family, in a fixed order (tests rotate through
    /// them).
    pub const ROTATION: [Break; 8] = [
        Break::NoMetricFilter,
        Break::NarrowPattern,
        Break::NoAlarm,
        Break::CannotFire,
        Break::ActionsDisabled,
        Break::NoAlarmAction,
        Break::TopicWithoutSubscription,
        Break::NoMetricFilter,
    ];

    /// The reason code alone.
    pub fn reason(self) -> &'static str {
        self.verdict().1
    }
}
