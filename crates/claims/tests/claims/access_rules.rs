//! `accessRules`, `CountryCode` and `IpRange` as parsers: never a panic, a strict round trip,
//! and the claim's place among the claim sets (level 1, refused outside restriction tokens).
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use playback_auth_claims::{
    AccessRules, ClaimSet, CountryCode, IpRange, NumericDate, PlaybackRestrictionClaims,
    PrivateChannelClaims, SecurityLevel, StaticUrlClaims, Violation, names,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Arbitrary JSON, a few levels deep, with the rule vocabulary mixed in.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        proptest::sample::select(vec![
            "type",
            "action",
            "country",
            "ip",
            "allow",
            "block",
            "any",
            "ip.src",
            "ip.geoip.country",
            "FR",
            "UK",
            "10.0.0.0/8",
            "2001:db8::/32",
            "::ffff:1.2.3.4",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                proptest::sample::select(vec!["type", "action", "country", "ip", "other"]),
                inner,
                0..5,
            )
            .prop_map(|map| Value::Object(
                map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn valid_rules() -> impl Strategy<Value = Value> {
    let country = proptest::sample::select(vec!["FR", "DE", "US", "GB", "JP", "XK"]);
    let range = prop_oneof![
        (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
            let masked = if p == 0 {
                0
            } else {
                a & (u32::MAX << (32 - p))
            };
            format!("{}/{p}", std::net::Ipv4Addr::from(masked))
        }),
        any::<u128>().prop_map(|a| std::net::Ipv6Addr::from(a).to_string()),
    ];
    let action = proptest::sample::select(vec!["allow", "block"]);
    let rule = prop_oneof![
        (action.clone(), proptest::collection::vec(country, 1..4))
            .prop_map(|(a, c)| json!({ "type": "ip.geoip.country", "action": a, "country": c })),
        (action.clone(), proptest::collection::vec(range, 1..4))
            .prop_map(|(a, ip)| json!({ "type": "ip.src", "action": a, "ip": ip })),
        action.prop_map(|a| json!({ "type": "any", "action": a })),
    ];
    proptest::collection::vec(rule, 1..6).prop_map(Value::from)
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics_and_what_decodes_writes_back_the_same(value in arbitrary_json()) {
        if let Ok(rules) = AccessRules::from_json(value) {
            prop_assert_eq!(AccessRules::from_json(rules.to_json()).unwrap(), rules);
        }
    }

    #[test]
    fn valid_rule_lists_decode_and_round_trip(value in valid_rules()) {
        let rules = AccessRules::from_json(value).unwrap();
        prop_assert_eq!(AccessRules::from_json(rules.to_json()).unwrap(), rules);
    }

    #[test]
    fn country_codes_and_ranges_never_panic_and_round_trip(text in "\\PC{0,20}", address in any::<u128>(), prefix in 0u8..=140) {
        if let Ok(code) = CountryCode::parse(&text) {
            prop_assert_eq!(code.as_str(), text.as_str());
        }
        if let Ok(range) = IpRange::parse(&text) {
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
        }
        let written = format!("{}/{prefix}", std::net::Ipv6Addr::from(address));
        if let Ok(range) = IpRange::parse(&written) {
            prop_assert!(prefix <= 128);
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
            // A range contains its own network address.
            prop_assert!(range.contains(range.network()));
        }
        let host = IpRange::from_address(IpAddr::from(std::net::Ipv6Addr::from(address)));
        prop_assert!(host.contains(IpAddr::from(std::net::Ipv6Addr::from(address))));
    }
}

#[test]
fn access_rules_belong_to_restriction_tokens_at_level_one() {
    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    let rules = AccessRules::from_json(json!([{ "type": "any", "action": "block" }])).unwrap();
    let claims = PlaybackRestrictionClaims::builder("acct", now)
        .access_rules(&rules)
        .build()
        .unwrap();
    assert_eq!(
        SecurityLevel::required_for(names::ACCESS_RULES),
        Some(SecurityLevel::One)
    );
    assert!(claims.validate_for_level(SecurityLevel::One).is_ok());
    // A static URL token with the claim is refused, not decoded with the rules dropped.
    let Value::Object(payload) = json!({
        "accid": "acct", "exp": 1_700_003_600,
        "accessRules": [{ "type": "any", "action": "block" }]
    }) else {
        unreachable!()
    };
    let claims = StaticUrlClaims::from_json_object(payload).unwrap();
    let violations = claims.validate().unwrap_err();
    assert!(violations.iter().any(|v| matches!(
        v,
        Violation::ForeignClaim {
            claim: "accessRules",
            ..
        }
    )));
    // So is a private-channel token.
    let Value::Object(payload) = json!({
        "aws:channel-arn": "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH1234",
        "exp": 1_700_003_600,
        "accessRules": [{ "type": "any", "action": "block" }]
    }) else {
        unreachable!()
    };
    let claims = PrivateChannelClaims::from_json_object(payload).unwrap();
    assert!(claims.validate().unwrap_err().iter().any(|v| matches!(
        v,
        Violation::ForeignClaim {
            claim: "accessRules",
            ..
        }
    )));
}
