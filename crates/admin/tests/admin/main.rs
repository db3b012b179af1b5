//! Integration tests of `playback-auth-admin`, one binary with a module per behaviour.

#[macro_use]
mod common;

mod admin_auth;
mod audit_reports;
mod blacklist;
mod http_server;
mod key_rotation;
mod keys;
mod no_server_errors;
mod request_log;
mod revocations;
mod rights;
mod routing_errors;
mod store_unavailable;
mod users;
