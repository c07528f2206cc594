//! `findings.ocsf.jsonl`: one OCSF Compliance Finding (class 2003, OCSF 1.8.0 — the newest
//! version the `ocsf-json-schema` validator package ships) per cell, for security data lakes
//! and SIEMs. Each finding carries the CIS standard, version and control number, the status,
//! the account and region, the chain's resources, the reason and detail, `time` in
//! milliseconds, and a `finding_info.uid` that is the same for the same cell in every run, so a
//! consumer updates a finding rather than duplicating it.

use serde_json::{json, Value};

use crate::controls::{self, Control};
use crate::facts::parse_arn;
use crate::verdict::{Reason, Status};

pub const OCSF: &str = "findings.ocsf.jsonl";
/// The OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.8.0";
/// The CIS benchmark version the control numbers are of.
pub const CIS_STANDARD: &str = "CIS AWS Foundations Benchmark v3.0.0";

/// One cell, as findings.csv has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellRecord {
    pub account_id: String,
    pub account_name: String,
    pub region: String,
    pub control: String,
    pub status: String,
    pub reason: String,
    pub detail: String,
    pub trail_arn: String,
    pub log_group_arn: String,
    pub filter_name: String,
    pub alarm_arn: String,
    pub topic_arn: String,
}

/// What every finding of a run shares.
pub struct RunContext<'a> {
    /// The run's start, in milliseconds since the epoch.
    pub time_ms: i64,
    pub organization_id: &'a str,
    pub partition: &'a str,
}

/// The stable id of a cell's finding.
pub fn finding_uid(c: &CellRecord) -> String {
    format!("orgsweep:{}:{}:{}", c.account_id, c.region, c.control)
}

/// An OCSF enum value: `(id, caption)`.
type Enum = (u8, &'static str);

/// `(status_id, status)` of the compliance object, `(status_id, status)` of the finding, and
/// `(severity_id, severity)`.
fn statuses(status: Status) -> (Enum, Enum, Enum) {
    match status {
        Status::Pass => ((1, "Pass"), (4, "Resolved"), (1, "Informational")),
        // CIS monitoring controls are of low severity in Security Hub.
        Status::Fail => ((3, "Fail"), (1, "New"), (2, "Low")),
        Status::Error => ((0, "Unknown"), (1, "New"), (0, "Unknown")),
        Status::Skipped => ((99, "Skipped"), (3, "Suppressed"), (1, "Informational")),
        // Issue 19: still a failing control, but the finding is suppressed by a recorded exception.
        Status::Excepted => ((3, "Fail"), (3, "Suppressed"), (2, "Low")),
    }
}

fn resource(kind: &str, uid: Option<&str>, name: &str, region: &str, partition: &str) -> Value {
    let mut r = json!({
        "type": kind,
        "name": name,
        "region": region,
        "cloud_partition": partition,
    });
    if let Some(uid) = uid {
        r["uid"] = json!(uid);
    }
    r
}

/// The last part of an ARN's resource (`trail/main` → `main`).
fn short_name(arn: &str) -> String {
    let resource = parse_arn(arn).map(|p| p.resource).unwrap_or(arn);
    let resource = resource.strip_suffix(":*").unwrap_or(resource);
    resource
        .rsplit([':', '/'])
        .next()
        .unwrap_or(resource)
        .to_string()
}

/// The chain's resources, as far as the chain got.
fn resources(c: &CellRecord, partition: &str) -> Vec<Value> {
    let region_of = |arn: &str| {
        parse_arn(arn)
            .map(|p| p.region.to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| c.region.clone())
    };
    let mut out = Vec::new();
    let by_arn = |out: &mut Vec<Value>, kinds: [(&str, &String); 2]| {
        for (kind, arn) in kinds.into_iter().filter(|(_, arn)| !arn.is_empty()) {
            out.push(resource(
                kind,
                Some(arn),
                &short_name(arn),
                &region_of(arn),
                partition,
            ));
        }
    };
    by_arn(
        &mut out,
        [
            ("AWS::CloudTrail::Trail", &c.trail_arn),
            ("AWS::Logs::LogGroup", &c.log_group_arn),
        ],
    );
    if !c.filter_name.is_empty() {
        let region = if c.log_group_arn.is_empty() {
            c.region.clone()
        } else {
            region_of(&c.log_group_arn)
        };
        let mut f = resource(
            "AWS::Logs::MetricFilter",
            None,
            &c.filter_name,
            &region,
            partition,
        );
        if !c.log_group_arn.is_empty() {
            f["data"] = json!({ "log_group_arn": c.log_group_arn });
        }
        out.push(f);
    }
    by_arn(
        &mut out,
        [
            ("AWS::CloudWatch::Alarm", &c.alarm_arn),
            ("AWS::SNS::Topic", &c.topic_arn),
        ],
    );
    out
}

/// One finding. Unknown statuses or reasons (a hand-edited findings file) are Unknown.
pub fn finding(c: &CellRecord, run: &RunContext<'_>) -> Value {
    let status = Status::ALL
        .into_iter()
        .find(|s| s.as_str() == c.status)
        .unwrap_or(Status::Error);
    let reason = Reason::from_code(&c.reason);
    let control: Option<&Control> = controls::get(&c.control);
    let ((cs_id, cs), (fs_id, fs), (sev_id, sev)) = statuses(status);
    let number = control.and_then(|k| k.cis_number()).unwrap_or("");
    let title = control
        .map(|k| k.title.as_str())
        .unwrap_or(c.control.as_str());
    let hub = control.and_then(|k| k.security_hub.clone());
    let numbers = match &hub {
        Some(h) => format!("CIS {number}, {h}"),
        None => format!("CIS {number}"),
    };
    let partition = parse_arn(&c.trail_arn)
        .map(|p| p.partition.to_string())
        .unwrap_or_else(|| run.partition.to_string());
    let mut requirements = vec![format!("{CIS_STANDARD} {number} - {title} are monitored")];
    if let Some(h) = &hub {
        requirements.push(format!("AWS Security Hub {h}"));
    }
    let mut check = json!({
        "name": c.control,
        "status": cs,
        "status_id": cs_id,
        "standards": [CIS_STANDARD],
    });
    if let Some(h) = &hub {
        check["uid"] = json!(h);
    }
    let uid = finding_uid(c);
    let mut account = json!({
        "uid": c.account_id,
        "type": "AWS Account",
        "type_id": 10,
    });
    if !c.account_name.is_empty() {
        account["name"] = json!(c.account_name);
    }
    let mut cloud = json!({
        "provider": "AWS",
        "region": c.region,
        "cloud_partition": partition,
        "account": account,
    });
    if !run.organization_id.is_empty() {
        cloud["org"] = json!({ "uid": run.organization_id });
    }
    let desc = control
        .map(|k| {
            format!(
                "A log metric filter and alarm should exist for {}: {}",
                k.reference.catches, k.reference.texts[0]
            )
        })
        .unwrap_or_default();
    let mut compliance = json!({
        "standards": [CIS_STANDARD],
        "requirements": requirements,
        "control": number,
        "status": cs,
        "status_id": cs_id,
        "status_code": c.reason,
        "checks": [check],
    });
    if !c.detail.is_empty() {
        compliance["status_details"] = json!([c.detail]);
    }
    let mut f = json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "severity_id": sev_id,
        "severity": sev,
        "status_id": fs_id,
        "status": fs,
        "time": run.time_ms,
        "message": format!(
            "{CIS_STANDARD} {number} ({}) {}: {} ({}) in account {}, {}",
            hub.as_deref().unwrap_or("no Security Hub control"),
            c.control,
            c.status,
            c.reason,
            c.account_id,
            c.region
        ),
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "uid": format!("{uid}:{}", run.time_ms),
            "product": {
                "name": "orgsweep",
                "vendor_name": "orgsweep",
                "version": env!("CARGO_PKG_VERSION"),
            },
        },
        "finding_info": {
            "uid": uid,
            "title": format!("{title} ({numbers}): {}", c.status),
            "desc": desc,
            "types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"],
            "created_time": run.time_ms,
        },
        "compliance": compliance,
        "cloud": cloud,
    });
    let res = resources(c, &partition);
    if !res.is_empty() {
        f["resources"] = json!(res);
    }
    if let Some(r) = reason.filter(|_| status == Status::Fail || status == Status::Error) {
        f["remediation"] = json!({ "desc": r.info().fix });
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell() -> CellRecord {
        CellRecord {
            account_id: "111122223333".into(),
            account_name: "prod <a>".into(),
            region: "us-east-1".into(),
            control: "console-auth-failures".into(),
            status: "FAIL".into(),
            reason: "PATTERN_TOO_NARROW".into(),
            detail: "filter f matches only some".into(),
            trail_arn: "arn:aws:cloudtrail:us-east-1:111122223333:trail/main".into(),
            log_group_arn: "arn:aws:logs:us-east-1:111122223333:log-group:ct".into(),
            filter_name: "f".into(),
            ..CellRecord::default()
        }
    }

    #[test]
    fn a_finding_names_the_standard_control_account_and_resources() {
        let run = RunContext {
            time_ms: 1_767_225_600_000,
            organization_id: "o-abc",
            partition: "aws",
        };
        let f = finding(&cell(), &run);
        assert_eq!(f["class_uid"], 2003);
        assert_eq!(f["type_uid"], 200301);
        assert_eq!(f["compliance"]["control"], "5.6");
        assert_eq!(f["compliance"]["status_id"], 3);
        assert_eq!(f["compliance"]["status_code"], "PATTERN_TOO_NARROW");
        assert_eq!(f["compliance"]["checks"][0]["uid"], "CloudWatch.6");
        assert_eq!(f["cloud"]["account"]["uid"], "111122223333");
        assert_eq!(f["cloud"]["org"]["uid"], "o-abc");
        assert_eq!(f["time"], 1_767_225_600_000i64);
        assert_eq!(f["resources"].as_array().unwrap().len(), 3);
        assert_eq!(f["resources"][0]["name"], "main");
        assert!(f["remediation"]["desc"]
            .as_str()
            .unwrap()
            .contains("reference pattern"));
        // The same cell has the same id in every run.
        let later = RunContext { time_ms: 1, ..run };
        assert_eq!(
            finding(&cell(), &later)["finding_info"]["uid"],
            f["finding_info"]["uid"]
        );
        assert_ne!(
            finding(&cell(), &later)["metadata"]["uid"],
            f["metadata"]["uid"]
        );
    }
}
