//! `orgsweep controls [--benchmark ID] [--json]`: the controls table as one benchmark sees it —
//! what `check` and `remediate` cover, with that benchmark's numbers, titles, status and
//! reference patterns.
//!
//! Usage:
//!   orgsweep controls                        # CIS v7.0.0 (the default): number, status, title,
//!                                            # then each control's reference pattern
//!   orgsweep controls --benchmark cis-4.0    # the same under CIS v4.0.0
//!   orgsweep controls --json                 # every column, and every benchmark's numbers,
//!                                            # titles, status and references per control
//!
//! The ids are what `--controls`, `orgsweep pattern --control` and the reports use.

use super::stdout::{say, sayln};
use crate::controls::{self, Benchmark, ControlRow};

use super::{CommandError, Ended};

/// Prints the table under the benchmark named by `--benchmark` (or the environment).
pub fn run(json: bool, benchmark: &crate::cli::BenchmarkArg) -> Result<Ended, CommandError> {
    let benchmark = benchmark.resolve().map_err(CommandError::Usage)?;
    if json {
        let rows: Vec<ControlRow> = controls::table_for(benchmark)
            .iter()
            .map(ControlRow::from)
            .collect();
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|e| CommandError::Output(format!("cannot encode the table as JSON: {e}")))?;
        sayln!("{text}");
    } else {
        say!("{}", text_table(benchmark));
    }
    Ok(Ended::Clean)
}

/// The table as aligned text, then the reference patterns.
pub(crate) fn text_table(benchmark: Benchmark) -> String {
    let table = controls::table_for(benchmark);
    let rows: Vec<[String; 4]> = table
        .iter()
        .map(|c| {
            [
                c.number.clone(),
                c.id.clone(),
                c.status.to_string(),
                c.official_title.clone(),
            ]
        })
        .collect();
    let header = [benchmark.label(), "ID", "STATUS", "TITLE"];
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "{} ({}), section {}\n\n",
        benchmark.label(),
        benchmark.id(),
        benchmark.spec().section
    );
    let mut line = |cells: [&str; 4]| {
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i < 3 {
                out.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(header);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3]]);
    }
    out.push_str("\nReference patterns (what a metric filter must catch all of; remediation writes these):\n");
    for c in table {
        out.push_str(&format!(
            "  {} {}\n    {}\n",
            c.number, c.id, c.reference.texts[0]
        ));
    }
    let missing: Vec<&str> = controls::table()
        .iter()
        .filter(|c| controls::get_in(benchmark, &c.id).is_none())
        .map(|c| c.id.as_str())
        .collect();
    if !missing.is_empty() {
        out.push_str(&format!(
            "\nNot part of {} (not checked under it): {}\n",
            benchmark.label(),
            missing.join(", ")
        ));
    }
    out.push_str(&format!(
        "\nOther benchmarks: --benchmark {}. `orgsweep controls --json` shows every benchmark's data.\n",
        controls::benchmarks::valid_ids()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_listed_with_the_benchmarks_numbers() {
        let t = text_table(Benchmark::default());
        for c in crate::controls::table() {
            assert!(t.contains(&c.id), "{t}");
        }
        assert!(
            t.contains("CIS v7.0.0") && t.contains("5.15") && t.contains("Manual"),
            "{t}"
        );
        assert!(t.contains("ModifySecurityGroupRules"), "{t}");
        let v4 = text_table(Benchmark::parse("cis-4.0").unwrap());
        assert!(
            v4.contains("4.15") && !v4.contains("ModifySecurityGroupRules"),
            "{v4}"
        );
        let hub = text_table(Benchmark::parse("security-hub").unwrap());
        assert!(hub.contains("CloudWatch.14"), "{hub}");
        assert!(
            hub.contains(
                "Not part of AWS Security Hub (not checked under it): organizations-changes"
            ),
            "{hub}"
        );
    }

    #[test]
    fn json_rows_carry_every_benchmark() {
        let row = ControlRow::from(crate::controls::get("security-group-changes").unwrap());
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(v["benchmark"], "cis-7.0");
        assert_eq!(v["number"], "5.10");
        assert_eq!(v["benchmarks"].as_object().unwrap().len(), 10);
        assert_eq!(v["benchmarks"]["cis-4.0"]["number"], "4.10");
        assert_eq!(v["benchmarks"]["security-hub"]["number"], "CloudWatch.10");
        assert!(v["benchmarks"]["cis-5.0"]["reference"]
            .as_str()
            .unwrap()
            .contains("ModifySecurityGroupRules"));
        let orgs = ControlRow::from(crate::controls::get("organizations-changes").unwrap());
        let v = serde_json::to_value(&orgs).unwrap();
        assert!(v["benchmarks"].get("security-hub").is_none());
    }
}
