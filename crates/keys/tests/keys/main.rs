//! Integration tests of `playback-auth-keys`, one binary with a module per behaviour.

mod common;

mod generate;
mod import_formats;
mod key_files;
mod key_set_candidates;
mod parse_autodetect;
mod parsers_never_panic;
mod private_key_debug;
mod rejected_keys;
mod thumbprint_rfc7638;
mod wrapped_public_key_txt;
