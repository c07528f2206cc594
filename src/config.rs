//! The configuration file (`config/orgsweep.toml` by default) and how flags override it.
//!
//! Every mistake is reported with the file, the line, the key and what is allowed, in the
//! manner of cargo-deny: the user should know what to type next without reading the code.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::controls::{Control, ControlNames};
use crate::validate;

/// The whole file. Unknown keys are errors, not silently ignored typos.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub access: Access,
    pub sweep: Sweep,
    pub remediation: Remediation,
}

/// How orgsweep gets into member accounts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Access {
    pub role_name: String,
    pub external_id: String,
    pub session_name: String,
    pub session_duration_seconds: u32,
}

/// What is swept and how hard.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sweep {
    /// The benchmark the controls are judged against (`cis-7.0`, …, `security-hub`).
    pub benchmark: String,
    /// Controls to check: `all`, or ids, the benchmark's numbers, Security Hub ids.
    pub controls: Vec<String>,
    pub regions: Vec<String>,
    pub concurrency: usize,
    pub max_attempts: u32,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub account_timeout_seconds: u64,
    /// While CloudTrail reports a CloudWatch Logs delivery error, a last delivery older than
    /// this means the log group receives nothing (`LOGS_DELIVERY_FAILING`).
    pub logs_delivery_max_age_hours: u64,
    /// Read each alarm's action history over this many days (0: do not; a call per alarm).
    pub alarm_history_days: u32,
    /// The exceptions file (`--exceptions`): accepted FAIL cells with owner and expiry. A
    /// relative path is read from the working directory.
    pub exceptions_file: Option<PathBuf>,
}

/// Names and endpoints of what `remediate` creates.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Remediation {
    /// Console authentication failures' names, as before the family (`names` is the general form).
    pub filter_name: Option<String>,
    pub metric_namespace: String,
    pub metric_name: Option<String>,
    pub alarm_name: Option<String>,
    /// Per control id: names other than the controls table's defaults.
    pub names: BTreeMap<String, NameOverrides>,
    pub topic_name: String,
    pub subscription_endpoints: Vec<String>,
    pub plan_max_age_hours: u64,
    pub action_concurrency: usize,
}

/// `remediation.names.<control>`: the names one control's filter, metric and alarm get instead
/// of the table's; a missing key keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NameOverrides {
    pub filter_name: Option<String>,
    pub metric_name: Option<String>,
    pub alarm_name: Option<String>,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            role_name: "OrganizationAccountAccessRole".into(),
            external_id: String::new(),
            session_name: "orgsweep".into(),
            session_duration_seconds: 3600,
        }
    }
}

impl Default for Sweep {
    fn default() -> Self {
        Sweep {
            benchmark: crate::controls::Benchmark::default().id().to_string(),
            controls: vec!["all".into()],
            regions: Vec::new(),
            concurrency: 32,
            max_attempts: 8,
            initial_backoff_ms: 200,
            max_backoff_ms: 10_000,
            account_timeout_seconds: 600,
            logs_delivery_max_age_hours:
                crate::judge::delivery::DEFAULT_LOGS_DELIVERY_MAX_AGE_HOURS,
            alarm_history_days: 0,
            exceptions_file: None,
        }
    }
}

impl Default for Remediation {
    fn default() -> Self {
        Remediation {
            filter_name: None,
            metric_namespace: "CISBenchmark".into(),
            metric_name: None,
            alarm_name: None,
            names: BTreeMap::new(),
            topic_name: "orgsweep-security-alarms".into(),
            subscription_endpoints: Vec::new(),
            plan_max_age_hours: 24,
            action_concurrency: 8,
        }
    }
}

/// A configuration mistake, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Flags that override the file; `None` leaves the file's value.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Overrides {
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    pub regions: Option<Vec<String>>,
    pub concurrency: Option<usize>,
    pub controls: Option<Vec<String>>,
    pub alarm_history_days: Option<u32>,
    pub exceptions_file: Option<PathBuf>,
    /// Already validated where it was read (flag or environment), which its errors name.
    pub benchmark: Option<crate::controls::Benchmark>,
}

/// The default config path, relative to the working directory.
pub(crate) const DEFAULT_PATH: &str = "config/orgsweep.toml";

impl Config {
    /// Reads and validates `path`. When `path` is the default and does not exist, the built-in
    /// defaults apply (so orgsweep runs from any folder); a file named explicitly must exist.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(ConfigError {
                    file: path.to_path_buf(),
                    line: None,
                    key: None,
                    message: format!(
                        "cannot read the file: {e}; pass an existing file with --config"
                    ),
                })
            }
        };
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` is only used to name the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            ConfigError {
                file: path.to_path_buf(),
                line,
                key: None,
                message: explain_toml_error(e.message()),
            }
        })?;
        config.validate().map_err(|(key, message)| ConfigError {
            file: path.to_path_buf(),
            line: find_key_line(text, &key),
            key: Some(key),
            message,
        })?;
        Ok(config)
    }

    /// Applies flags over the file, then validates again (flags are validated by clap already,
    /// but a combined check keeps one source of truth).
    pub(crate) fn with_overrides(mut self, o: &Overrides) -> Result<Config, String> {
        if let Some(v) = &o.role_name {
            self.access.role_name = v.clone();
        }
        if let Some(v) = &o.external_id {
            self.access.external_id = v.clone();
        }
        if let Some(v) = &o.regions {
            self.sweep.regions = v.clone();
        }
        if let Some(v) = o.concurrency {
            self.sweep.concurrency = v;
        }
        if let Some(v) = &o.controls {
            self.sweep.controls = v.clone();
        }
        if let Some(v) = &o.exceptions_file {
            self.sweep.exceptions_file = Some(v.clone());
        }
        if let Some(v) = o.alarm_history_days {
            self.sweep.alarm_history_days = v;
        }
        if let Some(b) = o.benchmark {
            self.sweep.benchmark = b.id().to_string();
        }
        self.validate().map_err(|(key, message)| {
            let flag = match key.as_str() {
                "access.role_name" => "--role-name",
                "access.external_id" => "--external-id",
                "sweep.regions" => "--regions",
                "sweep.concurrency" => "--concurrency",
                "sweep.controls" => "--controls",
                "sweep.alarm_history_days" => "--alarm-history",
                "sweep.benchmark" => "--benchmark",
                other => other,
            };
            format!("{flag}: {message}")
        })?;
        Ok(self)
    }

    /// Checks every value; the error names the dotted key and what is allowed.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let a = &self.access;
        let s = &self.sweep;
        let r = &self.remediation;
        let key = |k: &str| k.to_string();
        validate::role_name(&a.role_name).map_err(|m| (key("access.role_name"), m))?;
        validate::external_id(&a.external_id).map_err(|m| (key("access.external_id"), m))?;
        validate::session_name(&a.session_name).map_err(|m| (key("access.session_name"), m))?;
        in_range(a.session_duration_seconds as u64, 900, 43_200)
            .map_err(|m| (key("access.session_duration_seconds"), m))?;
        for region in &s.regions {
            validate::region_name(region).map_err(|m| (key("sweep.regions"), m))?;
        }
        in_range(s.concurrency as u64, 1, 512).map_err(|m| (key("sweep.concurrency"), m))?;
        let benchmark = crate::controls::Benchmark::parse(&s.benchmark)
            .map_err(|m| (key("sweep.benchmark"), m))?;
        crate::controls::select(&s.controls, benchmark).map_err(|m| (key("sweep.controls"), m))?;
        in_range(s.max_attempts as u64, 1, 20).map_err(|m| (key("sweep.max_attempts"), m))?;
        in_range(s.initial_backoff_ms, 1, 60_000)
            .map_err(|m| (key("sweep.initial_backoff_ms"), m))?;
        in_range(s.max_backoff_ms, 1, 300_000).map_err(|m| (key("sweep.max_backoff_ms"), m))?;
        in_range(s.account_timeout_seconds, 1, 86_400)
            .map_err(|m| (key("sweep.account_timeout_seconds"), m))?;
        in_range(s.logs_delivery_max_age_hours, 1, 8_760)
            .map_err(|m| (key("sweep.logs_delivery_max_age_hours"), m))?;
        // CloudWatch keeps alarm history for 30 days.
        in_range(s.alarm_history_days as u64, 0, 30)
            .map_err(|m| (key("sweep.alarm_history_days"), m))?;
        for id in r.names.keys() {
            if crate::controls::get(id).is_none() {
                return Err((
                    format!("remediation.names.{id}"),
                    format!(
                        "unknown control `{id}`; valid: {}",
                        crate::controls::valid_ids()
                    ),
                ));
            }
        }
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        for c in crate::controls::table() {
            let n = self.names_for(c);
            for kind in NameKind::ALL {
                let (what, name) = (kind.key(), kind.of(&n));
                let at = self
                    .chosen_name(&c.id, kind)
                    .map_or_else(|| format!("remediation.names.{}.{what}", c.id), |(_, k)| k);
                validate::resource_name(name, kind.max_len()).map_err(|m| (at.clone(), m))?;
                if let Some(other) = taken.insert(format!("{what}:{name}"), c.id.clone()) {
                    return Err((
                        at,
                        format!("`{name}` is also control {other}'s {what}; every control needs its own"),
                    ));
                }
            }
        }
        validate::resource_name(&r.metric_namespace, 255)
            .map_err(|m| (key("remediation.metric_namespace"), m))?;
        if r.metric_namespace.starts_with("AWS/") {
            return Err((
                key("remediation.metric_namespace"),
                "namespaces starting with AWS/ are reserved for AWS services".into(),
            ));
        }
        validate::topic_name(&r.topic_name).map_err(|m| (key("remediation.topic_name"), m))?;
        for endpoint in &r.subscription_endpoints {
            validate::subscription_endpoint(endpoint)
                .map_err(|m| (key("remediation.subscription_endpoints"), m))?;
        }
        in_range(r.plan_max_age_hours, 1, 720)
            .map_err(|m| (key("remediation.plan_max_age_hours"), m))?;
        in_range(r.action_concurrency as u64, 1, 64)
            .map_err(|m| (key("remediation.action_concurrency"), m))?;
        Ok(())
    }

    /// The benchmark `sweep.benchmark` names (the default if it names none, which validation
    /// rules out for a loaded configuration).
    pub fn benchmark(&self) -> crate::controls::Benchmark {
        crate::controls::Benchmark::parse(&self.sweep.benchmark).unwrap_or_default()
    }

    /// The names `remediate` gives `control`'s filter, metric and alarm: `remediation.names.<id>`,
    /// then (for console authentication failures) the older single-control keys, then the
    /// controls table.
    pub(crate) fn names_for(&self, control: &Control) -> ControlNames {
        let pick = |what: NameKind| {
            self.chosen_name(&control.id, what).map_or_else(
                || what.of_table(control).to_string(),
                |(v, _)| v.to_string(),
            )
        };
        ControlNames {
            control: control.id.clone(),
            filter_name: pick(NameKind::Filter),
            metric_name: pick(NameKind::Metric),
            alarm_name: pick(NameKind::Alarm),
        }
    }

    /// A name the config file sets for `control`, and the key that sets it.
    fn chosen_name(&self, control: &str, what: NameKind) -> Option<(&str, String)> {
        let r = &self.remediation;
        let own = r.names.get(control).and_then(|o| what.of_overrides(o));
        let legacy = (control == crate::controls::DEFAULT_CONTROL)
            .then(|| what.of_legacy(r))
            .flatten();
        match (own, legacy) {
            (Some(v), _) => Some((v, format!("remediation.names.{control}.{}", what.key()))),
            (None, Some(v)) => Some((v, format!("remediation.{}", what.key()))),
            (None, None) => None,
        }
    }

    pub(crate) fn account_timeout(&self) -> Duration {
        Duration::from_secs(self.sweep.account_timeout_seconds)
    }
}

/// One of a control's three names, and where the config file keeps it.
#[derive(Debug, Clone, Copy)]
enum NameKind {
    Filter,
    Metric,
    Alarm,
}

impl NameKind {
    const ALL: [NameKind; 3] = [NameKind::Filter, NameKind::Metric, NameKind::Alarm];

    fn key(self) -> &'static str {
        match self {
            NameKind::Filter => "filter_name",
            NameKind::Metric => "metric_name",
            NameKind::Alarm => "alarm_name",
        }
    }

    /// The longest name AWS accepts.
    fn max_len(self) -> usize {
        match self {
            NameKind::Filter => 512,
            NameKind::Metric | NameKind::Alarm => 255,
        }
    }

    fn of_overrides(self, o: &NameOverrides) -> Option<&str> {
        match self {
            NameKind::Filter => o.filter_name.as_deref(),
            NameKind::Metric => o.metric_name.as_deref(),
            NameKind::Alarm => o.alarm_name.as_deref(),
        }
    }

    fn of_legacy(self, r: &Remediation) -> Option<&str> {
        match self {
            NameKind::Filter => r.filter_name.as_deref(),
            NameKind::Metric => r.metric_name.as_deref(),
            NameKind::Alarm => r.alarm_name.as_deref(),
        }
    }

    fn of_table(self, c: &Control) -> &str {
        match self {
            NameKind::Filter => &c.filter_name,
            NameKind::Metric => &c.metric_name,
            NameKind::Alarm => &c.alarm_name,
        }
    }

    fn of(self, n: &ControlNames) -> &str {
        match self {
            NameKind::Filter => &n.filter_name,
            NameKind::Metric => &n.metric_name,
            NameKind::Alarm => &n.alarm_name,
        }
    }
}

fn in_range(value: u64, min: u64, max: u64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("{value} is out of range; allowed: {min} to {max}"))
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where a dotted key's last part is assigned, if it can be found.
fn find_key_line(text: &str, dotted: &str) -> Option<usize> {
    let leaf = dotted.rsplit('.').next()?;
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(leaf)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Adds the next step to toml's own wording.
fn explain_toml_error(message: &str) -> String {
    let message = message.trim();
    if message.starts_with("unknown field") {
        format!("{message}; remove the key or fix its spelling (see config/orgsweep.toml for every key)")
    } else if message.starts_with("invalid type") {
        format!("{message}; see config/orgsweep.toml for the type of each key")
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn the_shipped_file_is_the_defaults() {
        let shipped = include_str!("../config/orgsweep.toml");
        assert_eq!(parse(shipped).unwrap(), Config::default());
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_name_the_file_line_and_key() {
        let err = parse("[access]\nrolename = \"x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("test.toml:2:"), "{text}");
        assert!(text.contains("unknown field `rolename`"), "{text}");
        assert!(text.contains("role_name"), "{text}");
    }

    #[test]
    fn unknown_sections_are_errors() {
        let err = parse("[acess]\nrole_name = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `acess`"), "{err}");
    }

    #[test]
    fn wrong_types_say_what_was_expected() {
        let err = parse("[sweep]\nconcurrency = \"many\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("test.toml:2:"), "{text}");
        assert!(text.contains("invalid type"), "{text}");
    }

    #[test]
    fn bad_values_name_the_key_and_the_allowed_range() {
        let err = parse("[sweep]\nconcurrency = 0\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("sweep.concurrency"));
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("allowed: 1 to 512"), "{err}");

        let err = parse("[access]\nrole_name = \"\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("access.role_name"));

        let err = parse("[sweep]\nregions = [\"us-east-1\", \"moon-1\"]\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("sweep.regions"));
        assert!(err.message.contains("moon-1"));

        let err =
            parse("[remediation]\nsubscription_endpoints = [\"sec@example.com\"]\n").unwrap_err();
        assert_eq!(
            err.key.as_deref(),
            Some("remediation.subscription_endpoints")
        );
    }

    #[test]
    fn flags_override_the_file_and_are_checked() {
        let base = parse("[access]\nrole_name = \"FromFile\"\n").unwrap();
        let o = Overrides {
            role_name: Some("FromFlag".into()),
            concurrency: Some(4),
            ..Overrides::default()
        };
        let merged = base.clone().with_overrides(&o).unwrap();
        assert_eq!(merged.access.role_name, "FromFlag");
        assert_eq!(merged.sweep.concurrency, 4);
        let bad = Overrides {
            concurrency: Some(0),
            ..Overrides::default()
        };
        assert!(base
            .with_overrides(&bad)
            .unwrap_err()
            .starts_with("--concurrency"));
    }

    #[test]
    fn the_benchmark_key_is_checked_and_selects_the_numbers() {
        assert_eq!(Config::default().benchmark().id(), "cis-7.0");
        let err = parse("[sweep]\nbenchmark = \"cis-9.9\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("sweep.benchmark"));
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("`cis-9.9`") && err.message.contains("security-hub"));
        // 4.6 is a CIS v5.0.0 number, not a v7.0.0 one.
        let err = parse("[sweep]\ncontrols = [\"4.6\"]\n").unwrap_err();
        assert!(err.message.contains("CIS v7.0.0"), "{err}");
        let v5 = parse("[sweep]\nbenchmark = \"cis-5.0\"\ncontrols = [\"4.6\"]\n").unwrap();
        assert_eq!(v5.benchmark().id(), "cis-5.0");
        // A flag's benchmark re-checks the file's controls.
        let o = Overrides {
            benchmark: Some(crate::controls::Benchmark::default()),
            ..Overrides::default()
        };
        assert!(v5.with_overrides(&o).unwrap_err().starts_with("--controls"));
    }

    #[test]
    fn a_missing_default_file_means_defaults_but_a_named_one_must_exist() {
        let missing = Path::new("/nonexistent/orgsweep.toml");
        assert_eq!(Config::load(missing, false).unwrap(), Config::default());
        let err = Config::load(missing, true).unwrap_err();
        assert!(err.to_string().contains("--config"));
    }
}
