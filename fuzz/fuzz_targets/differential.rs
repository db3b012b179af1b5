//! Both signature providers on the same tokens — arbitrary ones, mutated valid ones and valid
//! ones carrying a signature of the fuzzer's choosing — must give the same verdict and the
//! same typed error. The body is `differential` in tests/fuzz_checks/mod.rs, shared with the
//! corpus replay test.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::differential(data));
