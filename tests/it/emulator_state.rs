//! What the emulator holds in one account and region, read through the SDK: the one view the
//! remediation suites compare before and after an apply, and check for duplicates.

use std::collections::BTreeSet;

use testkit::seed::Account;

/// The names orgsweep gives what it creates (the default `[remediation]` config), and the
/// regions the remediation suites use.
pub const HOME: &str = "us-east-1";
pub const OTHER: &str = "eu-west-1";
pub const REGIONS: &str = "us-east-1,eu-west-1";
pub const FILTER: &str = "orgsweep-console-auth-failures";
pub const ALARM: &str = "orgsweep-console-auth-failures";
pub const TOPIC: &str = "orgsweep-security-alarms";
pub const ENDPOINT: &str = "security@example.com";
pub const STATEMENT_SID: &str = "OrgsweepAllowCloudWatchAlarms";

/// One metric filter of the region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeenFilter {
    pub log_group: String,
    pub name: String,
    pub pattern: String,
}

/// One subscription of the region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeenSubscription {
    pub topic: String,
    pub protocol: String,
    pub endpoint: String,
}

/// One metric alarm of the region.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenAlarm {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    pub actions: Vec<String>,
    pub threshold: Option<f64>,
}

/// Everything of one account and region a remediation could create or duplicate, sorted.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub filters: Vec<SeenFilter>,
    pub subscriptions: Vec<SeenSubscription>,
    pub alarms: Vec<SeenAlarm>,
    pub topics: Vec<String>,
    /// The policy document of orgsweep's topic, when the topic exists.
    pub topic_policy: Option<serde_json::Value>,
}

impl Snapshot {
    /// Reads the region's filters, subscriptions, topics, alarms and orgsweep's topic policy.
    pub async fn read(account: &Account, region: &str) -> Snapshot {
        let mut filters: Vec<SeenFilter> = account
            .logs(region)
            .describe_metric_filters()
            .send()
            .await
            .unwrap()
            .metric_filters()
            .iter()
            .map(|f| SeenFilter {
                log_group: f.log_group_name().unwrap_or_default().to_string(),
                name: f.filter_name().unwrap_or_default().to_string(),
                pattern: f.filter_pattern().unwrap_or_default().to_string(),
            })
            .collect();
        filters.sort();
        let sns = account.sns(region);
        let mut subscriptions: Vec<SeenSubscription> = sns
            .list_subscriptions()
            .send()
            .await
            .unwrap()
            .subscriptions()
            .iter()
            .map(|s| SeenSubscription {
                topic: s.topic_arn().unwrap_or_default().to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            })
            .collect();
        subscriptions.sort();
        let mut topics: Vec<String> = sns
            .list_topics()
            .send()
            .await
            .unwrap()
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn().map(str::to_string))
            .collect();
        topics.sort();
        let topic_policy = sns
            .get_topic_attributes()
            .topic_arn(our_topic(account, region))
            .send()
            .await
            .ok()
            .and_then(|o| o.attributes().and_then(|a| a.get("Policy")).cloned())
            .map(|p| serde_json::from_str(&p).expect("a topic policy is JSON"));
        let mut alarms: Vec<SeenAlarm> = account
            .cloudwatch(region)
            .describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .iter()
            .map(|a| SeenAlarm {
                name: a.alarm_name().unwrap_or_default().to_string(),
                namespace: a.namespace().unwrap_or_default().to_string(),
                metric: a.metric_name().unwrap_or_default().to_string(),
                actions: a.alarm_actions().to_vec(),
                threshold: a.threshold(),
            })
            .collect();
        alarms.sort_by(|a, b| {
            (&a.name, &a.namespace, &a.metric).cmp(&(&b.name, &b.namespace, &b.metric))
        });
        Snapshot {
            filters,
            subscriptions,
            alarms,
            topics,
            topic_policy,
        }
    }

    /// `(log group, filter name)` of every filter.
    pub fn filter_names(&self) -> Vec<(String, String)> {
        self.filters
            .iter()
            .map(|f| (f.log_group.clone(), f.name.clone()))
            .collect()
    }

    /// The alarms called `name`.
    pub fn alarms_named(&self, name: &str) -> Vec<&SeenAlarm> {
        self.alarms.iter().filter(|a| a.name == name).collect()
    }

    /// `protocol:endpoint` of each subscription to orgsweep's topic.
    pub fn subscriptions_to_our_topic(&self) -> Vec<String> {
        self.subscriptions
            .iter()
            .filter(|s| s.topic.ends_with(&format!(":{TOPIC}")))
            .map(|s| format!("{}:{}", s.protocol, s.endpoint))
            .collect()
    }

    /// The Sids of the statements of orgsweep's topic policy, in order.
    pub fn statement_sids(&self) -> Vec<String> {
        self.topic_policy
            .as_ref()
            .and_then(|p| p["Statement"].as_array())
            .map(|s| {
                s.iter()
                    .filter_map(|s| s["Sid"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// No duplicates anywhere, and at most one of each thing orgsweep makes.
    pub fn assert_no_duplicates(&self, label: &str) {
        let unique = |v: Vec<String>, what: &str| {
            let set: BTreeSet<&String> = v.iter().collect();
            assert_eq!(set.len(), v.len(), "{label}: duplicate {what}: {v:#?}");
        };
        unique(
            self.filters
                .iter()
                .map(|f| format!("{}/{}", f.log_group, f.name))
                .collect(),
            "metric filters",
        );
        unique(
            self.subscriptions
                .iter()
                .map(|s| format!("{} {}:{}", s.topic, s.protocol, s.endpoint))
                .collect(),
            "subscriptions",
        );
        unique(
            self.alarms.iter().map(|a| a.name.clone()).collect(),
            "alarms",
        );
        unique(self.topics.clone(), "topics");
        unique(self.statement_sids(), "policy statements");
        assert!(
            self.filters.iter().filter(|f| f.name == FILTER).count() <= 1,
            "{label}: {self:#?}"
        );
        // One alarm of ours, and no second alarm on the metric ours watches.
        let ours = self.alarms_named(ALARM);
        assert!(ours.len() <= 1, "{label}: {self:#?}");
        for a in ours {
            let on_metric = self
                .alarms
                .iter()
                .filter(|b| {
                    b.namespace == a.namespace && b.metric == a.metric && b.actions == a.actions
                })
                .count();
            assert_eq!(
                on_metric, 1,
                "{label}: two alarms on {}/{}: {self:#?}",
                a.namespace, a.metric
            );
        }
    }
}

/// The ARN of orgsweep's topic in `account` and `region`.
fn our_topic(account: &Account, region: &str) -> String {
    format!("arn:aws:sns:{region}:{}:{TOPIC}", account.id)
}
