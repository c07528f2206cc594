//! A cell of the matrix that remediation fixes: shared by targets and manual steps.

use serde::{Deserialize, Serialize};

use crate::verdict::Reason;

/// One (account, region, control) cell a target or a manual step fixes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub account_id: String,
    pub region: String,
    pub control: String,
    pub reason: Reason,
}
