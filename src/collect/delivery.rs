//! What decides whether an alarm can notify: the topic's attributes (`GetTopicAttributes`, once
//! per topic), the key policy of a customer managed key it is encrypted with (`kms:GetKeyPolicy`,
//! once per key, in the topic's account), and with `--alarm-history` each alarm's recent actions
//! (`DescribeAlarmHistory`, once per alarm).

use std::collections::{BTreeMap, BTreeSet};

use super::bounded;
use aws_sdk_cloudwatch::types as cw;

use crate::aws::errors::classify;
use crate::aws::{AccountClients, CallFailure, FailureKind};
use crate::facts::{is_sns_managed_key, parse_arn, AlarmAction, Fetched, KeyFacts, TopicDelivery};

/// The region of an ARN, else the account's default region.
fn region_of(clients: &AccountClients, arn: &str) -> String {
    parse_arn(arn)
        .map(|p| p.region.to_string())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| clients.default_region())
}

/// `GetTopicAttributes`: the policy and key id (the key itself is read by [`with_keys`]).
async fn attributes(clients: &AccountClients, topic_arn: &str) -> Fetched<TopicDelivery> {
    let region = region_of(clients, topic_arn);
    let out = clients
        .sns(&region)
        .get_topic_attributes()
        .topic_arn(topic_arn)
        .send()
        .await
        .map_err(|e| classify("SNS:GetTopicAttributes", &e).in_region(&region))?;
    let attrs = out.attributes();
    let get = |k: &str| {
        attrs
            .and_then(|a| a.get(k))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    Ok(TopicDelivery {
        policy: get("Policy"),
        kms_master_key_id: get("KmsMasterKeyId"),
        key: None,
    })
}

/// Where a topic's key lives and how to name it to KMS: `(region, account, key id)`. `None`
/// for the AWS managed SNS key (judged from its name) and for a key of another account (its
/// policy cannot be read from here).
fn key_ref(
    clients: &AccountClients,
    topic_arn: &str,
    key_id: &str,
) -> Option<(String, String, String)> {
    if is_sns_managed_key(key_id) {
        return None;
    }
    let topic = parse_arn(topic_arn)?;
    let (region, account) = match parse_arn(key_id) {
        Some(k) => (k.region.to_string(), k.account.to_string()),
        None => (topic.region.to_string(), topic.account.to_string()),
    };
    (account == clients.account_id).then(|| (region, account, key_id.to_string()))
}

/// An alias must be resolved (`DescribeKey`) before `GetKeyPolicy`, which takes key ids and
/// ARNs only; `KeyManager` then also says whether the key is AWS managed.
async fn key(clients: &AccountClients, region: &str, key_id: &str) -> Fetched<KeyFacts> {
    let kms = clients.kms(region);
    let alias = key_id.starts_with("alias/") || key_id.contains(":alias/");
    let (arn, aws_managed) = if alias {
        let out = kms
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| classify("KMS:DescribeKey", &e).in_region(region))?;
        let meta = out.key_metadata().ok_or_else(|| {
            CallFailure::new(FailureKind::Other, "KMS:DescribeKey", "no key metadata")
                .in_region(region)
        })?;
        (
            meta.arn().unwrap_or(meta.key_id()).to_string(),
            meta.key_manager()
                .is_some_and(|m| m.as_str().eq_ignore_ascii_case("AWS")),
        )
    } else {
        (key_id.to_string(), false)
    };
    // The emulator answers only with PolicyName `default`; AWS takes it as the default anyway.
    let out = kms
        .get_key_policy()
        .key_id(&arn)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| classify("KMS:GetKeyPolicy", &e).in_region(region))?;
    Ok(KeyFacts {
        arn,
        aws_managed,
        policy: out.policy().unwrap_or_default().to_string(),
    })
}

/// Reads the delivery facts of `topics`: attributes concurrently, then each distinct key once.
pub(crate) async fn topics_delivery(
    clients: &AccountClients,
    topics: &[String],
) -> BTreeMap<String, Fetched<TopicDelivery>> {
    let read = bounded(topics.iter().map(|t| attributes(clients, t))).await;
    let mut found: BTreeMap<String, Fetched<TopicDelivery>> =
        topics.iter().cloned().zip(read).collect();
    let refs: BTreeMap<String, (String, String, String)> = found
        .iter()
        .filter_map(|(topic, d)| {
            let key_id = d.as_ref().ok()?.kms_master_key_id.as_deref()?;
            Some((topic.clone(), key_ref(clients, topic, key_id)?))
        })
        .collect();
    let distinct: Vec<(String, String, String)> = refs
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let keys = bounded(
        distinct
            .iter()
            .map(|(region, _, id)| key(clients, region, id)),
    )
    .await;
    let keys: BTreeMap<&(String, String, String), Fetched<KeyFacts>> =
        distinct.iter().zip(keys).collect();
    for (topic, r) in &refs {
        if let Some(Ok(d)) = found.get_mut(topic) {
            d.key = keys.get(r).cloned();
        }
    }
    found
}

/// `DescribeAlarmHistory` (type `Action`, newest first) of each alarm over the last `days`.
pub(crate) async fn alarm_histories(
    clients: &AccountClients,
    region: &str,
    alarms: &[(String, String)],
    days: u32,
) -> BTreeMap<String, Fetched<Vec<AlarmAction>>> {
    let now = std::time::SystemTime::now();
    let start = now - std::time::Duration::from_secs(days as u64 * 86_400);
    let read = bounded(alarms.iter().map(|(_, name)| async move {
        let out = clients
            .cloudwatch(region)
            .describe_alarm_history()
            .alarm_name(name)
            .alarm_types(cw::AlarmType::MetricAlarm)
            .history_item_type(cw::HistoryItemType::Action)
            .start_date(aws_smithy_types::DateTime::from(start))
            .end_date(aws_smithy_types::DateTime::from(now))
            .scan_by(cw::ScanBy::TimestampDescending)
            .max_records(100)
            .send()
            .await
            .map_err(|e| classify("CloudWatch:DescribeAlarmHistory", &e).in_region(region))?;
        Ok(out.alarm_history_items().iter().map(action_of).collect())
    }))
    .await;
    alarms
        .iter()
        .map(|(arn, _)| arn.clone())
        .zip(read)
        .collect()
}

/// One history item: `HistoryData` says `actionState`; the summary says it in words.
fn action_of(item: &cw::AlarmHistoryItem) -> AlarmAction {
    let summary = item.history_summary().unwrap_or_default().to_string();
    let state = item
        .history_data()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|v| {
            v.get("actionState")
                .and_then(|s| s.as_str())
                .map(str::to_string)
        });
    let succeeded = match state.as_deref() {
        Some(s) => !s.eq_ignore_ascii_case("Failed"),
        None => !summary.to_ascii_lowercase().starts_with("failed"),
    };
    AlarmAction {
        time: item.timestamp().map(|t| t.secs()).unwrap_or(0),
        succeeded,
        summary,
    }
}
