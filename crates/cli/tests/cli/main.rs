//! Integration tests of `playback-auth-cli`, one binary with a module per behaviour.

mod common;

mod inspect;
mod keygen;
mod mint_claims;
mod round_trip;
mod usage;
mod vendor_formats;
mod verify_exit_codes;
