//! The `orgsweep` binary: parse the command line, run one subcommand, exit with its code.

use clap::Parser;

fn main() {
    let cli = orgsweep::cli::Cli::parse();
    std::process::exit(orgsweep::commands::dispatch(cli));
}
