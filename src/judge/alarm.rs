//! Does an alarm watch the filter's metric, and can one failed sign-in make it fire?
//!
//! The emulator's `DescribeAlarmsForMetric` matches on name and namespace only, and AWS treats a
//! metric with other dimensions as another metric, so dimensions are compared here, exactly.

use std::collections::HashMap;

use super::metric_math::evaluate;
use crate::facts::{AlarmFacts, AlarmMetric, MetricQuery, MetricStat, MetricTransformation};

/// The statistic-bearing view of what the alarm evaluates, when it is our metric.
fn stat_on_metric<'a>(
    alarm: &'a AlarmFacts,
    metric: &MetricTransformation,
) -> Option<&'a MetricStat> {
    let same = |s: &MetricStat| s.is(metric);
    match &alarm.metric {
        AlarmMetric::Single(stat) => same(stat).then_some(stat),
        AlarmMetric::Math(queries) => queries
            .iter()
            .filter_map(|q| q.metric.as_ref())
            .find(|s| same(s)),
    }
}

/// Whether the alarm evaluates the filter's metric (same namespace, name and dimensions),
/// directly or inside a metric-math expression.
pub(crate) fn watches_metric(alarm: &AlarmFacts, metric: &MetricTransformation) -> bool {
    alarm.watches(metric)
}

/// `Ok(())` when a single matching event can put the alarm in ALARM; otherwise why not.
pub(crate) fn can_fire_on_one_event(
    alarm: &AlarmFacts,
    metric: &MetricTransformation,
) -> Result<(), String> {
    let Some(stat) = stat_on_metric(alarm, metric) else {
        return Err(format!(
            "alarm {} does not evaluate {}/{}",
            alarm.name, metric.namespace, metric.metric_name
        ));
    };
    let per_event = value_of_one_event(alarm, stat, metric)?;
    let value = match &alarm.metric {
        AlarmMetric::Single(_) => per_event,
        AlarmMetric::Math(queries) => math_value(queries, metric, per_event)
            .map_err(|e| format!("alarm {}: {e}", alarm.name))?,
    };
    let Some(threshold) = alarm.threshold else {
        return Err(format!(
            "alarm {} has no static threshold (anomaly detection)",
            alarm.name
        ));
    };
    let reaches = match alarm.comparison_operator.as_str() {
        "GreaterThanOrEqualToThreshold" => value >= threshold,
        "GreaterThanThreshold" => value > threshold,
        _ => false,
    };
    if !reaches {
        return Err(format!(
            "alarm {} fires when the value is {} {threshold}; one event gives {value}",
            alarm.name, alarm.comparison_operator
        ));
    }
    let needed = alarm
        .datapoints_to_alarm
        .unwrap_or(alarm.evaluation_periods);
    if needed > 1 {
        return Err(format!(
            "alarm {} needs {needed} breaching datapoints; one event gives one",
            alarm.name
        ));
    }
    Ok(())
}

/// The datapoint one matching event produces under the alarm's statistic.
fn value_of_one_event(
    alarm: &AlarmFacts,
    stat: &MetricStat,
    metric: &MetricTransformation,
) -> Result<f64, String> {
    match stat.statistic.as_deref() {
        Some("SampleCount") => Ok(1.0),
        Some("Sum") => metric.value.trim().parse::<f64>().map_err(|_| {
            format!(
                "alarm {} sums metric value `{}`, which is not a number; one event cannot be shown to reach the threshold",
                alarm.name, metric.value
            )
        }),
        Some(other) => Err(format!(
            "alarm {} uses statistic {other}; use Sum or SampleCount so one event counts",
            alarm.name
        )),
        None => Err(format!(
            "alarm {} uses extended statistic {}; use Sum or SampleCount so one event counts",
            alarm.name,
            stat.extended_statistic.as_deref().unwrap_or("?")
        )),
    }
}

/// The value the alarm's returned expression takes when the metric's datapoint is `per_event`.
fn math_value(
    queries: &[MetricQuery],
    metric: &MetricTransformation,
    per_event: f64,
) -> Result<f64, String> {
    let Some(returned) = queries.iter().find(|q| q.return_data) else {
        return Err("no metric-math query returns data".into());
    };
    let ours = |q: &MetricQuery| {
        q.metric.as_ref().is_some_and(|s| {
            s.namespace == metric.namespace
                && s.metric_name == metric.metric_name
                && s.dimensions == metric.dimensions
        })
    };
    if ours(returned) {
        return Ok(per_event);
    }
    let values: HashMap<String, f64> = queries
        .iter()
        .filter(|q| ours(q))
        .map(|q| (q.id.clone(), per_event))
        .collect();
    let expression = returned.expression.as_deref().unwrap_or_default();
    evaluate(expression, &values).map_err(|e| {
        format!(
            "metric-math expression `{expression}` cannot be shown to fire on a single event ({e})"
        )
    })
}

/// Why an alarm cannot complete a chain on `metric`, in chain order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlarmProblem {
    /// In another account or region than the log group: it never sees the metric.
    Elsewhere,
    /// It watches another metric (name, namespace or dimensions).
    OtherMetric,
    /// One event cannot make it fire (statistic, threshold, datapoints, metric math): why.
    CannotFire(String),
    ActionsDisabled,
    NoSnsAction,
}

/// The one rule for "a usable alarm": in the log group's `account` and `region`, on `metric`
/// (namespace, name and dimensions), able to fire on one event, with its actions enabled and an
/// SNS topic among them. `None` when usable. The judge, the collector (which topics to read)
/// and the remediation planner (what to reuse) all ask here.
pub(crate) fn alarm_problem(
    alarm: &AlarmFacts,
    metric: &MetricTransformation,
    region: &str,
    account: &str,
) -> Option<AlarmProblem> {
    let here = crate::facts::parse_arn(&alarm.arn)
        .is_some_and(|p| p.region == region && p.account == account);
    if !here {
        return Some(AlarmProblem::Elsewhere);
    }
    if !watches_metric(alarm, metric) {
        return Some(AlarmProblem::OtherMetric);
    }
    if let Err(why) = can_fire_on_one_event(alarm, metric) {
        return Some(AlarmProblem::CannotFire(why));
    }
    if !alarm.actions_enabled {
        return Some(AlarmProblem::ActionsDisabled);
    }
    if sns_topics(alarm).is_empty() {
        return Some(AlarmProblem::NoSnsAction);
    }
    None
}

/// `alarm_problem` is `None`.
pub fn usable(
    alarm: &AlarmFacts,
    metric: &MetricTransformation,
    region: &str,
    account: &str,
) -> bool {
    alarm_problem(alarm, metric, region, account).is_none()
}

/// SNS topics among an alarm's actions (other actions — Auto Scaling, EC2, SSM — notify
/// nobody); a malformed SNS ARN stays, so its cell says what is wrong with it.
pub(crate) fn sns_topics(alarm: &AlarmFacts) -> Vec<&str> {
    alarm.sns_actions()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn metric() -> MetricTransformation {
        MetricTransformation {
            namespace: "CISBenchmark".into(),
            metric_name: "ConsoleAuthFailures".into(),
            value: "1".into(),
            dimensions: BTreeMap::new(),
        }
    }

    fn stat(statistic: &str) -> MetricStat {
        MetricStat {
            namespace: "CISBenchmark".into(),
            metric_name: "ConsoleAuthFailures".into(),
            dimensions: BTreeMap::new(),
            statistic: Some(statistic.into()),
            extended_statistic: None,
        }
    }

    fn alarm(metric: AlarmMetric) -> AlarmFacts {
        AlarmFacts {
            arn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:a".into(),
            name: "a".into(),
            actions_enabled: true,
            alarm_actions: vec!["arn:aws:sns:us-east-1:111122223333:t".into()],
            comparison_operator: "GreaterThanOrEqualToThreshold".into(),
            threshold: Some(1.0),
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            metric,
        }
    }

    #[test]
    fn the_cis_alarm_fires_on_one_event() {
        let a = alarm(AlarmMetric::Single(stat("Sum")));
        assert!(watches_metric(&a, &metric()));
        assert!(can_fire_on_one_event(&a, &metric()).is_ok());
        let a = alarm(AlarmMetric::Single(stat("SampleCount")));
        assert!(can_fire_on_one_event(&a, &metric()).is_ok());
    }

    #[test]
    fn an_extra_dimension_is_another_metric() {
        let mut s = stat("Sum");
        s.dimensions.insert("Account".into(), "x".into());
        assert!(!watches_metric(&alarm(AlarmMetric::Single(s)), &metric()));
    }

    #[test]
    fn thresholds_statistics_and_datapoints_that_one_event_cannot_reach() {
        let mut a = alarm(AlarmMetric::Single(stat("Sum")));
        a.threshold = Some(2.0);
        assert!(can_fire_on_one_event(&a, &metric()).is_err());
        a.threshold = Some(1.0);
        a.comparison_operator = "GreaterThanThreshold".into();
        assert!(can_fire_on_one_event(&a, &metric()).is_err());
        a.threshold = Some(0.0);
        assert!(can_fire_on_one_event(&a, &metric()).is_ok());
        a.comparison_operator = "LessThanThreshold".into();
        assert!(can_fire_on_one_event(&a, &metric()).is_err());

        let mut a = alarm(AlarmMetric::Single(stat("Average")));
        assert!(can_fire_on_one_event(&a, &metric())
            .unwrap_err()
            .contains("Average"));
        a.metric = AlarmMetric::Single(stat("Sum"));
        a.evaluation_periods = 3;
        assert!(can_fire_on_one_event(&a, &metric()).is_err());
        a.datapoints_to_alarm = Some(1);
        assert!(can_fire_on_one_event(&a, &metric()).is_ok());
    }

    #[test]
    fn metric_math_passes_only_when_it_returns_the_metric() {
        let q = |id: &str, expr: Option<&str>, m: Option<MetricStat>, ret: bool| MetricQuery {
            id: id.into(),
            expression: expr.map(String::from),
            metric: m,
            return_data: ret,
        };
        let direct = alarm(AlarmMetric::Math(vec![q(
            "m1",
            None,
            Some(stat("Sum")),
            true,
        )]));
        assert!(watches_metric(&direct, &metric()));
        assert!(can_fire_on_one_event(&direct, &metric()).is_ok());

        let filled = alarm(AlarmMetric::Math(vec![
            q("m1", None, Some(stat("Sum")), false),
            q("e1", Some("FILL(m1, 0)"), None, true),
        ]));
        assert!(can_fire_on_one_event(&filled, &metric()).is_ok());

        let identity = alarm(AlarmMetric::Math(vec![
            q("m1", None, Some(stat("Sum")), false),
            q("e1", Some("m1 * 1"), None, true),
        ]));
        assert!(can_fire_on_one_event(&identity, &metric()).is_ok());

        let scaled = alarm(AlarmMetric::Math(vec![
            q("m1", None, Some(stat("Sum")), false),
            q("e1", Some("m1 / 1000"), None, true),
        ]));
        assert!(watches_metric(&scaled, &metric()));
        assert!(can_fire_on_one_event(&scaled, &metric())
            .unwrap_err()
            .contains("one event gives 0.001"));
    }

    #[test]
    fn only_sns_actions_notify() {
        let mut a = alarm(AlarmMetric::Single(stat("Sum")));
        a.alarm_actions = vec!["arn:aws:automate:us-east-1:ec2:stop".into()];
        assert!(sns_topics(&a).is_empty());
    }
}
