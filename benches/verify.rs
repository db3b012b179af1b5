//! Verifying one realistic restriction token (~600–850 bytes) per algorithm: ours against
//! jsonwebtoken, jwt-simple and the bare signature check (the floor), on the same key and the
//! same token bytes in the same run.
//!
//! - `ours`: `Verifier::verify::<PlaybackRestrictionClaims>` — every rule: length, strict
//!   base64url and JSON (duplicates, depth), header rules, signature, time rules, typed
//!   claims and their cross-claim rules.
//! - `jsonwebtoken`: `decode::<PeerClaims>` with `Validation::new(alg)` (exp required, 60 s
//!   leeway), RustCrypto provider.
//! - `jwt-simple`: `verify_token::<SimpleCustomClaims>`, pure-Rust build, 1 h tolerance.
//! - `raw`: the signature primitive alone on the pre-decoded signing input and signature
//!   with a pre-parsed key (rsa 0.10 PKCS#1 v1.5 / p256 / p384 0.14) — what no verifier can
//!   beat without a faster backend.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};

use common::{Fixture, PeerClaims, SimpleCustomClaims};
use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::Algorithm;

type Check = Box<dyn Fn(&str) -> bool>;
type RawCheck = Box<dyn Fn(&[u8], &[u8]) -> bool>;
type SimpleCheck = Box<dyn Fn(&str) -> Option<SimpleCustomClaims>>;

fn ours(fx: &Fixture) -> Check {
    let verifier = fx.verifier.clone();
    let expected = fx.claims.clone();
    let check = move |token: &str| {
        verifier
            .verify::<PlaybackRestrictionClaims>(token)
            .map(|verified| verified.claims == expected)
            .unwrap_or(false)
    };
    // The equality is for the one-off assertion only; the measured closure just verifies.
    assert!(check(&fx.token), "ours rejects the token");
    let verifier = fx.verifier.clone();
    Box::new(move |token| verifier.verify::<PlaybackRestrictionClaims>(token).is_ok())
}

fn jsonwebtoken(fx: &Fixture, expected: &PeerClaims) -> Check {
    use jsonwebtoken::{DecodingKey, Validation, decode};
    common::install_jsonwebtoken_provider();
    let key = match fx.alg {
        Algorithm::Rs256 => DecodingKey::from_rsa_pem(fx.public_pem.as_bytes()),
        Algorithm::Es256 | Algorithm::Es384 => DecodingKey::from_ec_pem(fx.public_pem.as_bytes()),
    }
    .unwrap();
    let validation = Validation::new(common::jsonwebtoken_alg(fx.alg));
    let decoded = decode::<PeerClaims>(&fx.token, &key, &validation).expect("jsonwebtoken");
    assert_eq!(&decoded.claims, expected, "jsonwebtoken reads the claims");
    Box::new(move |token| decode::<PeerClaims>(token, &key, &validation).is_ok())
}

fn jwt_simple(fx: &Fixture, expected: &PeerClaims) -> Check {
    use jwt_simple::prelude::{
        Duration, ECDSAP256PublicKeyLike as _, ECDSAP384PublicKeyLike as _, ES256PublicKey,
        ES384PublicKey, RS256PublicKey, RSAPublicKeyLike as _, VerificationOptions,
    };
    let options = VerificationOptions {
        time_tolerance: Some(Duration::from_hours(1)),
        ..VerificationOptions::default()
    };
    let check: SimpleCheck = match fx.alg {
        Algorithm::Rs256 => {
            let key = RS256PublicKey::from_pem(&fx.public_pem).unwrap();
            Box::new(move |t| {
                key.verify_token(t, Some(options.clone()))
                    .ok()
                    .map(|c| c.custom)
            })
        }
        Algorithm::Es256 => {
            let key = ES256PublicKey::from_pem(&fx.public_pem).unwrap();
            Box::new(move |t| {
                key.verify_token(t, Some(options.clone()))
                    .ok()
                    .map(|c| c.custom)
            })
        }
        Algorithm::Es384 => {
            let key = ES384PublicKey::from_pem(&fx.public_pem).unwrap();
            Box::new(move |t| {
                key.verify_token(t, Some(options.clone()))
                    .ok()
                    .map(|c| c.custom)
            })
        }
    };
    assert_eq!(
        check(&fx.token),
        Some(expected.custom()),
        "jwt-simple reads the claims"
    );
    Box::new(move |token| check(token).is_some())
}

/// The floor: the signature check alone, on bytes decoded once outside the loop.
fn raw(fx: &Fixture) -> RawCheck {
    use p256::pkcs8::DecodePublicKey as _;
    let check: RawCheck = match fx.alg {
        Algorithm::Rs256 => {
            let key = rsa::PublicKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                let hashed = <rsa::sha2::Sha256 as rsa::sha2::Digest>::digest(input);
                key.verify(
                    rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(),
                    &hashed,
                    signature,
                )
                .is_ok()
            })
        }
        Algorithm::Es256 => {
            use p256::ecdsa::signature::Verifier as _;
            let key = p256::ecdsa::VerifyingKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|signature| key.verify(input, &signature).is_ok())
            })
        }
        Algorithm::Es384 => {
            use p384::ecdsa::signature::Verifier as _;
            let key = p384::ecdsa::VerifyingKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                p384::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|signature| key.verify(input, &signature).is_ok())
            })
        }
    };
    check
}

fn bench_verify(c: &mut Criterion) {
    let iat = common::issued_at();
    for fx in common::fixtures(iat) {
        let expected = PeerClaims::from_ours(&fx.claims);
        let (signing_input, signature) = fx.token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        let signing_input = signing_input.as_bytes().to_vec();

        let ours = ours(&fx);
        let jsonwebtoken = jsonwebtoken(&fx, &expected);
        let jwt_simple = jwt_simple(&fx, &expected);
        let raw = raw(&fx);
        assert!(
            raw(&signing_input, &signature),
            "the raw check rejects the signature"
        );

        let mut group = c.benchmark_group(format!("verify/{}", fx.label));
        eprintln!("verify/{}: token of {} bytes", fx.label, fx.token.len());
        let token = fx.token.as_str();
        group.bench_function("ours", |b| b.iter(|| assert!(ours(black_box(token)))));
        group.bench_function("jsonwebtoken", |b| {
            b.iter(|| assert!(jsonwebtoken(black_box(token))));
        });
        group.bench_function("jwt-simple", |b| {
            b.iter(|| assert!(jwt_simple(black_box(token))))
        });
        group.bench_function("raw", |b| {
            b.iter(|| assert!(raw(black_box(&signing_input), black_box(&signature))));
        });
        group.finish();
    }
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
