//! Standard output for the commands. A reader that goes away (`orgsweep pattern … | head -1`)
//! is not an error and never a panic: the rest of the output is dropped, and the command
//! finishes its work (the files, the re-check, the exit code).

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output refused a write: nothing more is tried.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output, flushed.
pub(crate) fn write(text: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|_| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!(
                "warning: cannot write to standard output ({e}); the output files are unaffected"
            );
        }
    }
}

/// `print!` that survives a closed standard output.
macro_rules! say {
    ($($arg:tt)*) => { $crate::commands::stdout::write(format_args!($($arg)*)) };
}

/// `println!` that survives a closed standard output.
macro_rules! sayln {
    () => { $crate::commands::stdout::write(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::commands::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {say, sayln};
