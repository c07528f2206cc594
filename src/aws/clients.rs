//! Clients for one account, one per service and region, made on first use and kept: an
//! account's check touches a handful of regions and each client is reused for all its calls.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::{Region, SdkConfig};

use super::CallCounter;

/// Every client one account's check or remediation needs, all counting into one tally.
pub struct AccountClients {
    pub account_id: String,
    config: SdkConfig,
    counter: CallCounter,
    cloudtrail: Mutex<HashMap<String, aws_sdk_cloudtrail::Client>>,
    logs: Mutex<HashMap<String, aws_sdk_cloudwatchlogs::Client>>,
    cloudwatch: Mutex<HashMap<String, aws_sdk_cloudwatch::Client>>,
    sns: Mutex<HashMap<String, aws_sdk_sns::Client>>,
    ec2: Mutex<HashMap<String, aws_sdk_ec2::Client>>,
    kms: Mutex<HashMap<String, aws_sdk_kms::Client>>,
}

/// Returns the cached client for `region`, making it with `make` the first time.
fn cached<C: Clone>(map: &Mutex<HashMap<String, C>>, region: &str, make: impl FnOnce() -> C) -> C {
    let mut map = map.lock().expect("client cache poisoned");
    map.entry(region.to_string()).or_insert_with(make).clone()
}

/// Makes a client of SDK crate `$krate` from an `SdkConfig`, counting its calls into `$counter`
/// and retrying within the tool's own bounds (see `aws::sdk::retry_partition`). Extra builder
/// calls (such as `.region(...)`) may follow the counter.
macro_rules! counted_client {
    ($krate:ident, $config:expr, $counter:expr $(, .$method:ident($($arg:expr),*))*) => {
        $krate::Client::from_conf(
            $krate::config::Builder::from($config)
                .interceptor($counter.clone())
                .retry_partition($crate::aws::sdk::retry_partition())
                $(.$method($($arg),*))*
                .build(),
        )
    };
}

/// By path (`crate::aws::counted_client!`), so that its users import `aws`, not the crate root.
pub(crate) use counted_client;

macro_rules! client_for {
    ($fn_name:ident, $field:ident, $krate:ident) => {
        pub fn $fn_name(&self, region: &str) -> $krate::Client {
            cached(&self.$field, region, || {
                $crate::aws::counted_client!(
                    $krate,
                    &self.config,
                    self.counter,
                    .region(Region::new(region.to_string()))
                )
            })
        }
    };
}

impl AccountClients {
    /// `config` must carry the account's credentials (the caller's, or an assumed role's).
    pub fn new(account_id: impl Into<String>, config: SdkConfig, counter: CallCounter) -> Self {
        AccountClients {
            account_id: account_id.into(),
            config,
            counter,
            cloudtrail: Mutex::default(),
            logs: Mutex::default(),
            cloudwatch: Mutex::default(),
            sns: Mutex::default(),
            ec2: Mutex::default(),
            kms: Mutex::default(),
        }
    }

    /// The region calls go to when no particular region matters.
    pub(crate) fn default_region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| super::sdk::FALLBACK_REGION.to_string())
    }

    pub fn counter(&self) -> &CallCounter {
        &self.counter
    }

    client_for!(cloudtrail, cloudtrail, aws_sdk_cloudtrail);
    client_for!(logs, logs, aws_sdk_cloudwatchlogs);
    client_for!(cloudwatch, cloudwatch, aws_sdk_cloudwatch);
    client_for!(sns, sns, aws_sdk_sns);
    client_for!(ec2, ec2, aws_sdk_ec2);
    client_for!(kms, kms, aws_sdk_kms);
}
