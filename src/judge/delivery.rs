//! Can the chain deliver? A chain complete on paper is still deaf when CloudTrail cannot write
//! to the log group, or when the alarm cannot publish to its topic (a topic encrypted with the
//! AWS managed `alias/aws/sns` key, a customer key CloudWatch may not use, a topic policy that
//! denies the publish), or when the alarm's actions have been failing. Pure: facts in, finding
//! out; the policy questions themselves are [`super::policy_eval`]'s.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::facts::{is_sns_managed_key, parse_arn, AlarmAction, TopicDelivery, TrailStatus};
use crate::failure::CallFailure;
use crate::verdict::NotificationBlock;

use super::policy_eval::{key_policy_for, topic_policy_for, PolicyAnswer, SourceOrg};

/// How old the last delivery may be, while CloudTrail reports an error, before the log group is
/// taken to receive nothing (`sweep.logs_delivery_max_age_hours`).
pub(crate) const DEFAULT_LOGS_DELIVERY_MAX_AGE_HOURS: u64 = 24;

/// What a link of the delivery check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// Nothing in the way.
    Clear,
    /// Not in the way, but worth saying (a past error, a policy orgsweep cannot evaluate).
    Note(String),
    /// In the way: the sentence says what and why.
    Broken(String),
}

/// An RFC 3339 time for a detail line.
fn when(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{secs} (seconds since the epoch)"))
}

fn hours(secs: i64) -> String {
    let h = secs / 3600;
    if h >= 48 {
        format!("{} days", h / 24)
    } else {
        format!("{h} hours")
    }
}

/// CloudTrail's delivery to CloudWatch Logs. The error carries no time, so it counts only when
/// CloudTrail has not delivered since `max_age_secs` (or never has).
pub(crate) fn logs_delivery(status: &TrailStatus, max_age_secs: i64) -> Finding {
    let Some(error) = &status.delivery_error else {
        return Finding::Clear;
    };
    match status.last_delivery {
        None => Finding::Broken(format!(
            "CloudTrail reports the CloudWatch Logs delivery error `{error}` and has never delivered to the log group"
        )),
        Some(t) if status.read_at - t > max_age_secs => Finding::Broken(format!(
            "CloudTrail reports the CloudWatch Logs delivery error `{error}`; it last delivered at {} ({} before this check)",
            when(t),
            hours(status.read_at - t)
        )),
        Some(t) => Finding::Note(format!(
            "CloudTrail reported the CloudWatch Logs delivery error `{error}`, but it has delivered since (last at {})",
            when(t)
        )),
    }
}

/// Whether CloudWatch can publish an alarm's notification to the topic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Notification {
    Deliverable,
    /// Deliverable as far as orgsweep can tell; the notes say what it could not evaluate.
    CannotTell(Vec<String>),
    Blocked {
        block: NotificationBlock,
        detail: String,
    },
    /// A call that would have decided failed.
    Unknown(CallFailure),
}

/// Judges the topic's encryption key, then its policy, for an alarm of `alarm_arn` (whose
/// account is in `org`, when the organization is known).
pub(crate) fn notification(
    delivery: &TopicDelivery,
    topic_arn: &str,
    alarm_arn: &str,
    org: Option<SourceOrg<'_>>,
) -> Notification {
    let alarm_account = parse_arn(alarm_arn).map(|p| p.account).unwrap_or_default();
    let mut notes = Vec::new();
    if let Some(key_id) = &delivery.kms_master_key_id {
        if is_sns_managed_key(key_id) {
            return Notification::Blocked {
                block: NotificationBlock::ManagedKey {
                    key: key_id.clone(),
                },
                detail: format!(
                    "topic {topic_arn} is encrypted with the AWS managed key {key_id}, which CloudWatch cannot use, so the alarm cannot publish to it"
                ),
            };
        }
        match &delivery.key {
            None => notes.push(format!(
                "orgsweep could not read the key policy of {key_id}, the topic's key"
            )),
            Some(Err(f)) if f.is_not_found() => {
                return Notification::Blocked {
                    block: NotificationBlock::ManagedKey {
                        key: key_id.clone(),
                    },
                    detail: format!(
                        "topic {topic_arn} is encrypted with KMS key {key_id}, which does not exist, so the alarm cannot publish to it"
                    ),
                }
            }
            Some(Err(f)) => return Notification::Unknown(f.clone()),
            Some(Ok(key)) if key.aws_managed => {
                return Notification::Blocked {
                    block: NotificationBlock::ManagedKey {
                        key: key.arn.clone(),
                    },
                    detail: format!(
                        "topic {topic_arn} is encrypted with the AWS managed key {}, whose policy CloudWatch cannot be added to, so the alarm cannot publish to it",
                        key.arn
                    ),
                }
            }
            Some(Ok(key)) => {
                match key_policy_for(&key.policy, &key.arn, alarm_arn, alarm_account, org) {
                    PolicyAnswer::Allowed => {}
                    PolicyAnswer::Denied(why) => {
                        return Notification::Blocked {
                            block: NotificationBlock::KeyPolicy {
                                key_arn: key.arn.clone(),
                            },
                            detail: format!(
                                "topic {topic_arn} is encrypted with KMS key {}, and {why}, so the alarm cannot publish to it",
                                key.arn
                            ),
                        }
                    }
                    PolicyAnswer::CannotTell(why) => notes.push(format!(
                        "orgsweep cannot tell whether the policy of KMS key {} lets CloudWatch use it: {why}",
                        key.arn
                    )),
                }
            }
        }
    }
    match &delivery.policy {
        None => notes.push(format!("topic {topic_arn} reported no access policy")),
        Some(policy) => {
            match topic_policy_for(policy, topic_arn, alarm_arn, alarm_account, org) {
                PolicyAnswer::Allowed => {}
                PolicyAnswer::Denied(why) => {
                    return Notification::Blocked {
                        block: NotificationBlock::TopicPolicy,
                        detail: format!(
                            "the policy of topic {topic_arn} keeps the alarm from publishing: {why}"
                        ),
                    }
                }
                PolicyAnswer::CannotTell(why) => notes.push(format!(
                    "orgsweep cannot tell whether the policy of topic {topic_arn} lets CloudWatch publish: {why}"
                )),
            }
        }
    }
    if notes.is_empty() {
        Notification::Deliverable
    } else {
        Notification::CannotTell(notes)
    }
}

/// The alarm's recent actions (newest first): failing when the newest action on `topic_arn`
/// failed; a failure followed by a success is a note.
pub(crate) fn action_history(
    history: &[AlarmAction],
    alarm_name: &str,
    topic_arn: &str,
    days: u32,
) -> Finding {
    let on_topic: Vec<&AlarmAction> = history
        .iter()
        .filter(|a| a.summary.contains(topic_arn))
        .collect();
    // An action whose summary names no topic (older history formats) still counts.
    let relevant: Vec<&AlarmAction> = if on_topic.is_empty() {
        history.iter().collect()
    } else {
        on_topic
    };
    let Some(newest) = relevant.iter().max_by_key(|a| a.time) else {
        return Finding::Clear;
    };
    let failures = relevant.iter().filter(|a| !a.succeeded).count();
    if !newest.succeeded {
        return Finding::Broken(format!(
            "alarm {alarm_name} failed to notify {topic_arn}: {} action(s) failed in the last {days} day(s), the latest at {}: {}",
            failures,
            when(newest.time),
            newest.summary
        ));
    }
    if failures > 0 {
        return Finding::Note(format!(
            "alarm {alarm_name} had {failures} failed action(s) in the last {days} day(s), but its latest action succeeded ({})",
            when(newest.time)
        ));
    }
    Finding::Clear
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::KeyFacts;
    use crate::failure::FailureKind;

    const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:alarms";
    const ALARM: &str = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:a";

    fn status(error: Option<&str>, last: Option<i64>) -> TrailStatus {
        TrailStatus {
            is_logging: true,
            delivery_error: error.map(str::to_string),
            last_delivery: last,
            read_at: 1_000_000,
        }
    }

    #[test]
    fn delivery_errors_count_only_without_a_recent_delivery() {
        let day = 24 * 3600;
        assert_eq!(logs_delivery(&status(None, None), day), Finding::Clear);
        let never = logs_delivery(&status(Some("AccessDenied"), None), day);
        assert!(
            matches!(&never, Finding::Broken(d) if d.contains("never delivered") && d.contains("AccessDenied")),
            "{never:?}"
        );
        let stale = logs_delivery(
            &status(Some("AccessDenied"), Some(1_000_000 - 3 * day)),
            day,
        );
        assert!(
            matches!(&stale, Finding::Broken(d) if d.contains("3 days") && d.contains("1970-01-")),
            "{stale:?}"
        );
        let recovered = logs_delivery(&status(Some("AccessDenied"), Some(1_000_000 - 60)), day);
        assert!(
            matches!(&recovered, Finding::Note(d) if d.contains("delivered since")),
            "{recovered:?}"
        );
    }

    fn delivery(
        key: Option<&str>,
        key_facts: Option<Result<KeyFacts, CallFailure>>,
    ) -> TopicDelivery {
        TopicDelivery {
            policy: Some(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"{TOPIC}","Condition":{{"StringEquals":{{"AWS:SourceOwner":"111122223333"}}}}}}]}}"#
            )),
            kms_master_key_id: key.map(str::to_string),
            key: key_facts,
        }
    }

    #[test]
    fn the_sns_managed_key_blocks_from_the_attribute_alone() {
        for key in [
            "alias/aws/sns",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/sns",
        ] {
            let n = notification(&delivery(Some(key), None), TOPIC, ALARM, None);
            assert!(
                matches!(&n, Notification::Blocked { block: NotificationBlock::ManagedKey { .. }, detail } if detail.contains("AWS managed key")),
                "{n:?}"
            );
        }
        assert_eq!(
            notification(&delivery(None, None), TOPIC, ALARM, None),
            Notification::Deliverable
        );
    }

    #[test]
    fn customer_keys_are_judged_by_their_policy() {
        let key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let root_only = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
        let facts = |policy: &str| {
            Some(Ok(KeyFacts {
                arn: key_arn.into(),
                aws_managed: false,
                policy: policy.into(),
            }))
        };
        let n = notification(
            &delivery(Some(key_arn), facts(root_only)),
            TOPIC,
            ALARM,
            None,
        );
        assert!(
            matches!(
                &n,
                Notification::Blocked {
                    block: NotificationBlock::KeyPolicy { .. },
                    ..
                }
            ),
            "{n:?}"
        );
        let with_cloudwatch = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}"#;
        assert_eq!(
            notification(
                &delivery(Some(key_arn), facts(with_cloudwatch)),
                TOPIC,
                ALARM,
                None
            ),
            Notification::Deliverable
        );
        let missing = Some(Err(CallFailure::new(
            FailureKind::NotFound,
            "KMS:GetKeyPolicy",
            "no such key",
        )));
        assert!(matches!(
            notification(&delivery(Some(key_arn), missing), TOPIC, ALARM, None),
            Notification::Blocked { .. }
        ));
        let denied = Some(Err(CallFailure::new(
            FailureKind::AccessDenied,
            "KMS:GetKeyPolicy",
            "denied",
        )));
        assert!(matches!(
            notification(&delivery(Some(key_arn), denied), TOPIC, ALARM, None),
            Notification::Unknown(_)
        ));
    }

    #[test]
    fn a_denying_topic_policy_blocks_and_an_unevaluable_one_is_a_note() {
        let mut d = delivery(None, None);
        d.policy = Some(format!(
            r#"{{"Statement":[{{"Sid":"NoPublish","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"{TOPIC}"}}]}}"#
        ));
        let n = notification(&d, TOPIC, ALARM, None);
        assert!(
            matches!(&n, Notification::Blocked { block: NotificationBlock::TopicPolicy, detail } if detail.contains("NoPublish")),
            "{n:?}"
        );
        d.policy = Some(format!(
            r#"{{"Statement":[{{"Sid":"Vpce","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"{TOPIC}","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"vpce-1"}}}}}}]}}"#
        ));
        assert!(matches!(
            notification(&d, TOPIC, ALARM, None),
            Notification::CannotTell(_)
        ));
    }

    #[test]
    fn the_newest_action_decides_and_older_failures_are_noted() {
        let act = |time, succeeded| AlarmAction {
            time,
            succeeded,
            summary: format!(
                "{} action {TOPIC}",
                if succeeded {
                    "Successfully executed"
                } else {
                    "Failed to execute"
                }
            ),
        };
        assert_eq!(action_history(&[], "a", TOPIC, 7), Finding::Clear);
        assert!(matches!(
            action_history(&[act(10, false)], "a", TOPIC, 7),
            Finding::Broken(_)
        ));
        assert!(matches!(
            action_history(&[act(20, true), act(10, false)], "a", TOPIC, 7),
            Finding::Note(_)
        ));
        assert!(matches!(
            action_history(&[act(20, false), act(10, true)], "a", TOPIC, 7),
            Finding::Broken(_)
        ));
        assert_eq!(
            action_history(&[act(20, true)], "a", TOPIC, 7),
            Finding::Clear
        );
    }
}
