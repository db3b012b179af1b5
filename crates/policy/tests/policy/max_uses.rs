//! `maxu`: uses per token, counted under `jti` or the token digest, until the token expires.

use crate::common::*;
use playback_auth_policy::{DenyReason, PolicyConfig};

#[tokio::test]
async fn uses_are_allowed_up_to_maxu_then_denied() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.max_uses(3));
    for expected in 1..=3 {
        let allow = allowed(engine.decide(&token, &request(expected.into())).await);
        assert_eq!(allow.uses, Some(expected));
    }
    let reason = denied(engine.decide(&token, &request(4)).await);
    assert_eq!(reason, DenyReason::MaxUsesReached { limit: 3 });
    assert_eq!(reason.code(), "max_uses_reached");
}

#[tokio::test]
async fn uses_are_counted_per_jti_across_encodings() {
    let (engine, _) = engine();
    // Two encodings (different digests) of tokens with the same jti share one counter.
    let first = restriction("encoding-1", |b| b.max_uses(2).token_id("jti-1"));
    let second = restriction("encoding-2", |b| b.max_uses(2).token_id("jti-1"));
    assert_eq!(
        allowed(engine.decide(&first, &request(0)).await).uses,
        Some(1)
    );
    assert_eq!(
        allowed(engine.decide(&second, &request(1)).await).uses,
        Some(2)
    );
    assert_eq!(
        denied(engine.decide(&first, &request(2)).await),
        DenyReason::MaxUsesReached { limit: 2 }
    );
}

#[tokio::test]
async fn without_jti_uses_are_counted_per_token_digest() {
    let (engine, _) = engine();
    let first = restriction("encoding-1", |b| b.max_uses(1));
    let second = restriction("encoding-2", |b| b.max_uses(1));
    allowed(engine.decide(&first, &request(0)).await);
    allowed(engine.decide(&second, &request(0)).await);
    assert_eq!(
        denied(engine.decide(&first, &request(1)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
}

#[tokio::test]
async fn the_count_is_kept_until_exp_plus_leeway() {
    let (engine, store) = engine_with(PolicyConfig::default());
    // Issued at -10, valid for 3600 s: exp = 3590.
    let token = restriction("t", |b| b.max_uses(1));
    allowed(engine.decide(&token, &request(0)).await);
    // The authorizer's default 30 s leeway still accepts the token until 3620: the count holds.
    assert_eq!(
        denied(engine.decide(&token, &request(3619)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
    // After that the state is forgotten (the verifier rejects the token by then), and
    // what this use recorded is already expired and swept.
    assert_eq!(
        allowed(engine.decide(&token, &request(3620)).await).uses,
        Some(1)
    );
    assert!(store.snapshot().is_empty());
}

#[tokio::test]
async fn another_signature_of_the_same_token_shares_its_uses() {
    let (engine, _) = engine();
    // An ECDSA signature can be rewritten without the key (`s → n − s`): the signed part,
    // and so the token, stays the same.
    let token = restriction("header.payload.signature-1", |b| b.max_uses(1));
    let copy = restriction("header.payload.signature-2", |b| b.max_uses(1));
    assert_eq!(token.token_id(), copy.token_id());
    allowed(engine.decide(&token, &request(0)).await);
    assert_eq!(
        denied(engine.decide(&copy, &request(1)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
}
