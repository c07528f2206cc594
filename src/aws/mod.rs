//! The I/O edge towards AWS: how SDK configs and clients are made, how calls are counted, and
//! how a failed call is classified. Nothing outside `collect`, `sweep`, `organization` and
//! `remediate` should need an SDK type.

pub mod calls;
pub mod clients;
pub mod errors;
pub mod sdk;

pub use calls::CallCounter;
pub(crate) use clients::counted_client;
pub use clients::AccountClients;
pub use errors::{CallFailure, FailureKind};
pub use sdk::{base_config, partition_of_arn, CallerIdentity, SdkSettings};
