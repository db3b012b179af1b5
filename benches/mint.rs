//! Minting the realistic restriction token per algorithm: ours on each signature provider
//! (`ours/<provider>`: `Signer::sign`: claim rules, typed encode, sign) against jsonwebtoken
//! `encode` (`jsonwebtoken/<backend>`; its backend is process-global, chosen by
//! `JSONWEBTOKEN_BACKEND`, `aws-lc` by default) and jwt-simple `sign`, same claims and same
//! key. Every token is checked once with our verifier before measuring.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use common::{Fixture, PeerClaims};
use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::{Algorithm, CryptoProvider};
use playback_auth::sign::Signer;

type Mint = Box<dyn Fn() -> String>;

fn jsonwebtoken(fx: &Fixture, claims: &PeerClaims) -> Mint {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let key = match fx.alg {
        Algorithm::Rs256 => EncodingKey::from_rsa_pem(fx.private_pem.as_bytes()),
        Algorithm::Es256 | Algorithm::Es384 => EncodingKey::from_ec_pem(fx.private_pem.as_bytes()),
    }
    .unwrap();
    let header = Header::new(common::jsonwebtoken_alg(fx.alg));
    let claims = claims.clone();
    Box::new(move || encode(&header, black_box(&claims), &key).unwrap())
}

/// jwt-simple's `sign` takes the claims by value; the clone is made outside the measurement.
fn jwt_simple(
    fx: &Fixture,
) -> Box<dyn Fn(jwt_simple::prelude::JWTClaims<common::SimpleCustomClaims>) -> String> {
    use jwt_simple::prelude::{
        ECDSAP256KeyPairLike as _, ECDSAP384KeyPairLike as _, ES256KeyPair, ES384KeyPair,
        RS256KeyPair, RSAKeyPairLike as _,
    };
    match fx.alg {
        Algorithm::Rs256 => {
            let key = RS256KeyPair::from_pem(&fx.private_pem).unwrap();
            Box::new(move |claims| key.sign(claims).unwrap())
        }
        Algorithm::Es256 => {
            let key = ES256KeyPair::from_pem(&fx.private_pem).unwrap();
            Box::new(move |claims| key.sign(claims).unwrap())
        }
        Algorithm::Es384 => {
            let key = ES384KeyPair::from_pem(&fx.private_pem).unwrap();
            Box::new(move |claims| key.sign(claims).unwrap())
        }
    }
}

fn jwt_simple_claims(
    claims: &PeerClaims,
) -> jwt_simple::prelude::JWTClaims<common::SimpleCustomClaims> {
    use jwt_simple::prelude::{Duration, JWTClaims};
    let secs = |s: i64| Duration::from_secs(u64::try_from(s).unwrap());
    JWTClaims {
        issued_at: Some(secs(claims.iat)),
        expires_at: Some(secs(claims.exp)),
        invalid_before: None,
        issuer: None,
        subject: None,
        audiences: None,
        jwt_id: Some(claims.jti.clone()),
        nonce: None,
        custom: claims.custom(),
    }
}

fn bench_mint(c: &mut Criterion) {
    let iat = common::issued_at();
    let backend = common::install_jsonwebtoken_provider();
    for fx in common::fixtures(iat) {
        let peer_claims = PeerClaims::from_ours(&fx.claims);
        let signers: Vec<(String, Signer)> = CryptoProvider::all()
            .iter()
            .map(|&p| {
                (
                    format!("ours/{p}"),
                    Signer::with_provider(fx.private.clone(), p),
                )
            })
            .collect();
        let jsonwebtoken = jsonwebtoken(&fx, &peer_claims);
        let jwt_simple = jwt_simple(&fx);
        let simple_claims = jwt_simple_claims(&peer_claims);

        // Every minted token must verify, with the same claims, under our strict verifier.
        let ours = signers
            .iter()
            .map(|(name, signer)| (name.clone(), signer.sign(&fx.claims).unwrap()));
        for (who, token) in ours.chain([
            (format!("jsonwebtoken/{backend}"), jsonwebtoken()),
            ("jwt-simple".to_owned(), jwt_simple(simple_claims.clone())),
        ]) {
            let verified = fx
                .verifier
                .verify::<PlaybackRestrictionClaims>(&token)
                .unwrap_or_else(|error| panic!("{who}'s {} token: {error}", fx.label));
            assert_eq!(verified.claims, fx.claims, "{who}'s {} token", fx.label);
        }

        let mut group = c.benchmark_group(format!("mint/{}", fx.label));
        for (name, signer) in &signers {
            group.bench_function(name.as_str(), |b| {
                b.iter(|| signer.sign(black_box(&fx.claims)).unwrap())
            });
        }
        group.bench_function(format!("jsonwebtoken/{backend}"), |b| b.iter(&jsonwebtoken));
        group.bench_function("jwt-simple", |b| {
            b.iter_batched(|| simple_claims.clone(), &jwt_simple, BatchSize::SmallInput);
        });
        group.finish();
    }
}

criterion_group!(benches, bench_mint);
criterion_main!(benches);
