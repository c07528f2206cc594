//! What a plan is made with: the shared topic and namespace, the subscription endpoints, and
//! each planned control's filter, metric and alarm names (from `[remediation]` of the config
//! file over the controls table). Part of the plan file, so an apply uses the names the plan
//! was reviewed with.

use serde::{Deserialize, Serialize};

use crate::config::Config;
pub use crate::controls::ControlNames;
use crate::controls::{Benchmark, Control};

/// The names a plan was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// The benchmark the plan was made under: its reference patterns are what the plan's
    /// filters carry and what the apply judges against. Plans written before benchmarks were
    /// selectable lack it and mean the default.
    #[serde(default)]
    pub benchmark: Benchmark,
    pub metric_namespace: String,
    /// One topic for every control of an account and region ("re-use the same topic for all
    /// monitoring alarms", as CIS suggests).
    pub topic_name: String,
    /// `protocol:endpoint`, as in the config file.
    pub subscription_endpoints: Vec<String>,
    /// The controls planned, in table order, with their names.
    pub controls: Vec<ControlNames>,
}

impl PlanConfig {
    pub(crate) fn from_config(config: &Config, controls: &[&Control]) -> PlanConfig {
        let r = &config.remediation;
        PlanConfig {
            benchmark: controls
                .first()
                .map_or_else(|| config.benchmark(), |c| c.benchmark),
            metric_namespace: r.metric_namespace.clone(),
            topic_name: r.topic_name.clone(),
            subscription_endpoints: r.subscription_endpoints.clone(),
            controls: controls.iter().map(|c| config.names_for(c)).collect(),
        }
    }

    /// A planned control's names.
    pub fn names(&self, control: &str) -> Option<&ControlNames> {
        self.controls.iter().find(|c| c.control == control)
    }

    /// The endpoints, split into (protocol, endpoint) as SNS takes them.
    pub(crate) fn endpoints(&self) -> Vec<(String, String)> {
        self.subscription_endpoints
            .iter()
            .filter_map(|e| crate::validate::subscription_endpoint(e).ok())
            .collect()
    }
}
