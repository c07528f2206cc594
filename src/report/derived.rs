//! The files made from findings.csv once a run ends (complete or interrupted): `changes.csv`
//! (with `--compare`), `findings.ocsf.jsonl` (the cells `--ocsf-cells` selects) with
//! `controls.ocsf.json`, and `report.html`. They are derived from the one file every run writes
//! as it goes, read once, streaming (one record buffer, refilled), so the OCSF lines and the
//! comparison cost no memory per cell and an interrupted run gets them too (marked partial).
//! What does grow with the cells is the page (html.rs), which holds its data until the end.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::changes::{self, Comparer, Earlier, Scope};
use super::html::{PageAccount, PageBuilder, PageControl, REPORT};
use super::ocsf::{self, CellRecord, OcsfCells, RunContext, OCSF, OCSF_CONTROLS};
use super::{Summary, FINDINGS};
use crate::controls::Control;
use crate::files::{tmp_path, write_atomically, FileError};
use crate::organization::Organization;
use crate::verdict::{Reason, Status};

/// What the derived files need beyond findings.csv.
pub struct DerivedInput<'a> {
    pub dir: &'a Path,
    pub organization: &'a Organization,
    pub controls: &'a [&'static Control],
    pub columns: &'a [String],
    pub partition: &'a str,
    /// The accounts this run selected (checked or excluded): the page lists these, not the
    /// organization's others (suspended, or left out by --accounts/--ous).
    pub selected: BTreeSet<String>,
    /// The earlier run to compare with (`--compare`).
    pub earlier: Option<Earlier>,
    /// Which cells go into findings.ocsf.jsonl (`--ocsf-cells`).
    pub ocsf_cells: OcsfCells,
}

/// Writes the derived files; the comparison's counts go into `summary` (the caller writes it).
pub fn write_derived(input: DerivedInput<'_>, summary: &mut Summary) -> Result<(), FileError> {
    let dir = input.dir;
    let findings = dir.join(FINDINGS);
    let mut reader = csv::Reader::from_path(&findings).map_err(FileError::at(&findings))?;
    let ocsf_path = dir.join(OCSF);
    let ocsf_tmp = tmp_path(&ocsf_path);
    let mut ocsf_out = BufWriter::new(File::create(&ocsf_tmp).map_err(FileError::at(&ocsf_tmp))?);
    let time_ms = time::OffsetDateTime::parse(
        &summary.started_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
    .unwrap_or(0);
    // The controls carry the benchmark they were selected under.
    let benchmark = input
        .controls
        .first()
        .map_or_else(crate::controls::Benchmark::default, |c| c.benchmark);
    let standard = benchmark.standard();
    let run = RunContext {
        time_ms,
        organization_id: &input.organization.id,
        partition: input.partition,
        benchmark,
        standard: &standard,
    };
    let controls: Vec<PageControl> = input
        .controls
        .iter()
        .map(|c| PageControl {
            id: c.id.clone(),
            title: c.title.clone(),
            // The selected benchmark's number (`5.6` under CIS v7.0.0, `CloudWatch.6` under
            // Security Hub).
            cis: Some(c.number.clone()).filter(|n| !n.is_empty()),
            security_hub: c.security_hub.clone(),
        })
        .collect();
    let accounts: Vec<PageAccount> = input
        .organization
        .accounts
        .iter()
        .filter(|a| input.selected.contains(&a.id))
        .map(|a| PageAccount {
            id: a.id.clone(),
            name: a.name.clone(),
            ou: a.ou_path.clone(),
            ou_id: a.parent_id.clone(),
        })
        .collect();
    let mut page = PageBuilder::new(input.columns, controls, accounts);
    let control_ids: Vec<String> = input.controls.iter().map(|c| c.id.clone()).collect();
    let org_accounts: BTreeSet<String> = input
        .organization
        .accounts
        .iter()
        .filter(|a| a.is_active())
        .map(|a| a.id.clone())
        .collect();
    let mut comparer = input.earlier.map(|e| {
        Comparer::new(
            e,
            Scope {
                controls: &control_ids,
                regions: input.columns,
                organization_accounts: &org_accounts,
            },
        )
    });
    let mut r = csv::StringRecord::new();
    let mut cell = CellRecord::default();
    let mut line = Vec::with_capacity(2048);
    while reader
        .read_record(&mut r)
        .map_err(FileError::at(&findings))?
    {
        // One CellRecord, refilled: its strings keep their buffers from cell to cell.
        let fields = [
            &mut cell.account_id,
            &mut cell.account_name,
            &mut cell.region,
            &mut cell.control,
            &mut cell.status,
            &mut cell.reason,
            &mut cell.detail,
            &mut cell.trail_arn,
            &mut cell.log_group_arn,
            &mut cell.filter_name,
            &mut cell.alarm_arn,
            &mut cell.topic_arn,
            &mut cell.exception,
        ];
        for (i, field) in fields.into_iter().enumerate() {
            field.clear();
            field.push_str(r.get(i).unwrap_or_default());
        }
        let mut unchanged = false;
        if let Some(c) = comparer.as_mut() {
            let status = Status::ALL.into_iter().find(|s| s.as_str() == cell.status);
            if let (Some(status), Some(reason)) = (status, Reason::from_code(&cell.reason)) {
                // The name as it was written (a leading `'` guards spreadsheets, not data).
                unchanged = c.push(
                    (&cell.account_id, &cell.region, &cell.control),
                    &cell.account_name,
                    status,
                    reason,
                );
            }
        }
        if input.ocsf_cells.keeps(&cell.status, unchanged) {
            line.clear();
            serde_json::to_writer(&mut line, &ocsf::finding(&cell, &run))
                .map_err(FileError::at(&ocsf_tmp))?;
            line.push(b'\n');
            ocsf_out
                .write_all(&line)
                .map_err(FileError::at(&ocsf_tmp))?;
        }
        page.push(&cell);
    }
    ocsf_out.flush().map_err(FileError::at(&ocsf_tmp))?;
    drop(ocsf_out);
    std::fs::rename(&ocsf_tmp, &ocsf_path).map_err(FileError::at(&ocsf_path))?;
    super::write_json_atomically(
        &dir.join(OCSF_CONTROLS),
        &ocsf::controls_reference(input.controls, benchmark),
    )?;

    let compared = comparer.map(Comparer::finish);
    if let Some((rows, s)) = &compared {
        changes::write_changes(dir, rows)?;
        summary.changes = Some(s.clone());
    }
    write_atomically(&dir.join(REPORT), |out| {
        page.finish(
            out,
            summary,
            &input.organization.id,
            compared.as_ref().map(|(rows, s)| (s, rows.as_slice())),
        )
    })
}
