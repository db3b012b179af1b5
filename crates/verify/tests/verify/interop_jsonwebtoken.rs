//! Interoperability with the `jsonwebtoken` crate (v12, `rust_crypto` provider), both ways, for
//! RS256, ES256 and ES384, on each of our signature providers.
//!
//! - Tokens minted by `jsonwebtoken::encode` verify with our [`Verifier`] on every provider as
//!   [`PlaybackRestrictionClaims`] and decode to the claims that were encoded.
//! - Tokens minted by our [`Signer`] on each provider verify with `jsonwebtoken::decode`
//!   (`Validation::new(alg)`), decode to the same claim values, and verify with our verifier
//!   on every provider (so each provider's tokens verify on the other).
//! - Raw signatures agree: a `jsonwebtoken::crypto::sign` signature verifies with our
//!   `verify_signature` on every provider; for RS256 (deterministic PKCS#1 v1.5) each
//!   provider's signature is byte-for-byte theirs.
//!
//! Keys cross the boundary as PEM bytes only (our PKCS#8 private PEM, our SPKI public PEM):
//! `jsonwebtoken` uses the previous RustCrypto generation, so no key types are shared.
//!
//! Documented differences, each asserted to hold: a token whose payload repeats a member is
//! accepted by `jsonwebtoken` and rejected by us ([`VerifyError::DuplicateMember`]). A `crit`
//! header, accepted by version 11, is rejected by version 12 and by us
//! ([`VerifyError::CriticalHeader`]).

// Helpers outside `#[test]` functions build fixtures; a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey, Header as JwtHeader, Validation};
use serde_json::{Value, json};

use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
use playback_auth_keys::{Algorithm, CryptoProvider, KeySet, PrivateKey, PublicKey};
use playback_auth_sign::{Signer, sign_bytes_with, sign_compact};
use playback_auth_verify::{Clock as _, FixedClock, Segment, SystemClock, Verifier, VerifyError};

use crate::common::{EveryProvider, OnEveryProvider as _, verify_signature_on_each};

/// One key pair per algorithm, generated once (RSA generation is the slow part).
static KEYS: LazyLock<Vec<PrivateKey>> = LazyLock::new(|| {
    Algorithm::ALL
        .iter()
        .map(|&alg| PrivateKey::generate(alg).expect("key generation"))
        .collect()
});

fn install_provider() {
    // Already installed by another test of this binary is fine.
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
}

fn jwt_alg(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::Es384 => jsonwebtoken::Algorithm::ES384,
    }
}

/// `jsonwebtoken`'s signing key, from our PKCS#8 PEM.
fn encoding_key(key: &PrivateKey) -> EncodingKey {
    let pem = key.to_pkcs8_pem().unwrap();
    match key.algorithm() {
        Algorithm::Rs256 => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        Algorithm::Es256 | Algorithm::Es384 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
    }
}

/// `jsonwebtoken`'s verifying key, from our SPKI PEM.
fn decoding_key(key: &PrivateKey) -> DecodingKey {
    let pem = key.public_key().to_pem();
    match key.algorithm() {
        Algorithm::Rs256 => DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        Algorithm::Es256 | Algorithm::Es384 => DecodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
    }
}

/// Our verifier for `key` on every provider, with the public key re-read from its PEM, at
/// `now`.
fn our_verifier(key: &PrivateKey, now: NumericDate) -> EveryProvider {
    let public = PublicKey::from_pem(&key.public_key().to_pem()).unwrap();
    Verifier::builder(KeySet::new().with_key(public, None))
        .clock(FixedClock(now))
        .build()
        .on_every_provider()
}

/// The current time: `jsonwebtoken` checks `exp` against the system clock.
fn now() -> NumericDate {
    NumericDate::from_secs(SystemClock.now().as_secs()).unwrap()
}

/// Playback restriction claims using many members, including an unknown one.
fn claims(now: NumericDate, alg: Algorithm) -> PlaybackRestrictionClaims {
    PlaybackRestrictionClaims::builder("acct-1234", now)
        .content_id(format!("video-{alg}"))
        .video_ids(["video-a", "video-b"])
        .tags(["premium", "sports"])
        .user_agent("Mozilla/5.0 (interop)")
        .max_uses(3)
        .max_ips(2)
        .user("viewer-42")
        .concurrent_streams(2)
        .device_limit(4)
        .delivery_rules(["rule-1"])
        .claim("custom", json!({"nested": [1, 2, 3]}))
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap()
}

fn validation(alg: Algorithm) -> Validation {
    Validation::new(jwt_alg(alg))
}

#[test]
fn jsonwebtoken_tokens_verify_with_our_verifier() {
    install_provider();
    let now = now();
    for key in KEYS.iter() {
        let alg = key.algorithm();
        let claims = claims(now, alg);
        let token =
            jsonwebtoken::encode(&JwtHeader::new(jwt_alg(alg)), &claims, &encoding_key(key))
                .unwrap();

        let verified = our_verifier(key, now)
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap_or_else(|error| panic!("{alg}: {error:?}"));
        assert_eq!(verified.header.alg, alg);
        assert_eq!(verified.header.typ.as_deref(), Some("JWT"));
        assert_eq!(verified.header.kid, None);
        assert_eq!(verified.claims, claims, "{alg}");
        assert_eq!(verified.claims.accid, "acct-1234");
        assert_eq!(verified.claims.conid, Some(format!("video-{alg}")));
        assert_eq!(verified.claims.maxu.map(|n| n.get()), Some(3));
        assert_eq!(verified.claims.maxip.map(|n| n.get()), Some(2));
        assert_eq!(verified.claims.climit.map(|n| n.get()), Some(2));
        assert_eq!(verified.claims.iat, now);
        assert_eq!(
            verified.claims.exp,
            Some(now.saturating_add(Duration::from_secs(3600)))
        );
        assert_eq!(
            verified.claims.extra.get("custom"),
            Some(&json!({"nested": [1, 2, 3]}))
        );
    }
}

#[test]
fn jsonwebtoken_kid_selects_our_key_by_thumbprint() {
    install_provider();
    let now = now();
    for key in KEYS.iter() {
        let alg = key.algorithm();
        let mut header = JwtHeader::new(jwt_alg(alg));
        header.kid = Some(key.public_key().thumbprint());
        let token = jsonwebtoken::encode(&header, &claims(now, alg), &encoding_key(key)).unwrap();

        let verified = our_verifier(key, now)
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap();
        assert_eq!(verified.header.kid, Some(key.public_key().thumbprint()));
    }
}

#[test]
fn our_tokens_verify_with_jsonwebtoken() {
    install_provider();
    let now = now();
    for (&provider, key) in CryptoProvider::all()
        .iter()
        .flat_map(|p| KEYS.iter().map(move |k| (p, k)))
    {
        let alg = key.algorithm();
        let claims = claims(now, alg);
        let token = Signer::with_provider(key.clone(), provider)
            .with_kid("key-2026")
            .sign(&claims)
            .unwrap();

        let decoded = jsonwebtoken::decode::<PlaybackRestrictionClaims>(
            &token,
            &decoding_key(key),
            &validation(alg),
        )
        .unwrap_or_else(|error| panic!("{alg} minted on {provider}: {error:?}"));
        assert_eq!(decoded.header.alg, jwt_alg(alg));
        assert_eq!(decoded.header.typ.as_deref(), Some("JWT"));
        assert_eq!(decoded.header.kid.as_deref(), Some("key-2026"));
        assert_eq!(decoded.claims, claims, "{alg}");

        // The same values seen as plain JSON by jsonwebtoken.
        let raw =
            jsonwebtoken::decode::<Value>(&token, &decoding_key(key), &validation(alg)).unwrap();
        let raw = raw.claims;
        assert_eq!(raw["accid"], "acct-1234");
        assert_eq!(raw["conid"], format!("video-{alg}"));
        assert_eq!(raw["maxu"], 3);
        assert_eq!(raw["maxip"], 2);
        assert_eq!(raw["uid"], "viewer-42");
        assert_eq!(raw["climit"], 2);
        assert_eq!(raw["dlimit"], 4);
        assert_eq!(raw["vids"], json!(["video-a", "video-b"]));
        assert_eq!(raw["iat"], now.as_secs());
        assert_eq!(raw["exp"], now.as_secs() + 3600);
        assert_eq!(raw["custom"], json!({"nested": [1, 2, 3]}));

        // And our own verifier agrees with its own token.
        let ours = our_verifier(key, now)
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap();
        assert_eq!(ours.claims, decoded.claims);
    }
}

#[test]
fn jsonwebtoken_rejects_our_token_under_the_wrong_key_or_algorithm() {
    install_provider();
    let now = now();
    let [rsa, p256, p384] = [&KEYS[0], &KEYS[1], &KEYS[2]];
    let token = Signer::new(p256.clone())
        .sign(&claims(now, Algorithm::Es256))
        .unwrap();
    // Sanity check of the harness: a token is not accepted by just any key.
    assert!(
        jsonwebtoken::decode::<Value>(&token, &decoding_key(p384), &validation(Algorithm::Es256))
            .is_err()
    );
    assert!(
        jsonwebtoken::decode::<Value>(&token, &decoding_key(p256), &validation(Algorithm::Rs256))
            .is_err()
    );
    assert!(
        jsonwebtoken::decode::<Value>(&token, &decoding_key(rsa), &validation(Algorithm::Rs256))
            .is_err()
    );
}

#[test]
fn raw_signatures_agree() {
    install_provider();
    let signing_input = b"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NpZCI6ImFjY3QifQ";
    for key in KEYS.iter() {
        let alg = key.algorithm();
        let theirs =
            jsonwebtoken::crypto::sign(signing_input, &encoding_key(key), jwt_alg(alg)).unwrap();
        let theirs = URL_SAFE_NO_PAD.decode(theirs).unwrap();
        assert_eq!(
            verify_signature_on_each(alg, &key.public_key(), signing_input, &theirs),
            Ok(()),
            "{alg}"
        );

        for &provider in CryptoProvider::all() {
            let prepared = provider.prepare_private_key(key).unwrap();
            let ours = sign_bytes_with(&prepared, signing_input).unwrap();
            let ours_b64 = URL_SAFE_NO_PAD.encode(&ours);
            assert!(
                jsonwebtoken::crypto::verify(
                    &ours_b64,
                    signing_input,
                    &decoding_key(key),
                    jwt_alg(alg)
                )
                .unwrap(),
                "{alg} on {provider}"
            );
            if alg == Algorithm::Rs256 {
                assert_eq!(ours, theirs, "PKCS#1 v1.5 is deterministic ({provider})");
            }
        }
    }
}

#[test]
fn crit_header_is_rejected_by_jsonwebtoken_12_and_by_us() {
    install_provider();
    let now = now();
    for key in KEYS.iter() {
        let alg = key.algorithm();
        let header = json!({
            "alg": alg.as_str(),
            "typ": "JWT",
            "crit": ["urn:example:must-understand"],
            "urn:example:must-understand": true,
        });
        let payload = serde_json::to_vec(&claims(now, alg)).unwrap();
        let token = sign_compact(key, header.to_string().as_bytes(), &payload).unwrap();

        // Version 11 accepted this token; 12 refuses extensions it does not understand too.
        let theirs = jsonwebtoken::decode::<PlaybackRestrictionClaims>(
            &token,
            &decoding_key(key),
            &validation(alg),
        );
        assert!(theirs.is_err(), "{alg}: jsonwebtoken accepts crit again");

        let error = our_verifier(key, now)
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap_err();
        assert_eq!(error, VerifyError::CriticalHeader, "{alg}");
    }
}

#[test]
fn duplicate_claims_are_accepted_by_jsonwebtoken_and_rejected_by_us() {
    install_provider();
    let now = now();
    let (iat, exp) = (now.as_secs(), now.as_secs() + 3600);
    for key in KEYS.iter() {
        let alg = key.algorithm();
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
        let payload =
            format!(r#"{{"accid":"acct-victim","iat":{iat},"exp":{exp},"accid":"acct-attacker"}}"#);
        let token = sign_compact(key, header.as_bytes(), payload.as_bytes()).unwrap();

        let theirs = jsonwebtoken::decode::<Value>(&token, &decoding_key(key), &validation(alg))
            .unwrap_or_else(|error| {
                panic!("{alg}: jsonwebtoken now rejects duplicates: {error:?}")
            });
        assert_eq!(
            theirs.claims["accid"], "acct-attacker",
            "jsonwebtoken keeps the last"
        );

        let error = our_verifier(key, now)
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap_err();
        assert_eq!(
            error,
            VerifyError::DuplicateMember {
                segment: Segment::Payload,
                name: "accid".to_owned()
            },
            "{alg}"
        );
    }
}
