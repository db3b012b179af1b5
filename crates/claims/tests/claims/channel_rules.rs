//! Every rule of the private-channel claims (SPEC §2.3): a passing and a failing value.

use crate::common::{Case, check_cases, object, violations};
use playback_auth_claims::{ArnPart, PrivateChannelClaims, Violation};
use serde_json::json;

type Claims = PrivateChannelClaims;

fn base() -> serde_json::Value {
    json!({
        "aws:channel-arn": "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        "exp": 1_700_003_600
    })
}

#[test]
fn every_rule() {
    let wrong = |claim, expected| Violation::WrongType { claim, expected };
    check_cases::<Claims>(
        &base(),
        vec![
            Case {
                claim: "aws:channel-arn",
                valid: json!("arn:aws:ivs:eu-west-1:000000000000:channel/x1"),
                invalid: json!("arn:aws:ivs:eu-west-1:000000000000:stage/x1"),
                expected: Violation::InvalidChannelArn {
                    part: ArnPart::Resource,
                },
            },
            Case {
                claim: "aws:channel-arn",
                valid: json!("arn:aws:ivs:eu-west-1:000000000000:channel/x1"),
                invalid: json!(5),
                expected: wrong("aws:channel-arn", "a string"),
            },
            Case {
                claim: "aws:access-control-allow-origin",
                valid: json!("https://a.example,https://b.example"),
                invalid: json!("https://a.example,not an origin"),
                expected: Violation::InvalidOrigin {
                    origin: "not an origin".into(),
                },
            },
            Case {
                claim: "aws:access-control-allow-origin",
                valid: json!("*"),
                invalid: json!(["*"]),
                expected: wrong("aws:access-control-allow-origin", "a string"),
            },
            Case {
                claim: "aws:strict-origin-enforcement",
                valid: json!(true),
                invalid: json!("true"),
                expected: wrong("aws:strict-origin-enforcement", "a boolean"),
            },
            Case {
                claim: "aws:single-use-uuid",
                valid: json!("a1b2c3d4-0000-4000-8000-000000000001"),
                invalid: json!("a1b2c3d4"),
                expected: Violation::InvalidUuid,
            },
            Case {
                claim: "aws:viewer-id",
                valid: json!("x".repeat(40)),
                invalid: json!("x".repeat(41)),
                expected: Violation::InvalidViewerIdLength { len: 41, max: 40 },
            },
            Case {
                claim: "aws:maximum-resolution",
                valid: json!("FULL_HD"),
                invalid: json!("4K"),
                expected: Violation::UnknownValue {
                    claim: "aws:maximum-resolution",
                    value: "4K".into(),
                    allowed: &["SD", "HD", "FULL_HD"],
                },
            },
            Case {
                claim: "exp",
                valid: json!(1_700_000_000.5),
                invalid: json!("soon"),
                expected: wrong("exp", "a number"),
            },
        ],
    );
}

#[test]
fn session_version_is_an_integer_and_needs_a_viewer_id() {
    let with_viewer = json!({
        "aws:channel-arn": "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        "exp": 1_700_003_600,
        "aws:viewer-id": "viewer-1"
    });
    check_cases::<Claims>(
        &with_viewer,
        vec![Case {
            claim: "aws:viewer-session-version",
            valid: json!(3),
            invalid: json!(3.5),
            expected: Violation::NotAnInteger {
                claim: "aws:viewer-session-version",
            },
        }],
    );
    let mut alone = object(base());
    alone.insert("aws:viewer-session-version".into(), json!(3));
    assert_eq!(
        violations::<Claims>(alone),
        vec![Violation::ClaimRequires {
            claim: "aws:viewer-session-version",
            requires: "aws:viewer-id"
        }]
    );
}

#[test]
fn channel_arn_and_exp_are_required() {
    assert_eq!(
        violations::<Claims>(serde_json::Map::new()),
        vec![
            Violation::MissingClaim {
                claim: "aws:channel-arn"
            },
            Violation::MissingClaim { claim: "exp" }
        ]
    );
}
