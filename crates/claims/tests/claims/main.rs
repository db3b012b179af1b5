//! Integration tests of `playback-auth-claims`, one binary with a module per behaviour.

mod common;

mod access_rules;
mod channel_rules;
mod mixed_sets;
mod payload;
mod properties;
mod restriction_rules;
mod static_url_rules;
mod worked_examples;
