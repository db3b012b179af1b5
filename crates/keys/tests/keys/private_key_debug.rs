//! `Debug` of private keys never prints key material.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use playback_auth_keys::{Algorithm, PrivateKey};

#[test]
fn debug_output_contains_no_part_of_the_encoded_key() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let debug = format!("{key:?} {key:#?}");
        assert!(debug.contains(".."), "{debug}");
        // No 12-byte window of the PKCS#8 encoding, in hex, decimal list or base64.
        for window in pkcs8.windows(12).step_by(5) {
            let hex: String = window.iter().map(|b| format!("{b:02x}")).collect();
            let list = format!("{window:?}");
            let list = &list[1..list.len() - 1];
            let b64 = STANDARD.encode(window);
            for needle in [hex.as_str(), list, &b64[..12]] {
                assert!(!debug.contains(needle), "{alg}: {debug}");
            }
        }
    }
}
