//! Keys, clock and token helpers shared by the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
use playback_auth_sign::sign_compact;
use playback_auth_verify::{FixedClock, Verifier};

pub const NOW: i64 = 1_700_000_000;

pub fn now() -> NumericDate {
    NumericDate::from_secs(NOW).unwrap()
}

/// One key per algorithm, generated once per test binary.
pub fn key(alg: Algorithm) -> &'static PrivateKey {
    static KEYS: OnceLock<[PrivateKey; 3]> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        Algorithm::ALL.map(|alg| PrivateKey::generate(alg).expect("key generation"))
    });
    let index = Algorithm::ALL.iter().position(|a| *a == alg).unwrap();
    &keys[index]
}

/// A verifier at `NOW` that trusts the public halves of `algs`' keys.
pub fn verifier(algs: &[Algorithm]) -> Verifier {
    let keys = algs.iter().fold(KeySet::new(), |set, alg| {
        set.with_key(key(*alg).public_key(), None)
    });
    Verifier::builder(keys).clock(FixedClock(now())).build()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token over exact header and payload JSON text, validly signed with `alg`'s key.
pub fn signed(alg: Algorithm, header: &str, payload: &str) -> String {
    sign_compact(key(alg), header.as_bytes(), payload.as_bytes()).unwrap()
}

/// A valid restriction payload at `NOW` with `extra` members appended (JSON text, no braces).
pub fn payload(extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        r#"{{"accid":"acct-1","iat":{NOW},"exp":{}{sep}{extra}}}"#,
        NOW + 3600
    )
}

pub fn header(alg: Algorithm) -> String {
    format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.as_str())
}
