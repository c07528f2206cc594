//! Test support shared by the integration tests (`tests/it/`) and `examples/seed.rs`:
//! a private moto server per test ([`moto::Moto`]), SDK configs for it, and seeding helpers
//! that build real emulator state through the AWS SDK ([`seed`], [`chain`]).
//!
//! Included with `#[path = "../support/mod.rs"] mod support;` — not every user needs every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code, unused_imports)]

pub mod chain;
pub mod family;
pub mod fault_proxy;
pub mod http;
pub mod landing_zone;
pub mod moto;
pub mod seed;
pub mod webdriver;

pub use chain::cis_pattern;
pub use chain::{seed_chain, Break, ChainResources, ChainSpec, TopicKey};
pub use moto::{Emulator, Moto, MANAGEMENT_ACCOUNT_ID};
pub use seed::{Account, NewAccount, OrgSeed, Selectors};
