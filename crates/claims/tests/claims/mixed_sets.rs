//! A token carries one claim set: a claim of another set, which the decoded kind would not
//! enforce, is refused (`Violation::ForeignClaim`) — at decode and validation (the verifier's
//! path) and at build (the signer's path) — never silently kept in `extra`.

use crate::common::{object, violations};
use playback_auth_claims::{
    ClaimSet, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims, Violation,
};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

fn channel() -> Value {
    json!({ "aws:channel-arn": ARN, "iat": 1_700_000_000, "exp": 1_700_003_600 })
}

fn restriction() -> Value {
    json!({ "accid": "acct-1", "iat": 1_700_000_000, "exp": 1_700_003_600 })
}

fn static_url() -> Value {
    json!({ "accid": "acct-1", "exp": 1_700_003_600, "pro": "widevine" })
}

fn plus(base: &Value, claim: &str, value: Value) -> serde_json::Map<String, Value> {
    let mut map = object(base.clone());
    map.insert(claim.to_owned(), value);
    map
}

/// A claim's wire name and a valid value of it.
type Sample = (&'static str, fn() -> Value);

/// The claims static URL and restriction tokens share (none of them in a channel token).
const ACCOUNT_CLAIMS: &[Sample] = &[
    ("accid", || json!("acct-1")),
    ("drules", || json!(["r1"])),
    ("conid", || json!("video-7")),
    ("pro", || json!("widevine")),
    ("vod", || json!({ "ssai": "ad-1" })),
];

/// The channel claims, which no other set enforces.
const CHANNEL_ONLY: &[Sample] = &[
    ("aws:channel-arn", || json!(ARN)),
    ("aws:access-control-allow-origin", || {
        json!("https://a.example")
    }),
    ("aws:strict-origin-enforcement", || json!(true)),
    ("aws:single-use-uuid", || {
        json!("a1b2c3d4-0000-4000-8000-000000000001")
    }),
    ("aws:viewer-id", || json!("viewer-9")),
    ("aws:viewer-session-version", || json!(1)),
    ("aws:maximum-resolution", || json!("HD")),
];

/// The restrictions only restriction tokens enforce (`nbf` is a static URL claim too).
const RESTRICTION_ONLY: &[Sample] = &[
    ("prid", || json!("rights-1")),
    ("tags", || json!(["sports"])),
    ("vids", || json!(["video-7"])),
    ("ua", || json!("Player/1.0")),
    ("maxip", || json!(1)),
    ("maxu", || json!(1)),
    ("uid", || json!("viewer-1")),
    ("climit", || json!(1)),
    ("cbeh", || json!("BLOCK_NEW")),
    ("sid", || json!("s-1")),
    ("dlimit", || json!(1)),
];

#[test]
fn a_channel_token_refuses_every_claim_of_the_other_sets() {
    assert!(violations::<PrivateChannelClaims>(object(channel())).is_empty());
    for (claim, value) in ACCOUNT_CLAIMS.iter().chain(RESTRICTION_ONLY) {
        let found = violations::<PrivateChannelClaims>(plus(&channel(), claim, value()));
        assert_eq!(
            found,
            vec![Violation::ForeignClaim {
                claim,
                kind: "private-channel"
            }],
            "{claim}"
        );
        assert_eq!(found[0].claim(), *claim);
    }
}

#[test]
fn restriction_and_static_url_tokens_refuse_channel_claims() {
    for (claim, value) in CHANNEL_ONLY {
        let found = violations::<PlaybackRestrictionClaims>(plus(&restriction(), claim, value()));
        assert_eq!(
            found,
            vec![Violation::ForeignClaim {
                claim,
                kind: "playback restriction"
            }],
            "{claim}"
        );
        let found = violations::<StaticUrlClaims>(plus(&static_url(), claim, value()));
        assert_eq!(
            found,
            vec![Violation::ForeignClaim {
                claim,
                kind: "static URL"
            }],
            "{claim}"
        );
    }
}

#[test]
fn a_static_url_token_refuses_the_restrictions_it_would_not_enforce() {
    for (claim, value) in RESTRICTION_ONLY {
        let found = violations::<StaticUrlClaims>(plus(&static_url(), claim, value()));
        assert_eq!(
            found,
            vec![Violation::ForeignClaim {
                claim,
                kind: "static URL"
            }],
            "{claim}"
        );
    }
    // Delivery options restrict nothing: a restriction token may carry them.
    for (claim, value) in [
        ("pro", json!("widevine")),
        ("vod", json!({ "ssai": "ad-1" })),
    ] {
        assert!(
            violations::<PlaybackRestrictionClaims>(plus(&restriction(), claim, value)).is_empty(),
            "{claim}"
        );
    }
}

#[test]
fn the_any_kind_decoder_refuses_mixed_tokens_too() {
    let mixed = json!({
        "aws:channel-arn": ARN,
        "accid": "acct-1",
        "maxu": 1,
        "uid": "viewer-1",
        "climit": 1,
        "exp": 1_700_003_600,
    });
    let bytes = serde_json::to_vec(&mixed).unwrap();
    let claims = PlaybackClaims::from_json_slice(&bytes).unwrap();
    let found = claims.validate().unwrap_err().into_vec();
    let foreign: Vec<&str> = found.iter().map(Violation::claim).collect();
    assert_eq!(foreign, ["accid", "maxu", "uid", "climit"]);
    // A single-use id outside a channel token is refused, not dropped.
    let smuggled = json!({
        "accid": "acct-1",
        "iat": 1_700_000_000,
        "exp": 1_700_003_600,
        "aws:single-use-uuid": "a1b2c3d4-0000-4000-8000-000000000001",
    });
    let claims = PlaybackClaims::from_json_slice(&serde_json::to_vec(&smuggled).unwrap()).unwrap();
    assert!(matches!(
        claims.validate().unwrap_err().into_vec().as_slice(),
        [Violation::ForeignClaim {
            claim: "aws:single-use-uuid",
            ..
        }]
    ));
}

#[test]
fn builders_refuse_a_foreign_claim_so_it_is_never_minted() {
    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    let built = PrivateChannelClaims::builder(ARN, now)
        .expires_at(NumericDate::from_secs(1_700_003_600).unwrap())
        .claim("maxu", 1)
        .build();
    assert_eq!(
        built.unwrap_err().into_vec(),
        vec![Violation::ForeignClaim {
            claim: "maxu",
            kind: "private-channel"
        }]
    );
}
