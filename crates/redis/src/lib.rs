#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod accounts;
mod audit;
mod audit_batch;
mod audit_renewals;
mod backfill;
mod cache;
mod connection;
mod error;
mod fleet;
mod key_layout;
mod metrics;
mod policy;
mod registry;
mod revocation;
mod rights;
mod store;

pub use cache::SUBSCRIBER_LIB_NAME;
pub use connection::RedisEndpoint;
pub use error::RedisStoreError;
pub use store::{RedisStore, RedisStoreBuilder};
