//! The controls table: the CIS monitoring controls as rows of data (`config/controls.toml`,
//! compiled in). Everything that differs between controls — the reference pattern, what it
//! catches, the must-not-match class, the CIS and Security Hub numbers, the names remediation
//! uses — lives in that file, not in code paths: adding a control is adding a row.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::pattern::{self, Reference};

/// The table shipped with the binary.
pub const CONTROLS_TOML: &str = include_str!("../config/controls.toml");

/// The control scripts used before the family existed: `orgsweep pattern` judges against it
/// unless `--control` says otherwise.
pub const DEFAULT_CONTROL: &str = "console-auth-failures";

/// The CIS version whose numbers `--controls` accepts (`4.3`).
pub const CIS_SELECTION_VERSION: &str = "v1.4.0-v5.0.0";

/// One control.
#[derive(Debug, Clone)]
pub struct Control {
    pub id: String,
    pub title: String,
    /// CIS benchmark version (range) → control number.
    pub cis: BTreeMap<String, String>,
    pub security_hub: Option<String>,
    /// What the judge compares filters with.
    pub reference: Reference,
    /// Its events come partly from global services (IAM, STS, AWS Sign-In, Organizations).
    pub global_events: bool,
    /// Its events as trail event selectors see them.
    pub events: WatchedEvents,
    pub metric_name: String,
    pub filter_name: String,
    pub alarm_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    control: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    title: String,
    cis: BTreeMap<String, String>,
    security_hub: Option<String>,
    reference: String,
    #[serde(default)]
    texts: Vec<String>,
    catches: String,
    must_not_match: Option<RawNoise>,
    global_events: bool,
    #[serde(default)]
    event_sources: Vec<String>,
    #[serde(default)]
    event_types: Vec<String>,
    metric_name: String,
    filter_name: String,
    alarm_name: String,
}

/// The events a control is about, as a trail's event selectors see them: the values of
/// `eventSource`, `eventName` and `eventType` (an empty list: any value). Sources and types are
/// data (controls.toml); names are read off the reference pattern, so they cannot drift from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchedEvents {
    pub sources: Vec<String>,
    pub names: Vec<String>,
    pub types: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoise {
    class: String,
    label: String,
}

/// A row that cannot be used, with the control and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError(pub String);

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a controls table (without judging it; see [`self_test`]).
pub fn parse_table(text: &str) -> Result<Vec<Control>, TableError> {
    let raw: RawTable =
        toml::from_str(text).map_err(|e| TableError(format!("controls.toml: {}", e.message())))?;
    let mut out: Vec<Control> = Vec::new();
    for r in raw.control {
        let bad = |m: String| TableError(format!("control {}: {m}", r.id));
        if out.iter().any(|c| c.id == r.id) {
            return Err(bad("the id is used twice".into()));
        }
        let parsed = pattern::parse(&r.reference)
            .map_err(|e| bad(format!("the reference pattern does not parse: {e}")))?;
        let body = match &parsed.body {
            pattern::Body::Json(e) => Some(e),
            _ => None,
        };
        let pinned_sources = body.and_then(|e| pinned_values(e, "eventSource"));
        if let Some(pinned) = &pinned_sources {
            let mut declared = r.event_sources.clone();
            declared.sort();
            if &declared != pinned {
                return Err(bad(format!(
                    "event_sources {:?} differ from the sources the reference pins, {pinned:?}",
                    r.event_sources
                )));
            }
        }
        let events = WatchedEvents {
            sources: r.event_sources.clone(),
            names: body
                .and_then(|e| pinned_values(e, "eventName"))
                .unwrap_or_default(),
            types: r.event_types.clone(),
        };
        let mut texts = vec![r.reference.clone()];
        texts.extend(r.texts.iter().cloned());
        out.push(Control {
            reference: Reference {
                control: r.id.clone(),
                pattern: parsed,
                texts,
                catches: r.catches.clone(),
                noise: r.must_not_match.as_ref().map(|n| pattern::Noise {
                    class: n.class.clone(),
                    label: n.label.clone(),
                }),
            },
            id: r.id,
            title: r.title,
            cis: r.cis,
            security_hub: r.security_hub,
            global_events: r.global_events,
            events,
            metric_name: r.metric_name,
            filter_name: r.filter_name,
            alarm_name: r.alarm_name,
        });
    }
    Ok(out)
}

/// The values a pattern requires of the top-level `key` in every record it matches, when it
/// pins them (every branch compares `$.key` for equality with a plain string): sorted, unique.
/// `None` when some matching record may carry any value.
fn pinned_values(expr: &pattern::Expr, key: &str) -> Option<Vec<String>> {
    use pattern::{Expr, Op, Step, Test, Value};
    match expr {
        Expr::Cmp(c) => match (&c.sel.steps[..], &c.test) {
            ([Step::Key(k)], Test::Op(Op::Eq, Value::Str(g)))
                if k == key && !g.lead && !g.trail =>
            {
                Some(vec![g.text.clone()])
            }
            _ => None,
        },
        Expr::Or(xs) => {
            let mut all = Vec::new();
            for x in xs {
                all.extend(pinned_values(x, key)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        Expr::And(xs) => {
            let mut pinned: Option<Vec<String>> = None;
            for p in xs.iter().filter_map(|x| pinned_values(x, key)) {
                pinned = Some(match pinned {
                    None => p,
                    Some(q) => q.into_iter().filter(|v| p.contains(v)).collect(),
                });
            }
            pinned
        }
    }
}

/// Every row passes: the reference is JSON, catches itself, matches some record of the model,
/// its must-not-match class exists and is something the reference does not catch, and names
/// are valid and unique. The unit tests run it on the shipped table, so a broken row cannot ship.
pub fn self_test(table: &[Control]) -> Result<(), TableError> {
    let model = pattern::model::RecordModel::shipped();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in table {
        let bad = |m: String| TableError(format!("control {}: {m}", c.id));
        if !matches!(c.reference.pattern.body, pattern::Body::Json(_)) {
            return Err(bad("the reference must be a JSON pattern".into()));
        }
        for t in &c.reference.texts {
            let v = pattern::judge_for(t, &c.reference);
            if !v.parse_ok || !v.strict_cis {
                return Err(bad(format!("official text `{t}` does not parse")));
            }
        }
        let own = pattern::judge_for(&c.reference.texts[0], &c.reference);
        if !own.catches_all {
            return Err(bad(format!(
                "the reference is not judged to catch itself: {}",
                own.explanation
            )));
        }
        if !pattern::matches_some_record(&c.reference.pattern, model) {
            return Err(bad("the reference matches no record of the model".into()));
        }
        if let Some(n) = &c.reference.noise {
            if model.class(&n.class).is_none() {
                return Err(bad(format!("unknown must-not-match class `{}`", n.class)));
            }
            if own.matches_success {
                return Err(bad(format!(
                    "the reference itself matches its must-not-match class ({})",
                    n.label
                )));
            }
        }
        if c.cis.is_empty() {
            return Err(bad("no CIS number".into()));
        }
        for (what, name, max) in [
            ("filter_name", &c.filter_name, 512),
            ("metric_name", &c.metric_name, 255),
            ("alarm_name", &c.alarm_name, 255),
        ] {
            crate::validate::resource_name(name, max).map_err(|m| bad(format!("{what}: {m}")))?;
            if let Some(other) = names.insert(format!("{what}:{name}"), c.id.clone()) {
                return Err(bad(format!("{what} `{name}` is also control {other}'s")));
            }
        }
    }
    Ok(())
}

/// The shipped table, parsed once.
pub fn table() -> &'static [Control] {
    static TABLE: OnceLock<Vec<Control>> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_table(CONTROLS_TOML).unwrap_or_else(|e| {
            panic!("the shipped controls table is broken ({e}); the unit tests guard this")
        })
    })
}

/// A control by id.
pub fn get(id: &str) -> Option<&'static Control> {
    table().iter().find(|c| c.id == id)
}

/// The default control (console authentication failures).
pub fn default_control() -> &'static Control {
    get(DEFAULT_CONTROL).expect("the default control is in the table")
}

/// Position in the table (reports sort by it).
pub fn order_of(id: &str) -> usize {
    table()
        .iter()
        .position(|c| c.id == id)
        .unwrap_or(usize::MAX)
}

impl Control {
    /// The CIS v3.0 (v1.4.0–v5.0.0) number, e.g. `4.6`.
    pub fn cis_number(&self) -> Option<&str> {
        self.cis.get(CIS_SELECTION_VERSION).map(String::as_str)
    }

    /// Whether `word` names this control: its id, CIS v3.0 number or Security Hub id.
    pub fn answers_to(&self, word: &str) -> bool {
        self.id == word
            || self.cis_number() == Some(word)
            || self
                .security_hub
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
    }
}

/// Judges a pattern against the default control (console authentication failures).
pub fn judge(text: &str) -> pattern::PatternVerdict {
    pattern::judge_for(text, &default_control().reference)
}

/// The ids, for messages that list them.
pub fn valid_ids() -> String {
    table()
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves a selection (`all`, ids, CIS v3.0 numbers, Security Hub ids) to controls in table
/// order, without duplicates. The error says which word is unknown and lists the valid ids.
pub fn select(words: &[String]) -> Result<Vec<&'static Control>, String> {
    let words: Vec<&str> = words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.iter().any(|w| w.eq_ignore_ascii_case("all")) {
        return Ok(table().iter().collect());
    }
    let mut chosen: Vec<&'static Control> = Vec::new();
    for w in words {
        let Some(c) = table().iter().find(|c| c.answers_to(w)) else {
            return Err(format!(
                "unknown control `{w}`; valid: all, {} (or a CIS v3.0 number such as 4.3, or a Security Hub id such as CloudWatch.1)",
                valid_ids()
            ));
        };
        if !chosen.iter().any(|x| x.id == c.id) {
            chosen.push(c);
        }
    }
    chosen.sort_by_key(|c| order_of(&c.id));
    Ok(chosen)
}

/// One row as `orgsweep controls --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub id: String,
    pub title: String,
    pub cis: BTreeMap<String, String>,
    pub security_hub: Option<String>,
    pub reference: String,
    pub other_texts: Vec<String>,
    pub catches: String,
    pub must_not_match: Option<String>,
    pub global_events: bool,
    pub event_sources: Vec<String>,
    pub event_names: Vec<String>,
    pub event_types: Vec<String>,
    pub filter_name: String,
    pub metric_name: String,
    pub alarm_name: String,
}

impl From<&Control> for ControlRow {
    fn from(c: &Control) -> ControlRow {
        ControlRow {
            id: c.id.clone(),
            title: c.title.clone(),
            cis: c.cis.clone(),
            security_hub: c.security_hub.clone(),
            reference: c.reference.texts[0].clone(),
            other_texts: c.reference.texts[1..].to_vec(),
            catches: c.reference.catches.clone(),
            must_not_match: c.reference.noise.as_ref().map(|n| n.label.clone()),
            global_events: c.global_events,
            event_sources: c.events.sources.clone(),
            event_names: c.events.names.clone(),
            event_types: c.events.types.clone(),
            filter_name: c.filter_name.clone(),
            metric_name: c.metric_name.clone(),
            alarm_name: c.alarm_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_passes_its_self_test() {
        let t = parse_table(CONTROLS_TOML).unwrap();
        assert_eq!(t.len(), 15);
        self_test(&t).unwrap();
    }

    #[test]
    fn a_row_that_does_not_catch_itself_cannot_ship() {
        let broken = CONTROLS_TOML.replacen(
            "texts = ['{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}']",
            "texts = ['{($.eventName=ConsoleLogin) && }']",
            1,
        );
        let t = parse_table(&broken).unwrap();
        assert!(self_test(&t).is_err());
        let unparsable =
            CONTROLS_TOML.replacen("($.eventName = CreateTrail)", "($.eventName = )", 1);
        assert!(parse_table(&unparsable)
            .unwrap_err()
            .0
            .contains("cloudtrail-config-changes"));
    }

    #[test]
    fn watched_event_names_come_from_the_reference() {
        let names = |id: &str| get(id).unwrap().events.names.clone();
        assert_eq!(names("console-auth-failures"), vec!["ConsoleLogin"]);
        assert_eq!(
            names("kms-cmk-disable-delete"),
            vec!["DisableKey", "ScheduleKeyDeletion"]
        );
        assert_eq!(names("iam-policy-changes").len(), 16);
        // `!=` pins nothing; neither does a reference without eventName.
        assert!(names("unauthorized-api-calls").is_empty());
        assert!(names("root-usage").is_empty());
        assert_eq!(
            get("kms-cmk-disable-delete").unwrap().events.sources,
            vec!["kms.amazonaws.com"]
        );
        let drifted = CONTROLS_TOML.replacen(
            "event_sources = [\"kms.amazonaws.com\"]",
            "event_sources = [\"ec2.amazonaws.com\"]",
            1,
        );
        assert!(parse_table(&drifted)
            .unwrap_err()
            .0
            .contains("kms-cmk-disable-delete"));
    }

    #[test]
    fn selection_by_id_cis_number_and_security_hub_id() {
        let ids = |w: &[&str]| {
            select(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|v| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
        };
        assert_eq!(ids(&["all"]).unwrap().len(), 15);
        assert_eq!(ids(&[]).unwrap().len(), 15);
        assert_eq!(
            ids(&["CloudWatch.6", "4.3", "root-usage"]).unwrap(),
            vec!["root-usage", "console-auth-failures"]
        );
        assert_eq!(ids(&["cloudwatch.1"]).unwrap(), vec!["root-usage"]);
        let e = ids(&["4.99"]).unwrap_err();
        assert!(
            e.contains("`4.99`") && e.contains("console-auth-failures"),
            "{e}"
        );
    }
}
