//! The `orgsweep` binary: parse the command line, run one subcommand, exit with its code.

use clap::Parser;

use orgsweep::cli::{Cli, Command};
use orgsweep::commands;

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Pattern(args) => commands::finish(commands::pattern::run(
            args.json,
            &args.pattern,
            &args.control,
            &args.benchmark,
        )),
        Command::Controls(args) => {
            commands::finish(commands::controls::run(args.json, &args.benchmark))
        }
        command => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    std::process::exit(2);
                }
            };
            commands::finish(runtime.block_on(async move {
                match command {
                    Command::Accounts(args) => commands::accounts::run(args, cli.quiet).await,
                    Command::Check(args) => commands::check::run(args, cli.quiet).await,
                    Command::Remediate(args) => commands::remediate::run(args, cli.quiet).await,
                    Command::Pattern(_) | Command::Controls(_) => unreachable!("handled above"),
                }
            }))
        }
    };
    std::process::exit(code);
}
