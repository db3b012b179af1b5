#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::strict_json::MAX_DEPTH;
use crate::{
    ClaimSet, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims, StaticUrlClaims,
};

fn parse(text: &str) -> Result<ClaimsObject, StrictJsonError> {
    ClaimsObject::from_json_slice(text.as_bytes())
}

fn duplicate(text: &str) -> String {
    match parse(text) {
        Err(StrictJsonError::DuplicateMember { name }) => name,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn every_claim_set_name_is_a_slot() {
    for known in [
        PlaybackRestrictionClaims::KNOWN_CLAIMS,
        StaticUrlClaims::KNOWN_CLAIMS,
        PrivateChannelClaims::KNOWN_CLAIMS,
    ] {
        for name in known {
            assert!(known_slot(name).is_some(), "{name}");
        }
    }
    for (slot, name) in names::CLAIM_SET_NAMES.iter().enumerate() {
        assert_eq!(known_slot(name).map(usize::from), Some(slot), "{name}");
    }
    for other in [
        names::JTI,
        "",
        "ia",
        "iatt",
        "iat\0",
        "\0iat",
        "IAT",
        "maxip\0\0",
        "accessRule",
        "accessRules\0",
        "aws:viewer-i",
        "aws:viewer-idd",
        "vod.ssai",
    ] {
        assert_eq!(known_slot(other), None, "{other:?}");
    }
}

#[test]
fn rejects_duplicate_known_and_unknown_members_at_any_depth() {
    assert_eq!(duplicate(r#"{"exp":1,"exp":2}"#), "exp");
    assert_eq!(duplicate(r#"{"exp":1,"x":0,"\u0065xp":2}"#), "exp");
    assert_eq!(duplicate(r#"{"jti":"a","jti":"a"}"#), "jti");
    assert_eq!(duplicate(r#"{"vod":{"ssai":"a","ssai":"b"}}"#), "ssai");
    assert_eq!(duplicate(r#"{"x":[{"y":1,"y":1}]}"#), "y");
    // Inside a value that is not an object: still a duplicate, not "not an object".
    assert_eq!(duplicate(r#"[{"y":1,"y":1}]"#), "y");
}

#[test]
fn bounds_nesting_and_reports_non_objects_and_syntax() {
    let at_limit = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&at_limit).is_ok());
    let deep = format!(
        "{{\"a\":{}1{}}}",
        "{\"b\":".repeat(50_000),
        "}".repeat(50_000)
    );
    assert!(matches!(
        parse(&deep),
        Err(StrictJsonError::NestingTooDeep { max: MAX_DEPTH })
    ));
    for text in ["[1]", " \"x\"", "3", "null"] {
        assert!(
            matches!(parse(text), Err(StrictJsonError::NotAnObject)),
            "{text}"
        );
    }
    for text in ["", "{", "{\"a\":1}x", "{\"a\":1,}", "[1", " {\"a\":NaN}"] {
        assert!(
            matches!(parse(text), Err(StrictJsonError::Syntax(_))),
            "{text}"
        );
    }
    assert!(matches!(
        ClaimsObject::from_json_slice(b"{\"a\":\"\xff\"}"),
        Err(StrictJsonError::InvalidUtf8)
    ));
}

#[test]
fn gives_the_members_back_in_document_order() {
    let text = r#"{"z":1,"exp":2,"a":{"k":[1]},"accid":"x","vod":{},"m":null}"#;
    let object = parse(text).unwrap();
    assert_eq!(object.get("exp"), Some(&json!(2)));
    assert_eq!(object.get("a"), Some(&json!({"k": [1]})));
    assert!(!object.contains_key("iat"));
    let map = object.into_map();
    let expected: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_string(&map).unwrap(), expected.to_string());
    let names: Vec<&str> = map.keys().map(String::as_str).collect();
    assert_eq!(names, ["z", "exp", "a", "accid", "vod", "m"]);
}

#[test]
fn the_one_pass_decode_matches_the_map_decode() {
    let payloads = [
        json!({"accid": "a", "iat": 1, "exp": 60, "maxu": 3, "jti": "t", "z": [1, {"q": 2}]}),
        json!({"accid": "a", "iat": "1", "maxu": 0, "uid": "no spaces", "cbeh": "X"}),
        json!({"iat": 1, "vod": {"ssai": "x"}, "climit": 2, "w": 1, "accid": "a"}),
        json!({"accid": "a", "pro": "widevine", "vod": {"ssai": 3}, "x": 1}),
        json!({"aws:channel-arn": "arn:aws:ivs:us-west-2:123456789012:channel/abc",
               "exp": 5, "maxu": 2, "aws:viewer-id": "", "y": true}),
        json!({"exp": 5}),
    ];
    for payload in payloads {
        let text = payload.to_string();
        let Value::Object(map) = payload else {
            unreachable!()
        };
        let one_pass = PlaybackClaims::from_claims_object(parse(&text).unwrap());
        assert_eq!(
            one_pass,
            PlaybackClaims::from_json_object(map.clone()),
            "{text}"
        );
        let one_pass = PlaybackRestrictionClaims::from_claims_object(parse(&text).unwrap());
        assert_eq!(
            one_pass,
            PlaybackRestrictionClaims::from_json_object(map),
            "{text}"
        );
        // Whatever the kind, nothing is lost: decoded and encoded, the members are the same.
        if let Ok(claims) = PlaybackClaims::from_claims_object(parse(&text).unwrap()) {
            let back = claims.to_json_object().unwrap();
            let expected: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Value::Object(back), expected, "{text}");
        }
    }
}

#[test]
fn other_kinds_claims_stay_in_extra_in_document_order() {
    let text = r#"{"a":0,"accid":"x","vod":{"ssai":"s"},"b":1,"iat":1,"maxu":2,"pro":"p","c":2}"#;
    let claims = PlaybackClaims::from_claims_object(parse(text).unwrap()).unwrap();
    let PlaybackClaims::Restriction(claims) = claims else {
        panic!("a restriction token");
    };
    let names: Vec<&str> = claims.extra.keys().map(String::as_str).collect();
    assert_eq!(names, ["a", "vod", "b", "pro", "c"]);
}

#[test]
fn serde_goes_through_the_strict_object() {
    let error =
        serde_json::from_str::<PlaybackRestrictionClaims>(r#"{"accid":"a","iat":1,"accid":"b"}"#)
            .unwrap_err();
    assert!(error.to_string().contains("duplicate member"), "{error}");
    let error =
        serde_json::from_str::<PlaybackRestrictionClaims>(r#"{"accid":"a","iat":1,"maxu":0}"#)
            .unwrap_err();
    assert!(error.to_string().contains("maxu"), "{error}");
    assert!(serde_json::from_str::<ClaimsObject>("[1]").is_err());
    let claims: PlaybackRestrictionClaims =
        serde_json::from_value(json!({"accid": "a", "iat": 1, "x": 1})).unwrap();
    assert_eq!(claims.extra["x"], json!(1));
}

#[test]
fn time_claims_read_from_the_object_as_from_a_map() {
    for text in [
        r#"{"iat":"1","nbf":true,"exp":-4}"#,
        r#"{"iat":1,"exp":2.5,"x":"y"}"#,
        r#"{"x":1}"#,
    ] {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            unreachable!()
        };
        assert_eq!(
            crate::TimeClaims::from_claims_object(&parse(text).unwrap()),
            crate::TimeClaims::from_json_object(&map),
            "{text}"
        );
    }
}

/// A known name with one byte changed, cut short or lengthened, or any string at all.
fn near_names() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let known = prop::sample::select(names::CLAIM_SET_NAMES.to_vec());
    prop_oneof![
        known.clone().prop_map(str::to_owned),
        (known.clone(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(name, at, byte)| {
            let mut bytes = name.as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            String::from_utf8_lossy(&bytes).into_owned()
        }),
        (known.clone(), any::<prop::sample::Index>())
            .prop_map(|(name, at)| name[..at.index(name.len())].to_owned()),
        (known, "[\\x00-\\x7f]{1,2}").prop_map(|(name, tail)| format!("{name}{tail}")),
        "\\PC{0,40}",
    ]
}

proptest::proptest! {
    /// The packed-integer lookup finds exactly the names a comparison with each known name
    /// finds.
    #[test]
    fn known_slot_agrees_with_comparing_every_name(name in near_names()) {
        let expected = names::CLAIM_SET_NAMES.iter().position(|known| *known == name);
        proptest::prop_assert_eq!(known_slot(&name).map(usize::from), expected);
    }
}
