//! The payload is parsed once, straight into the claim set's typed fields
//! (`ClaimSet::decode_payload`): the strict JSON rules, the
//! order of the checks and the decoded claims are those of a decode from a `serde_json::Map`.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::common::*;
use playback_auth_claims::{ClaimSet, PlaybackClaims, PlaybackRestrictionClaims, Violation};
use playback_auth_verify::{Segment, VerifyError};
use serde_json::{Map, Value};

use playback_auth_keys::Algorithm::{Es256, Es384};

fn verify_es256(payload: &str) -> Result<PlaybackClaims, VerifyError> {
    let token = signed(Es256, &header(Es256), payload);
    verifier(&[Es256])
        .verify::<PlaybackClaims>(&token)
        .map(|v| v.claims)
}

#[test]
fn duplicates_are_rejected_at_any_depth_and_after_escapes() {
    for (extra, name) in [
        (r#""jti":"a","jti":"b""#, "jti"),
        (r#""maxu":1,"m\u0061xu":2"#, "maxu"),
        (r#""x":{"y":[{"z":1,"z":1}]}"#, "z"),
        (r#""vod":{"ssai":"a","ssai":"b"}"#, "ssai"),
    ] {
        assert_eq!(
            verify_es256(&payload(extra)),
            Err(VerifyError::DuplicateMember {
                segment: Segment::Payload,
                name: name.into()
            }),
            "{extra}"
        );
    }
}

#[test]
fn deep_object_nesting_is_refused_before_parsing() {
    let deep = format!("{}1{}", r#"{"a":"#.repeat(40), "}".repeat(40));
    assert_eq!(
        verify_es256(&payload(&format!(r#""deep":{deep}"#))),
        Err(VerifyError::NestingTooDeep {
            segment: Segment::Payload,
            max: 32
        })
    );
    let fine = format!("{}1{}", r#"{"a":"#.repeat(30), "}".repeat(30));
    assert!(verify_es256(&payload(&format!(r#""deep":{fine}"#))).is_ok());
}

#[test]
fn time_rules_come_before_the_claim_rules() {
    // A mistyped time claim is reported alone, before the other claims are decoded.
    let text = format!(r#"{{"accid":"a","iat":{NOW},"exp":"soon","maxu":0}}"#);
    assert_eq!(
        verify_es256(&text),
        Err(VerifyError::Claims(
            Violation::WrongType {
                claim: "exp",
                expected: "a number"
            }
            .into()
        ))
    );
    // So is an expired token with a broken claim.
    let text = format!(
        r#"{{"accid":"a","iat":{},"exp":{},"maxu":0}}"#,
        NOW - 90,
        NOW - 60
    );
    assert!(matches!(
        verify_es256(&text),
        Err(VerifyError::Claims(v)) if matches!(v.as_slice(), [Violation::Expired { .. }])
    ));
    // Then every malformed claim at once, in the claim set's order.
    let text = payload(r#""uid":"has space","maxu":0,"accid2":1"#);
    let Err(VerifyError::Claims(violations)) = verify_es256(&text) else {
        panic!("claims rejected");
    };
    let claims: Vec<&str> = violations.iter().map(Violation::claim).collect();
    assert_eq!(claims, ["maxu", "uid"]);
}

#[test]
fn a_channel_claim_needs_es384_whatever_its_position() {
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/abc";
    let text = format!(r#"{{"exp":{},"aws:channel-arn":"{arn}"}}"#, NOW + 60);
    assert_eq!(
        verify_es256(&text),
        Err(VerifyError::ChannelTokenNotEs384 { alg: Es256 })
    );
    let token = signed(Es384, &header(Es384), &text);
    let verified = verifier(&[Es384]).verify::<PlaybackClaims>(&token).unwrap();
    assert!(verified.claims.as_channel().is_some());
}

#[test]
fn claims_and_unknown_members_come_out_as_a_map_decode_gives_them() {
    let text = format!(
        r#"{{"z":[1,{{"k":null}}],"accid":"a","iat":{NOW},"vod":{{"ssai":"s"}},"exp":{},"maxu":2,"jti":"t","a":1.5}}"#,
        NOW + 60
    );
    let Value::Object(map) = serde_json::from_str::<Value>(&text).unwrap() else {
        unreachable!()
    };
    let token = signed(Es256, &header(Es256), &text);
    let verifier = verifier(&[Es256]);
    let verified = verifier.verify::<PlaybackClaims>(&token).unwrap();
    assert_eq!(
        verified.claims,
        PlaybackClaims::from_json_object(map.clone()).unwrap()
    );
    let restriction = verifier
        .verify::<PlaybackRestrictionClaims>(&token)
        .unwrap();
    let extra: Vec<&str> = restriction
        .claims
        .extra
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(extra, ["z", "vod", "jti", "a"]);
    assert_eq!(restriction.claims.jti(), Some("t"));
    // `verify_deserialize` sees every member, in document order.
    let whole: Map<String, Value> = verifier.verify_deserialize(&token).unwrap().claims;
    assert_eq!(serde_json::to_string(&whole).unwrap(), text);
}
