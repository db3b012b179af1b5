//! The bodies of the fuzz targets, written once.
//!
//! `fuzz/fuzz_targets/*.rs` include this file with `#[path]`, and `tests/fuzz_corpus_replay.rs`
//! replays the committed corpora through it on stable Rust, so the fuzzer and the test suite
//! run identical code. Each function takes the raw fuzzer input, must never panic on its own
//! account, and asserts the invariants of what it exercises.
//!
//! The keys are fixed (`fuzz/keys/*.pem`, made once with OpenSSL; they protect nothing), so
//! every input replays to the same result on every machine.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use playback_auth::claims::{
    ClaimSet, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims,
};
use playback_auth::keys::{
    Algorithm, Es256PublicKey, Es384PublicKey, Jwk, Jwks, KeySet, PrivateKey, PublicKey,
    Rs256PrivateKey, Rs256PublicKey,
};
use playback_auth::sign::{sign_bytes, sign_compact};
use playback_auth::verify::{
    DEFAULT_MAX_TOKEN_LEN, FixedClock, Verifier, VerifyError, verify_signature,
};

/// The fuzz verifier's clock: the time the seed tokens and worked examples are issued at.
pub const NOW: i64 = 1_700_000_000;

/// PKCS#8 PEM of the fixed key of each algorithm, in `Algorithm::ALL` order.
pub const PRIVATE_PEMS: [&str; 3] = [
    include_str!("../../fuzz/keys/rs256_private.pem"),
    include_str!("../../fuzz/keys/es256_private.pem"),
    include_str!("../../fuzz/keys/es384_private.pem"),
];

struct Fixture {
    keys: Vec<PrivateKey>,
    verifier: Verifier,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys: Vec<PrivateKey> = PRIVATE_PEMS
            .iter()
            .map(|pem| PrivateKey::from_pem(pem).expect("fixed fuzz key parses"))
            .collect();
        let set = keys.iter().fold(KeySet::new(), |set, key| {
            set.with_key(key.public_key(), None)
        });
        let now = NumericDate::from_secs(NOW).expect("NOW is in range");
        let verifier = Verifier::builder(set).clock(FixedClock(now)).build();
        Fixture { keys, verifier }
    })
}

/// The fixed private key of `alg`.
pub fn private_key(alg: Algorithm) -> &'static PrivateKey {
    let index = Algorithm::ALL
        .iter()
        .position(|a| *a == alg)
        .expect("known algorithm");
    &fixture().keys[index]
}

/// A verifier at [`NOW`] with default settings, trusting the three fixed keys (no `kid`s).
pub fn verifier() -> &'static Verifier {
    &fixture().verifier
}

// ---------------------------------------------------------------------------------------------
// claims

/// Arbitrary bytes decoded and validated as each claim set; whatever decodes must round-trip.
pub fn claims(data: &[u8]) {
    round_trip::<PlaybackRestrictionClaims>(data);
    round_trip::<StaticUrlClaims>(data);
    round_trip::<PrivateChannelClaims>(data);
    round_trip::<PlaybackClaims>(data);
}

fn round_trip<C: ClaimSet + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(claims) = C::from_json_slice(data) {
        let _ = claims.validate();
        if let Ok(encoded) = claims.to_json_object() {
            let again = C::from_json_object(encoded.clone()).expect("encoded claims decode");
            assert_eq!(
                again, claims,
                "decode → encode → decode gives the same claims"
            );
            assert_eq!(
                again.to_json_object().ok(),
                Some(encoded),
                "decode → encode → decode is identity"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// verify

/// The verify target. The first byte picks the mode:
///
/// - `% 4 == 0`: the rest is the token (lossy UTF-8), checked as it is;
/// - `% 4 == 1, 2, 3`: RS256, ES256, ES384 — the next byte is a length `n`, the following `n`
///   bytes are the header JSON and the rest the payload JSON; they are signed with that
///   algorithm's trusted key (`sign_compact`, no checks), so mutations get past the signature.
pub fn verify(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => check_token(&String::from_utf8_lossy(rest), None),
        n => {
            let alg = Algorithm::ALL[usize::from(n - 1)];
            let Some((&len, rest)) = rest.split_first() else {
                return;
            };
            let (header, payload) = rest.split_at(usize::from(len).min(rest.len()));
            let token = sign_compact(private_key(alg), header, payload).expect("signing succeeds");
            check_token(&token, Some((alg, header)));
        }
    }
}

/// Encodes a structured-mode input (the inverse of [`verify`]'s split), for seed corpora.
pub fn structured_input(alg: Algorithm, header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mode = match alg {
        Algorithm::Rs256 => 1,
        Algorithm::Es256 => 2,
        Algorithm::Es384 => 3,
    };
    let len = u8::try_from(header.len()).expect("seed headers are under 256 bytes");
    [&[mode, len][..], header, payload].concat()
}

/// Encodes a raw-mode input, for seed corpora.
pub fn raw_input(token: &str) -> Vec<u8> {
    [&[0u8][..], token.as_bytes()].concat()
}

fn check_token(token: &str, signed: Option<(Algorithm, &[u8])>) {
    let result = verifier().verify::<PlaybackClaims>(token);
    match &result {
        Ok(verified) => {
            assert!(
                token.len() <= DEFAULT_MAX_TOKEN_LEN,
                "a token over the length limit was accepted"
            );
            assert_eq!(
                token.split('.').count(),
                3,
                "an accepted token has three segments"
            );
            let claims = &verified.claims;
            claims.validate().expect("accepted claims obey their rules");
            if let PlaybackClaims::Channel(_) = claims {
                assert_eq!(
                    verified.header.alg,
                    Algorithm::Es384,
                    "channel tokens are ES384 only"
                );
            }
            let encoded = claims.to_json_object().expect("accepted claims encode");
            let again = PlaybackClaims::from_json_object(encoded).expect("encoded claims decode");
            assert_eq!(&again, claims, "accepted claims survive encode → decode");
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            let _ = error.to_string();
        }
    }
    // A token signed by the trusted key of the algorithm its header names must never fail the
    // signature check (or find no key): that would mean the signing input or the key choice
    // differs between signer and verifier.
    if let Some((alg, header)) = signed {
        let header_alg = serde_json::from_slice::<serde_json::Value>(header)
            .ok()
            .and_then(|header| header.get("alg")?.as_str().map(str::to_owned));
        if header_alg.as_deref() == Some(alg.as_str()) {
            assert!(
                !matches!(
                    result,
                    Err(VerifyError::InvalidSignature
                        | VerifyError::InvalidSignatureLength { .. }
                        | VerifyError::NoKeyForAlgorithm { .. }
                        | VerifyError::UnknownKeyId { .. })
                ),
                "a validly signed {alg} token failed the signature step: {result:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// keys

/// Every key parser over the same input (as lossy UTF-8 text and as DER); every key that
/// parses must survive each export → import and, for private keys, sign what its public half
/// verifies.
pub fn keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    if let Ok(key) = PublicKey::from_pem(&text) {
        public_round_trip(&key);
    }
    if let Ok(key) = PublicKey::from_public_key_txt(&text) {
        public_round_trip(&key);
    }
    if let Ok(entries) = PublicKey::parse(&text) {
        assert!(
            !entries.is_empty(),
            "parse returns at least one key or an error"
        );
        for entry in &entries {
            public_round_trip(&entry.key);
        }
    }
    if let Ok(jwk) = Jwk::from_json(&text)
        && let Ok(key) = PublicKey::from_jwk(&jwk)
    {
        assert!(
            !jwk.has_private_members(),
            "a private JWK was accepted as public"
        );
        if let Some(alg) = &jwk.alg {
            assert_eq!(alg, key.algorithm().as_str(), "JWK alg matches the key");
        }
        public_round_trip(&key);
    }
    if let Ok(jwks) = Jwks::from_json(&text)
        && let Ok(set) = KeySet::from_jwks(&jwks)
    {
        assert!(set.len() <= jwks.keys.len());
        let again = KeySet::from_jwks(&set.to_jwks()).expect("exported JWK Set imports");
        assert_eq!(again.len(), set.len(), "JWK Set round trip keeps every key");
        for (a, b) in again.iter().zip(set.iter()) {
            assert_eq!(a.key, b.key);
        }
    }
    if let Ok(key) = PrivateKey::from_pem(&text) {
        private_round_trip(&key);
    }

    if let Ok(key) = PublicKey::from_spki_der(data) {
        public_round_trip(&key);
    }
    if let Ok(key) = Rs256PublicKey::from_pkcs1_der(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = Es256PublicKey::from_sec1_bytes(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = Es384PublicKey::from_sec1_bytes(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = PrivateKey::from_pkcs8_der(data) {
        private_round_trip(&key);
    }
    if let Ok(key) = PrivateKey::from_sec1_der(data) {
        private_round_trip(&key);
    }
    if let Ok(key) = Rs256PrivateKey::from_pkcs1_der(data) {
        private_round_trip(&key.into());
    }
}

fn public_round_trip(key: &PublicKey) {
    let from_der = PublicKey::from_spki_der(&key.to_spki_der()).expect("exported SPKI imports");
    assert_eq!(&from_der, key, "SPKI DER round trip");
    let from_pem = PublicKey::from_pem(&key.to_pem()).expect("exported PEM imports");
    assert_eq!(&from_pem, key, "PEM round trip");
    let from_txt = PublicKey::from_public_key_txt(&key.to_public_key_txt())
        .expect("exported public_key.txt imports");
    assert_eq!(&from_txt, key, "public_key.txt round trip");
    let jwk = key.to_jwk();
    let from_jwk = PublicKey::from_jwk(&jwk).expect("exported JWK imports");
    assert_eq!(&from_jwk, key, "JWK round trip");
    let thumbprint = key.thumbprint();
    assert_eq!(jwk.kid.as_deref(), Some(thumbprint.as_str()));
    assert_eq!(from_jwk.thumbprint(), thumbprint, "thumbprint is stable");
    let parsed = PublicKey::parse(&jwk.to_json()).expect("exported JWK JSON parses");
    assert_eq!(parsed.len(), 1);
    assert_eq!(&parsed[0].key, key);
}

fn private_round_trip(key: &PrivateKey) {
    let public = key.public_key();
    assert_eq!(public.algorithm(), key.algorithm());
    let der = key.to_pkcs8_der().expect("a parsed private key exports");
    let again = PrivateKey::from_pkcs8_der(&der).expect("exported PKCS#8 imports");
    assert_eq!(again.public_key(), public, "PKCS#8 round trip");
    let pem = key
        .to_pkcs8_pem()
        .expect("a parsed private key exports as PEM");
    let again = PrivateKey::from_pem(&pem).expect("exported PKCS#8 PEM imports");
    assert_eq!(again.public_key(), public, "PKCS#8 PEM round trip");
    // An inconsistent key (say, a mutated RSA prime) that was accepted would sign garbage.
    let message = b"eyJhbGciOiJFUzI1NiJ9.e30";
    let signature = sign_bytes(key, message).expect("a parsed private key signs");
    verify_signature(key.algorithm(), &public, message, &signature)
        .expect("a parsed private key's signature verifies with its public key");
    public_round_trip(&public);
}
