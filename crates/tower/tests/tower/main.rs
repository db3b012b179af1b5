//! Integration tests of `playback-auth-tower`, one binary with a module per behaviour.

mod channel_binding;
mod common;

mod audit_refusals;
mod content_tags;
mod cors;
mod forwarded_for;
mod handler_extensions;
mod head_requests;
mod header_bytes;
mod load_shedding;
mod no_panic;
mod peer_address;
mod playback_rights;
mod policy_denials;
mod real_http;
mod route_mismatch;
mod store_unavailable;
mod stream_sessions;
mod token_rejections;
mod token_sources;
mod vendor_denials;
