//! `orgsweep controls [--json]`: the controls table — what `check` and `remediate` cover.
//!
//! Usage:
//!   orgsweep controls          # one line per control: id, CIS v3.0 number, Security Hub id, title
//!   orgsweep controls --json   # every column: numbers per CIS version, reference pattern and
//!                              # official spellings, must-not-match class, remediation names
//!
//! The ids are what `--controls`, `orgsweep pattern --control` and the reports use.

use crate::controls::{self, ControlRow};

use super::{CommandError, Ended};

/// Prints the table.
pub fn run(json: bool) -> Result<Ended, CommandError> {
    if json {
        let rows: Vec<ControlRow> = controls::table().iter().map(ControlRow::from).collect();
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|e| CommandError::Output(format!("cannot encode the table as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", text_table());
    }
    Ok(Ended::Clean)
}

/// The table as aligned text.
pub fn text_table() -> String {
    let rows: Vec<[String; 4]> = controls::table()
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.cis_number().unwrap_or("-").to_string(),
                c.security_hub.clone().unwrap_or_else(|| "-".into()),
                c.title.clone(),
            ]
        })
        .collect();
    let header = ["ID", "CIS v3.0", "SECURITY HUB", "TITLE"];
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
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
    out.push_str(
        "\n`orgsweep controls --json` shows each control's reference pattern and remediation names.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_control_is_listed() {
        let t = super::text_table();
        for c in crate::controls::table() {
            assert!(t.contains(&c.id), "{t}");
        }
        assert!(t.contains("CloudWatch.6") && t.contains("4.15"), "{t}");
    }
}
