//! Every rule of the playback restriction claims (SPEC §2.2): a passing and a failing value.
#![allow(clippy::unwrap_used)]

use crate::common::{Case, check_cases, object, violations};
use playback_auth_claims::{
    ClaimSet, NumericDate, PlaybackRestrictionClaims, SecurityLevel, UidError, Violation,
};
use serde_json::json;

type Claims = PlaybackRestrictionClaims;

fn base() -> serde_json::Value {
    json!({ "accid": "acct-1", "iat": 1_700_000_000, "exp": 1_700_003_600 })
}

fn string_rule(claim: &'static str) -> Case {
    Case {
        claim,
        valid: json!("value"),
        invalid: json!(7),
        expected: Violation::WrongType {
            claim,
            expected: "a string",
        },
    }
}

fn strings_rule(claim: &'static str) -> Case {
    Case {
        claim,
        valid: json!(["a", "b"]),
        invalid: json!(["a", 1]),
        expected: Violation::WrongType {
            claim,
            expected: "an array of strings",
        },
    }
}

fn date_rule(claim: &'static str) -> Case {
    Case {
        claim,
        valid: json!(1_700_000_100.5),
        invalid: json!("1700000100"),
        expected: Violation::WrongType {
            claim,
            expected: "a number",
        },
    }
}

fn count_rules(claim: &'static str) -> Vec<Case> {
    vec![
        Case {
            claim,
            valid: json!(1),
            invalid: json!(0),
            expected: Violation::NotPositive { claim, value: 0 },
        },
        Case {
            claim,
            valid: json!(5),
            invalid: json!(-3),
            expected: Violation::NotPositive { claim, value: -3 },
        },
        Case {
            claim,
            valid: json!(5),
            invalid: json!(2.5),
            expected: Violation::NotAnInteger { claim },
        },
        Case {
            claim,
            valid: json!(5),
            invalid: json!(5.0),
            expected: Violation::NotAnInteger { claim },
        },
        Case {
            claim,
            valid: json!(u32::MAX),
            invalid: json!(u64::from(u32::MAX) + 1),
            expected: Violation::IntegerTooLarge {
                claim,
                max: u64::from(u32::MAX),
            },
        },
        Case {
            claim,
            valid: json!(2),
            invalid: json!("2"),
            expected: Violation::WrongType {
                claim,
                expected: "an integer",
            },
        },
    ]
}

#[test]
fn general_claims() {
    let mut cases = vec![
        string_rule("accid"),
        date_rule("iat"),
        date_rule("exp"),
        date_rule("nbf"),
        Case {
            claim: "exp",
            valid: json!(1_700_000_000 + 2_592_000),
            invalid: json!(1_700_000_001 + 2_592_000),
            expected: Violation::ExpiryTooFar {
                iat: NumericDate::from_secs(1_700_000_000).unwrap(),
                exp: NumericDate::from_secs(1_700_000_001 + 2_592_000).unwrap(),
                max: 2_592_000,
            },
        },
        Case {
            claim: "nbf",
            valid: json!(0),
            invalid: json!(-1),
            expected: Violation::DateOutOfRange { claim: "nbf" },
        },
    ];
    cases.push(Case {
        claim: "iat",
        valid: json!(1_700_000_000),
        invalid: json!(true),
        expected: Violation::WrongType {
            claim: "iat",
            expected: "a number",
        },
    });
    check_cases::<Claims>(&base(), cases);
}

#[test]
fn accid_and_iat_are_required_exp_is_not() {
    let mut no_accid = object(base());
    no_accid.remove("accid");
    assert_eq!(
        violations::<Claims>(no_accid),
        vec![Violation::MissingClaim { claim: "accid" }]
    );
    let mut no_iat = object(base());
    no_iat.remove("iat");
    assert_eq!(
        violations::<Claims>(no_iat),
        vec![Violation::MissingClaim { claim: "iat" }]
    );
    let mut no_exp = object(base());
    no_exp.remove("exp");
    assert!(
        violations::<Claims>(no_exp).is_empty(),
        "exp is the verifier's to require"
    );
}

#[test]
fn playback_rights_claims() {
    check_cases::<Claims>(
        &base(),
        vec![
            string_rule("prid"),
            strings_rule("tags"),
            strings_rule("vids"),
        ],
    );
}

#[test]
fn licence_key_protection_claims() {
    let mut cases = vec![string_rule("ua"), string_rule("conid")];
    cases.extend(count_rules("maxip"));
    cases.extend(count_rules("maxu"));
    check_cases::<Claims>(&base(), cases);
}

#[test]
fn stream_concurrency_claims() {
    let with_uid = json!({ "accid": "a", "iat": 1_700_000_000, "uid": "u-1" });
    let mut cases = vec![
        Case {
            claim: "uid",
            valid: json!("user.name+tag@example.com"),
            invalid: json!("user name"),
            expected: Violation::InvalidUid(UidError::InvalidCharacter {
                character: ' ',
                position: 4,
            }),
        },
        Case {
            claim: "uid",
            valid: json!("x".repeat(64)),
            invalid: json!("x".repeat(65)),
            expected: Violation::InvalidUid(UidError::TooLong { len: 65 }),
        },
        Case {
            claim: "uid",
            valid: json!("x"),
            invalid: json!(""),
            expected: Violation::InvalidUid(UidError::Empty),
        },
        Case {
            claim: "uid",
            valid: json!("x"),
            invalid: json!(42),
            expected: Violation::WrongType {
                claim: "uid",
                expected: "a string",
            },
        },
        Case {
            claim: "cbeh",
            valid: json!("BLOCK_NEW"),
            invalid: json!("block_new"),
            expected: Violation::UnknownValue {
                claim: "cbeh",
                value: "block_new".into(),
                allowed: &["BLOCK_NEW", "BLOCK_NEW_USER"],
            },
        },
        Case {
            claim: "cbeh",
            valid: json!("BLOCK_NEW_USER"),
            invalid: json!("EVICT_OLDEST"),
            expected: Violation::UnknownValue {
                claim: "cbeh",
                value: "EVICT_OLDEST".into(),
                allowed: &["BLOCK_NEW", "BLOCK_NEW_USER"],
            },
        },
        string_rule("sid"),
    ];
    cases.extend(count_rules("climit"));
    cases.extend(count_rules("dlimit"));
    check_cases::<Claims>(&with_uid, cases);
}

#[test]
fn climit_and_dlimit_require_uid() {
    for claim in ["climit", "dlimit"] {
        let mut payload = object(base());
        payload.insert(claim.into(), json!(2));
        assert_eq!(
            violations::<Claims>(payload.clone()),
            vec![Violation::ClaimRequires {
                claim: if claim == "climit" {
                    "climit"
                } else {
                    "dlimit"
                },
                requires: "uid"
            }]
        );
        payload.insert("uid".into(), json!("u-1"));
        assert!(violations::<Claims>(payload).is_empty());
    }
}

#[test]
fn delivery_rules_claim() {
    check_cases::<Claims>(&base(), vec![strings_rule("drules")]);
}

#[test]
fn absent_cbeh_means_evict_oldest_and_stays_absent() {
    let claims = Claims::from_json_object(object(base())).unwrap();
    assert_eq!(
        claims.cbeh,
        playback_auth_claims::ConcurrencyBehavior::EvictOldest
    );
    assert!(!claims.to_json_object().unwrap().contains_key("cbeh"));
}

#[test]
fn security_levels_report_every_claim_they_do_not_allow() {
    let payload = json!({
        "accid": "a", "iat": 1_700_000_000, "exp": 1_700_000_600,
        "prid": "p", "tags": ["t"], "vids": ["v"], "drules": ["d"], "custom": 1,
        "ua": "UA", "conid": "c", "maxip": 2, "maxu": 3,
        "uid": "u", "climit": 2, "cbeh": "BLOCK_NEW", "sid": "s", "dlimit": 2
    });
    let claims = Claims::from_json_object(object(payload)).unwrap();
    assert!(claims.validate_for_level(SecurityLevel::Three).is_ok());

    let level2: Vec<_> = claims
        .validate_for_level(SecurityLevel::Two)
        .unwrap_err()
        .into_vec();
    let expected2: Vec<_> = ["uid", "climit", "cbeh", "sid", "dlimit"]
        .map(|claim| Violation::NotAllowedAtLevel {
            claim,
            level: SecurityLevel::Two,
        })
        .into();
    assert_eq!(level2, expected2);

    let level1: Vec<_> = claims
        .validate_for_level(SecurityLevel::One)
        .unwrap_err()
        .into_vec();
    let expected1: Vec<_> = [
        "ua", "conid", "maxip", "maxu", "uid", "climit", "cbeh", "sid", "dlimit",
    ]
    .map(|claim| Violation::NotAllowedAtLevel {
        claim,
        level: SecurityLevel::One,
    })
    .into();
    assert_eq!(level1, expected1);
}

#[test]
fn level_one_allows_general_and_playback_rights() {
    let payload = json!({ "accid": "a", "iat": 1, "exp": 2, "nbf": 1, "prid": "p", "tags": ["t"], "vids": ["v"] });
    let claims = Claims::from_json_object(object(payload)).unwrap();
    assert!(claims.validate_for_level(SecurityLevel::One).is_ok());
}

#[test]
fn decoding_reports_every_malformed_claim_at_once() {
    let payload = json!({ "iat": "x", "maxu": 0, "uid": "bad uid", "cbeh": "nope", "tags": "t" });
    let found = violations::<Claims>(object(payload));
    assert_eq!(found.len(), 6, "{found:?}");
    for claim in ["accid", "iat", "maxu", "uid", "cbeh", "tags"] {
        assert!(
            found.iter().any(|v| v.claim() == claim),
            "{claim} missing from {found:?}"
        );
    }
}

#[test]
fn validate_reports_every_cross_claim_violation_at_once() {
    let payload = json!({ "accid": "a", "iat": 0, "exp": 9_999_999, "climit": 1, "dlimit": 1 });
    let found = violations::<Claims>(object(payload));
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn known_claims_smuggled_into_extra_are_reported() {
    let mut claims = Claims::from_json_object(object(base())).unwrap();
    claims.extra.insert("climit".into(), json!(0));
    assert_eq!(
        claims.validate().unwrap_err().into_vec(),
        vec![Violation::KnownClaimInExtra {
            claim: "climit".into()
        }]
    );
    claims.extra.insert("accid".into(), json!("other"));
    assert_eq!(
        claims.to_json_object().unwrap_err(),
        Violation::KnownClaimInExtra {
            claim: "accid".into()
        }
    );
}
