//! Counts API calls per operation (and attempts, so retries show), through an SDK interceptor
//! attached to every client: the summary and the benchmarks report these numbers, and a test
//! holds a compliant account to its call budget.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::{Deserialize, Serialize};

/// Calls and attempts of one operation; `attempts - calls` is the number of retries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpCount {
    pub calls: u64,
    pub attempts: u64,
}

/// A shared tally keyed by `Service:Operation`. Cloning shares the tally.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    tally: Arc<Mutex<BTreeMap<String, OpCount>>>,
}

impl CallCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the tally as it stands.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, OpCount> {
        self.tally.lock().expect("call tally poisoned").clone()
    }

    /// Total calls (not attempts) over every operation.
    pub fn total_calls(&self) -> u64 {
        self.snapshot().values().map(|c| c.calls).sum()
    }

    /// Adds another tally into this one (per-account tallies into the sweep's).
    pub(crate) fn absorb(&self, other: &BTreeMap<String, OpCount>) {
        let mut tally = self.tally.lock().expect("call tally poisoned");
        for (op, count) in other {
            let entry = tally.entry(op.clone()).or_default();
            entry.calls += count.calls;
            entry.attempts += count.attempts;
        }
    }

    fn bump(&self, cfg: &ConfigBag, first_attempt: bool) {
        let key = match cfg.load::<Metadata>() {
            Some(m) => format!("{}:{}", m.service(), m.name()),
            None => "unknown:unknown".to_string(),
        };
        let mut tally = self.tally.lock().expect("call tally poisoned");
        let entry = tally.entry(key).or_default();
        if first_attempt {
            entry.calls += 1;
        } else {
            entry.attempts += 1;
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "orgsweep::CallCounter"
    }

    // Counted once per operation at its end: the operation's metadata is not yet in the
    // config bag before execution starts.
    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, true);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, false);
        Ok(())
    }
}
