//! Integration tests of `playback-auth-redis`, one binary with a module per behaviour.

mod common;

mod audit;
mod audit_aggregates;
mod cluster_slots;
mod conformance;
mod differential;
mod engine;
mod expiry;
mod failover;
mod faults;
mod fleet;
mod fleet_cache;
mod heartbeats;
mod metrics;
mod registered_accounts;
mod revocation;
mod rights_decisions;
mod round_trips;
