//! `ClaimSet::decode_payload`: the one-pass decoders (restriction claims, and playback claims
//! of the restriction kind) against the object path (`ClaimsObject` and
//! `from_claims_object`) on generated payload text — duplicates, escaped names, wrong types,
//! arrays that are almost arrays of strings, nesting, foreign claims, broken JSON. Both must
//! accept and refuse the same bytes with the same error, see the same members and time
//! claims, and decode the same claims or the same violations in the same order.
#![allow(clippy::unwrap_used, clippy::panic)]

use playback_auth_claims::{
    ClaimSet, ClaimsObject, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims, TimeClaims, Violation, names,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Every known claim name (some in two sets), and a few others.
fn names() -> Vec<&'static str> {
    [
        PlaybackRestrictionClaims::KNOWN_CLAIMS,
        StaticUrlClaims::KNOWN_CLAIMS,
        PrivateChannelClaims::KNOWN_CLAIMS,
        &[names::JTI, "x", "sub"],
    ]
    .concat()
}

/// A value of the right shape for `name` most of the time, anything else otherwise.
fn value_for(name: &'static str) -> BoxedStrategy<String> {
    let good: BoxedStrategy<Value> = match name {
        "iat" | "exp" | "nbf" => (1_699_990_000i64..1_700_100_000)
            .prop_map(Value::from)
            .boxed(),
        "maxip" | "maxu" | "climit" | "dlimit" => (0i64..5).prop_map(Value::from).boxed(),
        "tags" | "vids" | "drules" => proptest::collection::vec("[a-z]{0,4}", 0..4)
            .prop_map(|items| json!(items))
            .boxed(),
        "cbeh" => prop::sample::select(vec!["BLOCK_NEW", "BLOCK_NEW_USER", "x"])
            .prop_map(Value::from)
            .boxed(),
        "accessRules" => Just(json!([{ "type": "any", "action": "allow" }])).boxed(),
        "vod" => Just(json!({ "ssai": "cfg" })).boxed(),
        "aws:channel-arn" => Just(json!("arn:aws:ivs:eu-west-1:000000000000:channel/x1")).boxed(),
        "aws:access-control-allow-origin" => Just(json!("https://a.example")).boxed(),
        "aws:strict-origin-enforcement" => any::<bool>().prop_map(Value::from).boxed(),
        "aws:single-use-uuid" => Just(json!("a1b2c3d4-0000-4000-8000-000000000001")).boxed(),
        "aws:viewer-session-version" => (0i64..3).prop_map(Value::from).boxed(),
        "aws:maximum-resolution" => prop::sample::select(vec!["SD", "HD", "FULL_HD", "4K"])
            .prop_map(Value::from)
            .boxed(),
        _ => "[a-z0-9]{0,6}".prop_map(Value::from).boxed(),
    };
    let odd = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        // Arrays of strings but for one member.
        ("[a-z]{0,3}", any::<i32>()).prop_map(|(s, n)| json!([s, n, "z"])),
        Just(json!([[]])),
        Just(json!({ "k": ["v"] })),
    ];
    let value = prop_oneof![4 => good, 1 => odd.boxed()];
    // Raw text too: a nested duplicate, a value nested too deep, broken JSON.
    prop_oneof![
        60 => value.prop_map(|value| value.to_string()),
        1 => Just(r#"{"a":1,"a":2}"#.to_owned()),
        1 => Just(format!("{}1{}", "[".repeat(40), "]".repeat(40))),
        1 => Just("[1,".to_owned()),
    ]
    .boxed()
}

/// A member name as written: usually plain, sometimes with its first character escaped.
fn written(name: &str, escaped: bool) -> String {
    match name.chars().next() {
        Some(first) if escaped => {
            format!(
                "\"\\u{:04x}{}\"",
                u32::from(first),
                &name[first.len_utf8()..]
            )
        }
        _ => Value::from(name).to_string(),
    }
}

prop_compose! {
    fn payload()(
        members in proptest::collection::vec(
            (prop::sample::select(names()), any::<bool>(), 0u8..10)
                .prop_flat_map(|(name, escaped, spacing)| {
                    value_for(name).prop_map(move |value| (name, escaped && spacing == 0, value))
                }),
            0..14,
        ),
        not_an_object in 0u8..40,
        core in 0usize..6,
    ) -> String {
        if not_an_object == 0 {
            return "[1,2]".to_owned();
        }
        // Most payloads start as a valid token of one of the sets, so many of them decode.
        let core = [
            r#""accid":"a","iat":1700000000,"exp":1700003600"#,
            r#""accid":"a","iat":1700000000,"exp":1700003600,"maxu":2"#,
            r#""accid":"a","exp":1700003600,"pro":"p""#,
            r#""aws:channel-arn":"arn:aws:ivs:eu-west-1:000000000000:channel/x1","exp":1700003600"#,
        ]
        .get(core)
        .map(|core| (*core).to_owned());
        let members: Vec<String> = core
            .into_iter()
            .chain(
                members
                    .iter()
                    .map(|(name, escaped, value)| format!("{}: {value}", written(name, *escaped))),
            )
            .collect();
        format!("{{{}}}", members.join(","))
    }
}

/// What the object path decides for `text`, and every one-pass path must decide alike.
fn same_as_object_path(text: &str) {
    agrees::<PlaybackRestrictionClaims>(text);
    agrees::<StaticUrlClaims>(text);
    agrees::<PrivateChannelClaims>(text);
    agrees::<PlaybackClaims>(text);
}

/// `C::decode_payload` against `ClaimsObject::from_json_slice` then
/// `C::from_claims_object`: the same error, members, time claims, and claims or violations;
/// serde and `from_json_slice` agree too.
fn agrees<C>(text: &str)
where
    C: ClaimSet + Clone + PartialEq + std::fmt::Debug + serde::de::DeserializeOwned,
{
    let bytes = text.as_bytes();
    let serde = serde_json::from_str::<C>(text);
    let sliced = C::from_json_slice(bytes);
    match (
        ClaimsObject::from_json_slice(bytes),
        C::decode_payload(bytes),
    ) {
        (Err(expected), Err(found)) => {
            assert_eq!(found.to_string(), expected.to_string(), "{text}");
            assert!(serde.is_err() && sliced.is_err(), "{text}");
        }
        (Ok(object), Ok(payload)) => {
            for name in names() {
                assert_eq!(
                    payload.contains_key(name),
                    object.contains_key(name),
                    "{name} in {text}"
                );
            }
            let mut members: Vec<&str> = object.member_names().collect();
            let mut found = payload.member_names();
            members.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, members, "{text}");
            assert_eq!(
                payload.time_claims(),
                TimeClaims::from_claims_object(&object),
                "{text}"
            );
            let expected = C::from_claims_object(object);
            assert_eq!(payload.into_claims(), expected, "{text}");
            assert_eq!(serde.ok(), expected.clone().ok(), "{text}");
            assert_eq!(sliced.ok(), expected.ok(), "{text}");
        }
        (object, payload) => panic!("{text}: {object:?} / {payload:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn one_pass_decoding_equals_the_object_path(text in payload()) {
        same_as_object_path(&text);
    }
}

#[test]
fn violations_come_in_field_order_whatever_the_member_order() {
    let text = r#"{"drules":[1],"cbeh":"x","maxu":0,"tags":"t","exp":"soon","nbf":-1}"#;
    same_as_object_path(text);
    let violations = PlaybackRestrictionClaims::decode_payload(text.as_bytes())
        .unwrap()
        .into_claims()
        .unwrap_err();
    let claims: Vec<&str> = violations
        .iter()
        .map(|violation| match violation {
            Violation::MissingClaim { claim }
            | Violation::WrongType { claim, .. }
            | Violation::DateOutOfRange { claim }
            | Violation::NotPositive { claim, .. }
            | Violation::UnknownValue { claim, .. } => *claim,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        claims,
        [
            "accid", "iat", "exp", "nbf", "tags", "maxu", "cbeh", "drules"
        ]
    );
}

#[test]
fn a_time_claim_of_the_wrong_type_is_reported_before_the_claim_set_is_decoded() {
    let payload =
        PlaybackRestrictionClaims::decode_payload(br#"{"accid":"a","iat":1,"exp":"x","maxu":0}"#)
            .unwrap();
    let times = payload.time_claims().unwrap_err();
    assert_eq!(
        times.iter().collect::<Vec<_>>(),
        [&Violation::WrongType {
            claim: "exp",
            expected: "a number"
        }]
    );
    assert_eq!(payload.into_claims().unwrap_err().iter().count(), 2);
}

#[test]
fn known_claims_of_other_sets_stay_in_extra_in_document_order() {
    let text = r#"{"x":1,"aws:viewer-id":"v","accid":"a","pro":"p","iat":5,"y":[2]}"#;
    same_as_object_path(text);
    let claims = PlaybackRestrictionClaims::from_json_slice(text.as_bytes()).unwrap();
    assert_eq!(
        claims.extra.keys().collect::<Vec<_>>(),
        ["x", "aws:viewer-id", "pro", "y"]
    );
    // … and validation refuses the channel claim a restriction token would not enforce.
    assert!(claims.validate().is_err());
}

#[test]
fn a_duplicate_is_reported_after_an_error_inside_its_value() {
    for text in [
        r#"{"accid":"a","accid":"b"}"#,
        r#"{"tags":["a"],"\u0074ags":["b"]}"#,
        r#"{"tags":["a"],"tags":[{"k":1,"k":2}]}"#,
        r#"{"jti":"a","jti":[1,"#,
        r#"{"uid":"u","uid":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
    ] {
        same_as_object_path(text);
        assert!(PlaybackRestrictionClaims::decode_payload(text.as_bytes()).is_err());
    }
}
