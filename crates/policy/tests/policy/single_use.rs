//! `aws:single-use-uuid`: the first use consumes the token.

use crate::common::*;
use playback_auth_policy::DenyReason;

const UUID: &str = "6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f";

#[tokio::test]
async fn first_use_is_allowed_and_any_second_use_denied() {
    let (engine, _) = engine();
    let token = channel("t", |b| b.single_use(UUID));
    let first = allowed(engine.decide(&token, &request(0)).await);
    assert_eq!(first.uses, None);
    for secs in 1..4 {
        let reason = denied(engine.decide(&token, &request(secs)).await);
        assert_eq!(reason, DenyReason::SingleUseAlreadyUsed);
        assert_eq!(reason.code(), "single_use_already_used");
    }
    // From elsewhere too.
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(5).with_client_ip(ip(9)))
                .await
        ),
        DenyReason::SingleUseAlreadyUsed
    );
}

#[tokio::test]
async fn channel_tokens_without_single_use_are_reusable() {
    let (engine, store) = engine();
    let token = channel("t", |b| b);
    for secs in 0..3 {
        allowed(engine.decide(&token, &request(secs)).await);
    }
    assert!(store.snapshot().is_empty());
}

#[tokio::test]
async fn a_use_denied_for_its_origin_does_not_consume_the_token() {
    let (engine, _) = engine();
    let token = channel("t", |b| {
        b.single_use(UUID).allowed_origins("https://a.example")
    });
    assert!(matches!(
        denied(engine.decide(&token, &request(0)).await),
        DenyReason::OriginNotAllowed { .. }
    ));
    allowed(
        engine
            .decide(&token, &request(1).with_origin("https://a.example"))
            .await,
    );
}

#[tokio::test]
async fn a_uuid_is_used_once_whatever_token_carries_it() {
    let (engine, _) = engine();
    // Two different tokens (other encodings, other lifetimes) with one uuid.
    let first = channel("first", |b| b.single_use(UUID));
    let second = channel("second", |b| {
        b.single_use(UUID)
            .valid_for(std::time::Duration::from_secs(60))
    });
    assert_ne!(first.digest, second.digest);
    allowed(engine.decide(&first, &request(0)).await);
    assert_eq!(
        denied(engine.decide(&second, &request(1)).await),
        DenyReason::SingleUseAlreadyUsed
    );
    // Another uuid is another single use.
    let other = channel("other", |b| {
        b.single_use("00000000-0000-4000-8000-000000000001")
    });
    allowed(engine.decide(&other, &request(2)).await);
}

#[tokio::test]
async fn another_signature_of_a_single_use_token_is_a_second_use() {
    let (engine, _) = engine();
    // What an attacker can do without the key: rewrite the signature segment.
    let token = channel("header.payload.signature-1", |b| b.single_use(UUID));
    let copy = channel("header.payload.signature-2", |b| b.single_use(UUID));
    assert_eq!(token.digest, copy.digest);
    allowed(engine.decide(&token, &request(0)).await);
    assert_eq!(
        denied(engine.decide(&copy, &request(1)).await),
        DenyReason::SingleUseAlreadyUsed
    );
}
