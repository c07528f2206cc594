//! orgsweep: sweep an AWS Organization for the CIS "console authentication failures" alarm
//! chain (CIS 4.6 / Security Hub CloudWatch.6), judge every account × region, and complete the
//! chain on request.
//!
//! The crate is a functional core with an I/O shell: `collect` and `sweep` talk to AWS and
//! produce plain facts; `pattern` and `judge` turn facts into verdicts without any network.
//!
//! The I/O shell is the `aws` feature (on by default). Without it the crate is only the pure
//! core — patterns, config, facts, judge, plans and plan files — which is what the fuzz targets
//! build against, with sanitizers, without compiling the AWS SDK.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod cli;
#[cfg(feature = "aws")]
pub mod collect;
#[cfg(feature = "aws")]
pub mod commands;
pub mod config;
pub mod controls;
pub mod csv_safe;
pub mod exceptions;
pub mod facts;
pub mod failure;
pub mod judge;
#[cfg(feature = "aws")]
pub mod organization;
pub mod pattern;
pub mod remediate;
#[cfg(feature = "aws")]
pub mod report;
#[cfg(feature = "aws")]
pub mod signals;
#[cfg(feature = "aws")]
pub mod sweep;
pub mod validate;
pub mod verdict;
