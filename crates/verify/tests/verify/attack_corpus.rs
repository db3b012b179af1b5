//! The malformed and attack corpus: one case per line of SPEC §1.1, each asserting the exact
//! rejection.
#![allow(clippy::panic)] // the `violation` helper fails the calling test

use crate::common::*;
use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims, Violation};
use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
use playback_auth_sign::{Signer, sign_bytes, sign_compact};
use playback_auth_verify::{FixedClock, Segment, Verifier, VerifyError};

use Algorithm::{Es256, Es384, Rs256};

fn verify(verifier: &impl OnEveryProvider, token: &str) -> Result<(), VerifyError> {
    verifier
        .on_every_provider()
        .verify::<PlaybackClaims>(token)
        .map(|_| ())
}

fn violation(token: &str) -> Violation {
    match verify(&verifier(&[Es256]), token) {
        Err(VerifyError::Claims(violations)) => {
            assert_eq!(violations.len(), 1, "{violations}");
            violations.into_vec().remove(0)
        }
        other => panic!("expected a claims rejection, got {other:?}"),
    }
}

#[test]
fn a_valid_token_passes_for_every_algorithm() {
    for alg in Algorithm::ALL {
        let token = signed(alg, &header(alg), &payload(""));
        assert_eq!(verify(&verifier(&Algorithm::ALL), &token), Ok(()), "{alg}");
    }
}

#[test]
fn alg_none_in_any_case_is_rejected() {
    for none in ["none", "None", "NONE", "nOnE"] {
        let token = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"{none}"}}"#).as_bytes()),
            b64(payload("").as_bytes())
        );
        assert_eq!(
            verify(&verifier(&Algorithm::ALL), &token),
            Err(VerifyError::AlgorithmNone),
            "{none}"
        );
        let with_sig = format!("{token}{}", b64(b"sig"));
        assert_eq!(
            verify(&verifier(&Algorithm::ALL), &with_sig),
            Err(VerifyError::AlgorithmNone)
        );
    }
}

#[test]
fn hs256_keyed_with_the_public_key_bytes_is_rejected() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
    for alg in [Rs256, Es256] {
        let public_pem = key(alg).public_key().to_pem();
        let claims: serde_json::Value = serde_json::from_str(&payload("")).unwrap();
        let token = encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(public_pem.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verify(&verifier(&Algorithm::ALL), &token),
            Err(VerifyError::UnsupportedAlgorithm {
                alg: "HS256".into()
            })
        );
    }
}

#[test]
fn other_algorithms_are_rejected() {
    for alg in [
        "PS256", "ES512", "EdDSA", "HS384", "RS512", "ES256K", "rs256", "", "RS256 ",
    ] {
        let token = signed(
            Es256,
            &format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
            &payload(""),
        );
        assert_eq!(
            verify(&verifier(&Algorithm::ALL), &token),
            Err(VerifyError::UnsupportedAlgorithm { alg: alg.into() }),
            "{alg:?}"
        );
    }
    let token = signed(Es256, r#"{"typ":"JWT"}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::MissingAlgorithm)
    );
    let token = signed(Es256, r#"{"alg":256}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::InvalidHeaderMember {
            name: "alg",
            expected: "a string"
        })
    );
}

#[test]
fn alg_must_match_the_keys_type_and_curve() {
    // Header says ES384 but the P-256 key signed it; only a P-256 key is trusted.
    let token = sign_compact(key(Es256), header(Es384).as_bytes(), payload("").as_bytes()).unwrap();
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::NoKeyForAlgorithm { alg: Es384 })
    );
    // Header says RS256 over an ECDSA signature; only EC keys are trusted.
    let token = sign_compact(key(Es256), header(Rs256).as_bytes(), payload("").as_bytes()).unwrap();
    assert_eq!(
        verify(&verifier(&[Es256, Es384]), &token),
        Err(VerifyError::NoKeyForAlgorithm { alg: Rs256 })
    );
    // Header says ES256 over an RSA signature with an RSA and a P-256 key trusted: the RSA key
    // is never tried for ES256, and the P-256 key refuses a 256-byte signature.
    let token = sign_compact(key(Rs256), header(Es256).as_bytes(), payload("").as_bytes()).unwrap();
    assert_eq!(
        verify(&verifier(&[Rs256, Es256]), &token),
        Err(VerifyError::InvalidSignatureLength {
            alg: Es256,
            expected: 64,
            found: 256
        })
    );
}

#[test]
fn the_verifier_algorithm_subset_is_enforced() {
    let verifier = Verifier::builder(KeySet::new().with_key(key(Es256).public_key(), None))
        .algorithms([Es384])
        .clock(FixedClock(now()))
        .build();
    let token = signed(Es256, &header(Es256), &payload(""));
    assert_eq!(
        verify(&verifier, &token),
        Err(VerifyError::AlgorithmNotAllowed { alg: Es256 })
    );
}

#[test]
fn der_encoded_ecdsa_signatures_are_rejected() {
    use p256::ecdsa::signature::Signer as _;
    let signing_input = format!(
        "{}.{}",
        b64(header(Es256).as_bytes()),
        b64(payload("").as_bytes())
    );
    let PrivateKey::Es256(private) = key(Es256) else {
        unreachable!()
    };
    let signature: p256::ecdsa::Signature = private.inner().sign(signing_input.as_bytes());
    let der = signature.to_der();
    let token = format!("{signing_input}.{}", b64(der.as_bytes()));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::InvalidSignatureLength {
            alg: Es256,
            expected: 64,
            found: der.as_bytes().len()
        })
    );
}

#[test]
fn ecdsa_r_or_s_zero_or_at_least_n_is_rejected() {
    // n for P-256 and P-384 (big-endian), from their SEC 2 domain parameters.
    const N256: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    const N384: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";
    for (alg, n_hex, size) in [(Es256, N256, 32), (Es384, N384, 48)] {
        let signing_input = format!(
            "{}.{}",
            b64(header(alg).as_bytes()),
            b64(payload("").as_bytes())
        );
        let valid = sign_bytes(key(alg), signing_input.as_bytes()).unwrap();
        let n: Vec<u8> = (0..n_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&n_hex[i..i + 2], 16).unwrap())
            .collect();
        let (r, s) = valid.split_at(size);
        let zero = vec![0u8; size];
        for (name, sig) in [
            ("r = 0", [zero.as_slice(), s].concat()),
            ("s = 0", [r, zero.as_slice()].concat()),
            ("r = n", [n.as_slice(), s].concat()),
            ("s = n", [r, n.as_slice()].concat()),
            ("r = s = 0", vec![0u8; 2 * size]),
        ] {
            let token = format!("{signing_input}.{}", b64(&sig));
            assert_eq!(
                verify(&verifier(&[alg]), &token),
                Err(VerifyError::InvalidSignature),
                "{alg} {name}"
            );
        }
        let token = format!("{signing_input}.{}", b64(&valid));
        assert_eq!(
            verify(&verifier(&[alg]), &token),
            Ok(()),
            "the unmodified signature is valid"
        );
    }
}

#[test]
fn segments_must_be_strict_base64url() {
    let token = signed(Es256, &header(Es256), &payload(""));
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        (
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            Segment::Header,
        ),
        (
            format!("{}.{}==.{}", parts[0], parts[1], parts[2]),
            Segment::Payload,
        ),
        (
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            Segment::Signature,
        ),
        (
            format!(" {}.{}.{}", parts[0], parts[1], parts[2]),
            Segment::Header,
        ),
        (
            format!("{}.{}\n.{}", parts[0], parts[1], parts[2]),
            Segment::Payload,
        ),
        (
            format!("{}.{}.{} ", parts[0], parts[1], parts[2]),
            Segment::Signature,
        ),
        (
            format!("{}.{}.{}", parts[0].replace('e', "+"), parts[1], parts[2]),
            Segment::Header,
        ),
        (
            format!(
                "{}.{}.{}",
                parts[0],
                parts[1],
                parts[2].replacen(|c: char| c.is_ascii_alphanumeric(), "/", 1)
            ),
            Segment::Signature,
        ),
    ];
    for (token, segment) in cases {
        assert_eq!(
            verify(&verifier(&[Es256]), &token),
            Err(VerifyError::InvalidBase64 { segment }),
            "{token:?}"
        );
    }
}

#[test]
fn exactly_three_segments() {
    let token = signed(Es256, &header(Es256), &payload(""));
    for (bad, found) in [
        (token.rsplit_once('.').unwrap().0.to_owned(), 2),
        (format!("{token}.extra"), 4),
        (format!("{token}."), 4),
        (String::new(), 1),
        ("a.b.c.d.e".to_owned(), 5),
    ] {
        assert_eq!(
            verify(&verifier(&[Es256]), &bad),
            Err(VerifyError::WrongSegmentCount { found })
        );
    }
}

#[test]
fn duplicate_claims_are_rejected_in_both_orders() {
    for text in [
        format!(
            r#"{{"accid":"a","iat":{NOW},"exp":{},"exp":{}}}"#,
            NOW + 60,
            NOW + 99_999_999
        ),
        format!(
            r#"{{"accid":"a","iat":{NOW},"exp":{},"exp":{}}}"#,
            NOW + 99_999_999,
            NOW + 60
        ),
        format!(
            r#"{{"accid":"a","accid":"b","iat":{NOW},"exp":{}}}"#,
            NOW + 60
        ),
    ] {
        let token = signed(Es256, &header(Es256), &text);
        assert!(
            matches!(
                verify(&verifier(&[Es256]), &token),
                Err(VerifyError::DuplicateMember {
                    segment: Segment::Payload,
                    ..
                })
            ),
            "{text}"
        );
    }
    let token = signed(Es256, r#"{"alg":"ES256","alg":"ES256"}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::DuplicateMember {
            segment: Segment::Header,
            name: "alg".into()
        })
    );
}

#[test]
fn crit_is_rejected() {
    let token = signed(
        Es256,
        r#"{"alg":"ES256","crit":["exp"],"exp":1}"#,
        &payload(""),
    );
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::CriticalHeader)
    );
    let token = signed(Es256, r#"{"alg":"ES256","crit":[]}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::CriticalHeader)
    );
}

#[test]
fn unencoded_payloads_are_rejected() {
    let token = signed(Es256, r#"{"alg":"ES256","b64":false}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::UnencodedPayload)
    );
    let token = signed(Es256, r#"{"alg":"ES256","b64":"false"}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::InvalidHeaderMember {
            name: "b64",
            expected: "a boolean"
        })
    );
}

#[test]
fn header_typ_and_unknown_members() {
    // The vendor sample's "type" member and other unknown members are tolerated.
    let token = signed(
        Es256,
        r#"{"alg":"ES256","type":"JWT","x-trace":[1]}"#,
        &payload(""),
    );
    assert_eq!(verify(&verifier(&[Es256]), &token), Ok(()));
    let token = signed(Es256, r#"{"alg":"ES256","typ":"jwt"}"#, &payload(""));
    assert_eq!(verify(&verifier(&[Es256]), &token), Ok(()));
    let token = signed(Es256, r#"{"alg":"ES256","typ":"JOSE+JSON"}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::UnexpectedType {
            typ: "JOSE+JSON".into()
        })
    );
    let token = signed(Es256, r#"{"alg":"ES256","kid":7}"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::InvalidHeaderMember {
            name: "kid",
            expected: "a string"
        })
    );
}

#[test]
fn time_claims_must_be_numbers() {
    let exp = NOW + 60;
    for (text, claim) in [
        (
            format!(r#"{{"accid":"a","iat":{NOW},"exp":"{exp}"}}"#),
            "exp",
        ),
        (format!(r#"{{"accid":"a","iat":{NOW},"exp":null}}"#), "exp"),
        (format!(r#"{{"accid":"a","iat":"NaN","exp":{exp}}}"#), "iat"),
        (
            format!(r#"{{"accid":"a","iat":{NOW},"nbf":true,"exp":{exp}}}"#),
            "nbf",
        ),
    ] {
        assert_eq!(
            violation(&signed(Es256, &header(Es256), &text)),
            Violation::WrongType {
                claim,
                expected: "a number"
            },
            "{text}"
        );
    }
    let out_of_range = format!(r#"{{"accid":"a","iat":{NOW},"exp":1e20}}"#);
    assert_eq!(
        violation(&signed(Es256, &header(Es256), &out_of_range)),
        Violation::DateOutOfRange { claim: "exp" }
    );
    // 1e400 is not a finite JSON number at all.
    let infinite = format!(r#"{{"accid":"a","iat":{NOW},"exp":1e400}}"#);
    assert_eq!(
        verify(
            &verifier(&[Es256]),
            &signed(Es256, &header(Es256), &infinite)
        ),
        Err(VerifyError::InvalidJson {
            segment: Segment::Payload
        })
    );
    let fractional = format!(r#"{{"accid":"a","iat":{NOW},"exp":{exp}.5}}"#);
    assert_eq!(
        verify(
            &verifier(&[Es256]),
            &signed(Es256, &header(Es256), &fractional)
        ),
        Ok(())
    );
}

#[test]
fn exp_is_required_by_default() {
    let text = format!(r#"{{"accid":"a","iat":{NOW}}}"#);
    let token = signed(Es256, &header(Es256), &text);
    assert_eq!(violation(&token), Violation::MissingClaim { claim: "exp" });
    let lenient = Verifier::builder(KeySet::new().with_key(key(Es256).public_key(), None))
        .require_exp(false)
        .clock(FixedClock(now()))
        .build();
    assert_eq!(verify(&lenient, &token), Ok(()));
}

#[test]
fn expired_not_yet_valid_and_issued_in_the_future() {
    let at = |secs: i64| NumericDate::from_secs(secs).unwrap();
    let expired = format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW - 100, NOW - 30);
    assert_eq!(
        violation(&signed(Es256, &header(Es256), &expired)),
        Violation::Expired {
            exp: at(NOW - 30),
            now: at(NOW),
            leeway: 30
        }
    );
    let within_leeway = format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW - 100, NOW - 29);
    assert_eq!(
        verify(
            &verifier(&[Es256]),
            &signed(Es256, &header(Es256), &within_leeway)
        ),
        Ok(())
    );
    let nbf = format!(
        r#"{{"accid":"a","iat":{NOW},"nbf":{},"exp":{}}}"#,
        NOW + 31,
        NOW + 600
    );
    assert_eq!(
        violation(&signed(Es256, &header(Es256), &nbf)),
        Violation::NotYetValid {
            nbf: at(NOW + 31),
            now: at(NOW),
            leeway: 30
        }
    );
    let iat = format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW + 31, NOW + 600);
    assert_eq!(
        violation(&signed(Es256, &header(Es256), &iat)),
        Violation::IssuedInFuture {
            iat: at(NOW + 31),
            now: at(NOW),
            leeway: 30
        }
    );
}

#[test]
fn lifetime_over_30_days_is_rejected() {
    let text = format!(
        r#"{{"accid":"a","iat":{},"exp":{}}}"#,
        NOW - 10,
        NOW - 10 + 2_592_001
    );
    assert_eq!(
        violation(&signed(Es256, &header(Es256), &text)),
        Violation::ExpiryTooFar {
            iat: NumericDate::from_secs(NOW - 10).unwrap(),
            exp: NumericDate::from_secs(NOW - 10 + 2_592_001).unwrap(),
            max: 2_592_000
        }
    );
}

#[test]
fn oversized_tokens_are_rejected_before_decoding() {
    let big = "x".repeat(8 * 1024 - 60);
    let token = signed(
        Es256,
        &header(Es256),
        &payload(&format!(r#""pad":"{big}""#)),
    );
    assert!(token.len() > 8 * 1024);
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::TokenTooLong {
            len: token.len(),
            max: 8192
        })
    );
    // Garbage of the same size is refused the same way, without being looked at.
    let garbage = "!".repeat(token.len());
    assert_eq!(
        verify(&verifier(&[Es256]), &garbage),
        Err(VerifyError::TokenTooLong {
            len: garbage.len(),
            max: 8192
        })
    );
}

#[test]
fn deeply_nested_json_does_not_overflow_the_stack() {
    let generous = Verifier::builder(KeySet::new().with_key(key(Es256).public_key(), None))
        .max_token_len(4 << 20)
        .clock(FixedClock(now()))
        .build();
    let nested = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let token = signed(
        Es256,
        &header(Es256),
        &payload(&format!(r#""deep":{nested}"#)),
    );
    assert_eq!(
        verify(&generous, &token),
        Err(VerifyError::NestingTooDeep {
            segment: Segment::Payload,
            max: 32
        })
    );
    let token = signed(
        Es256,
        &format!(r#"{{"alg":"ES256","x":{nested}}}"#),
        &payload(""),
    );
    assert_eq!(
        verify(&generous, &token),
        Err(VerifyError::NestingTooDeep {
            segment: Segment::Header,
            max: 32
        })
    );
    // With the default limit the same token never reaches the parser.
    assert!(matches!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::TokenTooLong { .. })
    ));
}

#[test]
fn embedded_keys_never_select_or_supply_a_key() {
    let attacker = PrivateKey::generate(Es256).unwrap();
    let jwk = attacker.public_key().to_jwk().to_json();
    for member in ["jwk", "jku", "x5u", "x5c"] {
        let value = match member {
            "jwk" => jwk.clone(),
            "x5c" => r#"["MIIB"]"#.to_owned(),
            _ => r#""https://attacker.example/keys""#.to_owned(),
        };
        let header = format!(r#"{{"alg":"ES256","typ":"JWT","{member}":{value}}}"#);
        let token = sign_compact(&attacker, header.as_bytes(), payload("").as_bytes()).unwrap();
        assert_eq!(
            verify(&verifier(&[Es256]), &token),
            Err(VerifyError::InvalidSignature),
            "{member}"
        );
        let empty = Verifier::builder(KeySet::new())
            .clock(FixedClock(now()))
            .build();
        assert_eq!(
            verify(&empty, &token),
            Err(VerifyError::NoKeyForAlgorithm { alg: Es256 }),
            "{member}"
        );
    }
}

#[test]
fn keys_are_chosen_by_kid_when_the_set_has_ids() {
    let other = PrivateKey::generate(Es256).unwrap();
    let keys = KeySet::new()
        .with_key(key(Es256).public_key(), Some("current".into()))
        .with_key(other.public_key(), Some("next".into()));
    let verifier = Verifier::builder(keys).clock(FixedClock(now())).build();
    let claims: PlaybackRestrictionClaims = serde_json::from_str(&payload("")).unwrap();
    for (signer, kid) in [(key(Es256).clone(), "current"), (other.clone(), "next")] {
        let token = Signer::new(signer).with_kid(kid).sign(&claims).unwrap();
        assert_eq!(verify(&verifier, &token), Ok(()), "{kid}");
    }
    let token = Signer::new(other.clone())
        .with_kid("current")
        .sign(&claims)
        .unwrap();
    assert_eq!(
        verify(&verifier, &token),
        Err(VerifyError::InvalidSignature),
        "kid picks the key"
    );
    let token = Signer::new(other)
        .with_kid("retired")
        .sign(&claims)
        .unwrap();
    assert_eq!(
        verify(&verifier, &token),
        Err(VerifyError::UnknownKeyId {
            kid: "retired".into()
        })
    );
}

#[test]
fn private_channel_tokens_must_be_es384() {
    let text = format!(
        r#"{{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/abc","exp":{}}}"#,
        NOW + 60
    );
    assert_eq!(
        verify(&verifier(&[Es256]), &signed(Es256, &header(Es256), &text)),
        Err(VerifyError::ChannelTokenNotEs384 { alg: Es256 })
    );
    assert_eq!(
        verify(&verifier(&[Es384]), &signed(Es384, &header(Es384), &text)),
        Ok(())
    );
}

#[test]
fn header_and_payload_must_be_utf8_json_objects() {
    let bad_utf8 = format!(
        "{}.{}.{}",
        b64(b"{\"alg\":\"\xff\"}"),
        b64(payload("").as_bytes()),
        b64(&[0; 64])
    );
    assert_eq!(
        verify(&verifier(&[Es256]), &bad_utf8),
        Err(VerifyError::InvalidUtf8 {
            segment: Segment::Header
        })
    );
    let token = signed(Es256, r#"["ES256"]"#, &payload(""));
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::NotAnObject {
            segment: Segment::Header
        })
    );
    let token = signed(Es256, &header(Es256), "[1,2]");
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::NotAnObject {
            segment: Segment::Payload
        })
    );
    let token = signed(Es256, &header(Es256), "{\"accid\":");
    assert_eq!(
        verify(&verifier(&[Es256]), &token),
        Err(VerifyError::InvalidJson {
            segment: Segment::Payload
        })
    );
}

#[test]
fn claim_set_rules_run_after_verification() {
    let token = signed(Es256, &header(Es256), &payload(r#""climit":2"#));
    assert_eq!(
        violation(&token),
        Violation::ClaimRequires {
            claim: "climit",
            requires: "uid"
        }
    );
}

#[test]
fn every_rejection_has_its_own_code() {
    use std::collections::HashSet;
    let errors = [
        VerifyError::TokenTooLong { len: 1, max: 0 },
        VerifyError::WrongSegmentCount { found: 1 },
        VerifyError::InvalidBase64 {
            segment: Segment::Header,
        },
        VerifyError::InvalidUtf8 {
            segment: Segment::Header,
        },
        VerifyError::InvalidJson {
            segment: Segment::Header,
        },
        VerifyError::NestingTooDeep {
            segment: Segment::Header,
            max: 1,
        },
        VerifyError::NotAnObject {
            segment: Segment::Header,
        },
        VerifyError::DuplicateMember {
            segment: Segment::Header,
            name: "a".into(),
        },
        VerifyError::MissingAlgorithm,
        VerifyError::AlgorithmNone,
        VerifyError::UnsupportedAlgorithm { alg: "x".into() },
        VerifyError::AlgorithmNotAllowed { alg: Es256 },
        VerifyError::CriticalHeader,
        VerifyError::UnencodedPayload,
        VerifyError::InvalidHeaderMember {
            name: "kid",
            expected: "a string",
        },
        VerifyError::UnexpectedType { typ: "x".into() },
        VerifyError::UnknownKeyId { kid: "x".into() },
        VerifyError::NoKeyForAlgorithm { alg: Es256 },
        VerifyError::ChannelTokenNotEs384 { alg: Es256 },
        VerifyError::InvalidSignatureLength {
            alg: Es256,
            expected: 64,
            found: 1,
        },
        VerifyError::InvalidSignature,
    ];
    let codes: HashSet<&str> = errors.iter().map(VerifyError::code).collect();
    assert_eq!(codes.len(), errors.len());
}
