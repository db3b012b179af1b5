//! Decode and validate arbitrary bytes as each claim set; whatever decodes must round-trip.
//! The body is `claims` in tests/fuzz_checks/mod.rs, shared with the corpus replay test.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::claims(data));
