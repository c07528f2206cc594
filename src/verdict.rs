//! What a cell of the matrix says: a status, a stable reason code, a line a person can act on,
//! and the resources of the chain that decided it. Codes are diffed across runs: never rename.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::failure::{CallFailure, FailureKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Skipped,
    /// A FAIL that a recorded, unexpired exception accepts (`crate::exceptions`); it keeps its
    /// reason. Last, so the order of the first four (and of anything sorted by it) is unchanged.
    Excepted,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Skipped,
        Status::Excepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skipped => "SKIPPED",
            Status::Excepted => "EXCEPTED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reason codes, in the order of the chain's links where they name a broken link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    Compliant,
    CoveredByOrgTrail,
    NoTrail,
    TrailNotMultiRegion,
    TrailNotLogging,
    NoManagementEvents,
    NoGlobalServiceEvents,
    NoCloudwatchLogs,
    LogGroupMissing,
    LogsDeliveryFailing,
    NoMetricFilter,
    PatternInvalid,
    PatternTooNarrow,
    PatternTooBroad,
    NoAlarm,
    AlarmCannotFire,
    AlarmActionsDisabled,
    NoAlarmAction,
    NoConfirmedSubscription,
    NotificationBlocked,
    AlarmActionFailing,
    AssumeRoleFailed,
    AccessDenied,
    Throttled,
    ApiError,
    Timeout,
    RegionNotEnabled,
    Excluded,
}

impl Reason {
    /// Every code, in chain order (the order of `config/reasons.toml` and of the enum).
    pub const ALL: [Reason; 28] = [
        Reason::Compliant,
        Reason::CoveredByOrgTrail,
        Reason::NoTrail,
        Reason::TrailNotMultiRegion,
        Reason::TrailNotLogging,
        Reason::NoManagementEvents,
        Reason::NoGlobalServiceEvents,
        Reason::NoCloudwatchLogs,
        Reason::LogGroupMissing,
        Reason::LogsDeliveryFailing,
        Reason::NoMetricFilter,
        Reason::PatternInvalid,
        Reason::PatternTooNarrow,
        Reason::PatternTooBroad,
        Reason::NoAlarm,
        Reason::AlarmCannotFire,
        Reason::AlarmActionsDisabled,
        Reason::NoAlarmAction,
        Reason::NoConfirmedSubscription,
        Reason::NotificationBlocked,
        Reason::AlarmActionFailing,
        Reason::AssumeRoleFailed,
        Reason::AccessDenied,
        Reason::Throttled,
        Reason::ApiError,
        Reason::Timeout,
        Reason::RegionNotEnabled,
        Reason::Excluded,
    ];

    /// What the code means and what to do about it (`config/reasons.toml`).
    pub fn info(self) -> &'static ReasonInfo {
        reasons()
            .iter()
            .find(|r| r.code == self.as_str())
            .expect("every reason has a row in config/reasons.toml (unit-tested)")
    }

    /// A code by its name.
    pub(crate) fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Compliant => "COMPLIANT",
            Reason::CoveredByOrgTrail => "COVERED_BY_ORG_TRAIL",
            Reason::NoTrail => "NO_TRAIL",
            Reason::TrailNotMultiRegion => "TRAIL_NOT_MULTI_REGION",
            Reason::TrailNotLogging => "TRAIL_NOT_LOGGING",
            Reason::NoManagementEvents => "NO_MANAGEMENT_EVENTS",
            Reason::NoGlobalServiceEvents => "NO_GLOBAL_SERVICE_EVENTS",
            Reason::NoCloudwatchLogs => "NO_CLOUDWATCH_LOGS",
            Reason::LogGroupMissing => "LOG_GROUP_MISSING",
            Reason::LogsDeliveryFailing => "LOGS_DELIVERY_FAILING",
            Reason::NoMetricFilter => "NO_METRIC_FILTER",
            Reason::PatternInvalid => "PATTERN_INVALID",
            Reason::PatternTooNarrow => "PATTERN_TOO_NARROW",
            Reason::PatternTooBroad => "PATTERN_TOO_BROAD",
            Reason::NoAlarm => "NO_ALARM",
            Reason::AlarmCannotFire => "ALARM_CANNOT_FIRE",
            Reason::AlarmActionsDisabled => "ALARM_ACTIONS_DISABLED",
            Reason::NoAlarmAction => "NO_ALARM_ACTION",
            Reason::NoConfirmedSubscription => "NO_CONFIRMED_SUBSCRIPTION",
            Reason::NotificationBlocked => "NOTIFICATION_BLOCKED",
            Reason::AlarmActionFailing => "ALARM_ACTION_FAILING",
            Reason::AssumeRoleFailed => "ASSUME_ROLE_FAILED",
            Reason::AccessDenied => "ACCESS_DENIED",
            Reason::Throttled => "THROTTLED",
            Reason::ApiError => "API_ERROR",
            Reason::Timeout => "TIMEOUT",
            Reason::RegionNotEnabled => "REGION_NOT_ENABLED",
            Reason::Excluded => "EXCLUDED",
        }
    }

    /// The reason a failed call gives the cells it could not decide.
    pub(crate) fn for_failure(kind: FailureKind) -> Reason {
        match kind {
            FailureKind::Throttled => Reason::Throttled,
            FailureKind::AccessDenied => Reason::AccessDenied,
            FailureKind::Timeout => Reason::Timeout,
            FailureKind::AssumeRole => Reason::AssumeRoleFailed,
            FailureKind::NotFound | FailureKind::Other => Reason::ApiError,
        }
    }
}

/// One row of `config/reasons.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonInfo {
    pub code: String,
    pub meaning: String,
    pub fix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonTable {
    reason: Vec<ReasonInfo>,
}

/// The reasons table shipped with the binary, in chain order.
pub fn reasons() -> &'static [ReasonInfo] {
    static TABLE: std::sync::OnceLock<Vec<ReasonInfo>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<ReasonTable>(include_str!("../config/reasons.toml"))
            .map(|t| t.reason)
            .unwrap_or_else(|e| {
                panic!("config/reasons.toml is broken ({e}); a unit test guards it")
            })
    })
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resources of the chain behind a verdict, as far as the chain got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainResources {
    pub trail_arn: Option<String>,
    pub log_group_arn: Option<String>,
    pub filter_name: Option<String>,
    pub alarm_arn: Option<String>,
    pub topic_arn: Option<String>,
    /// The role CloudTrail uses to deliver to the log group (a manual step repairs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_role_arn: Option<String>,
    /// What keeps the alarm from notifying its topic (a manual step lifts it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<NotificationBlock>,
}

/// Which of the three known ways blocks an alarm's publish to its topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum NotificationBlock {
    /// The topic is encrypted with the AWS managed key `alias/aws/sns`, which CloudWatch
    /// cannot use (or with another AWS managed key, or a key that does not exist).
    ManagedKey { key: String },
    /// The topic's customer managed key does not let `cloudwatch.amazonaws.com` use it.
    KeyPolicy { key_arn: String },
    /// The topic policy denies the publish (or, for a topic of another account, allows none).
    TopicPolicy,
}

/// One cell: (account, region).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    pub reason: Reason,
    pub detail: String,
    pub chain: ChainResources,
    /// The exception that decided the cell (EXCEPTED, or FAIL under an expired one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

impl Verdict {
    pub fn new(status: Status, reason: Reason, detail: impl Into<String>) -> Self {
        Verdict {
            status,
            reason,
            detail: detail.into(),
            chain: ChainResources::default(),
            exception: None,
        }
    }

    /// The cell of a region the tool could not decide because a call failed.
    pub fn error(failure: &CallFailure) -> Self {
        Verdict::new(
            Status::Error,
            Reason::for_failure(failure.kind),
            failure.to_string(),
        )
    }

    pub(crate) fn with_chain(mut self, chain: ChainResources) -> Self {
        self.chain = chain;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_row_in_chain_order() {
        let codes: Vec<&str> = reasons().iter().map(|r| r.code.as_str()).collect();
        let mut all: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        all.dedup();
        assert_eq!(codes, all);
        for r in Reason::ALL {
            assert!(!r.info().meaning.is_empty() && !r.info().fix.is_empty());
            assert_eq!(Reason::from_code(r.as_str()), Some(r));
        }
        // The enum's own order is the chain order too.
        let mut sorted = Reason::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.iter().map(|r| r.as_str()).collect::<Vec<_>>(), all);
    }
}
