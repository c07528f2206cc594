//! orgsweep: sweep an AWS Organization for the CIS "console authentication failures" alarm
//! chain (CIS 4.6 / Security Hub CloudWatch.6), judge every account × region, and complete the
//! chain on request.
//!
//! The crate is a functional core with an I/O shell: `collect` and `sweep` talk to AWS and
//! produce plain facts; `pattern` and `judge` turn facts into verdicts without any network.

pub mod aws;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod csv_safe;
pub mod facts;
pub mod judge;
pub mod organization;
pub mod pattern;
pub mod remediate;
pub mod report;
pub mod signals;
pub mod sweep;
pub mod validate;
pub mod verdict;
