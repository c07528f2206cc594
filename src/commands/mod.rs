//! One file per subcommand, each starting with what it does (after xsv), and the one place
//! where how a command ended becomes the process exit code.

pub mod accounts;
pub mod check;
pub mod controls;
pub mod pattern;
pub mod remediate;
pub(crate) mod stdout;

use crate::cli::{Cli, Command};
use crate::outcome::Ended;
use crate::run::RunError;

/// Why a command stopped before doing its job.
#[derive(Debug)]
pub enum CommandError {
    /// A flag or a configuration key the user must fix.
    Usage(String),
    /// The user declined the confirmation: nothing was changed.
    Declined,
    /// The run stopped (see [`RunError`]).
    Run(RunError),
    /// A listing could not be written to standard output.
    Output(String),
}

impl From<RunError> for CommandError {
    fn from(e: RunError) -> Self {
        CommandError::Run(e)
    }
}

/// The exit code of a sweep that could not start (endpoint, credentials, organization): no
/// report was written.
pub(crate) const CANNOT_START: i32 = 4;

/// The exit codes, in one place: 0 clean, 1 a FAIL, 2 usage (a flag, the config, a file the
/// user named, a declined confirmation), 3 an ERROR or an incomplete report, 4 the sweep could
/// not start, 130/143 interrupted.
pub(crate) fn exit_code(result: &Result<Ended, CommandError>) -> i32 {
    match result {
        Ok(Ended::Clean) => 0,
        Ok(Ended::Failed) => 1,
        Ok(Ended::Undecided) => 3,
        Ok(Ended::Interrupted(signal)) => signal.exit_code(),
        Err(CommandError::Usage(_) | CommandError::Declined) => 2,
        Err(CommandError::Run(
            RunError::Usage(_) | RunError::Compare(_) | RunError::OutputDir(_),
        )) => 2,
        Err(CommandError::Run(RunError::Start(_))) => CANNOT_START,
        Err(CommandError::Run(RunError::Write(_)) | CommandError::Output(_)) => 3,
    }
}

/// Runs the subcommand the command line names and returns the process exit code: the one
/// path from the flags to the exit status.
pub fn dispatch(cli: Cli) -> i32 {
    let quiet = cli.quiet;
    finish(match cli.command {
        Command::Pattern(args) => {
            pattern::run(args.json, &args.pattern, &args.control, &args.benchmark)
        }
        Command::Controls(args) => controls::run(args.json, &args.benchmark),
        command => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Err(e) => Err(CommandError::Output(format!(
                "cannot start the async runtime: {e}"
            ))),
            Ok(runtime) => runtime.block_on(async move {
                match command {
                    Command::Accounts(args) => accounts::run(args, quiet).await,
                    Command::Check(args) => check::run(args, quiet).await,
                    Command::Remediate(args) => remediate::run(args, quiet).await,
                    Command::Pattern(_) | Command::Controls(_) => unreachable!("handled above"),
                }
            }),
        },
    })
}

/// Prints the error, if any, and returns the exit code.
pub fn finish(result: Result<Ended, CommandError>) -> i32 {
    match &result {
        Err(CommandError::Usage(m)) => eprintln!("error: {m}"),
        Err(CommandError::Run(e)) => eprintln!("error: {e}"),
        Err(CommandError::Output(m)) => eprintln!("error: {m}"),
        Err(CommandError::Declined) => eprintln!("Not applied: nothing was changed."),
        Ok(_) => {}
    }
    exit_code(&result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Signal;

    #[test]
    fn each_ending_has_its_code() {
        assert_eq!(exit_code(&Ok(Ended::Clean)), 0);
        assert_eq!(exit_code(&Ok(Ended::Failed)), 1);
        assert_eq!(exit_code(&Ok(Ended::Undecided)), 3);
        assert_eq!(exit_code(&Ok(Ended::Interrupted(Signal::Interrupt))), 130);
        assert_eq!(exit_code(&Ok(Ended::Interrupted(Signal::Terminate))), 143);
        assert_eq!(exit_code(&Err(CommandError::Usage("x".into()))), 2);
        assert_eq!(exit_code(&Err(CommandError::Declined)), 2);
        let run = |e| exit_code(&Err(CommandError::Run(e)));
        assert_eq!(run(RunError::Usage("x".into())), 2);
        let refused = || {
            crate::files::FileError::at(std::path::Path::new("out"))(std::io::Error::from(
                std::io::ErrorKind::PermissionDenied,
            ))
        };
        assert_eq!(run(RunError::OutputDir(refused())), 2);
        // A report that could not be written after the work is not a usage error.
        assert_eq!(run(RunError::Write(refused())), 3);
        assert_eq!(exit_code(&Err(CommandError::Output("x".into()))), 3);
    }
}
