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
    assert!(claims.validate().is_err());
    assert_eq!(claims.account(), Some("a"));
    assert!(claims.as_restriction().is_some() && claims.as_channel().is_none());
    assert_eq!(claims.to_json_object().unwrap().len(), 3);
}
