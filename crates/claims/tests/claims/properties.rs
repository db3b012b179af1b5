//! Property tests: generated valid claim sets validate and round-trip exactly; arbitrary JSON
//! never panics; breaking one rule is reported as exactly that rule.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use playback_auth_claims::{
    ClaimSet, ConcurrencyBehavior, NumericDate, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims, TimeWindow, Violation, names,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const UID_CHARS: &str = "[A-Za-z0-9=/,@_.+-]{1,64}";

fn behaviour() -> impl Strategy<Value = ConcurrencyBehavior> {
    prop_oneof![
        Just(ConcurrencyBehavior::EvictOldest),
        Just(ConcurrencyBehavior::BlockNew),
        Just(ConcurrencyBehavior::BlockNewUser),
    ]
}

prop_compose! {
    fn restriction()(
        iat in 0i64..4_000_000_000,
        lifetime in 1u64..=2_592_000,
        accid in "[a-z0-9]{1,12}",
        conid in proptest::option::of("[0-9]{1,13}"),
        vids in proptest::option::of(proptest::collection::vec("\\PC{0,8}", 0..4)),
        tags in proptest::option::of(proptest::collection::vec("\\PC{0,8}", 0..4)),
        ua in proptest::option::of("\\PC{0,40}"),
        maxip in proptest::option::of(1u32..=u32::MAX),
        maxu in proptest::option::of(1u32..=u32::MAX),
        uid in proptest::option::of(UID_CHARS),
        climit in proptest::option::of(1u32..100),
        dlimit in proptest::option::of(1u32..100),
        cbeh in behaviour(),
        extra in proptest::collection::btree_map("x-[a-z]{1,6}", any::<i32>(), 0..3),
    ) -> PlaybackRestrictionClaims {
        let mut b = PlaybackRestrictionClaims::builder(accid, NumericDate::from_secs(iat).unwrap())
            .valid_for(Duration::from_secs(lifetime))
            .concurrency_behavior(cbeh);
        if let Some(v) = conid { b = b.content_id(v) }
        if let Some(v) = vids { b = b.video_ids(v) }
        if let Some(v) = tags { b = b.tags(v) }
        if let Some(v) = ua { b = b.user_agent(v) }
        if let Some(v) = maxip { b = b.max_ips(v) }
        if let Some(v) = maxu { b = b.max_uses(v) }
        // A limit needs a uid: generate one whenever a limit is set.
        let uid = uid.or_else(|| (climit.is_some() || dlimit.is_some()).then(|| "u".to_owned()));
        if let Some(v) = uid { b = b.user(v) }
        if let Some(v) = climit { b = b.concurrent_streams(v) }
        if let Some(v) = dlimit { b = b.device_limit(v) }
        for (k, v) in extra { b = b.claim(k, v) }
        b.build().unwrap()
    }
}

/// Any JSON value, with object keys often drawn from the known claim names.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(vec![
            names::ACCID,
            names::IAT,
            names::EXP,
            names::NBF,
            names::UID,
            names::CLIMIT,
            names::DLIMIT,
            names::MAXU,
            names::MAXIP,
            names::CBEH,
            names::VOD,
            names::PRO,
            names::TAGS,
            names::VIDS,
            names::CHANNEL_ARN,
            names::ALLOW_ORIGIN,
            names::SINGLE_USE_UUID,
            names::VIEWER_ID,
            names::VIEWER_SESSION_VERSION,
            names::MAXIMUM_RESOLUTION,
            names::STRICT_ORIGIN,
        ])
        .prop_map(str::to_owned),
        "\\PC{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,70}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..10)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn exercise<C: ClaimSet>(value: &Value) {
    if let Value::Object(object) = value
        && let Ok(claims) = C::from_json_object(object.clone())
    {
        let _ = claims.validate();
        let now = TimeWindow::at(NumericDate::from_secs(1_700_000_000).unwrap());
        let _ = claims.time_claims().check_at(&now);
        // Whatever decodes re-encodes, and decodes to the same value again.
        let encoded = claims.to_json_object().unwrap();
        let again = C::from_json_object(encoded.clone()).unwrap();
        assert_eq!(again.to_json_object().unwrap(), encoded);
    }
    let _ = C::from_json_slice(value.to_string().as_bytes());
}

/// One way to break one rule: the claim, its bad value, and what must be reported.
type Mutation = (&'static str, Value, fn(&Violation) -> bool);

fn mutations() -> Vec<Mutation> {
    vec![
        ("accid", json!(1), |v| {
            matches!(v, Violation::WrongType { claim: "accid", .. })
        }),
        ("iat", json!("0"), |v| {
            matches!(v, Violation::WrongType { claim: "iat", .. })
        }),
        ("exp", json!(-1), |v| {
            matches!(v, Violation::DateOutOfRange { claim: "exp" })
        }),
        ("exp", json!(9_000_000_000i64), |v| {
            matches!(v, Violation::ExpiryTooFar { .. })
        }),
        ("nbf", json!(true), |v| {
            matches!(v, Violation::WrongType { claim: "nbf", .. })
        }),
        ("tags", json!([1]), |v| {
            matches!(v, Violation::WrongType { claim: "tags", .. })
        }),
        ("vids", json!("v"), |v| {
            matches!(v, Violation::WrongType { claim: "vids", .. })
        }),
        ("ua", json!(null), |v| {
            matches!(v, Violation::WrongType { claim: "ua", .. })
        }),
        ("maxip", json!(0), |v| {
            matches!(v, Violation::NotPositive { claim: "maxip", .. })
        }),
        ("maxu", json!(1.5), |v| {
            matches!(v, Violation::NotAnInteger { claim: "maxu" })
        }),
        ("uid", json!("a b"), |v| {
            matches!(v, Violation::InvalidUid(_))
        }),
        ("cbeh", json!("NEW"), |v| {
            matches!(v, Violation::UnknownValue { claim: "cbeh", .. })
        }),
        ("climit", json!(-2), |v| {
            matches!(
                v,
                Violation::NotPositive {
                    claim: "climit",
                    value: -2
                }
            )
        }),
        ("dlimit", json!(5_000_000_000i64), |v| {
            matches!(
                v,
                Violation::IntegerTooLarge {
                    claim: "dlimit",
                    ..
                }
            )
        }),
        ("drules", json!({}), |v| {
            matches!(
                v,
                Violation::WrongType {
                    claim: "drules",
                    ..
                }
            )
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_restriction_claims_validate_and_round_trip_exactly(claims in restriction()) {
        prop_assert!(claims.validate().is_ok());
        let text = serde_json::to_string(&claims).unwrap();
        let decoded = PlaybackRestrictionClaims::from_json_slice(text.as_bytes()).unwrap();
        prop_assert_eq!(&decoded, &claims);
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        exercise::<PlaybackRestrictionClaims>(&value);
        exercise::<StaticUrlClaims>(&value);
        exercise::<PrivateChannelClaims>(&value);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = PlaybackRestrictionClaims::from_json_slice(&bytes);
        let _ = StaticUrlClaims::from_json_slice(&bytes);
        let _ = PrivateChannelClaims::from_json_slice(&bytes);
    }

    #[test]
    fn breaking_one_rule_reports_exactly_that_rule(
        claims in restriction(),
        which in any::<prop::sample::Index>(),
    ) {
        let all = mutations();
        let (claim, bad, is_expected) = &all[which.index(all.len())];
        let mut object = claims.to_json_object().unwrap();
        if *claim == "exp" || *claim == "climit" || *claim == "dlimit" {
            object.insert("uid".into(), json!("u"));
        }
        object.insert((*claim).to_owned(), bad.clone());
        let found = match PlaybackRestrictionClaims::from_json_object(object) {
            Ok(decoded) => decoded.validate().err().map(|v| v.into_vec()).unwrap_or_default(),
            Err(violations) => violations.into_vec(),
        };
        prop_assert_eq!(found.len(), 1, "{} = {}: {:?}", claim, bad, found);
        prop_assert!(is_expected(&found[0]), "{} = {}: {:?}", claim, bad, found);
    }
}
