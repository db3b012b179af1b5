//! Arbitrary sequences of requests, waits, ended sessions, removed devices and revocations
//! against the policy engine on the in-memory store, with every limit's invariant checked
//! after each step and a denied request required to leave the store unchanged. The body is
//! `policy` in tests/fuzz_checks/mod.rs, shared with the corpus replay test.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::policy(data));
