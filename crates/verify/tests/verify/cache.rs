//! The verified-token cache: a hit skips the signature check and nothing else, on every
//! provider.

// Fixture helpers outside `#[test]` functions; a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims, Violation};
use playback_auth_keys::{Algorithm, CryptoProvider, KeySet, PrivateKey};
use playback_auth_sign::Signer;
use playback_auth_verify::{CacheLimits, FixedClock, VerifiedTokenCache, Verifier, VerifyError};

use crate::common::*;

use Algorithm::{Es256, Es384, Rs256};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

fn claims(jti: &str) -> PlaybackRestrictionClaims {
    PlaybackRestrictionClaims::builder("acct-1", now())
        .token_id(jti)
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap()
}

fn token(alg: Algorithm, jti: &str) -> String {
    Signer::new(key(alg).clone()).sign(&claims(jti)).unwrap()
}

fn keys(provider: CryptoProvider) -> KeySet {
    Algorithm::ALL
        .iter()
        .fold(KeySet::with_provider(provider), |set, &alg| {
            set.with_key(key(alg).public_key(), None)
        })
}

/// A verifier at `NOW` on `provider` with a fresh cache, and the cache.
fn cached(provider: CryptoProvider, limits: CacheLimits) -> (Verifier, VerifiedTokenCache) {
    let cache = VerifiedTokenCache::new(limits);
    let verifier = Verifier::builder(keys(provider))
        .clock(FixedClock(now()))
        .cache(cache.clone())
        .build();
    (verifier, cache)
}

#[test]
fn the_cache_is_off_by_default() {
    let verifier = Verifier::builder(keys(CryptoProvider::preferred())).build();
    assert!(verifier.cache().is_none());
}

#[test]
fn a_hit_returns_the_same_claims_and_header() {
    for &provider in CryptoProvider::all() {
        let (verifier, cache) = cached(provider, CacheLimits::default());
        for alg in Algorithm::ALL {
            let token = token(alg, "t-1");
            let cold = verifier
                .verify::<PlaybackRestrictionClaims>(&token)
                .unwrap();
            let hit = verifier
                .verify::<PlaybackRestrictionClaims>(&token)
                .unwrap();
            assert_eq!(hit, cold, "{alg} on {provider}");
            assert_eq!(hit.claims, claims("t-1"));
            // Another claim type reads the same cached payload.
            let as_any = verifier.verify::<PlaybackClaims>(&token).unwrap();
            assert_eq!(as_any.header, cold.header);
            let as_json: serde_json::Value = verifier.verify_deserialize(&token).unwrap().claims;
            assert_eq!(as_json["jti"], "t-1");
        }
        assert_eq!(cache.len(), 3, "{provider}");
        assert!(cache.bytes() > 0);
    }
}

#[test]
fn time_rules_are_checked_again_on_every_hit() {
    for &provider in CryptoProvider::all() {
        let (verifier, cache) = cached(provider, CacheLimits::default());
        let token = token(Es256, "t-1");
        verifier.verify::<PlaybackClaims>(&token).unwrap();
        assert_eq!(cache.len(), 1);
        // Within the leeway after exp: the entry is dropped (it never outlives exp) and the
        // cold path still accepts, without caching it again.
        let exp = NOW + 3600;
        assert!(
            verifier
                .verify_with::<PlaybackClaims>(verifier.keys(), &token, at(exp + 10))
                .is_ok()
        );
        assert!(cache.is_empty(), "{provider}");
        verifier.verify::<PlaybackClaims>(&token).unwrap();
        assert_eq!(cache.len(), 1);
        // Past exp + leeway: rejected as expired, whatever the cache holds.
        let expired = verifier
            .verify_with::<PlaybackClaims>(verifier.keys(), &token, at(exp + 31))
            .unwrap_err();
        assert!(
            matches!(&expired, VerifyError::Claims(v) if matches!(v.first(), Some(Violation::Expired { .. }))),
            "{expired:?}"
        );
        // Before iat − leeway: issued in the future, again on a hit.
        verifier.verify::<PlaybackClaims>(&token).unwrap();
        let early = verifier
            .verify_with::<PlaybackClaims>(verifier.keys(), &token, at(NOW - 100))
            .unwrap_err();
        assert!(matches!(early, VerifyError::Claims(_)), "{early:?}");
    }
}

#[test]
fn removing_or_replacing_the_key_stops_its_cached_tokens_at_once() {
    for &provider in CryptoProvider::all() {
        let (verifier, cache) = cached(provider, CacheLimits::default());
        let token = token(Es256, "t-1");
        verifier.verify::<PlaybackClaims>(&token).unwrap();
        assert_eq!(cache.len(), 1);

        let mut without = verifier.keys().clone();
        assert_eq!(without.remove(&key(Es256).public_key()), 1);
        assert_eq!(
            verifier.verify_with::<PlaybackClaims>(&without, &token, now()),
            Err(VerifyError::NoKeyForAlgorithm { alg: Es256 })
        );
        assert!(cache.is_empty(), "the stale entry is dropped");

        verifier.verify::<PlaybackClaims>(&token).unwrap();
        let replaced = without.with_key(PrivateKey::generate(Es256).unwrap().public_key(), None);
        assert_eq!(
            verifier.verify_with::<PlaybackClaims>(&replaced, &token, now()),
            Err(VerifyError::InvalidSignature)
        );

        // A kid that no longer selects the key stops it too.
        let named =
            KeySet::with_provider(provider).with_key(key(Es256).public_key(), Some("old".into()));
        let with_kid = Signer::new(key(Es256).clone())
            .with_kid("old")
            .sign(&claims("t-2"))
            .unwrap();
        verifier
            .verify_with::<PlaybackClaims>(&named, &with_kid, now())
            .unwrap();
        let renamed =
            KeySet::with_provider(provider).with_key(key(Es256).public_key(), Some("new".into()));
        assert_eq!(
            verifier.verify_with::<PlaybackClaims>(&renamed, &with_kid, now()),
            Err(VerifyError::UnknownKeyId { kid: "old".into() })
        );
    }
}

#[test]
fn the_bounds_hold_under_a_flood_of_distinct_valid_tokens() {
    let len = token(Es256, "flood-00").len();
    for &provider in CryptoProvider::all() {
        for limits in [
            CacheLimits {
                max_entries: 8,
                max_bytes: usize::MAX,
            },
            CacheLimits {
                max_entries: usize::MAX,
                max_bytes: 3 * VerifiedTokenCache::entry_cost(len),
            },
        ] {
            let (verifier, cache) = cached(provider, limits);
            for i in 0..40 {
                let token = token(Es256, &format!("flood-{i:02}"));
                assert_eq!(token.len(), len);
                verifier.verify::<PlaybackClaims>(&token).unwrap();
                assert!(cache.len() <= limits.max_entries.min(8), "{limits:?}");
                assert!(cache.bytes() <= limits.max_bytes, "{limits:?}");
            }
            assert!(!cache.is_empty());
            // The newest token is the one kept.
            let newest = token(Es256, "flood-39");
            let before = cache.len();
            verifier.verify::<PlaybackClaims>(&newest).unwrap();
            assert_eq!(cache.len(), before);
        }
    }
}

#[test]
fn rejected_tokens_never_enter() {
    for &provider in CryptoProvider::all() {
        let (verifier, cache) = cached(provider, CacheLimits::default());
        let valid = token(Es384, "t-1");
        let (input, signature) = valid.rsplit_once('.').unwrap();
        let mut flipped = signature.to_owned().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let bad_signature = format!("{input}.{}", String::from_utf8(flipped).unwrap());
        // Claims that break a claim-set rule (climit without uid), validly signed.
        let mut invalid = claims("t-2");
        invalid.climit = std::num::NonZeroU32::new(2);
        let bad_claims = Signer::new(key(Rs256).clone())
            .without_validation()
            .sign(&invalid)
            .unwrap();
        let expired = signed(
            Es256,
            &header(Es256),
            &format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW - 100, NOW - 31),
        );
        let no_exp = signed(
            Es256,
            &header(Es256),
            &format!(r#"{{"accid":"a","iat":{NOW}}}"#),
        );
        for token in [
            &bad_signature,
            &bad_claims,
            &expired,
            &no_exp,
            &"a.b.c".to_owned(),
        ] {
            assert!(verifier.verify::<PlaybackRestrictionClaims>(token).is_err());
            assert!(
                verifier.verify::<PlaybackRestrictionClaims>(token).is_err(),
                "twice"
            );
        }
        assert!(cache.is_empty(), "{provider}");
        // A verifier that does not require exp accepts the last one, but never caches it.
        let lenient = Verifier::builder(keys(provider))
            .require_exp(false)
            .clock(FixedClock(now()))
            .cache(cache.clone())
            .build();
        lenient.verify::<PlaybackClaims>(&no_exp).unwrap();
        assert!(cache.is_empty());
    }
}

#[test]
fn a_shared_cache_still_applies_each_verifiers_settings() {
    let (verifier, cache) = cached(CryptoProvider::preferred(), CacheLimits::default());
    let token = token(Es256, "t-1");
    verifier.verify::<PlaybackClaims>(&token).unwrap();
    let strict = Verifier::builder(verifier.keys().clone())
        .algorithms([Es384])
        .require_claims(["nbf"])
        .clock(FixedClock(now()))
        .cache(cache.clone())
        .build();
    assert_eq!(
        strict.verify::<PlaybackClaims>(&token),
        Err(VerifyError::AlgorithmNotAllowed { alg: Es256 })
    );
    let needs_nbf = Verifier::builder(verifier.keys().clone())
        .require_claims(["nbf"])
        .clock(FixedClock(now()))
        .cache(cache.clone())
        .build();
    assert!(matches!(
        needs_nbf.verify::<PlaybackClaims>(&token),
        Err(VerifyError::Claims(v)) if v.first() == Some(&Violation::MissingClaim { claim: "nbf" })
    ));
    // Required claims the token has pass on a hit, known ones and `extra` ones alike.
    let needs_present = Verifier::builder(verifier.keys().clone())
        .require_claims(["jti", "accid", "exp"])
        .clock(FixedClock(now()))
        .cache(cache.clone())
        .build();
    for _ in 0..2 {
        needs_present.verify::<PlaybackClaims>(&token).unwrap();
        needs_present
            .verify::<PlaybackRestrictionClaims>(&token)
            .unwrap();
    }
    assert_eq!(cache.len(), 1);
    cache.clear();
    assert!(cache.is_empty());
    assert_eq!(cache.bytes(), 0);
}
