//! Integration tests of `playback-auth-verify`, one binary with a module per behaviour.

mod common;

mod attack_corpus;
mod cache;
mod differential;
mod interop_jsonwebtoken;
mod one_pass_payload;
mod properties;
mod rfc7515;
mod settings;
mod wycheproof;
