//! Every rule of the static URL delivery claims (SPEC §2.1): a passing and a failing value.
#![allow(clippy::unwrap_used)]

use crate::common::{Case, check_cases, object, violations};
use playback_auth_claims::{NumericDate, StaticUrlClaims, Violation};
use serde_json::json;

fn base() -> serde_json::Value {
    json!({ "accid": "acct-1", "iat": 1_700_000_000, "exp": 1_700_003_600 })
}

#[test]
fn every_rule() {
    let wrong = |claim, expected| Violation::WrongType { claim, expected };
    check_cases::<StaticUrlClaims>(
        &base(),
        vec![
            Case {
                claim: "accid",
                valid: json!("a"),
                invalid: json!(null),
                expected: wrong("accid", "a string"),
            },
            Case {
                claim: "iat",
                valid: json!(1_700_000_000.25),
                invalid: json!("now"),
                expected: wrong("iat", "a number"),
            },
            Case {
                claim: "exp",
                valid: json!(1_700_000_600),
                invalid: json!(false),
                expected: wrong("exp", "a number"),
            },
            Case {
                claim: "exp",
                valid: json!(1_700_000_000 + 2_592_000),
                invalid: json!(1_700_000_000 + 2_592_001),
                expected: Violation::ExpiryTooFar {
                    iat: NumericDate::from_secs(1_700_000_000).unwrap(),
                    exp: NumericDate::from_secs(1_700_000_000 + 2_592_001).unwrap(),
                    max: 2_592_000,
                },
            },
            Case {
                claim: "exp",
                valid: json!(1_700_000_600),
                invalid: json!(1e300),
                expected: Violation::DateOutOfRange { claim: "exp" },
            },
            Case {
                claim: "drules",
                valid: json!(["r1"]),
                invalid: json!("r1"),
                expected: wrong("drules", "an array of strings"),
            },
            Case {
                claim: "conid",
                valid: json!("video-1"),
                invalid: json!(["video-1"]),
                expected: wrong("conid", "a string"),
            },
            Case {
                claim: "pro",
                valid: json!("widevine"),
                invalid: json!(1),
                expected: wrong("pro", "a string"),
            },
            Case {
                claim: "vod",
                valid: json!({"ssai": "cfg"}),
                invalid: json!(["cfg"]),
                expected: wrong("vod", "an object"),
            },
            Case {
                claim: "vod",
                valid: json!({}),
                invalid: json!({"ssai": false}),
                expected: wrong("vod.ssai", "a string"),
            },
        ],
    );
}

#[test]
fn accid_is_required() {
    let mut payload = object(base());
    payload.remove("accid");
    assert_eq!(
        violations::<StaticUrlClaims>(payload),
        vec![Violation::MissingClaim { claim: "accid" }]
    );
}
