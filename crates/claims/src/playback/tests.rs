#![allow(clippy::unwrap_used)]

use super::*;

fn kind(text: &str) -> &'static str {
    match PlaybackClaims::from_json_slice(text.as_bytes()).unwrap() {
        PlaybackClaims::Restriction(_) => "restriction",
        PlaybackClaims::StaticUrl(_) => "static",
        PlaybackClaims::Channel(_) => "channel",
    }
}

#[test]
fn tells_the_kinds_apart() {
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/abc";
    assert_eq!(
        kind(&format!(r#"{{"aws:channel-arn":"{arn}","exp":5}}"#)),
        "channel"
    );
    assert_eq!(
        kind(r#"{"accid":"a","iat":1,"climit":2,"uid":"u"}"#),
        "restriction"
    );
    assert_eq!(
        kind(r#"{"accid":"a","iat":1,"vod":{"ssai":"x"}}"#),
        "static"
    );
    assert_eq!(kind(r#"{"accid":"a","pro":"widevine"}"#), "static");
    assert_eq!(kind(r#"{"accid":"a","exp":2}"#), "static");
    assert_eq!(kind(r#"{"accid":"a","iat":1,"exp":2}"#), "restriction");
    assert_eq!(
        kind(r#"{"accid":"a","maxu":1,"vod":{}, "iat": 1}"#),
        "restriction"
    );
}

#[test]
fn reports_the_chosen_kinds_violations() {
    let error = PlaybackClaims::from_json_slice(br#"{"accid":"a","maxu":0}"#).unwrap_err();
    let crate::DecodeError::Invalid(violations) = error else {
        unreachable!("{error}")
    };
    assert_eq!(
        violations.into_vec(),
        vec![
            Violation::MissingClaim { claim: "iat" },
            Violation::NotPositive {
                claim: "maxu",
                value: 0
            }
        ]
    );
}

#[test]
fn delegates_validation_and_encoding() {
    let claims = PlaybackClaims::from_json_slice(br#"{"accid":"a","iat":1,"climit":2}"#).unwrap();
    assert_eq!(
        claims.validate().unwrap_err().into_vec(),
        vec![Violation::ClaimRequires {
            claim: "climit",
            requires: "uid"
        }]
    );
    assert_eq!(claims.account(), Some("a"));
    assert!(claims.as_restriction().is_some() && claims.as_channel().is_none());
    assert_eq!(claims.to_json_object().unwrap().len(), 3);
}

/// Bytes are decoded under the verifier's strict JSON rules: a repeated claim is refused,
/// not resolved to its last value.
#[test]
fn decoding_bytes_is_strict_json() {
    use crate::{DecodeError, StrictJsonError};

    let duplicate = br#"{"accid":"a","iat":1,"maxu":5,"maxu":1000}"#;
    assert!(matches!(
        PlaybackClaims::from_json_slice(duplicate),
        Err(DecodeError::Json(StrictJsonError::DuplicateMember { name })) if name == "maxu"
    ));
    assert!(matches!(
        PlaybackClaims::from_json_slice(b"[1,2]"),
        Err(DecodeError::NotAnObject)
    ));
    assert!(matches!(
        PlaybackClaims::from_json_slice(b"{\"accid\":"),
        Err(DecodeError::Json(StrictJsonError::Syntax(_)))
    ));
    let deep = format!(
        "{{\"accid\":\"a\",\"iat\":1,\"x\":{}{}}}",
        "[".repeat(40),
        "]".repeat(40)
    );
    assert!(matches!(
        PlaybackClaims::from_json_slice(deep.as_bytes()),
        Err(DecodeError::Json(StrictJsonError::NestingTooDeep { .. }))
    ));
}
