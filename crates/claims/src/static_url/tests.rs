#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test objects are objects"),
    }
}

#[test]
fn decodes_every_claim() {
    let claims = StaticUrlClaims::from_json_object(object(json!({
        "accid": "acct", "iat": 1, "exp": 2, "drules": ["r"], "conid": "c",
        "pro": "fairplay", "vod": {"ssai": "cfg", "other": true}
    })))
    .unwrap();
    assert_eq!(claims.pro, Some(Protection::FairPlay));
    assert_eq!(
        claims.vod.as_ref().and_then(|v| v.ssai.as_deref()),
        Some("cfg")
    );
    assert_eq!(claims.vod.as_ref().map(|v| v.extra.len()), Some(1));
}

#[test]
fn known_protection_types_and_others_round_trip() {
    for name in ["aes128", "widevine", "playready", "fairplay", "clearkey"] {
        let protection = Protection::from_wire(name.to_owned());
        assert_eq!(protection.as_str(), name);
    }
    assert_eq!(
        Protection::from_wire("clearkey".into()),
        Protection::Other("clearkey".into())
    );
}

#[test]
fn vod_must_be_an_object_with_a_string_ssai() {
    let bad = StaticUrlClaims::from_json_object(object(json!({"accid": "a", "vod": "cfg"})));
    assert_eq!(
        bad.unwrap_err().into_vec(),
        vec![Violation::WrongType {
            claim: "vod",
            expected: "an object"
        }]
    );
    let bad = StaticUrlClaims::from_json_object(object(json!({"accid": "a", "vod": {"ssai": 1}})));
    assert_eq!(
        bad.unwrap_err().into_vec(),
        vec![Violation::WrongType {
            claim: "vod.ssai",
            expected: "a string"
        }]
    );
}

#[test]
fn only_accid_is_required() {
    assert!(StaticUrlClaims::from_json_object(object(json!({"accid": "a"}))).is_ok());
    assert_eq!(
        StaticUrlClaims::from_json_object(Map::new())
            .unwrap_err()
            .into_vec(),
        vec![Violation::MissingClaim { claim: "accid" }]
    );
}

#[test]
fn builder_sets_every_claim() {
    let claims = StaticUrlClaims::builder("acct", NumericDate::from_secs(10).unwrap())
        .content_id("c")
        .delivery_rules(["r1", "r2"])
        .protection(Protection::Aes128)
        .ssai("cfg")
        .valid_for(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&claims).unwrap(),
        json!({"accid": "acct", "iat": 10, "exp": 70, "drules": ["r1", "r2"], "conid": "c",
               "pro": "aes128", "vod": {"ssai": "cfg"}})
    );
}
