//! The files orgsweep writes: whole or not at all, and when the system refuses one, an error
//! that names the file and keeps the I/O error as data (so a caller can tell a full disk or a
//! closed pipe from the rest).

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` whole or not at all: `fill` writes into `.<name>.tmp` beside it, which is then
/// renamed over it, so a reader (or a crash) never sees half a file.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), FileError> {
    let tmp = tmp_path(path);
    let mut out = BufWriter::new(File::create(&tmp).map_err(FileError::at(&tmp))?);
    fill(&mut out)
        .and_then(|_| out.flush())
        .map_err(FileError::at(&tmp))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(FileError::at(path))
}

/// Writes a CSV file atomically, record by record (the header is the first).
#[cfg(feature = "aws")]
pub(crate) fn write_csv_atomically<R, I>(
    path: &Path,
    records: impl IntoIterator<Item = R>,
) -> Result<(), FileError>
where
    R: IntoIterator<Item = I>,
    I: AsRef<[u8]>,
{
    write_atomically(path, |out| {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        for r in records {
            w.write_record(r)?;
        }
        w.flush()
    })
}

/// The temporary file beside `path`, hidden.
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".tmp");
    path.with_file_name(name)
}

#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl FileError {
    /// Attaches `path` to an error of the CSV writer, the JSON serializer or the file system
    /// (each converts into an `io::Error`, keeping its kind).
    pub fn at<E: Into<io::Error>>(path: &Path) -> impl FnOnce(E) -> FileError + '_ {
        move |e| FileError {
            path: path.to_path_buf(),
            source: e.into(),
        }
    }

    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_whole_or_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("actions.csv");
        std::fs::write(&path, "before\n").unwrap();
        let failed = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk went away"))
        });
        assert!(failed.unwrap_err().path.ends_with(".actions.csv.tmp"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "before\n");
        write_atomically(&path, |out| out.write_all(b"after\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "after\n");
        assert!(!tmp_path(&path).exists());
    }

    #[cfg(feature = "aws")]
    #[test]
    fn a_csv_file_is_written_with_its_header_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changes.csv");
        write_csv_atomically(&path, [["a", "b"], ["1", "x,y"]]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,\"x,y\"\n");
    }

    #[test]
    fn names_the_file_and_keeps_the_kind() {
        let e = FileError::at(Path::new("out/findings.csv"))(io::Error::from(
            io::ErrorKind::StorageFull,
        ));
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(e.to_string().starts_with("out/findings.csv: "), "{e}");
    }
}
