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
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Pass, Status::Fail, Status::Error, Status::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skipped => "SKIPPED",
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
    NoMetricFilter,
    PatternInvalid,
    PatternTooNarrow,
    PatternTooBroad,
    NoAlarm,
    AlarmCannotFire,
    AlarmActionsDisabled,
    NoAlarmAction,
    NoConfirmedSubscription,
    AssumeRoleFailed,
    AccessDenied,
    Throttled,
    ApiError,
    Timeout,
    RegionNotEnabled,
    Excluded,
}

impl Reason {
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
            Reason::NoMetricFilter => "NO_METRIC_FILTER",
            Reason::PatternInvalid => "PATTERN_INVALID",
            Reason::PatternTooNarrow => "PATTERN_TOO_NARROW",
            Reason::PatternTooBroad => "PATTERN_TOO_BROAD",
            Reason::NoAlarm => "NO_ALARM",
            Reason::AlarmCannotFire => "ALARM_CANNOT_FIRE",
            Reason::AlarmActionsDisabled => "ALARM_ACTIONS_DISABLED",
            Reason::NoAlarmAction => "NO_ALARM_ACTION",
            Reason::NoConfirmedSubscription => "NO_CONFIRMED_SUBSCRIPTION",
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
    pub fn for_failure(kind: FailureKind) -> Reason {
        match kind {
            FailureKind::Throttled => Reason::Throttled,
            FailureKind::AccessDenied => Reason::AccessDenied,
            FailureKind::Timeout => Reason::Timeout,
            FailureKind::AssumeRole => Reason::AssumeRoleFailed,
            FailureKind::NotFound | FailureKind::Other => Reason::ApiError,
        }
    }
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
}

/// One cell: (account, region).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    pub reason: Reason,
    pub detail: String,
    pub chain: ChainResources,
}

impl Verdict {
    pub fn new(status: Status, reason: Reason, detail: impl Into<String>) -> Self {
        Verdict {
            status,
            reason,
            detail: detail.into(),
            chain: ChainResources::default(),
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

    pub fn with_chain(mut self, chain: ChainResources) -> Self {
        self.chain = chain;
        self
    }
}
