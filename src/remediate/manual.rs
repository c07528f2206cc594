//! Manual steps (pure): the links orgsweep will not change itself — the trail, and whether
//! it delivers to CloudWatch Logs — each with the AWS CLI commands that fix it, real names filled
//! in. Changing a trail changes what an account records and where it is billed; a person decides.

use serde::{Deserialize, Serialize};

use crate::facts::parse_arn;
use crate::verdict::Reason;

use super::cells::Cell;

/// One fix a person makes, in the account (and region) named, for the cells listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualStep {
    /// Where to run the commands (an organization trail's steps run in the management account).
    pub account_id: String,
    pub region: String,
    pub reason: Reason,
    pub trail_arn: Option<String>,
    /// What is wrong and why orgsweep leaves it to a person.
    pub summary: String,
    /// AWS CLI commands, in order, with credentials of `account_id`.
    pub commands: Vec<String>,
    pub cells: Vec<Cell>,
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn sh(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The region a new trail is created in: the partition's first region (console sign-ins are
/// recorded as global events there).
pub(crate) fn default_home_region(partition: &str) -> &'static str {
    match partition {
        "aws-us-gov" => "us-gov-west-1",
        "aws-cn" => "cn-north-1",
        _ => "us-east-1",
    }
}

/// The name and home region of a trail, from its ARN.
fn trail_parts(trail_arn: &str) -> Option<(String, String)> {
    let p = parse_arn(trail_arn)?;
    Some((
        p.resource.strip_prefix("trail/")?.to_string(),
        p.region.to_string(),
    ))
}

/// The commands that make a trail deliver to a new CloudWatch Logs group.
fn cloudwatch_logs_commands(
    partition: &str,
    account: &str,
    region: &str,
    trail: &str,
) -> Vec<String> {
    let group = format!("aws-cloudtrail-logs-{account}");
    let role = "orgsweep-cloudtrail-to-cloudwatch-logs";
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let permissions = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:{partition}:logs:{region}:{account}:log-group:{group}:log-stream:*"}}]}}"#
    );
    vec![
        format!("aws logs create-log-group --log-group-name {} --tags managed-by=orgsweep --region {region}", sh(&group)),
        format!("aws iam create-role --role-name {role} --assume-role-policy-document {}", sh(trust)),
        format!(
            "aws iam put-role-policy --role-name {role} --policy-name cloudtrail-to-cloudwatch-logs --policy-document {}",
            sh(&permissions)
        ),
        format!(
            "aws cloudtrail update-trail --name {} --cloud-watch-logs-log-group-arn {} --cloud-watch-logs-role-arn {} --region {region}",
            sh(trail),
            sh(&format!("arn:{partition}:logs:{region}:{account}:log-group:{group}:*")),
            sh(&format!("arn:{partition}:iam::{account}:role/{role}")),
        ),
    ]
}

fn regions_of(cells: &[Cell]) -> String {
    let accounts: std::collections::BTreeSet<&str> =
        cells.iter().map(|c| c.account_id.as_str()).collect();
    if accounts.len() > 1 {
        format!("{} cell(s) in {} account(s)", cells.len(), accounts.len())
    } else {
        let regions: Vec<&str> = cells.iter().map(|c| c.region.as_str()).collect();
        format!("{} region(s): {}", regions.len(), regions.join(", "))
    }
}

/// The manual step for cells broken at `reason`, run in `account`.
pub fn step(
    reason: Reason,
    account: &str,
    partition: &str,
    trail_arn: Option<&str>,
    organization_trail: bool,
    cells: Vec<Cell>,
) -> ManualStep {
    let (trail, home) = trail_arn.and_then(trail_parts).unwrap_or_else(|| {
        (
            "orgsweep-management-events".to_string(),
            default_home_region(partition).to_string(),
        )
    });
    let t = sh(&trail);
    let whose = if organization_trail {
        format!("organization trail {trail} (management account {account})")
    } else {
        format!("trail {trail}")
    };
    let then = "then run orgsweep remediate again to complete the rest of the chain";
    let (summary, commands) = match reason {
        Reason::NoTrail => {
            let bucket = format!("aws-cloudtrail-logs-{account}");
            let mut commands = vec![
                format!(
                    "aws cloudtrail create-trail --name {t} --s3-bucket-name {} --is-multi-region-trail --include-global-service-events --region {home}",
                    sh(&bucket)
                ),
                format!(
                    "aws cloudtrail put-event-selectors --trail-name {t} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]' --region {home}"
                ),
                format!("aws cloudtrail start-logging --name {t} --region {home}"),
            ];
            commands.extend(cloudwatch_logs_commands(partition, account, &home, &trail));
            (
                format!(
                    "no trail records management events in {}: create a logging multi-region trail that delivers \
                     to CloudWatch Logs (S3 bucket {bucket} must exist with the CloudTrail bucket policy); {then}",
                    regions_of(&cells)
                ),
                commands,
            )
        }
        Reason::TrailNotMultiRegion => (
            format!(
                "{whose} records only {home}; make it multi-region (this also covers the account's regions that \
                 have no trail), {then}"
            ),
            vec![format!(
                "aws cloudtrail update-trail --name {t} --is-multi-region-trail --include-global-service-events --region {home}"
            )],
        ),
        Reason::TrailNotLogging => (
            format!("{whose} is not logging: start it"),
            vec![format!("aws cloudtrail start-logging --name {t} --region {home}")],
        ),
        Reason::NoManagementEvents => (
            format!(
                "{whose} does not record all management events (read and write); this command replaces its event \
                 selectors: add any data-event selectors it needs to keep"
            ),
            vec![format!(
                "aws cloudtrail put-event-selectors --trail-name {t} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]' --region {home}"
            )],
        ),
        Reason::NoGlobalServiceEvents => (
            format!("{whose} excludes global service events, where console sign-ins are recorded"),
            vec![format!(
                "aws cloudtrail update-trail --name {t} --include-global-service-events --region {home}"
            )],
        ),
        Reason::NoCloudwatchLogs => (
            format!(
                "{whose} does not deliver to CloudWatch Logs: create a log group and a role CloudTrail can use, \
                 point the trail at them, {then}"
            ),
            cloudwatch_logs_commands(partition, account, &home, &trail),
        ),
        other => (
            format!("{other}: no automatic fix; see the findings for this cell"),
            Vec::new(),
        ),
    };
    ManualStep {
        account_id: account.to_string(),
        region: home,
        reason,
        trail_arn: trail_arn.map(str::to_string),
        summary,
        commands,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(region: &str, reason: Reason) -> Cell {
        Cell {
            account_id: "111122223333".into(),
            region: region.into(),
            control: "console-auth-failures".into(),
            reason,
        }
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(sh("my-trail_1.x"), "my-trail_1.x");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }

    #[test]
    fn trail_steps_name_the_trail_and_its_home_region() {
        let arn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/main";
        let s = step(
            Reason::TrailNotLogging,
            "111122223333",
            "aws",
            Some(arn),
            false,
            vec![cell("eu-west-1", Reason::TrailNotLogging)],
        );
        assert_eq!(
            s.commands,
            vec!["aws cloudtrail start-logging --name main --region eu-west-1"]
        );
        assert_eq!(s.region, "eu-west-1");

        let s = step(
            Reason::TrailNotMultiRegion,
            "111122223333",
            "aws",
            Some(arn),
            false,
            vec![],
        );
        assert_eq!(
            s.commands,
            vec!["aws cloudtrail update-trail --name main --is-multi-region-trail --include-global-service-events --region eu-west-1"]
        );
    }

    #[test]
    fn cloudwatch_logs_delivery_fills_in_account_region_and_partition() {
        let arn = "arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/t1";
        let s = step(
            Reason::NoCloudwatchLogs,
            "111122223333",
            "aws-us-gov",
            Some(arn),
            true,
            vec![],
        );
        assert!(s.summary.contains("organization trail t1"), "{}", s.summary);
        let last = s.commands.last().unwrap();
        assert!(last.contains("--name t1"), "{last}");
        assert!(
            last.contains("arn:aws-us-gov:logs:us-gov-west-1:111122223333:log-group:aws-cloudtrail-logs-111122223333:*"),
            "{last}"
        );
        assert!(last.contains(
            "arn:aws-us-gov:iam::111122223333:role/orgsweep-cloudtrail-to-cloudwatch-logs"
        ));
    }

    #[test]
    fn no_trail_creates_one_in_the_partitions_first_region() {
        let s = step(
            Reason::NoTrail,
            "111122223333",
            "aws",
            None,
            false,
            vec![cell("eu-west-1", Reason::NoTrail)],
        );
        assert_eq!(s.region, "us-east-1");
        assert!(s.commands[0]
            .starts_with("aws cloudtrail create-trail --name orgsweep-management-events"));
        assert!(s.commands.iter().any(|c| c.contains("start-logging")));
        assert!(s.summary.contains("eu-west-1"));
    }
}
