//! The test support checked against moto itself: every chain variant seeds and reads back as
//! intended, and the moto behaviours documented in `testkit/` still hold (a moto upgrade
//! that changes one fails here, not in a puzzling sweep test).

use aws_sdk_cloudtrail::types::ReadWriteType;

use testkit::seed::{self, AlarmSpec, NewAccount, MOTO_NOT_OPTED_IN};
use testkit::{cis_pattern, seed_chain, Break, ChainSpec, Moto};

const HOME: &str = "us-east-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_break_seeds_and_reads_back_as_intended() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let new: Vec<NewAccount> = Break::ALL
        .iter()
        .map(|b| NewAccount::new(format!("{b:?}"), format!("{b:?}@example.com")))
        .collect();
    let ids = seed::create_accounts(&moto, &org.root_id, &new).await;
    let mut made = Vec::new();
    for (id, b) in ids.iter().zip(Break::ALL) {
        let account = moto.account(id).await;
        let chain = seed_chain(&moto, &account, &b.apply(ChainSpec::compliant(HOME))).await;
        made.push((account, *b, chain));
    }

    for (account, b, chain) in &made {
        let ct = account.cloudtrail(HOME);
        let trails = ct.describe_trails().send().await.unwrap();
        if *b == Break::NoTrail {
            assert!(trails.trail_list().is_empty());
            continue;
        }
        let trail = &trails.trail_list()[0];
        assert_eq!(trail.trail_arn(), chain.trail_arn.as_deref());
        assert_eq!(
            trail.is_multi_region_trail(),
            Some(*b != Break::SingleRegion),
            "{b:?}"
        );
        assert_eq!(trail.include_global_service_events(), Some(true));
        assert_eq!(
            trail.cloud_watch_logs_log_group_arn().is_some(),
            *b != Break::NoCloudWatchLogs,
            "{b:?}"
        );
        let status = ct
            .get_trail_status()
            .name(trail.name().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(status.is_logging(), Some(*b != Break::NotLogging), "{b:?}");

        let selectors = ct
            .get_event_selectors()
            .trail_name(trail.name().unwrap())
            .send()
            .await
            .unwrap();
        match b {
            Break::NoSelectors => {
                assert!(
                    selectors.event_selectors().is_empty()
                        && selectors.advanced_event_selectors().is_empty()
                );
            }
            Break::AdvancedReadOnly => {
                assert!(selectors.event_selectors().is_empty());
                let fields = selectors.advanced_event_selectors()[0].field_selectors();
                assert_eq!(fields.len(), 2);
                assert_eq!(fields[1].field(), "readOnly");
                assert_eq!(fields[1].equals(), ["true"]);
            }
            Break::SignInEventsExcluded => {
                assert!(selectors.event_selectors().is_empty());
                let fields = selectors.advanced_event_selectors()[0].field_selectors();
                assert_eq!(fields[1].field(), "eventSource");
                assert_eq!(fields[1].not_equals(), ["signin.amazonaws.com"]);
            }
            Break::KmsEventsExcluded => {
                assert_eq!(
                    selectors.event_selectors()[0].exclude_management_event_sources(),
                    ["kms.amazonaws.com"]
                );
            }
            _ => {
                let s = &selectors.event_selectors()[0];
                let want = if *b == Break::ReadOnlySelectors {
                    ReadWriteType::ReadOnly
                } else {
                    ReadWriteType::All
                };
                assert_eq!(s.read_write_type(), Some(&want), "{b:?}");
                assert_eq!(
                    s.include_management_events(),
                    Some(*b != Break::NoManagementSelectors),
                    "{b:?}"
                );
            }
        }

        let logs = account.logs(HOME);
        let groups = logs.describe_log_groups().send().await.unwrap();
        assert_eq!(
            groups.log_groups().len(),
            usize::from(!matches!(
                b,
                Break::NoCloudWatchLogs | Break::LogGroupMissing
            )),
            "{b:?}"
        );
        let filters = logs.describe_metric_filters().send().await.unwrap();
        if matches!(
            b,
            Break::NoCloudWatchLogs | Break::LogGroupMissing | Break::NoMetricFilter
        ) {
            assert!(filters.metric_filters().is_empty(), "{b:?}");
            continue;
        }
        let filter = &filters.metric_filters()[0];
        let want_pattern = match b {
            Break::ReorderedPattern => testkit::chain::CIS_PATTERN_REORDERED,
            Break::BroaderPattern => testkit::chain::BROADER_PATTERN,
            Break::NarrowPattern => testkit::chain::NARROW_PATTERN,
            _ => cis_pattern(),
        };
        assert_eq!(filter.filter_pattern(), Some(want_pattern));

        let cw = account.cloudwatch(HOME);
        let alarms = cw
            .describe_alarms_for_metric()
            .namespace("CISBenchmark")
            .metric_name("ConsoleAuthenticationFailures")
            .send()
            .await
            .unwrap();
        if *b == Break::NoAlarm {
            assert!(alarms.metric_alarms().is_empty());
            continue;
        }
        let alarm = &alarms.metric_alarms()[0];
        assert_eq!(alarm.alarm_arn(), chain.alarm_arn.as_deref());
        assert_eq!(alarm.actions_enabled(), Some(*b != Break::ActionsDisabled));
        assert_eq!(
            alarm.alarm_actions().len(),
            usize::from(*b != Break::NoAlarmAction),
            "{b:?}"
        );
        assert_eq!(
            alarm.dimensions().len(),
            usize::from(*b == Break::AlarmExtraDimension),
            "{b:?}"
        );

        let sns = account.sns(HOME);
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(chain.topic_arn.as_deref().unwrap())
            .send()
            .await;
        match b {
            Break::TopicDeleted => {
                let err = subs.unwrap_err();
                assert_eq!(
                    aws_sdk_sns::error::ProvideErrorMetadata::code(&err),
                    Some("NotFound")
                );
            }
            Break::TopicWithoutSubscription => assert!(subs.unwrap().subscriptions().is_empty()),
            _ => {
                let subs = subs.unwrap();
                assert_eq!(subs.subscriptions().len(), 1);
                let arn = subs.subscriptions()[0].subscription_arn().unwrap();
                assert!(arn.starts_with("arn:aws:sns:"), "confirmed at once: {arn}");
            }
        }
        if *b == Break::TopicDeleted {
            continue;
        }
        let attributes = sns
            .get_topic_attributes()
            .topic_arn(chain.topic_arn.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        let attributes = attributes.attributes().unwrap();
        let key = attributes.get("KmsMasterKeyId").map(String::as_str);
        match b {
            Break::SnsManagedKey => assert_eq!(key, Some("alias/aws/sns")),
            Break::KeyWithCloudWatch | Break::KeyWithoutCloudWatch => {
                let alias = key.unwrap();
                let kms = account.kms(HOME);
                let meta = kms.describe_key().key_id(alias).send().await.unwrap();
                let arn = meta.key_metadata().unwrap().arn().unwrap().to_string();
                let policy = kms
                    .get_key_policy()
                    .key_id(&arn)
                    .policy_name("default")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    policy
                        .policy()
                        .unwrap()
                        .contains("cloudwatch.amazonaws.com"),
                    *b == Break::KeyWithCloudWatch
                );
            }
            _ => assert_eq!(key, None, "{b:?}"),
        }
        assert_eq!(
            attributes["Policy"].contains("NoServicePublish"),
            *b == Break::TopicPolicyDenies,
            "{b:?}"
        );
    }
}

#[tokio::test]
async fn moto_behaves_as_the_support_notes_say() {
    let moto = Moto::start();
    let org = seed::create_organization(&moto).await;
    let ids = seed::create_accounts(
        &moto,
        &org.root_id,
        &[NewAccount::new("m", "m@example.com")],
    )
    .await;
    let member = moto.account(&ids[0]).await;

    // DescribeRegions: 38 regions of every partition, the same opt-in states everywhere.
    let regions = member
        .ec2(HOME)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .unwrap();
    let regions = regions.regions();
    assert_eq!(regions.len(), 38);
    let mut not_opted: Vec<&str> = regions
        .iter()
        .filter(|r| r.opt_in_status() == Some("not-opted-in"))
        .map(|r| r.region_name().unwrap())
        .collect();
    not_opted.sort();
    assert_eq!(not_opted, MOTO_NOT_OPTED_IN);
    for other in ["us-gov-west-1", "cn-north-1"] {
        assert!(regions.iter().any(|r| r.region_name() == Some(other)));
    }

    // DescribeAlarmsForMetric ignores dimensions and never returns metric-math alarms.
    let spec = AlarmSpec {
        name: "plain".into(),
        namespace: "NS".into(),
        metric: "M".into(),
        dimensions: vec![("Team".into(), "a".into())],
        statistic: "Sum".into(),
        threshold: 1.0,
        comparison: "GreaterThanOrEqualToThreshold".into(),
        period: 300,
        evaluation_periods: 1,
        actions_enabled: true,
        actions: vec![],
    };
    member.put_alarm(HOME, &spec).await;
    member
        .put_math_alarm(
            HOME,
            &AlarmSpec {
                name: "math".into(),
                ..spec.clone()
            },
        )
        .await;
    let cw = member.cloudwatch(HOME);
    let found = cw
        .describe_alarms_for_metric()
        .namespace("NS")
        .metric_name("M")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("Team")
                .value("zzz")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = found
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    assert_eq!(names, ["plain"]);
    let all = cw.describe_alarms().send().await.unwrap();
    assert_eq!(all.metric_alarms().len(), 2);

    // Deleting the member role is not honoured by STS.
    member.delete_member_role().await;
    let again = moto.config_for_account(&ids[0], HOME).await;
    let who = aws_sdk_sts::Client::new(&again)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.account(), Some(ids[0].as_str()));

    // An organization trail of the management account is not listed in members.
    let management = moto.management();
    seed_chain(
        &moto,
        &management,
        &ChainSpec::compliant(HOME)
            .prefix("org")
            .organization_trail(),
    )
    .await;
    let mine = management
        .cloudtrail(HOME)
        .describe_trails()
        .send()
        .await
        .unwrap();
    assert_eq!(mine.trail_list()[0].is_organization_trail(), Some(true));
    assert!(member
        .cloudtrail(HOME)
        .list_trails()
        .send()
        .await
        .unwrap()
        .trails()
        .is_empty());

    // GetEventSelectors works only in the home region; GetTrailStatus by ARN from anywhere.
    let made = seed_chain(&moto, &member, &ChainSpec::compliant(HOME)).await;
    let arn = made.trail_arn.unwrap();
    let away = member.cloudtrail("eu-west-1");
    assert!(away
        .get_event_selectors()
        .trail_name(&arn)
        .send()
        .await
        .is_err());
    assert_eq!(
        away.get_trail_status()
            .name(&arn)
            .send()
            .await
            .unwrap()
            .is_logging(),
        Some(true)
    );
    assert_eq!(
        away.list_trails().send().await.unwrap().trails().len(),
        1,
        "multi-region trails show everywhere"
    );

    // PutMetricFilter on a log group that does not exist succeeds.
    member
        .put_metric_filter(
            HOME,
            &seed::FilterSpec {
                log_group: "no-such-group".into(),
                name: "f".into(),
                pattern: cis_pattern().into(),
                namespace: "NS".into(),
                metric: "M".into(),
                value: "1".into(),
                dimensions: vec![],
            },
        )
        .await;

    // Suspended accounts: CloseAccount is instant, and AssumeRole still works.
    seed::close_account(&moto, &ids[0]).await;
    moto.config_for_account(&ids[0], HOME).await;
}
