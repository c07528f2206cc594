//! One file per subcommand, each starting with what it does (after xsv).

pub mod accounts;
pub mod check;
pub mod pattern;
pub mod remediate;
