#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::error::{CountryCodeError, IpRangeError};

#[test]
fn the_three_rule_types_decode_and_write_back() {
    let wire = json!([
        { "type": "ip.src", "action": "allow", "ip": ["192.0.2.0/24", "2001:db8::/32"] },
        { "type": "ip.geoip.country", "action": "block", "country": ["FR", "BE"] },
        { "type": "any", "action": "block" }
    ]);
    let rules = AccessRules::from_json(wire.clone()).unwrap();
    assert_eq!(rules.rules().len(), 3);
    assert_eq!(rules.rules()[0].action, RuleAction::Allow);
    assert_eq!(
        rules.rules()[1].target,
        RuleTarget::Country(vec![
            CountryCode::parse("FR").unwrap(),
            CountryCode::parse("BE").unwrap()
        ])
    );
    assert_eq!(rules.rules()[2].target, RuleTarget::Any);
    assert_eq!(rules.to_json(), wire);
}

#[test]
fn malformed_rules_are_refused_with_the_rule_index_and_cause() {
    let cases: Vec<(Value, Violation)> = vec![
        (
            json!({ "type": "any", "action": "block" }),
            Violation::WrongType {
                claim: names::ACCESS_RULES,
                expected: "an array of rules",
            },
        ),
        (
            json!([]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::EmptyList {
                    member: names::ACCESS_RULES,
                },
            },
        ),
        (
            json!([{ "type": "any", "action": "allow" }, "block"]),
            Violation::InvalidAccessRule {
                index: 1,
                error: AccessRuleError::NotAnObject,
            },
        ),
        (
            json!([{ "action": "block" }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::MissingMember { member: "type" },
            },
        ),
        (
            json!([{ "type": "ip.geoip.city", "action": "block" }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::UnknownValue {
                    member: "type",
                    value: "ip.geoip.city".into(),
                    allowed: TYPES,
                },
            },
        ),
        (
            json!([{ "type": "any", "action": "deny" }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::UnknownValue {
                    member: "action",
                    value: "deny".into(),
                    allowed: ACTIONS,
                },
            },
        ),
        (
            json!([{ "type": "any", "action": true }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::WrongType {
                    member: "action",
                    expected: "a string",
                },
            },
        ),
        (
            json!([{ "type": "any", "action": "block", "ip": ["192.0.2.1"] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::UnknownMember {
                    member: "ip".into(),
                },
            },
        ),
        (
            json!([{ "type": "ip.src", "action": "block", "country": ["FR"] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::MissingMember { member: "ip" },
            },
        ),
        (
            json!([{ "type": "ip.src", "action": "block", "ip": [] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::EmptyList { member: "ip" },
            },
        ),
        (
            json!([{ "type": "ip.src", "action": "block", "ip": "192.0.2.0/24" }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::WrongType {
                    member: "ip",
                    expected: "an array of strings",
                },
            },
        ),
        (
            json!([{ "type": "ip.src", "action": "block", "ip": ["192.0.2.1/24"] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::InvalidIpRange {
                    value: "192.0.2.1/24".into(),
                    error: IpRangeError::HostBitsSet {
                        network: "192.0.2.0/24".into(),
                    },
                },
            },
        ),
        (
            json!([{ "type": "ip.geoip.country", "action": "allow", "country": ["FR", "UK"] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::InvalidCountry {
                    value: "UK".into(),
                    error: CountryCodeError::NotAssigned { code: "UK".into() },
                },
            },
        ),
        (
            json!([{ "type": "ip.geoip.country", "action": "allow", "country": [33] }]),
            Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::WrongType {
                    member: "country",
                    expected: "an array of strings",
                },
            },
        ),
    ];
    for (wire, expected) in cases {
        assert_eq!(
            AccessRules::from_json(wire.clone()),
            Err(expected),
            "{wire}"
        );
    }
}

#[test]
fn new_refuses_empty_lists() {
    assert_eq!(
        AccessRules::new(Vec::new()),
        Err(AccessRuleError::EmptyList {
            member: names::ACCESS_RULES
        })
    );
    let empty_countries = AccessRule {
        action: RuleAction::Block,
        target: RuleTarget::Country(Vec::new()),
    };
    assert_eq!(
        AccessRules::new(vec![empty_countries]),
        Err(AccessRuleError::EmptyList { member: "country" })
    );
}
