//! Landing zones the way Control Tower and LZA build them: an organization trail of the
//! management account delivering to `aws-controltower/CloudTrailLogs-<suffix>`, filters and
//! alarms on that group, and alarms notifying a topic of the Audit account
//! (`aws-accelerator-<Level>Notifications`), whose policy grants CloudWatch — or does not.
//!
//! ```ignore
//! let topic = audit.create_topic(HOME, AUDIT_TOPIC, &[("email", "sec@example.com")]).await;
//! let made = seed_group_chain(&mgmt, HOME, CT_GROUP, "lz", cis_pattern(), &topic).await;
//! let trail = seed_org_trail(&em, &mgmt, HOME, CT_GROUP).await;
//! ```

use serde_json::json;

use crate::moto::Emulator;
use crate::seed::{Account, AlarmSpec, FilterSpec, Selectors, TrailSpec};

/// The log group Control Tower 4.0 creates (with its random suffix).
pub const CT_GROUP: &str = "aws-controltower/CloudTrailLogs-a1b2c3d4";
/// The group older Control Tower versions made; it may survive beside the new one.
pub const CT_GROUP_STALE: &str = "aws-controltower/CloudTrailLogs";
/// LZA's high-level alarm topic in the Audit account.
pub const AUDIT_TOPIC: &str = "aws-accelerator-HighNotifications";

/// Creates `group` in `account`/`region` when missing and puts on it a filter with `pattern`
/// (metric `<prefix>/ConsoleAuthFailures`) and a `Sum >= 1` alarm notifying `topic_arn`;
/// returns the alarm ARN.
pub async fn seed_group_chain(
    account: &Account,
    region: &str,
    group: &str,
    prefix: &str,
    pattern: &str,
    topic_arn: &str,
) -> String {
    account.create_log_group(region, group).await;
    let namespace = format!("{prefix}-cis");
    account
        .put_metric_filter(
            region,
            &FilterSpec {
                log_group: group.to_string(),
                name: format!("{prefix}-console-auth-failures"),
                pattern: pattern.to_string(),
                namespace: namespace.clone(),
                metric: "ConsoleAuthFailures".to_string(),
                value: "1".to_string(),
                dimensions: Vec::new(),
            },
        )
        .await;
    account
        .put_alarm(
            region,
            &AlarmSpec {
                name: format!("{prefix}-console-auth-failures"),
                namespace,
                metric: "ConsoleAuthFailures".to_string(),
                dimensions: Vec::new(),
                statistic: "Sum".to_string(),
                threshold: 1.0,
                comparison: "GreaterThanOrEqualToThreshold".to_string(),
                period: 300,
                evaluation_periods: 1,
                actions_enabled: true,
                actions: vec![topic_arn.to_string()],
            },
        )
        .await
}

/// A logging multi-region trail of `account` (an organization trail when `organization`)
/// delivering to `group`; returns its ARN.
pub async fn seed_trail(
    em: &Emulator,
    account: &Account,
    region: &str,
    name: &str,
    group: &str,
    organization: bool,
) -> String {
    account
        .create_trail(
            em,
            &TrailSpec {
                name: name.to_string(),
                home_region: region.to_string(),
                bucket: format!("{name}-{}-{region}", account.id),
                multi_region: true,
                logging: true,
                include_global_events: true,
                organization,
                selectors: Selectors::all(),
                log_group_arn: Some(account.log_group_arn(region, group)),
                role_arn: Some(format!(
                    "arn:aws:iam::{}:role/CloudTrail_CloudWatchLogs_Role",
                    account.id
                )),
            },
        )
        .await
}

/// The topic's default policy (the owner account only) plus `extra` statements.
fn topic_policy(topic_arn: &str, owner: &str, extra: Vec<serde_json::Value>) -> String {
    let mut statements = vec![json!({
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": { "AWS": "*" },
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
            "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
            "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "AWS:SourceOwner": owner } }
    })];
    statements.extend(extra);
    json!({ "Version": "2008-10-17", "Statement": statements }).to_string()
}

fn owner_of(topic_arn: &str) -> &str {
    topic_arn.split(':').nth(4).expect("a topic ARN")
}

/// The default policy only: no grant for another account's alarms.
pub fn no_grant(topic_arn: &str) -> String {
    topic_policy(topic_arn, owner_of(topic_arn), Vec::new())
}

/// CloudWatch may publish for the alarms of these accounts (`aws:SourceAccount`).
pub fn grant_for_accounts(topic_arn: &str, accounts: &[&str]) -> String {
    let grant = json!({
        "Sid": "AllowAlarmsOfAccounts",
        "Effect": "Allow",
        "Principal": { "Service": "cloudwatch.amazonaws.com" },
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "aws:SourceAccount": accounts } }
    });
    topic_policy(topic_arn, owner_of(topic_arn), vec![grant])
}

/// CloudWatch may publish for the alarms of every account of the organization
/// (`aws:SourceOrgID`), as LZA's org-wide grants do.
pub fn grant_for_organization(topic_arn: &str, organization_id: &str) -> String {
    let grant = json!({
        "Sid": "AllowAlarmsOfTheOrganization",
        "Effect": "Allow",
        "Principal": { "Service": "cloudwatch.amazonaws.com" },
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "aws:SourceOrgID": organization_id } }
    });
    topic_policy(topic_arn, owner_of(topic_arn), vec![grant])
}
