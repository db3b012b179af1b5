//! Payloads a publisher writes by hand, one per use of SPEC §2, decode and validate, and
//! re-encode to exactly the same JSON.
#![allow(clippy::unwrap_used)]

use playback_auth_claims::{
    ClaimSet, ConcurrencyBehavior, PlaybackRestrictionClaims, PrivateChannelClaims, SecurityLevel,
    StaticUrlClaims, Violation,
};
use serde_json::Value;

fn decode<C: ClaimSet>(text: &str) -> (C, Value) {
    let value: Value = serde_json::from_str(text).unwrap();
    let claims = C::from_json_slice(text.as_bytes()).unwrap();
    claims.validate().unwrap();
    assert_eq!(
        Value::Object(claims.to_json_object().unwrap()),
        value,
        "lossless round trip"
    );
    (claims, value)
}

#[test]
fn static_url_token_for_one_drm_protected_video_with_ads() {
    let (claims, _) = decode::<StaticUrlClaims>(include_str!("examples/static_url.json"));
    assert_eq!(claims.conid.as_deref(), Some("6318776394112"));
    assert_eq!(
        claims.vod.and_then(|v| v.ssai).as_deref(),
        Some("ssai-config-01")
    );
}

#[test]
fn level_1_token_restricted_by_tags() {
    let (claims, _) =
        decode::<PlaybackRestrictionClaims>(include_str!("examples/level1_tags.json"));
    claims.validate_for_level(SecurityLevel::One).unwrap();
}

#[test]
fn level_2_licence_key_protection() {
    let (claims, _) = decode::<PlaybackRestrictionClaims>(include_str!(
        "examples/level2_licence_protection.json"
    ));
    claims.validate_for_level(SecurityLevel::Two).unwrap();
    // Level 1 allows none of the licence key protection claims, and says which.
    let refused: Vec<Violation> = claims
        .validate_for_level(SecurityLevel::One)
        .unwrap_err()
        .into_vec();
    let level_one = |claim| Violation::NotAllowedAtLevel {
        claim,
        level: SecurityLevel::One,
    };
    for claim in ["conid", "ua", "maxip", "maxu"] {
        assert!(refused.contains(&level_one(claim)), "{claim}: {refused:?}");
    }
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert_eq!(claims.maxu.map(|n| n.get()), Some(10));
}

#[test]
fn level_3_stream_concurrency_and_device_limits() {
    let (claims, _) =
        decode::<PlaybackRestrictionClaims>(include_str!("examples/level3_concurrency.json"));
    claims.validate_for_level(SecurityLevel::Three).unwrap();
    assert_eq!(claims.cbeh, ConcurrencyBehavior::BlockNewUser);
    assert_eq!(
        claims.uid.as_ref().map(|u| u.as_str()),
        Some("user-8843@example.com")
    );
    assert_eq!(claims.extra.len(), 2, "jti and a custom claim are kept");
}

#[test]
fn private_channel_token() {
    let (claims, _) = decode::<PrivateChannelClaims>(include_str!("examples/private_channel.json"));
    assert!(
        claims
            .allowed_origins
            .unwrap()
            .allows("https://www.example.com")
    );
}
