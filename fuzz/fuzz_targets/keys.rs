//! Every key parser (PEM, SPKI and PKCS#8/SEC1/PKCS#1 DER, public_key.txt, JWK, JWK Set,
//! autodetect) over arbitrary input; every key that parses must round-trip through each
//! export format. The body is `keys` in tests/fuzz_checks/mod.rs, shared with the corpus
//! replay test.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::keys(data));
