//! The whole CIS chain in one call — trail → log group → metric filter → alarm → topic →
//! subscription — with builder options to break any one link, or a [`Break`](crate::Break) applied to a
//! compliant spec, for table-driven tests and the demo.
//!
//! ```ignore
//! let acct = em.account(&id).await;
//! let made = seed_chain(&em, &acct, &ChainSpec::compliant("us-east-1")).await;
//! let broken = seed_chain(&em, &acct, &ChainSpec::compliant("eu-west-1").prefix("b").not_logging()).await;
//! let by_code = seed_chain(&em, &acct, &Break::NoAlarm.apply(ChainSpec::compliant("us-east-1"))).await;
//! ```

use futures::stream::{self, StreamExt};

use crate::moto::Emulator;
use crate::seed::{self, Account, AlarmSpec, FilterSpec, Selectors, TrailSpec};

/// The reference pattern for failed console sign-ins, as the controls table (default
/// benchmark) writes it: what remediation creates.
pub fn cis_pattern() -> &'static str {
    &orgsweep::controls::default_control().reference.texts[0]
}
/// The same meaning, reordered, re-quoted and re-spaced: passes.
pub const CIS_PATTERN_REORDERED: &str =
    r#"{($.errorMessage="Failed authentication")&&($.eventName="ConsoleLogin")}"#;
/// Broader than CIS (every failed sign-in, whatever the message): passes.
pub const BROADER_PATTERN: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "*") }"#;
/// Narrower than CIS (IAM users only; root sign-ins are missed): PATTERN_TOO_NARROW.
pub const NARROW_PATTERN: &str = r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && ($.userIdentity.type = IAMUser) }"#;
/// `||` in place of `&&`: the chain rule says it fails (it matches every console sign-in, so
/// the alarm is noise); the judge decides the reason code.
pub const OR_PATTERN: &str =
    r#"{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }"#;

/// What to do with the topic the alarm notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicState {
    /// A topic with one (confirmed) email subscription.
    Subscribed,
    /// A topic with no subscription.
    NoSubscription,
    /// A topic that the alarm names but that was deleted.
    Deleted,
}

/// How the alarm's topic is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKey {
    None,
    /// The AWS managed `alias/aws/sns`, which CloudWatch cannot use.
    SnsManaged,
    /// A customer managed key, named on the topic by its alias; its policy lets
    /// `cloudwatch.amazonaws.com` use it or not.
    Customer {
        cloudwatch: bool,
    },
}

/// A key policy: the account's root, and CloudWatch when `cloudwatch`.
pub fn key_policy(account_id: &str, cloudwatch: bool) -> String {
    let mut statements = vec![serde_json::json!({
        "Sid": "EnableIAMPolicies",
        "Effect": "Allow",
        "Principal": { "AWS": format!("arn:aws:iam::{account_id}:root") },
        "Action": "kms:*",
        "Resource": "*"
    })];
    if cloudwatch {
        statements.push(serde_json::json!({
            "Sid": "AllowCloudWatchAlarms",
            "Effect": "Allow",
            "Principal": { "Service": "cloudwatch.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*"
        }));
    }
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// A topic policy that keeps CloudWatch from publishing (and lets the owner do the rest).
pub fn denying_topic_policy(topic_arn: &str, account_id: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerAccess",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:aws:iam::{account_id}:root") },
                "Action": "sns:*",
                "Resource": topic_arn
            },
            {
                "Sid": "NoServicePublish",
                "Effect": "Deny",
                "Principal": { "Service": "cloudwatch.amazonaws.com" },
                "Action": "sns:Publish",
                "Resource": topic_arn
            }
        ]
    })
    .to_string()
}

/// Which kind of alarm to put on the filter's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmKind {
    None,
    Metric,
    /// A metric-math alarm (moto's DescribeAlarmsForMetric does not return it).
    Math,
}

/// A chain to seed in one account, home region `home_region`. Start from
/// [`ChainSpec::compliant`] and break links with the builder methods.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    pub home_region: String,
    /// Prefix of every resource name (so several chains fit in one account). Lowercase.
    pub prefix: String,
    pub trail: bool,
    pub multi_region: bool,
    pub logging: bool,
    pub include_global_events: bool,
    pub organization: bool,
    pub selectors: Selectors,
    /// Point the trail at the log group (`CloudWatchLogsLogGroupArn` + role).
    pub cloudwatch_logs: bool,
    pub create_log_group: bool,
    pub filter: bool,
    pub pattern: String,
    pub namespace: String,
    pub metric: String,
    pub metric_value: String,
    pub filter_dimensions: Vec<(String, String)>,
    pub alarm: AlarmKind,
    pub alarm_dimensions: Vec<(String, String)>,
    /// Alarm on this metric name instead of the filter's (breaks the link).
    pub alarm_metric: Option<String>,
    pub statistic: String,
    pub threshold: f64,
    pub comparison: String,
    pub actions_enabled: bool,
    /// Put the topic in `AlarmActions`.
    pub alarm_action: bool,
    pub topic: TopicState,
    pub topic_key: TopicKey,
    /// Give the topic a policy that denies CloudWatch the publish.
    pub topic_policy_denies: bool,
}

impl ChainSpec {
    /// A complete CIS chain: multi-region, logging trail with classic `All` management
    /// selectors and global events, delivering to a log group with the CIS filter, a `Sum >= 1`
    /// alarm with actions enabled notifying a topic with a confirmed subscription.
    pub fn compliant(home_region: &str) -> ChainSpec {
        ChainSpec {
            home_region: home_region.to_string(),
            prefix: "cis".to_string(),
            trail: true,
            multi_region: true,
            logging: true,
            include_global_events: true,
            organization: false,
            selectors: Selectors::all(),
            cloudwatch_logs: true,
            create_log_group: true,
            filter: true,
            pattern: cis_pattern().to_string(),
            namespace: "CISBenchmark".to_string(),
            metric: "ConsoleAuthenticationFailures".to_string(),
            metric_value: "1".to_string(),
            filter_dimensions: Vec::new(),
            alarm: AlarmKind::Metric,
            alarm_dimensions: Vec::new(),
            alarm_metric: None,
            statistic: "Sum".to_string(),
            threshold: 1.0,
            comparison: "GreaterThanOrEqualToThreshold".to_string(),
            actions_enabled: true,
            alarm_action: true,
            topic: TopicState::Subscribed,
            topic_key: TopicKey::None,
            topic_policy_denies: false,
        }
    }

    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_ascii_lowercase();
        self
    }
    /// No trail at all (nor anything after it).
    pub fn no_trail(mut self) -> Self {
        self.trail = false;
        self
    }
    pub fn single_region(mut self) -> Self {
        self.multi_region = false;
        self
    }
    pub fn not_logging(mut self) -> Self {
        self.logging = false;
        self
    }
    pub fn without_global_events(mut self) -> Self {
        self.include_global_events = false;
        self
    }
    pub fn organization_trail(mut self) -> Self {
        self.organization = true;
        self
    }
    pub fn selectors(mut self, selectors: Selectors) -> Self {
        self.selectors = selectors;
        self
    }
    /// The trail does not deliver to CloudWatch Logs (no log group made either).
    pub fn without_cloudwatch_logs(mut self) -> Self {
        self.cloudwatch_logs = false;
        self.create_log_group = false;
        self
    }
    /// The trail names a log group that does not exist.
    pub fn log_group_missing(mut self) -> Self {
        self.create_log_group = false;
        self
    }
    pub fn without_metric_filter(mut self) -> Self {
        self.filter = false;
        self
    }
    pub fn pattern(mut self, pattern: &str) -> Self {
        self.pattern = pattern.to_string();
        self
    }
    pub fn metric(mut self, namespace: &str, name: &str) -> Self {
        self.namespace = namespace.to_string();
        self.metric = name.to_string();
        self
    }
    pub fn filter_dimensions(mut self, dims: &[(&str, &str)]) -> Self {
        self.filter_dimensions = dims
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }
    pub fn without_alarm(mut self) -> Self {
        self.alarm = AlarmKind::None;
        self
    }
    pub fn math_alarm(mut self) -> Self {
        self.alarm = AlarmKind::Math;
        self
    }
    pub fn alarm_dimensions(mut self, dims: &[(&str, &str)]) -> Self {
        self.alarm_dimensions = dims
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }
    /// The alarm watches another metric name (same namespace).
    pub fn alarm_on_metric(mut self, metric: &str) -> Self {
        self.alarm_metric = Some(metric.to_string());
        self
    }
    pub fn statistic(mut self, statistic: &str) -> Self {
        self.statistic = statistic.to_string();
        self
    }
    pub fn threshold(mut self, threshold: f64, comparison: &str) -> Self {
        self.threshold = threshold;
        self.comparison = comparison.to_string();
        self
    }
    pub fn actions_disabled(mut self) -> Self {
        self.actions_enabled = false;
        self
    }
    pub fn without_alarm_action(mut self) -> Self {
        self.alarm_action = false;
        self
    }
    pub fn topic_without_subscription(mut self) -> Self {
        self.topic = TopicState::NoSubscription;
        self
    }
    pub fn topic_deleted(mut self) -> Self {
        self.topic = TopicState::Deleted;
        self
    }
    pub fn topic_key(mut self, key: TopicKey) -> Self {
        self.topic_key = key;
        self
    }
    pub fn topic_policy_denies(mut self) -> Self {
        self.topic_policy_denies = true;
        self
    }

    pub fn trail_name(&self) -> String {
        format!("{}-trail", self.prefix)
    }
    pub fn log_group_name(&self) -> String {
        format!("{}-cloudtrail-logs", self.prefix)
    }
    pub fn filter_name(&self) -> String {
        format!("{}-console-auth-failures", self.prefix)
    }
    pub fn alarm_name(&self) -> String {
        format!("{}-console-auth-failures", self.prefix)
    }
    pub fn topic_name(&self) -> String {
        format!("{}-security-alarms", self.prefix)
    }
    pub fn key_alias(&self) -> String {
        format!("alias/{}-alarms", self.prefix)
    }
    /// Bucket names are global across accounts in moto, as in S3.
    pub fn bucket_name(&self, account_id: &str) -> String {
        format!("{}-trail-{account_id}-{}", self.prefix, self.home_region)
    }
}

/// What [`seed_chain`] made (`None` for links left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChainResources {
    pub account_id: String,
    pub region: String,
    pub bucket: Option<String>,
    pub trail_arn: Option<String>,
    pub log_group_arn: Option<String>,
    pub filter_name: Option<String>,
    pub alarm_arn: Option<String>,
    pub topic_arn: Option<String>,
}

/// Seeds one chain in `account` (all in `spec.home_region`) as `spec` says.
pub async fn seed_chain(em: &Emulator, account: &Account, spec: &ChainSpec) -> ChainResources {
    let region = spec.home_region.as_str();
    let mut made = ChainResources {
        account_id: account.id.clone(),
        region: region.to_string(),
        ..ChainResources::default()
    };
    if !spec.trail {
        return made;
    }
    let log_group_arn = account.log_group_arn(region, &spec.log_group_name());
    if spec.create_log_group {
        account
            .create_log_group(region, &spec.log_group_name())
            .await;
    }
    let bucket = spec.bucket_name(&account.id);
    let trail = TrailSpec {
        name: spec.trail_name(),
        home_region: region.to_string(),
        bucket: bucket.clone(),
        multi_region: spec.multi_region,
        logging: spec.logging,
        include_global_events: spec.include_global_events,
        organization: spec.organization,
        selectors: spec.selectors.clone(),
        log_group_arn: spec.cloudwatch_logs.then(|| log_group_arn.clone()),
        role_arn: spec.cloudwatch_logs.then(|| {
            format!(
                "arn:aws:iam::{}:role/CloudTrail_CloudWatchLogs_Role",
                account.id
            )
        }),
    };
    made.bucket = Some(bucket);
    made.trail_arn = Some(account.create_trail(em, &trail).await);
    if !spec.cloudwatch_logs {
        return made;
    }
    made.log_group_arn = Some(log_group_arn);
    if !spec.create_log_group || !spec.filter {
        return made;
    }
    account
        .put_metric_filter(
            region,
            &FilterSpec {
                log_group: spec.log_group_name(),
                name: spec.filter_name(),
                pattern: spec.pattern.clone(),
                namespace: spec.namespace.clone(),
                metric: spec.metric.clone(),
                value: spec.metric_value.clone(),
                dimensions: spec.filter_dimensions.clone(),
            },
        )
        .await;
    made.filter_name = Some(spec.filter_name());
    if spec.alarm == AlarmKind::None {
        return made;
    }
    let subscriptions: &[(&str, &str)] = match spec.topic {
        TopicState::Subscribed => &[("email", "security@example.com")],
        TopicState::NoSubscription | TopicState::Deleted => &[],
    };
    let topic_arn = account
        .create_topic(region, &spec.topic_name(), subscriptions)
        .await;
    match spec.topic_key {
        TopicKey::None => {}
        TopicKey::SnsManaged => {
            account
                .set_topic_attribute(&topic_arn, "KmsMasterKeyId", "alias/aws/sns")
                .await
        }
        TopicKey::Customer { cloudwatch } => {
            let alias = spec.key_alias();
            account
                .create_key(region, &key_policy(&account.id, cloudwatch), Some(&alias))
                .await;
            account
                .set_topic_attribute(&topic_arn, "KmsMasterKeyId", &alias)
                .await;
        }
    }
    if spec.topic_policy_denies {
        account
            .set_topic_attribute(
                &topic_arn,
                "Policy",
                &denying_topic_policy(&topic_arn, &account.id),
            )
            .await;
    }
    if spec.topic == TopicState::Deleted {
        account.delete_topic(&topic_arn).await;
    }
    made.topic_arn = Some(topic_arn.clone());
    let alarm = AlarmSpec {
        name: spec.alarm_name(),
        namespace: spec.namespace.clone(),
        metric: spec
            .alarm_metric
            .clone()
            .unwrap_or_else(|| spec.metric.clone()),
        dimensions: spec.alarm_dimensions.clone(),
        statistic: spec.statistic.clone(),
        threshold: spec.threshold,
        comparison: spec.comparison.clone(),
        period: 300,
        evaluation_periods: 1,
        actions_enabled: spec.actions_enabled,
        actions: if spec.alarm_action {
            vec![topic_arn]
        } else {
            Vec::new()
        },
    };
    made.alarm_arn = Some(match spec.alarm {
        AlarmKind::Math => account.put_math_alarm(region, &alarm).await,
        _ => account.put_alarm(region, &alarm).await,
    });
    made
}

/// The idiom of most sweep tests in one call: an organization whose members (named as given)
/// each carry one console chain homed in `region`, broken as given. Returns the organization
/// and each member's id with its break, in the order given.
pub async fn org_with_chains(
    em: &Emulator,
    region: &str,
    members: &[(&str, crate::Break)],
) -> (seed::OrgSeed, Vec<(String, crate::Break)>) {
    let org = seed::create_organization(em).await;
    let new: Vec<seed::NewAccount> = members
        .iter()
        .enumerate()
        .map(|(i, (name, _))| seed::NewAccount::new(*name, format!("member{i}@example.com")))
        .collect();
    let ids = seed::create_accounts(em, &org.root_id, &new).await;
    let seeded: Vec<(String, crate::Break)> = ids
        .into_iter()
        .zip(members.iter().map(|(_, b)| *b))
        .collect();
    stream::iter(seeded.clone())
        .for_each_concurrent(seed::SEED_CONCURRENCY, |(id, brk)| async move {
            let account = em.account(&id).await;
            let spec = brk.apply(ChainSpec::compliant(region));
            seed_chain(em, &account, &spec).await;
        })
        .await;
    (org, seeded)
}
