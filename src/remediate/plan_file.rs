//! The plan as a JSON file: written by `--plan-out`, carried out by `--apply --plan FILE`.
//!
//! A plan file is reviewed, maybe committed, sometimes edited by hand; before anything is
//! applied it must be whole, well-formed, from this organization, recent, and only ask for what
//! orgsweep itself would ask for. Every refusal names the file and what is wrong.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::facts::parse_arn;
use crate::files::{write_atomically, FileError};
use crate::validate;

use super::action::Action;
use super::plan::{Plan, TargetPlan, PLAN_FORMAT, PLAN_VERSION};
use super::policy::{policy_statement, POLICY_SID};

/// Why a plan file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFileError {
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for PlanFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plan file {}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for PlanFileError {}

/// Writes the plan, pretty-printed, atomically (a temporary file renamed into place).
pub fn save(plan: &Plan, path: &Path) -> Result<(), FileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
    }
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, plan)?;
        out.write_all(b"\n")
    })
}

/// Reads and checks a plan file's text; `path` names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Plan, PlanFileError> {
    let err = |message: String| PlanFileError {
        file: path.to_path_buf(),
        message,
    };
    if text.trim().is_empty() {
        return Err(err("the file is empty".into()));
    }
    let plan: Plan = serde_json::from_str(text).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends early (is the file truncated?)".to_string()
        } else {
            // serde_json ends its message with the position, which the prefix already gives.
            let full = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            full.strip_suffix(&position).unwrap_or(&full).to_string()
        };
        err(format!(
            "line {}, column {}: {what}; write a new plan with orgsweep remediate --plan-out FILE",
            e.line(),
            e.column()
        ))
    })?;
    check(&plan).map_err(err)?;
    Ok(plan)
}

/// Reads a plan file.
pub fn load(path: &Path) -> Result<Plan, PlanFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| PlanFileError {
        file: path.to_path_buf(),
        message: format!("cannot read it: {e}"),
    })?;
    parse(&text, path)
}

/// Refuses a plan made for another organization, or older than `max_age_hours` (or dated in
/// the future) at `now`.
pub fn check_applicable(
    plan: &Plan,
    path: &Path,
    management_account_id: &str,
    organization_id: Option<&str>,
    max_age_hours: u64,
    now: OffsetDateTime,
) -> Result<(), PlanFileError> {
    let err = |message: String| PlanFileError {
        file: path.to_path_buf(),
        message,
    };
    if plan.management_account_id != management_account_id {
        return Err(err(format!(
            "it was made for the organization of management account {}, but these credentials are of {}; \
             make a plan in this organization",
            plan.management_account_id, management_account_id
        )));
    }
    if let Some(org) = organization_id.filter(|o| !o.is_empty()) {
        if !plan.organization_id.is_empty() && plan.organization_id != org {
            return Err(err(format!(
                "it was made for organization {}, not {org}; make a plan in this organization",
                plan.organization_id
            )));
        }
    }
    let created = OffsetDateTime::parse(&plan.created_at, &Rfc3339).map_err(|e| {
        err(format!(
            "created_at `{}` is not an RFC 3339 time: {e}",
            plan.created_at
        ))
    })?;
    let age = now - created;
    if age < -time::Duration::minutes(5) {
        return Err(err(format!(
            "created_at {} is in the future",
            plan.created_at
        )));
    }
    let max = time::Duration::hours(max_age_hours as i64);
    if age > max {
        return Err(err(format!(
            "it was made at {} ({:.1} hours ago), older than remediation.plan_max_age_hours = {max_age_hours}; \
             the accounts may have changed since: make a new plan with --plan-out and review it",
            plan.created_at,
            age.as_seconds_f64() / 3600.0
        )));
    }
    Ok(())
}

/// Checks what serde cannot: values, and that every action fits its target and is one that
/// orgsweep itself plans.
pub fn check(plan: &Plan) -> Result<(), String> {
    if plan.format != PLAN_FORMAT {
        return Err(format!(
            "`format` is `{}`, expected `{PLAN_FORMAT}`",
            plan.format
        ));
    }
    if plan.version != PLAN_VERSION {
        return Err(format!(
            "`version` is {}, this orgsweep reads version {PLAN_VERSION}",
            plan.version
        ));
    }
    validate::account_id(&plan.management_account_id)
        .map_err(|m| format!("management_account_id: {m}"))?;
    let c = &plan.config;
    validate::resource_name(&c.metric_namespace, 255)
        .map_err(|m| format!("config.metric_namespace: {m}"))?;
    for (i, n) in c.controls.iter().enumerate() {
        let at = format!("config.controls[{i}]");
        if crate::controls::get_in(c.benchmark, &n.control).is_none() {
            return Err(format!(
                "{at}: unknown control `{}` under {}; valid: {}",
                n.control,
                c.benchmark.label(),
                crate::controls::valid_ids()
            ));
        }
        validate::resource_name(&n.filter_name, 512)
            .map_err(|m| format!("{at}.filter_name: {m}"))?;
        validate::resource_name(&n.metric_name, 255)
            .map_err(|m| format!("{at}.metric_name: {m}"))?;
        validate::resource_name(&n.alarm_name, 255).map_err(|m| format!("{at}.alarm_name: {m}"))?;
    }
    validate::topic_name(&c.topic_name).map_err(|m| format!("config.topic_name: {m}"))?;
    for e in &c.subscription_endpoints {
        validate::subscription_endpoint(e)
            .map_err(|m| format!("config.subscription_endpoints: {m}"))?;
    }
    for (i, t) in plan.targets.iter().enumerate() {
        check_target(t, plan).map_err(|m| format!("targets[{i}] ({}): {m}", t.log_group_arn))?;
    }
    Ok(())
}

fn check_target(t: &TargetPlan, plan: &Plan) -> Result<(), String> {
    validate::account_id(&t.account_id).map_err(|m| format!("account_id: {m}"))?;
    validate::region_name(&t.region).map_err(|m| format!("region: {m}"))?;
    let expected = format!(
        "arn:{}:logs:{}:{}:log-group:{}",
        t.partition, t.region, t.account_id, t.log_group_name
    );
    if t.log_group_arn != expected {
        return Err(format!(
            "log_group_arn does not match its account, region and name (expected {expected})"
        ));
    }
    for cell in &t.cells {
        validate::account_id(&cell.account_id).map_err(|m| format!("cells: {m}"))?;
        validate::region_name(&cell.region).map_err(|m| format!("cells: {m}"))?;
        if !t.controls.contains(&cell.control) {
            return Err(format!(
                "cells: control {} is not one of the target's controls",
                cell.control
            ));
        }
    }
    for control in &t.controls {
        if plan.config.names(control).is_none() {
            return Err(format!(
                "controls: {control} has no names in the plan's config"
            ));
        }
    }
    let topic_arn = t.topic_arn(&plan.config.topic_name);
    for (i, a) in t.actions.iter().enumerate() {
        check_action(a, t, &plan.config, &topic_arn)
            .map_err(|m| format!("actions[{i}] {}: {m}", a.name()))?;
        for control in a.controls() {
            if !t.controls.iter().any(|c| c == control) {
                return Err(format!(
                    "actions[{i}] {}: control {control} is not one of the target's controls",
                    a.name()
                ));
            }
        }
    }
    Ok(())
}

fn check_action(
    a: &Action,
    t: &TargetPlan,
    cfg: &super::PlanConfig,
    topic_arn: &str,
) -> Result<(), String> {
    let same_topic = |arn: &str| {
        if arn == topic_arn {
            Ok(())
        } else {
            Err(format!(
                "topic_arn {arn} is not the configured topic of this target ({topic_arn})"
            ))
        }
    };
    match a {
        Action::CreateLogGroup { log_group_name, .. } => {
            if *log_group_name != t.log_group_name {
                return Err(format!(
                    "log_group_name {log_group_name} is not the target's {}",
                    t.log_group_name
                ));
            }
        }
        Action::PutMetricFilter {
            control,
            log_group_name,
            filter_name,
            filter_pattern,
            metric_namespace,
            metric_name,
            metric_value,
            replaces,
        } => {
            if let Some(old) = replaces {
                if !crate::controls::remediation_texts(control).contains(&old.as_str()) {
                    return Err(format!(
                        "replaces `{old}` is not a pattern orgsweep writes for control {control}: \
                         orgsweep updates in place only the filters it created"
                    ));
                }
            }
            if *log_group_name != t.log_group_name {
                return Err(format!(
                    "log_group_name {log_group_name} is not the target's {}",
                    t.log_group_name
                ));
            }
            validate::resource_name(filter_name, 512).map_err(|m| format!("filter_name: {m}"))?;
            validate::resource_name(metric_namespace, 255)
                .map_err(|m| format!("metric_namespace: {m}"))?;
            validate::resource_name(metric_name, 255).map_err(|m| format!("metric_name: {m}"))?;
            let Some(c) = crate::controls::get_in(cfg.benchmark, control) else {
                return Err(format!(
                    "unknown control `{control}` (under {})",
                    cfg.benchmark.label()
                ));
            };
            if let Some((_, problem)) = crate::judge::chain::pattern_problem(filter_pattern, c) {
                return Err(format!(
                    "filter_pattern `{filter_pattern}` does not serve control {control}: {problem}"
                ));
            }
            if metric_value.trim().parse::<f64>().map_or(true, |v| v < 1.0) {
                return Err(format!(
                    "metric_value `{metric_value}` must be a number of at least 1"
                ));
            }
        }
        Action::CreateTopic {
            topic_name,
            topic_arn: arn,
            ..
        } => {
            if *topic_name != cfg.topic_name {
                return Err(format!(
                    "topic_name {topic_name} is not the configured {}",
                    cfg.topic_name
                ));
            }
            same_topic(arn)?;
        }
        Action::AddTopicPolicyStatement {
            topic_arn: arn,
            statement,
            ..
        } => {
            same_topic(arn)?;
            let expected = policy_statement(topic_arn, &t.account_id);
            if *statement != expected {
                return Err(format!(
                    "the statement is not the one orgsweep adds (Sid {POLICY_SID}, cloudwatch.amazonaws.com may \
                     sns:Publish to this topic): {statement}"
                ));
            }
        }
        Action::Subscribe {
            topic_arn: arn,
            protocol,
            endpoint,
            ..
        } => {
            same_topic(arn)?;
            let spelled = if protocol.starts_with("http") {
                endpoint.clone()
            } else {
                format!("{protocol}:{endpoint}")
            };
            let parsed = validate::subscription_endpoint(&spelled)?;
            if parsed != (protocol.clone(), endpoint.clone()) {
                return Err(format!(
                    "protocol {protocol} does not fit endpoint {endpoint}"
                ));
            }
        }
        Action::PutMetricAlarm {
            alarm_name,
            alarm_actions,
            period,
            ..
        } => {
            validate::resource_name(alarm_name, 255).map_err(|m| format!("alarm_name: {m}"))?;
            if !alarm_actions.iter().any(|x| x == topic_arn) {
                return Err(format!(
                    "alarm_actions must include the target's topic {topic_arn}"
                ));
            }
            for x in alarm_actions {
                if parse_arn(x).is_none() {
                    return Err(format!("alarm action `{x}` is not an ARN"));
                }
            }
            if ![10, 30].contains(period) && (*period <= 0 || period % 60 != 0) {
                return Err(format!(
                    "period {period} must be 10, 30 or a multiple of 60 seconds"
                ));
            }
            let metric = crate::facts::MetricTransformation {
                namespace: String::new(),
                metric_name: String::new(),
                value: "1".into(),
                dimensions: Default::default(),
            };
            let facts = alarm_facts_of(a, &metric);
            if let Some(facts) = facts {
                crate::judge::alarm::can_fire_on_one_event(&facts, &metric)?;
            }
        }
    }
    Ok(())
}

/// The alarm a `PutMetricAlarm` action would make, as the judge sees alarms (on `metric`).
fn alarm_facts_of(
    a: &Action,
    metric: &crate::facts::MetricTransformation,
) -> Option<crate::facts::AlarmFacts> {
    let Action::PutMetricAlarm {
        alarm_name,
        statistic,
        evaluation_periods,
        threshold,
        comparison_operator,
        actions_enabled,
        alarm_actions,
        ..
    } = a
    else {
        return None;
    };
    Some(crate::facts::AlarmFacts {
        arn: String::new(),
        name: alarm_name.clone(),
        actions_enabled: *actions_enabled,
        alarm_actions: alarm_actions.clone(),
        comparison_operator: comparison_operator.clone(),
        threshold: Some(*threshold),
        evaluation_periods: *evaluation_periods,
        datapoints_to_alarm: None,
        metric: crate::facts::AlarmMetric::Single(crate::facts::MetricStat {
            namespace: metric.namespace.clone(),
            metric_name: metric.metric_name.clone(),
            dimensions: metric.dimensions.clone(),
            statistic: Some(statistic.clone()),
            extended_statistic: None,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediate::plan::tests::sample_plan;

    fn path() -> PathBuf {
        PathBuf::from("plan.json")
    }

    #[test]
    fn a_saved_plan_reads_back_the_same() {
        let plan = sample_plan();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p/plan.json");
        save(&plan, &file).unwrap();
        assert_eq!(load(&file).unwrap(), plan);
    }

    #[test]
    fn truncated_and_unknown_fields_are_refused_with_the_place() {
        let text = serde_json::to_string_pretty(&sample_plan()).unwrap();
        let cut = &text[..text.len() / 2];
        let e = parse(cut, &path()).unwrap_err();
        assert!(
            e.to_string().starts_with("plan file plan.json: line"),
            "{e}"
        );
        assert!(e.message.contains("truncated"), "{e}");

        let edited = text.replacen("\"filter_name\"", "\"filtre_name\"", 1);
        let e = parse(&edited, &path()).unwrap_err();
        assert!(e.message.contains("filtre_name"), "{e}");

        // The place is said once (found by fuzzing: serde_json repeats it at the end).
        let e = parse("{\"format\": 1x}", &path()).unwrap_err();
        assert_eq!(
            e.message,
            "line 1, column 12: invalid type: integer `1`, expected a string; \
             write a new plan with orgsweep remediate --plan-out FILE",
            "{e}"
        );

        assert!(parse("  ", &path()).unwrap_err().message.contains("empty"));
    }

    #[test]
    fn hand_edits_that_orgsweep_would_not_plan_are_refused() {
        let mut plan = sample_plan();
        for a in &mut plan.targets[0].actions {
            if let Action::PutMetricFilter { filter_pattern, .. } = a {
                *filter_pattern =
                    r#"{ $.eventName = ConsoleLogin && $.userIdentity.type = IAMUser }"#.into();
            }
        }
        let e = check(&plan).unwrap_err();
        assert!(
            e.contains("targets[0]") && e.contains("actions[1] PutMetricFilter"),
            "{e}"
        );

        let mut plan = sample_plan();
        for a in &mut plan.targets[0].actions {
            if let Action::Subscribe { topic_arn, .. } = a {
                *topic_arn = "arn:aws:sns:us-east-1:999999999999:elsewhere".into();
            }
        }
        assert!(check(&plan)
            .unwrap_err()
            .contains("not the configured topic"));

        let mut plan = sample_plan();
        for a in &mut plan.targets[0].actions {
            if let Action::PutMetricAlarm { threshold, .. } = a {
                *threshold = 5.0;
            }
        }
        assert!(check(&plan).unwrap_err().contains("PutMetricAlarm"));

        let mut plan = sample_plan();
        plan.version = 7;
        assert!(check(&plan).unwrap_err().contains("version"));
    }

    #[test]
    fn foreign_and_stale_plans_are_refused() {
        let plan = sample_plan();
        let created = OffsetDateTime::parse(&plan.created_at, &Rfc3339).unwrap();
        let mgmt = plan.management_account_id.clone();
        assert!(check_applicable(
            &plan,
            &path(),
            &mgmt,
            None,
            24,
            created + time::Duration::hours(1)
        )
        .is_ok());
        let e = check_applicable(&plan, &path(), "999999999999", None, 24, created).unwrap_err();
        assert!(e.message.contains("management account"), "{e}");
        let e = check_applicable(&plan, &path(), &mgmt, Some("o-other"), 24, created).unwrap_err();
        assert!(e.message.contains("o-other"), "{e}");
        let e = check_applicable(
            &plan,
            &path(),
            &mgmt,
            None,
            24,
            created + time::Duration::hours(25),
        )
        .unwrap_err();
        assert!(e.message.contains("plan_max_age_hours = 24"), "{e}");
        let e = check_applicable(
            &plan,
            &path(),
            &mgmt,
            None,
            24,
            created - time::Duration::hours(1),
        )
        .unwrap_err();
        assert!(e.message.contains("future"), "{e}");
    }
}
