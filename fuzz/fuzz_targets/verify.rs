//! Arbitrary tokens through a `Verifier` trusting fixed RS256, ES256 and ES384 keys, plus a
//! structured mode whose header and payload are signed first so mutations get past the
//! signature. The body is `verify` in tests/fuzz_checks/mod.rs, shared with the corpus replay
//! test.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::verify(data));
