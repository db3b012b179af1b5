//! Known answers from RFC 7515 (JSON Web Signature), Appendix A.2 (RS256) and A.3 (ES256).
//!
//! The published example tokens must verify with the published public keys (imported from
//! their JWK members through `playback_auth_keys`), both through the [`Verifier`] and through
//! the low-level [`verify_signature`]. Their payload
//! `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}` is not a
//! playback claim set, so it is decoded with `verify_deserialize::<serde_json::Value>` at a
//! fixed time before its `exp` (2011-03-22T18:43:00Z). One flipped signature byte, a changed
//! payload and a time past `exp` + leeway must each be rejected for their own typed reason.

// Helpers outside `#[test]` functions build keys from constants that are known to be valid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, Jwk, Jwks, KeySet, PublicKey};
use playback_auth_verify::{FixedClock, Verifier, VerifyError};

use crate::common::{EveryProvider, OnEveryProvider as _, verify_signature_on_each};

/// RFC 7515 A.2.1: the RSA public key's modulus `n` (2048 bits), base64url.
const A2_N: &str = concat!(
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-",
    "SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-",
    "UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2e",
    "thFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
);
/// RFC 7515 A.2.1: the RSA public exponent `e` (65537).
const A2_E: &str = "AQAB";

/// RFC 7515 A.3.1: the P-256 public key's coordinates.
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

/// The payload segment shared by A.2 and A.3 (the JWT of RFC 7519 §3.1, with CRLF line breaks).
const PAYLOAD_B64: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

/// RFC 7515 A.2.1: the complete JWS Compact Serialization (header `{"alg":"RS256"}`).
const A2_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw",
);

/// RFC 7515 A.3.1: the complete JWS Compact Serialization (header `{"alg":"ES256"}`).
const A3_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA",
    "pmWQxfKTUJqPP3-Kg6NU1Q",
);

/// The examples' `exp`.
const EXP: i64 = 1_300_819_380;
/// A time 380 s before `exp`, when both examples are valid.
const BEFORE_EXP: i64 = 1_300_819_000;

fn rsa_jwk() -> Jwk {
    Jwk {
        kty: Some("RSA".into()),
        n: Some(A2_N.into()),
        e: Some(A2_E.into()),
        ..Jwk::default()
    }
}

fn ec_jwk() -> Jwk {
    Jwk {
        kty: Some("EC".into()),
        crv: Some("P-256".into()),
        x: Some(A3_X.into()),
        y: Some(A3_Y.into()),
        ..Jwk::default()
    }
}

fn rsa_key() -> PublicKey {
    PublicKey::from_jwk(&rsa_jwk()).expect("the RFC 7515 A.2 key imports")
}

fn ec_key() -> PublicKey {
    PublicKey::from_jwk(&ec_jwk()).expect("the RFC 7515 A.3 key imports")
}

fn verifier_at(key: PublicKey, now: i64) -> EveryProvider {
    Verifier::builder(KeySet::new().with_key(key, None))
        .clock(FixedClock(NumericDate::from_secs(now).unwrap()))
        .build()
        .on_every_provider()
}

/// `(signing input, decoded signature)` of a compact token.
fn split_signature(token: &str) -> (&str, Vec<u8>) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    (signing_input, URL_SAFE_NO_PAD.decode(signature).unwrap())
}

/// The token with byte `index` of its decoded signature XOR-ed with `0x01`.
fn flip_signature_byte(token: &str, index: usize) -> String {
    let (signing_input, mut signature) = split_signature(token);
    *signature.get_mut(index).unwrap() ^= 0x01;
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn assert_rfc_payload(payload: &Value) {
    assert_eq!(payload["iss"], "joe");
    assert_eq!(payload["exp"], EXP);
    assert_eq!(payload["http://example.com/is_root"], true);
    assert_eq!(
        payload.as_object().map(|object| object.len()),
        Some(3),
        "{payload}"
    );
}

#[test]
fn the_published_keys_import_from_their_jwk_members() {
    let rsa = rsa_key();
    assert_eq!(rsa.algorithm(), Algorithm::Rs256);
    let rsa = rsa.as_rs256().unwrap();
    assert_eq!(rsa.modulus_bits(), 2048);
    assert_eq!(rsa.signature_len(), 256);
    assert_eq!(rsa.exponent(), vec![0x01, 0x00, 0x01]);

    let ec = ec_key();
    assert_eq!(ec.algorithm(), Algorithm::Es256);
    let (x, y) = ec.as_es256().unwrap().coordinates();
    assert_eq!(URL_SAFE_NO_PAD.encode(x), A3_X);
    assert_eq!(URL_SAFE_NO_PAD.encode(y), A3_Y);
}

#[test]
fn a2_rs256_example_verifies() {
    let verified = verifier_at(rsa_key(), BEFORE_EXP)
        .verify_deserialize::<Value>(A2_TOKEN)
        .expect("RFC 7515 A.2 verifies");
    assert_eq!(verified.header.alg, Algorithm::Rs256);
    assert_eq!(verified.header.kid, None);
    assert_eq!(verified.header.typ, None);
    assert_rfc_payload(&verified.claims);
}

#[test]
fn a3_es256_example_verifies() {
    let verified = verifier_at(ec_key(), BEFORE_EXP)
        .verify_deserialize::<Value>(A3_TOKEN)
        .expect("RFC 7515 A.3 verifies");
    assert_eq!(verified.header.alg, Algorithm::Es256);
    assert_eq!(verified.header.kid, None);
    assert_eq!(verified.header.typ, None);
    assert_rfc_payload(&verified.claims);
}

#[test]
fn both_examples_verify_against_one_jwks_holding_both_keys() {
    let jwks = Jwks {
        keys: vec![rsa_jwk(), ec_jwk()],
    };
    let verifier = Verifier::builder(KeySet::from_jwks(&jwks).unwrap())
        .clock(FixedClock(NumericDate::from_secs(BEFORE_EXP).unwrap()))
        .build()
        .on_every_provider();
    for token in [A2_TOKEN, A3_TOKEN] {
        let verified = verifier.verify_deserialize::<Value>(token).unwrap();
        assert_rfc_payload(&verified.claims);
    }
}

#[test]
fn both_examples_verify_through_verify_signature_on_each() {
    for (alg, key, token) in [
        (Algorithm::Rs256, rsa_key(), A2_TOKEN),
        (Algorithm::Es256, ec_key(), A3_TOKEN),
    ] {
        let (signing_input, signature) = split_signature(token);
        assert!(signing_input.ends_with(PAYLOAD_B64));
        assert_eq!(
            verify_signature_on_each(alg, &key, signing_input.as_bytes(), &signature),
            Ok(()),
            "{alg}"
        );
    }
}

#[test]
fn low_level_check_refuses_the_other_algorithm_and_lengths() {
    let (rsa_input, rsa_signature) = split_signature(A2_TOKEN);
    let (ec_input, ec_signature) = split_signature(A3_TOKEN);
    assert_eq!(rsa_signature.len(), 256);
    assert_eq!(ec_signature.len(), 64);

    // The key's type fixes the algorithm: an RSA key never checks ES256 and vice versa.
    assert_eq!(
        verify_signature_on_each(
            Algorithm::Es256,
            &rsa_key(),
            ec_input.as_bytes(),
            &ec_signature
        ),
        Err(VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es256
        })
    );
    assert_eq!(
        verify_signature_on_each(
            Algorithm::Rs256,
            &ec_key(),
            rsa_input.as_bytes(),
            &rsa_signature
        ),
        Err(VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Rs256
        })
    );
    // A P-256 key is not a P-384 key.
    assert!(matches!(
        verify_signature_on_each(Algorithm::Es384, &ec_key(), ec_input.as_bytes(), &[0; 96]),
        Err(VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es384
        })
    ));

    // Truncated or extended signatures are refused by length before any arithmetic.
    let short = rsa_signature.get(1..).unwrap();
    assert_eq!(
        verify_signature_on_each(Algorithm::Rs256, &rsa_key(), rsa_input.as_bytes(), short),
        Err(VerifyError::InvalidSignatureLength {
            alg: Algorithm::Rs256,
            expected: 256,
            found: 255
        })
    );
    let mut long = ec_signature.clone();
    long.push(0);
    assert_eq!(
        verify_signature_on_each(Algorithm::Es256, &ec_key(), ec_input.as_bytes(), &long),
        Err(VerifyError::InvalidSignatureLength {
            alg: Algorithm::Es256,
            expected: 64,
            found: 65
        })
    );
}

#[test]
fn one_flipped_signature_byte_is_an_invalid_signature() {
    for (alg, key, token) in [
        (Algorithm::Rs256, rsa_key(), A2_TOKEN),
        (Algorithm::Es256, ec_key(), A3_TOKEN),
    ] {
        let verifier = verifier_at(key.clone(), BEFORE_EXP);
        let len = split_signature(token).1.len();
        // First byte, the first byte of `s` for ECDSA (or the middle for RSA), last byte.
        for index in [0, len / 2, len - 1] {
            let tampered = flip_signature_byte(token, index);
            assert_eq!(
                verifier.verify_deserialize::<Value>(&tampered).unwrap_err(),
                VerifyError::InvalidSignature,
                "{alg}, byte {index}"
            );
            let (signing_input, signature) = split_signature(&tampered);
            assert_eq!(
                verify_signature_on_each(alg, &key, signing_input.as_bytes(), &signature),
                Err(VerifyError::InvalidSignature),
                "{alg}, byte {index}, low level"
            );
        }
    }
}

#[test]
fn a_changed_payload_is_an_invalid_signature() {
    // Same structure, `"iss":"joe"` → `"iss":"eve"`, original signature kept.
    let forged_payload = URL_SAFE_NO_PAD.encode(
        b"{\"iss\":\"eve\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}",
    );
    for (key, token) in [(rsa_key(), A2_TOKEN), (ec_key(), A3_TOKEN)] {
        let forged = token.replacen(PAYLOAD_B64, &forged_payload, 1);
        assert_ne!(forged, token);
        let error = verifier_at(key, BEFORE_EXP)
            .verify_deserialize::<Value>(&forged)
            .unwrap_err();
        assert_eq!(error, VerifyError::InvalidSignature);
    }
}

#[test]
fn a_key_of_the_other_type_finds_no_candidate() {
    let error = verifier_at(ec_key(), BEFORE_EXP)
        .verify_deserialize::<Value>(A2_TOKEN)
        .unwrap_err();
    assert_eq!(
        error,
        VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Rs256
        }
    );
    let error = verifier_at(rsa_key(), BEFORE_EXP)
        .verify_deserialize::<Value>(A3_TOKEN)
        .unwrap_err();
    assert_eq!(
        error,
        VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es256
        }
    );
}

#[test]
fn a3_is_expired_at_exp_plus_leeway() {
    // Default leeway is 30 s: still valid one second before `exp + 30`, expired at it.
    let verified = verifier_at(ec_key(), EXP + 29).verify_deserialize::<Value>(A3_TOKEN);
    assert!(verified.is_ok(), "{verified:?}");

    let error = verifier_at(ec_key(), EXP + 30)
        .verify_deserialize::<Value>(A3_TOKEN)
        .unwrap_err();
    assert_eq!(error.code(), "token_expired", "{error}");
    assert!(error.violations().is_some());
}

#[test]
fn a2_is_expired_today() {
    let error = Verifier::builder(KeySet::new().with_key(rsa_key(), None))
        .build()
        .verify_deserialize::<Value>(A2_TOKEN)
        .unwrap_err();
    assert_eq!(error.code(), "token_expired", "{error}");
}

#[test]
fn the_payload_is_not_a_playback_claim_set() {
    // Signature and time rules pass, but the typed verifier requires `accid` (and `iat`).
    let error = verifier_at(rsa_key(), BEFORE_EXP)
        .verify::<playback_auth_claims::PlaybackRestrictionClaims>(A2_TOKEN)
        .unwrap_err();
    assert!(matches!(error, VerifyError::Claims(_)), "{error:?}");
    // The payload itself is intact when decoded generically.
    let verified = verifier_at(rsa_key(), BEFORE_EXP)
        .verify_deserialize::<Value>(A2_TOKEN)
        .unwrap();
    assert_eq!(
        verified.claims,
        json!({"iss": "joe", "exp": EXP, "http://example.com/is_root": true})
    );
}
