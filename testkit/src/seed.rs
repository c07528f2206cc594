//! Seeding real emulator state through the AWS SDK (no mocks): the organization, its OUs and
//! accounts, and per account the resources of the CIS chain.
//!
//! moto 5.2.5 behaviour these helpers rely on or document (each checked by running it):
//! - Organizations: `CreateOrganization` makes `123456789012` the management account (named
//!   `master`, email `master@example.com`) with one root `r-xxxx` named `Root`. `CreateAccount`
//!   is instant (state `SUCCEEDED` at once), puts the account in the root with status `ACTIVE`,
//!   makes `OrganizationAccountAccessRole` in it and takes any name (commas, quotes, unicode,
//!   a leading `=`). Ids are random 12 digits and may start with 0. `CloseAccount` makes the
//!   account `SUSPENDED` at once (`Status` and `State`); it stays listed and AssumeRole into it
//!   still works. Page sizes: `ListAccounts` 100, `ListAccountsForParent` and
//!   `ListOrganizationalUnitsForParent` 20.
//! - IAM: `DeleteRole` of `OrganizationAccountAccessRole` succeeds but is **not honoured** by
//!   STS: AssumeRole into the deleted role still succeeds. ASSUME_ROLE_FAILED cannot be seeded
//!   on plain moto (use auth mode or a fault-injecting proxy).
//! - S3 / CloudTrail: `CreateTrail` fails with `S3BucketDoesNotExistException` unless the bucket
//!   exists; bucket names are looked up across accounts, so a bucket made by an unsigned
//!   `PUT /<name>` (owned by the management account) serves a trail in any account. Trail
//!   names need at least 3 characters. A new trail has **no** event selectors:
//!   `GetEventSelectors` returns `EventSelectors: []` and `AdvancedEventSelectors: []`.
//!   `PutEventSelectors` with advanced selectors clears the classic ones, but with classic
//!   selectors it leaves earlier advanced ones in place (both are then returned) — so put
//!   selectors once per trail. `DescribeTrails` always says `HasCustomEventSelectors: false`.
//!   `GetTrail`/`GetEventSelectors` work only in the trail's home region (by name or ARN:
//!   `TrailNotFoundException` elsewhere); `GetTrailStatus` by ARN works from any region.
//!   `UpdateTrail`/`CreateTrail` accept a `CloudWatchLogsLogGroupArn` of a log group that does
//!   not exist, and no `CloudWatchLogsRoleArn`. A trail starts with `IsLogging: false`.
//!   `ListTrails`/`DescribeTrails` in another region show multi-region trails only.
//!   An organization trail (`IsOrganizationTrail`) of the management account is **not**
//!   listed in member accounts; moto even lets a member create an organization trail.
//! - Logs: `PutMetricFilter` on a log group that does not exist succeeds silently;
//!   `DescribeLogGroups` gives `arn` = `…:log-group:NAME:*` and `logGroupArn` without `:*`.
//! - CloudWatch: `DescribeAlarmsForMetric` matches on metric name and namespace only — it
//!   ignores the `Dimensions` asked for and returns alarms of any dimensions — and never
//!   returns metric-math alarms (alarms with `Metrics`), which `DescribeAlarms` does show.
//! - SNS: `Subscribe` confirms at once (a real ARN, never `PendingConfirmation`), any protocol
//!   and endpoint; `CreateTopic` of an existing name returns the same ARN; after `DeleteTopic`,
//!   `GetTopicAttributes` and `ListSubscriptionsByTopic` fail with `NotFound`.
//!   `GetTopicAttributes` returns `KmsMasterKeyId` exactly as set (moto checks no key) and
//!   `SubscriptionsConfirmed`/`SubscriptionsPending` always `0` (so orgsweep lists them).
//! - KMS: `GetKeyPolicy` answers only with `PolicyName` `default`; `DescribeKey` resolves an
//!   alias (`KeyManager` `CUSTOMER`); there is no `alias/aws/sns` key (`NotFoundException`).
//! - CloudWatch `DescribeAlarmHistory` is not implemented (HTTP 500): the fault proxy's
//!   stand-in answers it. `GetTrailStatus` never reports a CloudWatch Logs delivery error:
//!   the proxy patches one in.
//! - EC2 `DescribeRegions` (with or without `AllRegions`) returns the same 38 regions in every
//!   account: 34 of partition `aws`, `us-gov-east-1`, `us-gov-west-1`, `cn-north-1`,
//!   `cn-northwest-1`; [`MOTO_NOT_OPTED_IN`] lists the 14 with `OptInStatus: not-opted-in`, every
//!   other one says `opt-in-not-required` (also af-south-1, eu-south-1, ap-southeast-3, which
//!   are opt-in regions on AWS).

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector, ReadWriteType,
};
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, Statistic,
};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use aws_sdk_organizations::types::{CreateAccountState, OrganizationFeatureSet};
use futures::stream::{self, StreamExt};

use crate::moto::{fmt_err, Emulator, DEFAULT_REGION, MANAGEMENT_ACCOUNT_ID};

/// Regions moto's `DescribeRegions` reports as `not-opted-in` (in every account).
pub const MOTO_NOT_OPTED_IN: &[&str] = &[
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// How many seeding calls run at once; moto is one Python process and tolerates this well.
pub const SEED_CONCURRENCY: usize = 8;

macro_rules! expect_ok {
    ($what:expr, $fut:expr) => {
        $fut.await
            .unwrap_or_else(|e| panic!("{}: {}", $what, fmt_err(&e)))
    };
}

// ---------------------------------------------------------------------------------------------
// The organization

/// What `create_organization` made.
#[derive(Debug, Clone)]
pub struct OrgSeed {
    pub organization_id: String,
    pub management_account_id: String,
    pub root_id: String,
}

/// One account to create: its name and email, and the OU or root to put it in (`None`: root).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub parent_id: Option<String>,
}

impl NewAccount {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> NewAccount {
        NewAccount {
            name: name.into(),
            email: email.into(),
            parent_id: None,
        }
    }

    pub fn under(mut self, parent_id: &str) -> NewAccount {
        self.parent_id = Some(parent_id.to_string());
        self
    }
}

fn org_client(em: &Emulator) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&em.config(crate::moto::DEFAULT_REGION))
}

/// Creates the organization (all features) owned by the management account `123456789012`.
pub async fn create_organization(em: &Emulator) -> OrgSeed {
    let org = org_client(em);
    let out = expect_ok!(
        "CreateOrganization",
        org.create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
    );
    let o = out.organization().expect("no organization");
    let roots = expect_ok!("ListRoots", org.list_roots().send());
    OrgSeed {
        organization_id: o.id().unwrap_or_default().to_string(),
        management_account_id: o
            .master_account_id()
            .unwrap_or(MANAGEMENT_ACCOUNT_ID)
            .to_string(),
        root_id: roots.roots()[0].id().unwrap_or_default().to_string(),
    }
}

/// Creates an OU under a root or OU; returns its id.
pub async fn create_ou(em: &Emulator, parent_id: &str, name: &str) -> String {
    let out = expect_ok!(
        format!("CreateOrganizationalUnit {name}"),
        org_client(em)
            .create_organizational_unit()
            .parent_id(parent_id)
            .name(name)
            .send()
    );
    out.organizational_unit()
        .and_then(|o| o.id())
        .expect("no OU id")
        .to_string()
}

/// Creates one account in the root; returns its id.
pub async fn create_account(em: &Emulator, name: &str, email: &str) -> String {
    let out = expect_ok!(
        format!("CreateAccount {name:?}"),
        org_client(em)
            .create_account()
            .account_name(name)
            .email(email)
            .send()
    );
    let status = out.create_account_status().expect("no CreateAccountStatus");
    assert_eq!(
        status.state(),
        Some(&CreateAccountState::Succeeded),
        "{status:?}"
    );
    status.account_id().expect("no account id").to_string()
}

/// Moves an account between parents.
pub async fn move_account(em: &Emulator, account_id: &str, from: &str, to: &str) {
    expect_ok!(
        format!("MoveAccount {account_id}"),
        org_client(em)
            .move_account()
            .account_id(account_id)
            .source_parent_id(from)
            .destination_parent_id(to)
            .send()
    );
}

/// Creates many accounts concurrently (each in its parent); ids come back in input order.
pub async fn create_accounts(em: &Emulator, root_id: &str, accounts: &[NewAccount]) -> Vec<String> {
    stream::iter(accounts.iter().cloned())
        .map(|new| {
            let em = em.clone();
            let root_id = root_id.to_string();
            async move {
                let id = create_account(&em, &new.name, &new.email).await;
                if let Some(parent) = new.parent_id.as_deref().filter(|p| *p != root_id) {
                    move_account(&em, &id, &root_id, parent).await;
                }
                id
            }
        })
        .buffered(SEED_CONCURRENCY)
        .collect()
        .await
}

/// Seeding handles: the emulator hands out accounts, which this module defines (so the
/// emulator's own module needs nothing from here).
impl Emulator {
    /// A seeding handle on one account: the management account uses the `testing` keys, any
    /// other account an assumed role.
    pub async fn account(&self, account_id: &str) -> Account {
        let config = if account_id == MANAGEMENT_ACCOUNT_ID {
            self.config(DEFAULT_REGION)
        } else {
            self.config_for_account(account_id, DEFAULT_REGION).await
        };
        Account::new(account_id, config)
    }

    /// The management account's seeding handle.
    pub fn management(&self) -> Account {
        Account::new(MANAGEMENT_ACCOUNT_ID, self.config(DEFAULT_REGION))
    }
}

/// Closes an account: moto makes it `SUSPENDED` at once.
pub async fn close_account(em: &Emulator, account_id: &str) {
    expect_ok!(
        format!("CloseAccount {account_id}"),
        org_client(em).close_account().account_id(account_id).send()
    );
}

/// Creates an IAM user with an access key in the management account; returns (key id, secret).
/// Benchmarks give the tool this key: moto finds it at once, whereas the `testing` key is
/// looked up by scanning every account first (slow with 1000 accounts).
pub async fn create_management_user_key(em: &Emulator, user_name: &str) -> (String, String) {
    let iam = aws_sdk_iam::Client::new(&em.config(crate::moto::DEFAULT_REGION));
    expect_ok!("CreateUser", iam.create_user().user_name(user_name).send());
    let out = expect_ok!(
        "CreateAccessKey",
        iam.create_access_key().user_name(user_name).send()
    );
    let key = out.access_key().expect("no access key");
    (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// One account's resources

/// Event selectors to put on a trail.
#[derive(Debug, Clone, PartialEq)]
pub enum Selectors {
    /// Put none: moto's default, `GetEventSelectors` returns both lists empty.
    None,
    /// Classic selectors: `ReadWriteType` (`All`, `ReadOnly`, `WriteOnly`) and
    /// `IncludeManagementEvents`.
    Classic {
        read_write: &'static str,
        management: bool,
    },
    /// Advanced selector `eventCategory = Management`, plus `readOnly = true|false` if given.
    Advanced { read_only: Option<bool> },
    /// Advanced selector for S3 data events only (no management events).
    AdvancedDataOnly,
    /// Classic `All` with management events, minus these sources (`ExcludeManagementEventSources`).
    ClassicExcluding(Vec<String>),
    /// Advanced `eventCategory = Management` with `eventSource NotEquals` these sources.
    AdvancedExcluding(Vec<String>),
}

impl Selectors {
    /// Classic `All` with management events: what CIS wants.
    pub fn all() -> Selectors {
        Selectors::Classic {
            read_write: "All",
            management: true,
        }
    }
}

/// A trail to create.
#[derive(Debug, Clone)]
pub struct TrailSpec {
    pub name: String,
    pub home_region: String,
    /// Created (unsigned PUT) when missing.
    pub bucket: String,
    pub multi_region: bool,
    pub logging: bool,
    pub include_global_events: bool,
    pub organization: bool,
    pub selectors: Selectors,
    /// `CloudWatchLogsLogGroupArn` (the `…:log-group:NAME:*` form CloudTrail uses).
    pub log_group_arn: Option<String>,
    pub role_arn: Option<String>,
}

/// A metric filter to put.
#[derive(Debug, Clone)]
pub struct FilterSpec {
    pub log_group: String,
    pub name: String,
    pub pattern: String,
    pub namespace: String,
    pub metric: String,
    pub value: String,
    pub dimensions: Vec<(String, String)>,
}

/// A metric alarm to put (or a metric-math alarm on the same metric, see [`Account::put_math_alarm`]).
#[derive(Debug, Clone)]
pub struct AlarmSpec {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    /// `Sum`, `SampleCount`, `Average`, `Minimum`, `Maximum`.
    pub statistic: String,
    pub threshold: f64,
    /// e.g. `GreaterThanOrEqualToThreshold`.
    pub comparison: String,
    pub period: i32,
    pub evaluation_periods: i32,
    pub actions_enabled: bool,
    pub actions: Vec<String>,
}

/// A seeding handle on one account: SDK clients per region with that account's credentials.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    config: SdkConfig,
}

macro_rules! regional_client {
    ($fn_name:ident, $krate:ident) => {
        pub fn $fn_name(&self, region: &str) -> $krate::Client {
            $krate::Client::from_conf(
                $krate::config::Builder::from(&self.config)
                    .region(aws_config::Region::new(region.to_string()))
                    .build(),
            )
        }
    };
}

impl Account {
    pub fn new(id: impl Into<String>, config: SdkConfig) -> Account {
        Account {
            id: id.into(),
            config,
        }
    }

    /// The account's SDK config (region us-east-1).
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    regional_client!(cloudtrail, aws_sdk_cloudtrail);
    regional_client!(logs, aws_sdk_cloudwatchlogs);
    regional_client!(cloudwatch, aws_sdk_cloudwatch);
    regional_client!(sns, aws_sdk_sns);
    regional_client!(ec2, aws_sdk_ec2);
    regional_client!(kms, aws_sdk_kms);

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// The `…:log-group:NAME:*` ARN CloudTrail's `CloudWatchLogsLogGroupArn` uses.
    pub fn log_group_arn(&self, region: &str, name: &str) -> String {
        format!("arn:aws:logs:{region}:{}:log-group:{name}:*", self.id)
    }

    /// Creates a log group; returns its CloudTrail-style ARN.
    pub async fn create_log_group(&self, region: &str, name: &str) -> String {
        expect_ok!(
            format!("CreateLogGroup {name} in {}/{region}", self.id),
            self.logs(region)
                .create_log_group()
                .log_group_name(name)
                .send()
        );
        self.log_group_arn(region, name)
    }

    /// Creates a trail (and its bucket), puts its selectors and starts logging as asked;
    /// returns the trail ARN.
    pub async fn create_trail(&self, em: &Emulator, spec: &TrailSpec) -> String {
        em.put_bucket(&spec.bucket).await;
        let ct = self.cloudtrail(&spec.home_region);
        let out = expect_ok!(
            format!(
                "CreateTrail {} in {}/{}",
                spec.name, self.id, spec.home_region
            ),
            ct.create_trail()
                .name(&spec.name)
                .s3_bucket_name(&spec.bucket)
                .is_multi_region_trail(spec.multi_region)
                .include_global_service_events(spec.include_global_events)
                .is_organization_trail(spec.organization)
                .set_cloud_watch_logs_log_group_arn(spec.log_group_arn.clone())
                .set_cloud_watch_logs_role_arn(spec.role_arn.clone())
                .send()
        );
        let arn = out.trail_arn().expect("no trail ARN").to_string();
        self.put_selectors(&spec.home_region, &spec.name, &spec.selectors)
            .await;
        if spec.logging {
            expect_ok!("StartLogging", ct.start_logging().name(&spec.name).send());
        }
        arn
    }

    /// Puts event selectors on a trail (once per trail: see the module notes).
    pub async fn put_selectors(&self, region: &str, trail: &str, selectors: &Selectors) {
        let ct = self.cloudtrail(region);
        let request = ct.put_event_selectors().trail_name(trail);
        let request = match selectors {
            Selectors::None => return,
            Selectors::Classic {
                read_write,
                management,
            } => request.event_selectors(
                EventSelector::builder()
                    .read_write_type(ReadWriteType::from(*read_write))
                    .include_management_events(*management)
                    .build(),
            ),
            Selectors::Advanced { read_only } => {
                let mut fields = vec![field("eventCategory", "Management")];
                if let Some(read_only) = read_only {
                    fields.push(field("readOnly", if *read_only { "true" } else { "false" }));
                }
                request.advanced_event_selectors(
                    AdvancedEventSelector::builder()
                        .name("management")
                        .set_field_selectors(Some(fields))
                        .build()
                        .expect("advanced selector"),
                )
            }
            Selectors::ClassicExcluding(sources) => request.event_selectors(
                EventSelector::builder()
                    .read_write_type(ReadWriteType::All)
                    .include_management_events(true)
                    .set_exclude_management_event_sources(Some(sources.clone()))
                    .build(),
            ),
            Selectors::AdvancedExcluding(sources) => request.advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("management-without-some-sources")
                    .field_selectors(field("eventCategory", "Management"))
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("eventSource")
                            .set_not_equals(Some(sources.clone()))
                            .build()
                            .expect("field selector"),
                    )
                    .build()
                    .expect("advanced selector"),
            ),
            Selectors::AdvancedDataOnly => request.advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("s3-data")
                    .field_selectors(field("eventCategory", "Data"))
                    .field_selectors(field("resources.type", "AWS::S3::Object"))
                    .build()
                    .expect("advanced selector"),
            ),
        };
        expect_ok!(format!("PutEventSelectors {trail}"), request.send());
    }

    pub async fn start_logging(&self, region: &str, trail: &str) {
        expect_ok!(
            "StartLogging",
            self.cloudtrail(region).start_logging().name(trail).send()
        );
    }

    pub async fn stop_logging(&self, region: &str, trail: &str) {
        expect_ok!(
            "StopLogging",
            self.cloudtrail(region).stop_logging().name(trail).send()
        );
    }

    /// Puts a metric filter.
    pub async fn put_metric_filter(&self, region: &str, spec: &FilterSpec) {
        let mut transformation = MetricTransformation::builder()
            .metric_name(&spec.metric)
            .metric_namespace(&spec.namespace)
            .metric_value(&spec.value);
        for (k, v) in &spec.dimensions {
            transformation = transformation.dimensions(k, v);
        }
        expect_ok!(
            format!("PutMetricFilter {} in {}/{region}", spec.name, self.id),
            self.logs(region)
                .put_metric_filter()
                .log_group_name(&spec.log_group)
                .filter_name(&spec.name)
                .filter_pattern(&spec.pattern)
                .metric_transformations(transformation.build().expect("metric transformation"))
                .send()
        );
    }

    /// Creates a topic with subscriptions `(protocol, endpoint)` (moto confirms them at
    /// once); returns the topic ARN.
    pub async fn create_topic(
        &self,
        region: &str,
        name: &str,
        subscriptions: &[(&str, &str)],
    ) -> String {
        let sns = self.sns(region);
        let out = expect_ok!(
            format!("CreateTopic {name}"),
            sns.create_topic().name(name).send()
        );
        let arn = out.topic_arn().expect("no topic ARN").to_string();
        for (protocol, endpoint) in subscriptions {
            expect_ok!(
                format!("Subscribe {protocol}:{endpoint}"),
                sns.subscribe()
                    .topic_arn(&arn)
                    .protocol(*protocol)
                    .endpoint(*endpoint)
                    .return_subscription_arn(true)
                    .send()
            );
        }
        arn
    }

    /// Creates a customer managed KMS key with `policy` (and `alias`, e.g. `alias/alarms`);
    /// returns its ARN.
    pub async fn create_key(&self, region: &str, policy: &str, alias: Option<&str>) -> String {
        let kms = self.kms(region);
        let out = expect_ok!("CreateKey", kms.create_key().policy(policy).send());
        let meta = out.key_metadata().expect("key metadata");
        if let Some(alias) = alias {
            expect_ok!(
                format!("CreateAlias {alias}"),
                kms.create_alias()
                    .alias_name(alias)
                    .target_key_id(meta.key_id())
                    .send()
            );
        }
        meta.arn().expect("key ARN").to_string()
    }

    /// Sets one attribute of a topic (`KmsMasterKeyId`, `Policy`, ...).
    pub async fn set_topic_attribute(&self, topic_arn: &str, name: &str, value: &str) {
        let region = topic_arn.split(':').nth(3).expect("topic ARN region");
        expect_ok!(
            format!("SetTopicAttributes {name}"),
            self.sns(region)
                .set_topic_attributes()
                .topic_arn(topic_arn)
                .attribute_name(name)
                .attribute_value(value)
                .send()
        );
    }

    /// Deletes a topic by ARN (the region is read from the ARN).
    pub async fn delete_topic(&self, topic_arn: &str) {
        let region = topic_arn.split(':').nth(3).expect("topic ARN region");
        expect_ok!(
            "DeleteTopic",
            self.sns(region).delete_topic().topic_arn(topic_arn).send()
        );
    }

    /// Puts a metric alarm; returns its ARN.
    pub async fn put_alarm(&self, region: &str, spec: &AlarmSpec) -> String {
        let dimensions = dimensions_of(spec);
        expect_ok!(
            format!("PutMetricAlarm {} in {}/{region}", spec.name, self.id),
            self.cloudwatch(region)
                .put_metric_alarm()
                .alarm_name(&spec.name)
                .namespace(&spec.namespace)
                .metric_name(&spec.metric)
                .set_dimensions(Some(dimensions))
                .statistic(Statistic::from(spec.statistic.as_str()))
                .period(spec.period)
                .evaluation_periods(spec.evaluation_periods)
                .threshold(spec.threshold)
                .comparison_operator(ComparisonOperator::from(spec.comparison.as_str()))
                .actions_enabled(spec.actions_enabled)
                .set_alarm_actions(Some(spec.actions.clone()))
                .send()
        );
        self.alarm_arn(region, &spec.name)
    }

    /// Puts a metric-math alarm (`m1` = the spec's metric and statistic, `e1 = m1 * 1`
    /// returned); returns its ARN. moto's `DescribeAlarmsForMetric` does not return these.
    pub async fn put_math_alarm(&self, region: &str, spec: &AlarmSpec) -> String {
        let dimensions = dimensions_of(spec);
        let metric = Metric::builder()
            .namespace(&spec.namespace)
            .metric_name(&spec.metric)
            .set_dimensions(Some(dimensions))
            .build();
        let m1 = MetricDataQuery::builder()
            .id("m1")
            .metric_stat(
                MetricStat::builder()
                    .metric(metric)
                    .period(spec.period)
                    .stat(&spec.statistic)
                    .build(),
            )
            .return_data(false)
            .build();
        let e1 = MetricDataQuery::builder()
            .id("e1")
            .expression("m1 * 1")
            .return_data(true)
            .build();
        expect_ok!(
            format!(
                "PutMetricAlarm (math) {} in {}/{region}",
                spec.name, self.id
            ),
            self.cloudwatch(region)
                .put_metric_alarm()
                .alarm_name(&spec.name)
                .metrics(m1)
                .metrics(e1)
                .evaluation_periods(spec.evaluation_periods)
                .threshold(spec.threshold)
                .comparison_operator(ComparisonOperator::from(spec.comparison.as_str()))
                .actions_enabled(spec.actions_enabled)
                .set_alarm_actions(Some(spec.actions.clone()))
                .send()
        );
        self.alarm_arn(region, &spec.name)
    }

    pub fn alarm_arn(&self, region: &str, name: &str) -> String {
        format!("arn:aws:cloudwatch:{region}:{}:alarm:{name}", self.id)
    }

    /// Deletes the member role with IAM. moto does NOT honour this: AssumeRole still works.
    pub async fn delete_member_role(&self) {
        expect_ok!(
            "DeleteRole",
            self.iam()
                .delete_role()
                .role_name(crate::moto::MEMBER_ROLE)
                .send()
        );
    }
}

fn field(name: &str, equals: &str) -> AdvancedFieldSelector {
    AdvancedFieldSelector::builder()
        .field(name)
        .equals(equals)
        .build()
        .expect("field selector")
}

/// An alarm spec's dimensions as CloudWatch takes them.
fn dimensions_of(spec: &AlarmSpec) -> Vec<Dimension> {
    spec.dimensions
        .iter()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect()
}
