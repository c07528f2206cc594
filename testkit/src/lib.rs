//! What orgsweep's integration tests (`tests/it/`) and example programs (`examples/seed.rs`,
//! `examples/fault_proxy.rs`) share: a private moto server per test ([`moto::Moto`]), SDK
//! configs for it, seeding helpers that build real emulator state through the AWS SDK
//! ([`seed`], [`chain`], [`family`]), a fault-injecting proxy and a WebDriver client.
//!
//! A crate of its own, a dev-dependency of orgsweep, so that tests and examples use it as a
//! library rather than compiling its files into each of them by path.

pub mod breaks;
pub mod chain;
pub mod demo;
pub mod family;
pub mod fault_proxy;
pub mod http;
pub mod landing_zone;
pub mod moto;
pub mod port;
pub mod seed;
pub mod webdriver;

pub use breaks::Break;
pub use chain::cis_pattern;
pub use chain::{seed_chain, ChainResources, ChainSpec, TopicKey};
pub use moto::{Emulator, Moto, MANAGEMENT_ACCOUNT_ID};
pub use seed::{Account, NewAccount, OrgSeed, Selectors};
