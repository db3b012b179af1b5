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
use std::fmt::Debug;

use playback_auth_claims::ClaimSet;
use playback_auth_keys::{Algorithm, CryptoProvider, KeySet, PrivateKey, PublicKey};
use playback_auth_sign::sign_compact;
use playback_auth_verify::{FixedClock, Verified, Verifier, VerifyError, verify_signature};
use serde::de::DeserializeOwned;

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

/// A verifier at `NOW` that trusts the public halves of `algs`' keys, on every provider.
pub fn verifier(algs: &[Algorithm]) -> EveryProvider {
    let keys = algs.iter().fold(KeySet::new(), |set, alg| {
        set.with_key(key(*alg).public_key(), None)
    });
    EveryProvider::new(&keys, |keys| {
        Verifier::builder(keys).clock(FixedClock(now())).build()
    })
}

/// One verifier per compiled provider, over the same keys and settings. Every call runs on
/// each of them and asserts they agree — same verdict, same typed error, same claims — so
/// every test written against it is a test of both providers.
#[derive(Clone)]
pub struct EveryProvider(Vec<Verifier>);

/// Anything a test can run on every provider.
pub trait OnEveryProvider {
    fn on_every_provider(&self) -> EveryProvider;
}

impl OnEveryProvider for EveryProvider {
    fn on_every_provider(&self) -> EveryProvider {
        self.clone()
    }
}

impl OnEveryProvider for Verifier {
    fn on_every_provider(&self) -> EveryProvider {
        EveryProvider(
            CryptoProvider::all()
                .iter()
                .map(|&provider| self.to_provider(provider))
                .collect(),
        )
    }
}

impl EveryProvider {
    /// `build` applied to `keys` prepared for each provider.
    pub fn new(keys: &KeySet, build: impl Fn(KeySet) -> Verifier) -> Self {
        Self(
            CryptoProvider::all()
                .iter()
                .map(|&provider| build(keys.to_provider(provider)))
                .collect(),
        )
    }

    /// The verifiers, one per provider.
    pub fn each(&self) -> &[Verifier] {
        &self.0
    }

    pub fn verify<C: ClaimSet + PartialEq + Debug>(
        &self,
        token: &str,
    ) -> Result<Verified<C>, VerifyError> {
        agree(
            self.0
                .iter()
                .map(|verifier| (verifier.provider(), verifier.verify::<C>(token))),
        )
    }

    pub fn verify_deserialize<T: DeserializeOwned + PartialEq + Debug>(
        &self,
        token: &str,
    ) -> Result<Verified<T>, VerifyError> {
        agree(
            self.0
                .iter()
                .map(|verifier| (verifier.provider(), verifier.verify_deserialize::<T>(token))),
        )
    }
}

/// [`verify_signature`] with `key` prepared for each provider; asserts they agree.
pub fn verify_signature_on_each(
    alg: Algorithm,
    key: &PublicKey,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    agree(CryptoProvider::all().iter().map(|&provider| {
        let key = provider.prepare_public_key(key).unwrap();
        (
            provider,
            verify_signature(alg, &key, signing_input, signature),
        )
    }))
}

/// The one result every provider gave; panics naming the providers when they differ.
pub fn agree<T: PartialEq + Debug>(results: impl Iterator<Item = (CryptoProvider, T)>) -> T {
    let mut results = results.collect::<Vec<_>>().into_iter();
    let (first_provider, first) = results.next().expect("at least one provider is compiled");
    for (provider, result) in results {
        assert_eq!(first, result, "{first_provider} and {provider} disagree");
    }
    first
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
