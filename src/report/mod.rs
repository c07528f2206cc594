//! The report files (README "Output"): `matrix.csv` (a row per account and control, a column
//! per region), `findings.csv` (a row per account, region and control), `summary.json`.
//!
//! Rows reach disk as each account finishes (whole rows, flushed), so a crash or Ctrl-C leaves
//! valid CSV of the finished accounts and a summary that says the run is incomplete. At the end
//! the files are re-read, sorted by account id, and replaced atomically (write, then rename).

pub mod changes;
pub mod derived;
pub mod html;
pub mod ocsf;
pub mod screen;
pub mod summary;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::csv_safe::neutralise;
use crate::files::{write_atomically, write_csv_atomically, FileError};

pub use crate::outcome::AccountRow;
pub use summary::Summary;

pub(crate) const MATRIX: &str = "matrix.csv";
pub const FINDINGS: &str = "findings.csv";
pub(crate) const SUMMARY: &str = "summary.json";

/// The columns of findings.csv.
pub const FINDINGS_HEADER: [&str; 13] = [
    "account_id",
    "account_name",
    "region",
    "control",
    "status",
    "reason",
    "detail",
    "trail_arn",
    "log_group_arn",
    "filter_name",
    "alarm_arn",
    "topic_arn",
    "exception",
];

/// Writes rows as accounts finish, then sorts and replaces the files at the end.
pub(crate) struct ReportWriter {
    dir: PathBuf,
    columns: Vec<String>,
    matrix: csv::Writer<File>,
    findings: csv::Writer<File>,
}

fn append(path: &Path) -> Result<csv::Writer<File>, FileError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(FileError::at(path))?;
    Ok(csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file))
}

impl ReportWriter {
    /// Creates the directory and the files with their headers, and a summary marked incomplete.
    pub fn create(dir: &Path, columns: &[String], started: &Summary) -> Result<Self, FileError> {
        fs::create_dir_all(dir).map_err(FileError::at(dir))?;
        let mut matrix_header = vec![
            "account_id".to_string(),
            "account_name".to_string(),
            "control".to_string(),
        ];
        matrix_header.extend(columns.iter().cloned());
        write_csv_atomically(&dir.join(MATRIX), [matrix_header])?;
        write_csv_atomically(&dir.join(FINDINGS), [FINDINGS_HEADER])?;
        write_json_atomically(&dir.join(SUMMARY), started)?;
        Ok(ReportWriter {
            dir: dir.to_path_buf(),
            columns: columns.to_vec(),
            matrix: append(&dir.join(MATRIX))?,
            findings: append(&dir.join(FINDINGS))?,
        })
    }

    /// Appends one account's matrix rows and findings rows, and flushes them.
    pub(crate) fn write_account(&mut self, row: &AccountRow) -> Result<(), FileError> {
        for record in matrix_records(row, &self.columns) {
            self.matrix
                .write_record(record)
                .map_err(FileError::at(&self.dir.join(MATRIX)))?;
        }
        for record in findings_records(row, &self.columns) {
            self.findings
                .write_record(record)
                .map_err(FileError::at(&self.dir.join(FINDINGS)))?;
        }
        self.flush()
    }

    /// Flushes the rows written so far (before the derived files read them).
    pub fn flush(&mut self) -> Result<(), FileError> {
        self.matrix
            .flush()
            .map_err(FileError::at(&self.dir.join(MATRIX)))?;
        self.findings
            .flush()
            .map_err(FileError::at(&self.dir.join(FINDINGS)))
    }

    /// Writes the summary as it stands (used for interrupted runs too).
    pub(crate) fn write_summary(&self, summary: &Summary) -> Result<(), FileError> {
        write_json_atomically(&self.dir.join(SUMMARY), summary)
    }

    /// Sorts both CSV files by account id (each account's rows stay in column order) and replaces them
    /// atomically. The summary is written last, by the run, once the derived files are too.
    pub(crate) fn finish(&mut self) -> Result<(), FileError> {
        self.flush()?;
        sort_by_account(&self.dir.join(MATRIX))?;
        sort_by_account(&self.dir.join(FINDINGS))
    }
}

fn cells_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| neutralise(v).into_owned())
        .collect()
}

fn matrix_records(row: &AccountRow, columns: &[String]) -> Vec<Vec<String>> {
    row.controls
        .iter()
        .map(|(control, cells)| {
            let mut record = cells_of([
                row.account_id.as_str(),
                row.account_name.as_str(),
                control.as_str(),
            ]);
            record.extend(columns.iter().map(|c| {
                cells
                    .get(c)
                    .map(|v| v.status.as_str().to_string())
                    .unwrap_or_default()
            }));
            record
        })
        .collect()
}

fn findings_records(row: &AccountRow, columns: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (control, cells) in &row.controls {
        for region in columns {
            let Some(v) = cells.get(region) else { continue };
            let c = &v.chain;
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            out.push(cells_of([
                row.account_id.as_str(),
                row.account_name.as_str(),
                region.as_str(),
                control.as_str(),
                v.status.as_str(),
                v.reason.as_str(),
                v.detail.as_str(),
                opt(&c.trail_arn).as_str(),
                opt(&c.log_group_arn).as_str(),
                opt(&c.filter_name).as_str(),
                opt(&c.alarm_arn).as_str(),
                opt(&c.topic_arn).as_str(),
                v.exception.as_deref().unwrap_or_default(),
            ]));
        }
    }
    out
}

/// Rewrites a CSV written incrementally so that accounts come in id order, keeping the header
/// first. Each account's rows were written together and in column order, so whole blocks of
/// bytes are moved: memory grows with the number of accounts, not with the file's size.
fn sort_by_account(path: &Path) -> Result<(), FileError> {
    let file = File::open(path).map_err(FileError::at(path))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let mut header_end = None;
    let mut blocks: Vec<(String, u64, u64)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let start = reader.position().byte();
        if !reader
            .read_byte_record(&mut record)
            .map_err(FileError::at(path))?
        {
            break;
        }
        let end = reader.position().byte();
        if header_end.is_none() {
            header_end = Some(end);
            continue;
        }
        let id = String::from_utf8_lossy(record.get(0).unwrap_or_default()).into_owned();
        match blocks.last_mut() {
            Some(block) if block.0 == id && block.2 == start => block.2 = end,
            _ => blocks.push((id, start, end)),
        }
    }
    let Some(header_end) = header_end else {
        return Ok(());
    };
    blocks.sort_by(|a, b| a.0.cmp(&b.0));
    let mut source = File::open(path).map_err(FileError::at(path))?;
    write_atomically(path, |out| {
        let ranges =
            std::iter::once((0, header_end)).chain(blocks.iter().map(|(_, s, e)| (*s, *e)));
        for (start, end) in ranges {
            copy_range(&mut source, out, start, end)?;
        }
        Ok(())
    })
}

fn copy_range(
    source: &mut File,
    out: &mut impl Write,
    start: u64,
    end: u64,
) -> std::io::Result<()> {
    source.seek(SeekFrom::Start(start))?;
    std::io::copy(&mut source.take(end - start), out)?;
    Ok(())
}

/// Writes JSON, pretty-printed, atomically.
pub(crate) fn write_json_atomically<T: serde::Serialize>(
    path: &Path,
    value: &T,
) -> Result<(), FileError> {
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        out.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Reason, Status, Verdict};

    fn row(id: &str, name: &str, status: Status) -> AccountRow {
        let v = Verdict::new(
            status,
            Reason::NoTrail,
            "detail, with \"quotes\"\nand a newline",
        );
        AccountRow {
            account_id: id.into(),
            account_name: name.into(),
            controls: vec![
                (
                    "root-usage".to_string(),
                    [
                        ("us-east-1".to_string(), v.clone()),
                        ("eu-west-1".to_string(), v.clone()),
                    ]
                    .into_iter()
                    .collect(),
                ),
                (
                    "console-auth-failures".to_string(),
                    [
                        ("us-east-1".to_string(), v.clone()),
                        ("eu-west-1".to_string(), v),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ],
        }
    }

    #[test]
    fn rows_land_as_written_and_end_sorted_and_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let columns = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
        let mut w = ReportWriter::create(dir.path(), &columns, &Summary::default()).unwrap();
        w.write_account(&row("222222222222", "=HYPERLINK(\"x\")", Status::Fail))
            .unwrap();
        // Valid before the end: a crash here leaves a readable file.
        let partial = fs::read_to_string(dir.path().join(MATRIX)).unwrap();
        assert_eq!(partial.lines().count(), 3);
        w.write_account(&row("011111111111", "a,b", Status::Pass))
            .unwrap();
        w.finish().unwrap();

        let matrix = fs::read_to_string(dir.path().join(MATRIX)).unwrap();
        assert_eq!(
            matrix,
            "account_id,account_name,control,us-east-1,eu-west-1\n\
             011111111111,\"a,b\",root-usage,PASS,PASS\n\
             011111111111,\"a,b\",console-auth-failures,PASS,PASS\n\
             222222222222,\"'=HYPERLINK(\"\"x\"\")\",root-usage,FAIL,FAIL\n\
             222222222222,\"'=HYPERLINK(\"\"x\"\")\",console-auth-failures,FAIL,FAIL\n"
        );
        let mut r = csv::Reader::from_path(dir.path().join(FINDINGS)).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            FINDINGS_HEADER
        );
        let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 8);
        assert_eq!(&rows[0][0], "011111111111");
        assert_eq!(&rows[0][2], "us-east-1");
        assert_eq!(&rows[0][3], "root-usage");
        assert_eq!(&rows[1][2], "eu-west-1");
        assert_eq!(&rows[2][3], "console-auth-failures");
        assert_eq!(&rows[0][6], "detail, with \"quotes\"\nand a newline");
        assert!(!crate::files::tmp_path(&dir.path().join("matrix.csv")).exists());
    }
}
