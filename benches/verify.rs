//! Verifying one realistic restriction token (~600–850 bytes) per algorithm: ours on each
//! signature provider against jsonwebtoken, jwt-simple and the bare signature check of each
//! provider (the floor), on the same key and the same token bytes in the same run.
//!
//! - `ours/<provider>`: `Verifier::verify::<PlaybackRestrictionClaims>` with the key set
//!   prepared for `rust-crypto` or `aws-lc` — every rule: length, strict base64url and JSON
//!   (duplicates, depth), header rules, signature, time rules, typed claims and their
//!   cross-claim rules.
//! - `cache-hit/aws-lc`: the same verifier with the verified-token cache on, presented the
//!   token it has already verified.
//! - `raw/<provider>`: the signature primitive alone on the pre-decoded signing input and
//!   signature with a pre-parsed key (rsa 0.10 PKCS#1 v1.5 / p256 / p384 0.14, or aws-lc-rs
//!   `ParsedPublicKey`) — what no verifier on that provider can beat.
//! - `jsonwebtoken/<backend>`: `decode::<PeerClaims>` with `Validation::new(alg)` (exp
//!   required, 60 s leeway). Its backend is process-global: this process measures the one
//!   `JSONWEBTOKEN_BACKEND` names (`aws-lc` by default, or `rust-crypto`).
//! - `jwt-simple`: `verify_token::<SimpleCustomClaims>`, pure-Rust build, 1 h tolerance.
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

use common::{Fixture, PeerClaims, RawCheck, SimpleCustomClaims};
use playback_auth::claims::{NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, CryptoProvider};
use playback_auth::verify::{CacheLimits, FixedClock, VerifiedTokenCache, Verifier};

type Check = Box<dyn Fn(&str) -> bool>;
type SimpleCheck = Box<dyn Fn(&str) -> Option<SimpleCustomClaims>>;

fn ours(fx: &Fixture, verifier: Verifier) -> Check {
    let verified = verifier
        .verify::<PlaybackRestrictionClaims>(&fx.token)
        .expect("ours accepts the token");
    // The equality is for the one-off assertion only; the measured closure just verifies.
    assert_eq!(verified.claims, fx.claims, "ours reads the claims");
    Box::new(move |token| verifier.verify::<PlaybackRestrictionClaims>(token).is_ok())
}

fn jsonwebtoken(fx: &Fixture, expected: &PeerClaims) -> Check {
    use jsonwebtoken::{DecodingKey, Validation, decode};
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

fn bench_verify(c: &mut Criterion) {
    let iat = common::issued_at();
    let backend = common::install_jsonwebtoken_provider();
    for fx in common::fixtures(iat) {
        let expected = PeerClaims::from_ours(&fx.claims);
        let (signing_input, signature) = fx.token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        let signing_input = signing_input.as_bytes().to_vec();

        let mut checks: Vec<(String, Check)> = Vec::new();
        let mut raws: Vec<(String, RawCheck)> = Vec::new();
        for &provider in CryptoProvider::all() {
            checks.push((
                format!("ours/{provider}"),
                ours(&fx, fx.verifier.to_provider(provider)),
            ));
            let raw = common::raw(&fx, provider);
            assert!(
                raw(&signing_input, &signature),
                "the raw {provider} check rejects the signature"
            );
            raws.push((format!("raw/{provider}"), raw));
        }
        // The cache on the fastest provider, warmed with the token: every measured call is a hit.
        let preferred = CryptoProvider::preferred();
        let cache = VerifiedTokenCache::new(CacheLimits::default());
        let cached = Verifier::builder(fx.verifier.keys().to_provider(preferred))
            .clock(FixedClock(NumericDate::from_secs(iat).unwrap()))
            .cache(cache.clone())
            .build();
        checks.push((format!("cache-hit/{preferred}"), ours(&fx, cached)));
        assert_eq!(cache.len(), 1, "the token is cached");
        checks.push((
            format!("jsonwebtoken/{backend}"),
            jsonwebtoken(&fx, &expected),
        ));
        checks.push(("jwt-simple".to_owned(), jwt_simple(&fx, &expected)));

        let mut group = c.benchmark_group(format!("verify/{}", fx.label));
        eprintln!("verify/{}: token of {} bytes", fx.label, fx.token.len());
        let token = fx.token.as_str();
        for (name, check) in &checks {
            group.bench_function(name.as_str(), |b| {
                b.iter(|| assert!(check(black_box(token))))
            });
        }
        for (name, raw) in &raws {
            group.bench_function(name.as_str(), |b| {
                b.iter(|| assert!(raw(black_box(&signing_input), black_box(&signature))));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
