//! `findings.ocsf.jsonl`: one OCSF Compliance Finding (class 2003, OCSF 1.8.0 — the newest
//! version the `ocsf-json-schema` validator package ships) per cell, for security data lakes
//! and SIEMs, and `controls.ocsf.json` beside it. A line holds what differs from cell to cell
//! (ids, status, reason, detail, the chain's resources, `time` in milliseconds, and a
//! `finding_info.uid` that is the same for the same cell in every run, so a consumer updates a
//! finding rather than duplicating it); what every line of a control shares (title, reference
//! pattern, standard, references, each reason's meaning and fix) is written once, in the side
//! file. A sweep sends a data lake a line a cell, every day: 3.2 kB a line was 40 GB a month at
//! 1000 accounts; about 1 kB is a third of that, and `--ocsf-cells` cuts it further.

use serde::Serialize;
use serde_json::{json, Value};

use crate::controls::{self, Control};
use crate::facts::parse_arn;
use crate::verdict::{Reason, Status};

pub const OCSF: &str = "findings.ocsf.jsonl";
/// The OCSF schema version the findings follow.
pub(crate) const OCSF_VERSION: &str = "1.8.0";
/// Where the CIS benchmark is published.
pub(crate) const CIS_URL: &str = "https://www.cisecurity.org/benchmark/amazon_web_services";
/// The side file of what every finding of a control shares.
pub(crate) const OCSF_CONTROLS: &str = "controls.ocsf.json";
/// The finding type of every finding (the Security Hub finding-type taxonomy).
const FINDING_TYPE: &str =
    "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark";

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
    /// The exception that decided the cell, if any.
    pub exception: String,
}

/// Which cells `--ocsf-cells` writes to findings.ocsf.jsonl. SKIPPED cells (region not
/// enabled, account excluded) are not findings a consumer acts on, so `non-pass` leaves them out
/// with the PASS cells; every other status (FAIL, ERROR, and any added later, such as
/// EXCEPTED) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OcsfCells {
    /// Every cell.
    #[default]
    All,
    /// Only cells that are neither PASS nor SKIPPED.
    NonPass,
    /// With --compare: only cells whose status or reason is not what the earlier run had
    /// (those that became PASS too, so that a consumer can close them).
    Changed,
}

impl OcsfCells {
    /// Whether a cell is written. `unchanged`: the earlier run had this cell with the same
    /// status and reason (a cell it did not have, or could not compare, counts as changed: the
    /// consumer has not heard of it).
    pub fn keeps(self, status: &str, unchanged: bool) -> bool {
        match self {
            OcsfCells::All => true,
            OcsfCells::NonPass => {
                status != Status::Pass.as_str() && status != Status::Skipped.as_str()
            }
            OcsfCells::Changed => !unchanged,
        }
    }
}

/// What every finding of a run shares.
pub struct RunContext<'a> {
    /// The run's start, in milliseconds since the epoch.
    pub time_ms: i64,
    pub organization_id: &'a str,
    pub partition: &'a str,
    /// The benchmark the run judged against: its name and version are the standard, its
    /// numbers the control numbers.
    pub benchmark: controls::Benchmark,
    /// [`controls::Benchmark::standard`], made once per run.
    pub standard: &'a str,
}

/// The stable id of a cell's finding.
pub(crate) fn finding_uid(c: &CellRecord) -> String {
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

/// One line, borrowed from the cell: written straight to the file, no JSON tree built per
/// cell (the derived pass writes a line for each of hundreds of thousands of cells).
#[derive(Serialize)]
pub struct Finding<'a> {
    activity_id: u8,
    category_uid: u8,
    class_uid: u16,
    type_uid: u32,
    severity_id: u8,
    status_id: u8,
    time: i64,
    metadata: Metadata,
    finding_info: FindingInfo,
    compliance: Compliance<'a>,
    cloud: Cloud<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<Resource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Remediation>,
}

#[derive(Serialize)]
struct Metadata {
    version: &'static str,
    profiles: [&'static str; 1],
    product: Product,
}

#[derive(Serialize)]
struct Product {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingInfo {
    uid: String,
}

#[derive(Serialize)]
struct Compliance<'a> {
    /// The benchmark, as `<name> v<version>` (one short string; the rest of the control's
    /// fixed text is in controls.ocsf.json).
    standards: [&'a str; 1],
    control: &'a str,
    status_id: u8,
    status_code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    status_detail: &'a str,
    checks: [Uid<'a>; 1],
}

#[derive(Serialize)]
struct Uid<'a> {
    uid: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    region: &'a str,
    account: Account<'a>,
    /// The commercial partition is the default; GovCloud and China are said.
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_partition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<Uid<'a>>,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
}

/// A resource by its ARN alone (the ARN names its service and type, partition, region, account
/// and name, so nothing else is repeated beside it), or, for the metric filter, which has no
/// ARN, by its type and name.
#[derive(Serialize)]
#[serde(untagged)]
enum Resource<'a> {
    Arn {
        uid: &'a str,
    },
    Named {
        #[serde(rename = "type")]
        kind: &'static str,
        name: &'a str,
    },
}

#[derive(Serialize)]
struct Remediation {
    desc: &'static str,
}

/// The chain's resources, as far as the chain got.
fn resources(c: &CellRecord) -> Vec<Resource<'_>> {
    fn arn(a: &str) -> Option<Resource<'_>> {
        (!a.is_empty()).then_some(Resource::Arn { uid: a })
    }
    let filter = (!c.filter_name.is_empty()).then_some(Resource::Named {
        kind: "AWS::Logs::MetricFilter",
        name: c.filter_name.as_str(),
    });
    [
        arn(&c.trail_arn),
        arn(&c.log_group_arn),
        filter,
        arn(&c.alarm_arn),
        arn(&c.topic_arn),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// One finding: what a consumer needs to act on this cell (ids, status, reason, detail, the
/// chain's resources) and nothing that is the same on every line of the control — the title,
/// reference pattern and references of each control are in `controls_reference`
/// (`controls.ocsf.json`), keyed by `compliance.checks[0].uid`. OCSF captions (`class_name`,
/// `severity`, ...) are left out: the schema derives them from the `_id`s. Unknown statuses or
/// reasons (a hand-edited findings file) are Unknown.
pub fn finding<'a>(c: &'a CellRecord, run: &RunContext<'a>) -> Finding<'a> {
    let status = Status::ALL
        .into_iter()
        .find(|s| s.as_str() == c.status)
        .unwrap_or(Status::Error);
    let ((cs_id, _), (fs_id, _), (sev_id, _)) = statuses(status);
    let number = controls::get_in(run.benchmark, &c.control)
        .map(|k| k.number.as_str())
        .unwrap_or("");
    let partition = parse_arn(&c.trail_arn)
        .map(|p| p.partition)
        .unwrap_or(run.partition);
    // What to do differs by reason, and only a FAIL or ERROR asks for anything.
    let remediation = Reason::from_code(&c.reason)
        .filter(|_| status == Status::Fail || status == Status::Error)
        .map(|r| Remediation {
            desc: r.info().fix.as_str(),
        });
    Finding {
        activity_id: 1,
        category_uid: 2,
        class_uid: 2003,
        type_uid: 200301,
        severity_id: sev_id,
        status_id: fs_id,
        time: run.time_ms,
        metadata: Metadata {
            version: OCSF_VERSION,
            profiles: ["cloud"],
            product: Product {
                name: "orgsweep",
                version: env!("CARGO_PKG_VERSION"),
            },
        },
        finding_info: FindingInfo {
            uid: finding_uid(c),
        },
        compliance: Compliance {
            standards: [run.standard],
            control: number,
            status_id: cs_id,
            status_code: &c.reason,
            status_detail: status_detail(c, status),
            checks: [Uid { uid: &c.control }],
        },
        cloud: Cloud {
            provider: "AWS",
            region: &c.region,
            account: Account {
                uid: &c.account_id,
                name: &c.account_name,
            },
            cloud_partition: (partition != "aws").then_some(partition),
            org: (!run.organization_id.is_empty()).then_some(Uid {
                uid: run.organization_id,
            }),
        },
        resources: resources(c),
        remediation,
    }
}

/// A PASS cell's detail restates its chain, which `resources` lists, and that the subscription
/// is confirmed, which PASS says: the line keeps only the notes the judge added (findings.csv has
/// the whole sentence). Every other status keeps its detail, which is what to act on.
fn status_detail(c: &CellRecord, status: Status) -> &str {
    if status != Status::Pass {
        return &c.detail;
    }
    // "note: …", without the "; " that joined it to the chain.
    c.detail
        .find(crate::judge::NOTES_START)
        .map(|i| c.detail[i..].trim_start_matches("; "))
        .unwrap_or("")
}

/// The Security Hub documentation of a control (`CloudWatch.6` → its anchor on the page of
/// the CloudWatch controls), where AWS states the reference pattern.
pub(crate) fn security_hub_url(id: &str) -> Option<String> {
    let n = id.strip_prefix("CloudWatch.")?;
    Some(format!(
        "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-{n}"
    ))
}

/// `controls.ocsf.json`: what every finding of a control shares, written once per run beside
/// findings.ocsf.jsonl — per control its title, numbers, description with the reference
/// pattern and documentation URLs; per reason code its meaning and fix.
pub(crate) fn controls_reference(controls: &[&Control], benchmark: controls::Benchmark) -> Value {
    let per_control: serde_json::Map<String, Value> = controls
        .iter()
        .map(|k| {
            let mut references = vec![json!(CIS_URL)];
            if let Some(url) = k.security_hub.as_deref().and_then(security_hub_url) {
                references.push(json!(url));
            }
            let value = json!({
                "title": k.title,
                "number": k.number,
                "cis": k.cis_number(),
                "security_hub": k.security_hub,
                "desc": format!(
                    "A log metric filter and alarm should exist for {}: {}",
                    k.reference.catches, k.reference.texts[0]
                ),
                "reference_pattern": k.reference.texts[0],
                "types": [FINDING_TYPE],
                "references": references,
            });
            (k.id.clone(), value)
        })
        .collect();
    let reasons: serde_json::Map<String, Value> = crate::verdict::reasons()
        .iter()
        .map(|r| {
            (
                r.code.clone(),
                json!({ "meaning": r.meaning, "fix": r.fix }),
            )
        })
        .collect();
    json!({
        "format": "orgsweep-ocsf-controls",
        "ocsf_version": OCSF_VERSION,
        "standard": benchmark.standard(),
        "benchmark": benchmark.id(),
        "findings": OCSF,
        "key": "a finding's compliance.checks[0].uid is its control's key in `controls`; its compliance.status_code is its reason's key in `reasons`",
        "controls": per_control,
        "reasons": reasons,
    })
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

    fn run() -> RunContext<'static> {
        RunContext {
            time_ms: 1_767_225_600_000,
            organization_id: "o-abc",
            partition: "aws",
            benchmark: controls::Benchmark::default(),
            standard: "CIS Amazon Web Services Foundations Benchmark v7.0.0",
        }
    }

    #[test]
    fn a_finding_names_the_standard_control_account_and_resources() {
        let run = run();
        let f = serde_json::to_value(finding(&cell(), &run)).unwrap();
        assert_eq!(f["class_uid"], 2003);
        assert_eq!(f["type_uid"], 200301);
        assert_eq!(f["compliance"]["control"], "5.6");
        assert_eq!(f["compliance"]["status_id"], 3);
        assert_eq!(f["compliance"]["status_code"], "PATTERN_TOO_NARROW");
        assert_eq!(
            f["compliance"]["status_detail"],
            "filter f matches only some"
        );
        assert_eq!(f["compliance"]["checks"][0]["uid"], "console-auth-failures");
        assert_eq!(f["cloud"]["account"]["uid"], "111122223333");
        assert_eq!(f["cloud"]["org"]["uid"], "o-abc");
        assert_eq!(f["time"], 1_767_225_600_000i64);
        assert_eq!(f["resources"].as_array().unwrap().len(), 3);
        assert_eq!(
            f["resources"][0]["uid"],
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
        );
        assert_eq!(f["resources"][2]["name"], "f");
        assert!(f["remediation"]["desc"]
            .as_str()
            .unwrap()
            .contains("reference pattern"));
        // The same cell has the same id in every run.
        let later = RunContext { time_ms: 1, ..run };
        assert_eq!(
            serde_json::to_value(finding(&cell(), &later)).unwrap()["finding_info"]["uid"],
            f["finding_info"]["uid"]
        );
        // A PASS asks for nothing.
        let pass = CellRecord {
            status: "PASS".into(),
            reason: "COMPLIANT".into(),
            ..cell()
        };
        let pass = serde_json::to_value(finding(&pass, &run)).unwrap();
        assert!(pass.get("remediation").is_none());
    }

    /// A complete chain's PASS cell, with names of a realistic length: the common line.
    /// A complete chain with names of a realistic length, and the detail the judge writes for it.
    fn full_pass() -> CellRecord {
        let a = "111122223333";
        let trail = format!("arn:aws:cloudtrail:us-east-1:{a}:trail/organization-cloudtrail");
        let group = format!("arn:aws:logs:us-east-1:{a}:log-group:aws-cloudtrail-logs-org:*");
        let topic = format!("arn:aws:sns:us-east-1:{a}:security-alarms");
        CellRecord {
            account_id: a.into(),
            account_name: "payments-production-eu".into(),
            region: "eu-central-1".into(),
            control: "unauthorized-api-calls".into(),
            status: "PASS".into(),
            reason: "COMPLIANT".into(),
            detail: format!(
                "trail {trail} -> {group} -> filter cis-unauthorized-api-calls -> alarm cis-unauthorized-api-calls notifies {topic} (1 confirmed subscription)"
            ),
            trail_arn: trail,
            log_group_arn: group,
            filter_name: "cis-unauthorized-api-calls".into(),
            alarm_arn: format!("arn:aws:cloudwatch:us-east-1:{a}:alarm:cis-unauthorized-api-calls"),
            topic_arn: topic,
            exception: String::new(),
        }
    }

    #[test]
    fn a_pass_line_keeps_only_what_its_resources_do_not_say() {
        let plain = serde_json::to_value(finding(&full_pass(), &run())).unwrap();
        assert!(
            plain["compliance"].get("status_detail").is_none(),
            "{plain}"
        );
        assert_eq!(plain["resources"].as_array().unwrap().len(), 5);
        let noted = CellRecord {
            detail: format!(
                "{}{}the alarm's last action failed 3 days ago",
                full_pass().detail,
                crate::judge::NOTES_START
            ),
            ..full_pass()
        };
        let noted = serde_json::to_value(finding(&noted, &run())).unwrap();
        assert_eq!(
            noted["compliance"]["status_detail"],
            "note: the alarm's last action failed 3 days ago"
        );
        // A FAIL keeps its whole detail: it is what to act on.
        let fail = CellRecord {
            status: "FAIL".into(),
            reason: "NO_ALARM".into(),
            detail: "no alarm watches metric LogMetrics/x".into(),
            ..full_pass()
        };
        let fail = serde_json::to_value(finding(&fail, &run())).unwrap();
        assert_eq!(
            fail["compliance"]["status_detail"],
            "no alarm watches metric LogMetrics/x"
        );
    }

    #[test]
    fn a_line_carries_no_control_wide_text_and_stays_under_a_kilobyte() {
        let line = serde_json::to_string(&finding(&full_pass(), &run())).unwrap();
        assert!(line.len() <= 1024, "{} bytes: {line}", line.len());
        let control = controls::get("unauthorized-api-calls").unwrap();
        for shared in [
            control.title.as_str(),
            control.reference.texts[0].as_str(),
            control.reference.catches.as_str(),
            FINDING_TYPE,
        ] {
            assert!(!line.contains(shared), "{shared:?} is in {line}");
        }
        // ... it is in the side file, once.
        let side = controls_reference(&[control], controls::Benchmark::default());
        let c = &side["controls"]["unauthorized-api-calls"];
        assert_eq!(c["reference_pattern"], control.reference.texts[0].as_str());
        assert_eq!(c["cis"], "5.1");
        assert_eq!(c["number"], "5.1");
        assert_eq!(
            c["references"][1],
            "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-2"
        );
        assert!(side["reasons"]["NO_TRAIL"]["fix"].is_string());
    }

    #[test]
    fn ocsf_cells_keeps_what_it_says() {
        use OcsfCells::*;
        for status in ["PASS", "FAIL", "ERROR", "SKIPPED", "EXCEPTED"] {
            assert!(All.keeps(status, true));
            assert!(!Changed.keeps(status, true));
            assert!(Changed.keeps(status, false));
        }
        assert!(!NonPass.keeps("PASS", false));
        assert!(!NonPass.keeps("SKIPPED", false));
        assert!(NonPass.keeps("FAIL", true));
        assert!(NonPass.keeps("ERROR", true));
        assert!(NonPass.keeps("EXCEPTED", true));
    }
}
