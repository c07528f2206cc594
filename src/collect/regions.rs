//! Which regions exist in the caller's partition and which are enabled for an account.
//!
//! `ec2:DescribeRegions` with `AllRegions=true` answers both in one call per account, with each
//! region's opt-in status; it is also the one way the emulator serves (`account:ListRegions` is
//! not implemented there). The price is the aws-sdk-ec2 crate's build time (README "Region
//! discovery").

use std::collections::BTreeSet;

use crate::aws::errors::classify;
use crate::aws::{AccountClients, CallFailure};

/// The partition a region belongs to, from its name.
pub(crate) fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// Regions of one account: all that exist in the partition, and those enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRegions {
    pub all: BTreeSet<String>,
    pub enabled: BTreeSet<String>,
}

/// One `DescribeRegions` call in the account's default region.
pub async fn discover(
    clients: &AccountClients,
    partition: &str,
) -> Result<AccountRegions, CallFailure> {
    let region = clients.default_region();
    let out = clients
        .ec2(&region)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| classify("EC2:DescribeRegions", &e).in_region(&region))?;
    let mut found = AccountRegions {
        all: BTreeSet::new(),
        enabled: BTreeSet::new(),
    };
    for r in out.regions() {
        let Some(name) = r.region_name() else {
            continue;
        };
        if partition_of_region(name) != partition {
            continue;
        }
        found.all.insert(name.to_string());
        // "opt-in-not-required" and "opted-in" are enabled; "not-opted-in" is not.
        if r.opt_in_status() != Some("not-opted-in") {
            found.enabled.insert(name.to_string());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_belong_to_partitions() {
        assert_eq!(partition_of_region("us-east-1"), "aws");
        assert_eq!(partition_of_region("af-south-1"), "aws");
        assert_eq!(partition_of_region("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of_region("us-iso-east-1"), "aws-iso");
        assert_eq!(partition_of_region("us-isob-east-1"), "aws-iso-b");
    }
}
