//! Integration tests of `playback-auth-policy`, one binary with a module per behaviour.

mod common;

mod all_or_nothing;
mod audit_bounds;
mod audit_file_sink;
mod audit_memory_sink;
mod audit_purge;
mod audit_records;
mod audit_reports;
mod authorizer;
mod block_new;
mod block_new_user;
mod conformance;
mod device_limits;
mod device_management;
mod evict_oldest;
mod max_ips;
mod max_uses;
mod model;
mod races;
mod registry_register;
mod registry_rotation;
mod revocation_capacity;
mod revocation_checks;
mod revocation_jti;
mod revocation_token_list;
mod revocation_uid_before;
mod revocation_viewer;
mod session_management;
mod single_use;
mod static_checks;
mod store_faults;
mod stream_leases;
