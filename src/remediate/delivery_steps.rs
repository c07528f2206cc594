//! Manual steps for chains that cannot deliver (pure): CloudTrail cannot write to the log group,
//! or the alarm cannot publish to its topic. orgsweep changes none of these itself — a trail's
//! role, a topic's encryption, a key or topic policy are someone else's, and rewriting them
//! could break what else depends on them — so each becomes the exact AWS CLI commands, names
//! filled in.

use crate::facts::parse_arn;
use crate::verdict::{ChainResources, NotificationBlock, Reason};

use super::cells::Cell;
use super::manual::{default_home_region, sh, ManualStep};
use super::policy::policy_statement;

/// The role CloudTrail delivers with, by name, from its ARN.
fn role_name(role_arn: &str) -> Option<&str> {
    parse_arn(role_arn)?
        .resource
        .strip_prefix("role/")
        .map(|path| path.rsplit('/').next().unwrap_or(path))
}

/// The trust policy a CloudTrail delivery role needs.
const CLOUDTRAIL_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The statement a key needs so CloudWatch alarms can publish to a topic encrypted with it.
fn cloudwatch_key_statement() -> serde_json::Value {
    serde_json::json!({
        "Sid": "AllowCloudWatchAlarmsToUseTheKey",
        "Effect": "Allow",
        "Principal": { "Service": "cloudwatch.amazonaws.com" },
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*"
    })
}

/// The step for a cell broken at a delivery link (`LOGS_DELIVERY_FAILING`,
/// `NOTIFICATION_BLOCKED`, `ALARM_ACTION_FAILING`), run in `account`; `None` for other reasons.
pub fn step(
    reason: Reason,
    account: &str,
    partition: &str,
    chain: &ChainResources,
    cells: Vec<Cell>,
) -> Option<ManualStep> {
    let (region, summary, commands) = match reason {
        Reason::LogsDeliveryFailing => logs_delivery(account, partition, chain)?,
        Reason::NotificationBlocked => notification(account, chain)?,
        Reason::NoConfirmedSubscription => subscription(chain)?,
        Reason::AlarmActionFailing => alarm_actions(chain)?,
        _ => return None,
    };
    Some(ManualStep {
        account_id: account.to_string(),
        region,
        reason,
        trail_arn: (reason == Reason::LogsDeliveryFailing)
            .then(|| chain.trail_arn.clone())
            .flatten(),
        summary,
        commands,
        cells,
    })
}

type Parts = (String, String, Vec<String>);

fn logs_delivery(account: &str, partition: &str, chain: &ChainResources) -> Option<Parts> {
    let trail_arn = chain.trail_arn.as_deref()?;
    let trail = parse_arn(trail_arn)?;
    let name = trail
        .resource
        .strip_prefix("trail/")
        .unwrap_or(trail.resource);
    let home = if trail.region.is_empty() {
        default_home_region(partition).to_string()
    } else {
        trail.region.to_string()
    };
    let group_arn = chain.log_group_arn.as_deref()?;
    let permissions = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"{group_arn}:log-stream:*"}}]}}"#
    );
    let verify = format!(
        "aws cloudtrail get-trail-status --name {} --region {home} --query '[LatestCloudWatchLogsDeliveryError,LatestCloudWatchLogsDeliveryTime]'",
        sh(name)
    );
    let existing = chain.trail_role_arn.as_deref().and_then(role_name);
    let (summary, mut commands) = match existing {
        Some(role) => (
            format!(
                "trail {name} cannot deliver to {group_arn}: let its role {role} be assumed by CloudTrail and write \
                 to the group's log streams (update-assume-role-policy replaces the role's trust policy: if the role \
                 trusts others too, add the statement instead), then check that the error is gone"
            ),
            vec![
                format!(
                    "aws iam update-assume-role-policy --role-name {} --policy-document {}",
                    sh(role),
                    sh(CLOUDTRAIL_TRUST)
                ),
                format!(
                    "aws iam put-role-policy --role-name {} --policy-name cloudtrail-to-cloudwatch-logs --policy-document {}",
                    sh(role),
                    sh(&permissions)
                ),
            ],
        ),
        None => {
            let role = "orgsweep-cloudtrail-to-cloudwatch-logs";
            (
                format!(
                    "trail {name} cannot deliver to {group_arn} and names no role: create a role CloudTrail can use \
                     and point the trail at it, then check that the error is gone"
                ),
                vec![
                    format!(
                        "aws iam create-role --role-name {role} --assume-role-policy-document {}",
                        sh(CLOUDTRAIL_TRUST)
                    ),
                    format!(
                        "aws iam put-role-policy --role-name {role} --policy-name cloudtrail-to-cloudwatch-logs --policy-document {}",
                        sh(&permissions)
                    ),
                    format!(
                        "aws cloudtrail update-trail --name {} --cloud-watch-logs-log-group-arn {} --cloud-watch-logs-role-arn {} --region {home}",
                        sh(name),
                        sh(&format!("{group_arn}:*")),
                        sh(&format!("arn:{partition}:iam::{account}:role/{role}"))
                    ),
                ],
            )
        }
    };
    commands.push(verify);
    Some((home, summary, commands))
}

/// The topic of the chain when it is in another account than the alarm: orgsweep does not
/// write there (the topic is someone else's, often the Audit account's), so its fixes are manual
/// steps run in the topic's account.
pub(crate) fn cross_account_topic(chain: &ChainResources) -> Option<&str> {
    let topic = chain.topic_arn.as_deref()?;
    let alarm = parse_arn(chain.alarm_arn.as_deref()?)?;
    (parse_arn(topic)?.account != alarm.account).then_some(topic)
}

/// A topic of another account with no confirmed subscriber: subscribe someone there.
fn subscription(chain: &ChainResources) -> Option<Parts> {
    let topic = cross_account_topic(chain)?;
    let p = parse_arn(topic)?;
    let region = p.region.to_string();
    let t = sh(topic);
    Some((
        region.clone(),
        format!(
            "topic {topic} of account {} has no confirmed subscription: subscribe the security team there (replace              ADDRESS), confirm from the message AWS sends, then check that the subscription is confirmed",
            p.account
        ),
        vec![
            format!(
                "aws sns subscribe --topic-arn {t} --protocol email --notification-endpoint ADDRESS --region {region}"
            ),
            format!(
                "aws sns list-subscriptions-by-topic --topic-arn {t} --query 'Subscriptions[].SubscriptionArn' --region {region}"
            ),
        ],
    ))
}

fn notification(account: &str, chain: &ChainResources) -> Option<Parts> {
    let topic = chain.topic_arn.as_deref()?;
    let region = parse_arn(topic)?.region.to_string();
    let partition = parse_arn(topic)?.partition.to_string();
    // The statement allows the alarms' account to publish, not the topic's.
    let publisher = chain
        .alarm_arn
        .as_deref()
        .and_then(parse_arn)
        .map(|p| p.account.to_string())
        .unwrap_or_else(|| account.to_string());
    let t = sh(topic);
    let (summary, commands) = match chain.blocked_by.as_ref()? {
        NotificationBlock::ManagedKey { key } => {
            let policy = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "EnableIAMPolicies",
                        "Effect": "Allow",
                        "Principal": { "AWS": format!("arn:{partition}:iam::{account}:root") },
                        "Action": "kms:*",
                        "Resource": "*"
                    },
                    cloudwatch_key_statement()
                ]
            });
            (
                format!(
                    "topic {topic} is encrypted with {key}, which CloudWatch cannot use: encrypt it with a customer \
                     managed key whose policy lets cloudwatch.amazonaws.com use it (the first command prints the new \
                     key's ARN into KEY_ARN)"
                ),
                vec![
                    format!(
                        "KEY_ARN=$(aws kms create-key --description {} --policy {} --region {region} --query KeyMetadata.Arn --output text)",
                        sh("SNS alarm topic key CloudWatch can use (orgsweep)"),
                        sh(&policy.to_string())
                    ),
                    format!(
                        "aws sns set-topic-attributes --topic-arn {t} --attribute-name KmsMasterKeyId --attribute-value \"$KEY_ARN\" --region {region}"
                    ),
                ],
            )
        }
        NotificationBlock::KeyPolicy { key_arn } => {
            let key_region = parse_arn(key_arn)
                .map(|p| p.region.to_string())
                .unwrap_or_else(|| region.clone());
            (
                format!(
                    "the policy of KMS key {key_arn}, which encrypts topic {topic}, does not let CloudWatch use it: \
                     add this statement to the Statement list of key-policy.json between the two commands: {}",
                    cloudwatch_key_statement()
                ),
                vec![
                    format!(
                        "aws kms get-key-policy --key-id {} --policy-name default --query Policy --output text --region {key_region} > key-policy.json",
                        sh(key_arn)
                    ),
                    format!(
                        "aws kms put-key-policy --key-id {} --policy-name default --policy file://key-policy.json --region {key_region}",
                        sh(key_arn)
                    ),
                ],
            )
        }
        NotificationBlock::TopicPolicy if cross_account_topic(chain).is_some() => {
            let statement = policy_statement(topic, &publisher).to_string();
            (
                format!(
                    "topic {topic} belongs to account {account} and its policy does not let CloudWatch publish for the                      alarms of account {publisher}: run these in account {account} to add a statement that does                      (if the finding names a Deny statement, remove or narrow it in topic-policy.json too)"
                ),
                vec![
                    format!(
                        "aws sns get-topic-attributes --topic-arn {t} --query Attributes.Policy --output text --region {region} > topic-policy.json"
                    ),
                    format!(
                        "jq --argjson s {} '.Statement = ([.Statement] | flatten) + [$s]' topic-policy.json > topic-policy.new.json",
                        sh(&statement)
                    ),
                    format!(
                        "aws sns set-topic-attributes --topic-arn {t} --attribute-name Policy --attribute-value file://topic-policy.new.json --region {region}"
                    ),
                ],
            )
        }
        NotificationBlock::TopicPolicy => (
            format!(
                "the policy of topic {topic} keeps CloudWatch from publishing (the finding names the statement): in \
                 topic-policy.json, between the two commands, remove or narrow that statement and, for a topic of \
                 another account, add one that allows the alarms' account, such as {}",
                policy_statement(topic, &publisher)
            ),
            vec![
                format!(
                    "aws sns get-topic-attributes --topic-arn {t} --query Attributes.Policy --output text --region {region} > topic-policy.json"
                ),
                format!(
                    "aws sns set-topic-attributes --topic-arn {t} --attribute-name Policy --attribute-value file://topic-policy.json --region {region}"
                ),
            ],
        ),
    };
    Some((region, summary, commands))
}

fn alarm_actions(chain: &ChainResources) -> Option<Parts> {
    let alarm_arn = chain.alarm_arn.as_deref()?;
    let parts = parse_arn(alarm_arn)?;
    let name = parts.resource.strip_prefix("alarm:")?;
    let region = parts.region.to_string();
    let topic = chain.topic_arn.as_deref().unwrap_or("its topic");
    Some((
        region.clone(),
        format!(
            "alarm {name} fired but could not notify {topic}: its action history says why (a deleted topic, a key \
             or topic policy that refuses CloudWatch); fix that, then check again with --alarm-history"
        ),
        vec![
            format!(
                "aws cloudwatch describe-alarm-history --alarm-name {} --history-item-type Action --max-records 5 --region {region}",
                sh(name)
            ),
            format!(
                "aws sns get-topic-attributes --topic-arn {} --region {region}",
                sh(topic)
            ),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCT: &str = "111122223333";
    const TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:alerts";

    fn chain() -> ChainResources {
        ChainResources {
            trail_arn: Some(format!("arn:aws:cloudtrail:us-east-1:{ACCT}:trail/main")),
            log_group_arn: Some(format!("arn:aws:logs:us-east-1:{ACCT}:log-group:ct")),
            alarm_arn: Some(format!(
                "arn:aws:cloudwatch:eu-west-1:{ACCT}:alarm:console-auth"
            )),
            topic_arn: Some(TOPIC.into()),
            ..ChainResources::default()
        }
    }

    #[test]
    fn a_broken_delivery_role_is_repaired_by_name() {
        let mut c = chain();
        c.trail_role_arn = Some(format!("arn:aws:iam::{ACCT}:role/service/ct-logs"));
        let s = step(Reason::LogsDeliveryFailing, ACCT, "aws", &c, vec![]).unwrap();
        assert_eq!(s.region, "us-east-1");
        assert!(
            s.commands[0].starts_with("aws iam update-assume-role-policy --role-name ct-logs"),
            "{}",
            s.commands[0]
        );
        assert!(s.commands[1].contains(&format!(
            "arn:aws:logs:us-east-1:{ACCT}:log-group:ct:log-stream:*"
        )));
        assert!(s
            .commands
            .last()
            .unwrap()
            .contains("get-trail-status --name main"));
        c.trail_role_arn = None;
        let s = step(Reason::LogsDeliveryFailing, ACCT, "aws", &c, vec![]).unwrap();
        assert!(s
            .commands
            .iter()
            .any(|c| c.contains("update-trail --name main")
                && c.contains("--cloud-watch-logs-role-arn")));
    }

    #[test]
    fn each_notification_block_gets_its_own_commands() {
        let mut c = chain();
        c.blocked_by = Some(NotificationBlock::ManagedKey {
            key: "alias/aws/sns".into(),
        });
        let s = step(Reason::NotificationBlocked, ACCT, "aws", &c, vec![]).unwrap();
        assert_eq!(s.region, "eu-west-1");
        assert!(
            s.commands[0].starts_with("KEY_ARN=$(aws kms create-key")
                && s.commands[0].contains("cloudwatch.amazonaws.com")
        );
        assert!(s.commands[1].contains("--attribute-name KmsMasterKeyId"));

        let key = format!("arn:aws:kms:eu-west-1:{ACCT}:key/1234");
        c.blocked_by = Some(NotificationBlock::KeyPolicy {
            key_arn: key.clone(),
        });
        let s = step(Reason::NotificationBlocked, ACCT, "aws", &c, vec![]).unwrap();
        assert!(
            s.commands[0].contains("get-key-policy") && s.commands[1].contains("put-key-policy")
        );
        assert!(s.summary.contains("kms:GenerateDataKey*"));

        c.blocked_by = Some(NotificationBlock::TopicPolicy);
        let s = step(Reason::NotificationBlocked, ACCT, "aws", &c, vec![]).unwrap();
        assert!(s.commands[1].contains("--attribute-name Policy"));
        assert!(s.trail_arn.is_none());
    }

    const AUDIT_TOPIC: &str =
        "arn:aws:sns:eu-west-1:444455556666:aws-accelerator-HighNotifications";

    #[test]
    fn a_cross_account_topic_policy_is_fixed_in_the_topics_account_for_the_alarms_account() {
        let mut c = chain();
        c.topic_arn = Some(AUDIT_TOPIC.into());
        c.blocked_by = Some(NotificationBlock::TopicPolicy);
        let s = step(
            Reason::NotificationBlocked,
            "444455556666",
            "aws",
            &c,
            vec![],
        )
        .unwrap();
        assert_eq!(s.account_id, "444455556666");
        assert_eq!(s.region, "eu-west-1");
        assert!(
            s.summary.contains(&format!("alarms of account {ACCT}")),
            "{}",
            s.summary
        );
        assert!(
            s.commands[1].contains(&format!("\"AWS:SourceAccount\":\"{ACCT}\"")),
            "{}",
            s.commands[1]
        );
        assert!(s.commands[2].contains("file://topic-policy.new.json"));
    }

    #[test]
    fn a_cross_account_topic_without_a_subscriber_gets_a_subscribe_step() {
        let mut c = chain();
        c.topic_arn = Some(AUDIT_TOPIC.into());
        let s = step(
            Reason::NoConfirmedSubscription,
            "444455556666",
            "aws",
            &c,
            vec![],
        )
        .unwrap();
        assert!(s.commands[0].starts_with(&format!(
            "aws sns subscribe --topic-arn {AUDIT_TOPIC} --protocol email"
        )));
        assert!(s.summary.contains("444455556666"));
        // The alarm's own topic is orgsweep's to plan, not a manual step.
        assert!(step(
            Reason::NoConfirmedSubscription,
            ACCT,
            "aws",
            &chain(),
            vec![]
        )
        .is_none());
    }

    #[test]
    fn failing_alarm_actions_point_at_the_history() {
        let s = step(Reason::AlarmActionFailing, ACCT, "aws", &chain(), vec![]).unwrap();
        assert!(s.commands[0].contains("describe-alarm-history --alarm-name console-auth"));
        assert!(step(Reason::NoTrail, ACCT, "aws", &chain(), vec![]).is_none());
    }
}
