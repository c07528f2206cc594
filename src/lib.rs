//! orgsweep: sweep an AWS Organization for the CIS AWS Foundations monitoring controls — each a
//! chain of trail → log group → metric filter → alarm → confirmed subscriber — judge every
//! account × control × region, report it, and complete the chains on request.
//!
//! The crate is a functional core with an I/O shell. The modules, in pipeline order:
//!
//! | layer | modules | job |
//! |---|---|---|
//! | commands | [`cli`], [`commands`] | flags, prompts, printing, the one exit-code mapping |
//! | run | [`run`], [`signals`] | one `check` or `remediate` from a request to the files; stoppable |
//! | discover | [`organization`], [`sweep`] | who is calling, the accounts and their OUs, the regions |
//! | assume | [`sweep::credentials`], [`aws`] | a role in each account; counted, classified calls |
//! | collect | [`collect`] | the facts of one account: trails, log groups, filters, alarms, topics |
//! | judge | [`judge`], [`pattern`], [`controls`] | facts → a verdict per cell, with no network |
//! | report | [`report`] | matrix, findings, summary, HTML, OCSF, changes |
//! | remediate | [`remediate`] | verdicts → a plan a person reviews → actions |
//! | floor | [`outcome`], [`exceptions`], [`verdict`], [`facts`], [`failure`], [`files`], [`config`], [`validate`], [`csv_safe`] | plain values every layer speaks; exceptions decided per cell |
//!
//! A layer imports only from the layers below it; the floor imports nothing above itself.
//! Judging is pure and unit-tested without AWS; the emulator tests (tests/it) drive the real
//! SDK against moto.
//!
//! The I/O shell is the `aws` feature (on by default). Without it the crate is only the pure
//! core — patterns, config, facts, judge, plans and plan files — which is what the fuzz targets
//! build against, with sanitizers, without compiling the AWS SDK.

//! # The library surface
//!
//! What other code is meant to build on is re-exported here, from the pure core: the controls
//! table ([`Control`], [`Benchmark`], [`controls::table`]), the filter-pattern judge
//! ([`judge_pattern`], [`PatternVerdict`]), one account's facts and its verdicts
//! ([`AccountFacts`], [`Verdict`], [`Status`], [`Reason`]), and the remediation plan and its file
//! ([`Plan`], [`plan_file`]). With the `aws` feature, a whole run is [`run::check`] and
//! [`run::remediate`]. Everything else is public only as far as the tests and example programs
//! reach into it, or crate-private.
//!
//! ```
//! // Does a filter pattern catch every failed console sign-in the reference catches?
//! let control = orgsweep::controls::get("console-auth-failures").unwrap();
//! let reordered = r#"{ ($.errorMessage = "Failed authentication") && ($.eventName = "ConsoleLogin") }"#;
//! assert!(orgsweep::judge_pattern(reordered, &control.reference).catches_all);
//! let narrowed = r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && ($.userIdentity.type = "IAMUser") }"#;
//! let verdict = orgsweep::judge_pattern(narrowed, &control.reference);
//! assert!(!verdict.catches_all && verdict.explanation.contains("userIdentity.type"));
//! ```

// Without the I/O shell, the parts of the core that only the shell calls are unused, not dead.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

pub use controls::{Benchmark, Control, ControlNames};
pub use facts::AccountFacts;
pub use pattern::{judge_for as judge_pattern, PatternVerdict};
pub use remediate::{plan_file, Plan};
pub use verdict::{Reason, Status, Verdict};

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
pub mod files;
pub mod judge;
#[cfg(feature = "aws")]
pub mod organization;
pub mod outcome;
pub mod pattern;
pub mod remediate;
#[cfg(feature = "aws")]
pub mod report;
#[cfg(feature = "aws")]
pub mod run;
#[cfg(feature = "aws")]
pub mod signals;
#[cfg(feature = "aws")]
pub mod sweep;
pub mod validate;
pub mod verdict;
