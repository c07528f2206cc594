//! Remediation: complete the chain where it is broken, and say exactly what cannot be fixed.
//!
//! A functional core with a thin I/O shell, like the check:
//!
//! - [`skeleton`] (pure): the verdicts of a check become *targets* — one per log group that a
//!   qualifying trail really delivers to, in the account and region that own it (an
//!   organization trail's group is in the management account, planned once; a multi-region
//!   trail's group once per account, in its own region), for every control failing there —
//!   plus manual steps for the links orgsweep will not touch ([`manual`]) and the accounts it
//!   could not plan. Then [`target`] (pure): from one target's current state
//!   ([`target::TargetState`]), the actions that complete its chains: a filter and an alarm per
//!   control ([`action`]), one shared topic with its policy statement ([`policy`]) and
//!   subscriptions, named as [`names`] says. [`plan`] holds the types a plan file carries.
//! - [`actions`] (I/O): reads a target's current state, and carries out one action after
//!   re-reading what it would change (the emulator duplicates a metric filter put twice, and
//!   orgsweep never overwrites what it did not create).
//! - [`apply`] (I/O): runs the targets of a plan with bounded concurrency; a failed action is
//!   reported and the others go on.
//! - [`plan_file`]: the JSON a person reviews and `--apply --plan FILE` carries out, with the
//!   checks that refuse a truncated, edited, foreign or stale plan.

pub mod action;
#[cfg(feature = "aws")]
pub mod actions;
#[cfg(feature = "aws")]
pub mod apply;
pub mod cells;
pub mod delivery_steps;
pub mod manual;
pub mod names;
pub mod plan;
pub mod plan_file;
pub mod policy;
#[cfg(feature = "aws")]
pub mod render;
pub mod skeleton;
pub mod target;

pub use action::Action;
pub use cells::Cell;
pub use names::PlanConfig;
pub use plan::{Plan, TargetPlan};
