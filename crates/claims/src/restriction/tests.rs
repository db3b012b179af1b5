#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;
use serde_json::json;

fn now() -> NumericDate {
    NumericDate::from_secs(1_700_000_000).unwrap()
}

#[test]
fn builder_makes_the_common_case_a_one_liner() {
    let claims = PlaybackRestrictionClaims::builder("acct", now())
        .content_id("video-7")
        .user("viewer-42")
        .concurrent_streams(2)
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&claims).unwrap(),
        json!({
            "accid": "acct", "iat": 1_700_000_000, "exp": 1_700_003_600,
            "conid": "video-7", "uid": "viewer-42", "climit": 2
        })
    );
}

#[test]
fn builder_sets_every_claim() {
    let claims = PlaybackRestrictionClaims::builder("acct", now())
        .expires_at(NumericDate::from_secs(1_700_000_600).unwrap())
        .not_before(now())
        .token_id("jti-1")
        .playback_rights_id("prid-1")
        .tags(["sports"])
        .video_ids(["v1", "v2"])
        .user_agent("UA/1")
        .content_id("v1")
        .max_ips(2)
        .max_uses(10)
        .user("u")
        .concurrent_streams(3)
        .concurrency_behavior(ConcurrencyBehavior::BlockNewUser)
        .session_id("s")
        .device_limit(4)
        .delivery_rules(["r1"])
        .claim("custom", json!({"k": [1, 2]}))
        .build()
        .unwrap();
    assert_eq!(claims.jti(), Some("jti-1"));
    assert_eq!(claims.cbeh, ConcurrencyBehavior::BlockNewUser);
    assert_eq!(claims.maxu.map(NonZeroU32::get), Some(10));
    assert_eq!(claims.dlimit.map(NonZeroU32::get), Some(4));
    assert_eq!(claims.extra.get("custom"), Some(&json!({"k": [1, 2]})));
    let again = PlaybackRestrictionClaims::from_json_object(claims.to_json_object().unwrap());
    assert_eq!(again.unwrap(), claims);
}

#[test]
fn builder_reports_every_violation_at_once() {
    let violations = PlaybackRestrictionClaims::builder("acct", now())
        .user("not valid")
        .max_uses(0)
        .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        .claim("climit", "two")
        .build()
        .unwrap_err();
    assert_eq!(violations.len(), 3, "{violations}");
    assert!(
        violations.mentions("uid") && violations.mentions("maxu") && violations.mentions("climit")
    );
}

#[test]
fn default_behaviour_removes_cbeh() {
    let claims = PlaybackRestrictionClaims::builder("acct", now())
        .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        .concurrency_behavior(ConcurrencyBehavior::EvictOldest)
        .build()
        .unwrap();
    assert_eq!(claims.cbeh, ConcurrencyBehavior::EvictOldest);
}

#[test]
fn expires_at_overrides_an_earlier_valid_for() {
    let exp = NumericDate::from_secs(1_700_000_060).unwrap();
    let claims = PlaybackRestrictionClaims::builder("acct", now())
        .valid_for(Duration::from_secs(3600))
        .expires_at(exp)
        .build()
        .unwrap();
    assert_eq!(claims.exp, Some(exp));
}

#[test]
fn builder_enforces_the_lifetime_rule() {
    let violations = PlaybackRestrictionClaims::builder("acct", now())
        .valid_for(Duration::from_secs(31 * 24 * 3600))
        .build()
        .unwrap_err();
    assert!(matches!(
        violations.first(),
        Some(Violation::ExpiryTooFar { max: 2_592_000, .. })
    ));
}

#[test]
fn serde_decodes_without_validating_and_reports_violations_in_the_message() {
    let decoded: PlaybackRestrictionClaims =
        serde_json::from_value(json!({"accid": "a", "iat": 1, "climit": 2})).unwrap();
    assert_eq!(
        decoded.validate().unwrap_err().into_vec(),
        vec![Violation::ClaimRequires {
            claim: "climit",
            requires: "uid"
        }]
    );
    let error = serde_json::from_value::<PlaybackRestrictionClaims>(json!({"iat": 1, "maxu": 0}))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`accid` is required") && error.contains("`maxu`"),
        "{error}"
    );
}

#[test]
fn access_rules_decode_into_their_typed_field_and_are_written_back() {
    let object = json!({
        "accid": "acct", "iat": 1_700_000_000, "exp": 1_700_003_600, "prid": "rights-1",
        "accessRules": [
            { "type": "ip.geoip.country", "action": "allow", "country": ["FR"] },
            { "type": "any", "action": "block" }
        ]
    });
    let Value::Object(map) = object.clone() else {
        unreachable!()
    };
    let claims = PlaybackRestrictionClaims::from_json_object(map).unwrap();
    let rules = claims.access_rules.as_ref().unwrap();
    assert_eq!(rules.rules().len(), 2);
    assert!(
        claims.extra.is_empty(),
        "a known claim never lands in extra"
    );
    assert_eq!(serde_json::to_value(&claims).unwrap(), object);
    // The builder writes the same claim, checked by the same rules.
    let built = PlaybackRestrictionClaims::builder("acct", now())
        .access_rules(rules)
        .build()
        .unwrap();
    assert_eq!(built.access_rules.as_ref(), Some(rules));
    // Playback rights are level 1.
    assert!(claims.validate_for_level(SecurityLevel::One).is_ok());
}

#[test]
fn a_malformed_access_rule_is_a_typed_violation_among_the_others() {
    let Value::Object(map) = json!({
        "accid": "acct", "iat": "soon",
        "accessRules": [{ "type": "ip.src", "action": "block", "ip": ["10.0.0.0/33"] }]
    }) else {
        unreachable!()
    };
    let violations = PlaybackRestrictionClaims::from_json_object(map).unwrap_err();
    assert_eq!(violations.len(), 2);
    assert!(violations.iter().any(|v| matches!(
        v,
        Violation::InvalidAccessRule {
            index: 0,
            error: crate::AccessRuleError::InvalidIpRange {
                error: crate::IpRangeError::InvalidPrefix { max: 32 },
                ..
            },
        }
    )));
    assert!(violations.mentions(names::ACCESS_RULES));
}
