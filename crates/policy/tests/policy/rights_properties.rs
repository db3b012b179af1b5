//! Property tests: rights evaluation never panics and is deterministic for arbitrary rule
//! sets and requests; rights documents that construct round-trip through their JSON form.
//! (Test code: it builds JSON by indexing the values it just made.)

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use playback_auth_claims::{AccessRules, CountryCode, NumericDate};
use playback_auth_policy::{
    PlaybackRights, RightsDocument, RightsRequest, evaluate_access_rules, evaluate_rights,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Allowed countries are drawn from the start of the list, blocked ones from the end: they
/// overlap on `JP` only, so contradictory documents are generated but not most of the time.
/// (`UK`, not an assigned code, is rare at the end.)
const COUNTRIES: &[&str] = &[
    "FR", "DE", "BE", "US", "JP", "NL", "IT", "ES", "GB", "CA", "AT", "CH", "PL", "SE", "UK",
];
const ZONES: &[&str] = &[
    "Europe/Paris",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Europe/Paris",
    "America/Sao_Paulo",
    "Nowhere/City",
];
const DAYS: &[&str] = &[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon", "tue", "xyz",
];
const SITES: &[&str] = &[
    "example.com",
    "*.example.com",
    "ads.example.com",
    "*.test",
    "evil.test",
    "*.ads.example.com",
    "bad site",
];
const ORIGINS: &[&str] = &[
    "https://www.example.com",
    "https://ads.example.com:8443",
    "http://example.com",
    "null",
    "https://evil.test/x",
    "not a url",
    "https://[2001:db8::1]/",
];

/// Addresses drawn from a few small pools, so rules and requests often overlap.
fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(c, d)| IpAddr::V4(Ipv4Addr::new(10, 0, c, d))),
        (0u8..4, any::<u8>())
            .prop_map(|(c, d)| { IpAddr::V6(Ipv4Addr::new(10, 0, c, d).to_ipv6_mapped()) }),
        (0u16..4, any::<u16>())
            .prop_map(|(g, h)| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, g, 0, 0, 0, 0, h))),
        any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
    ]
}

/// Range text: mostly valid ranges (host bits cleared), sometimes not.
fn range_text() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (address(), 0u8..=128).prop_map(|(a, p)| {
            let max = if a.is_ipv4() { 32 } else { 128 };
            ipnet::IpNet::new(a, p % (max + 1)).unwrap().trunc().to_string()
        }),
        8 => address().prop_map(|a| a.to_string()),
        1 => (address(), 0u8..=130).prop_map(|(a, p)| format!("{a}/{p}")),
        1 => "[0-9./:a-f]{0,12}",
    ]
}

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_owned)
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (0u8..24, 0u8..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => (0u8..26, 0u8..61).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => "[0-9:]{0,6}",
    ]
}

fn document() -> impl Strategy<Value = Value> {
    let geo = (
        proptest::option::of(prop_oneof![Just("allow_all"), Just("block_all")]),
        proptest::collection::vec(pick(&COUNTRIES[..5]), 0..4),
        proptest::collection::vec(pick(&COUNTRIES[4..]), 0..4),
    );
    let ip = (
        proptest::collection::vec(range_text(), 0..6),
        proptest::collection::vec(range_text(), 0..6),
    );
    let domains = (
        proptest::collection::vec(pick(SITES), 0..3),
        proptest::collection::vec(pick(SITES), 0..3),
        proptest::option::of(prop_oneof![Just("allow"), Just("deny")]),
    );
    let window = (proptest::collection::vec(pick(DAYS), 0..4), time(), time());
    let schedule = proptest::option::of((
        proptest::option::of(1_700_000_000i64..1_900_000_000),
        // The end as a length after the start (sometimes zero: refused).
        proptest::option::of(0i64..200_000_000),
        proptest::option::weighted(0.9, pick(ZONES)),
        proptest::collection::vec(window, 0..3),
    ));
    (geo, ip, domains, schedule).prop_map(|(geo, ip, domains, schedule)| {
        let instant =
            |s: Option<i64>| s.map(|s| jiff::Timestamp::from_second(s).unwrap().to_string());
        let mut doc = json!({
            "geo": { "allowed_countries": geo.1, "blocked_countries": geo.2 },
            "ip": { "allowed": ip.0, "blocked": ip.1 },
            "domains": { "allowed": domains.0, "blocked": domains.1 },
        });
        if let Some(global) = geo.0 {
            doc["geo"]["global"] = json!(global);
        }
        if let Some(missing) = domains.2 {
            doc["domains"]["missing_origin"] = json!(missing);
        }
        if let Some((start, end, zone, windows)) = schedule {
            let windows: Vec<Value> = windows
                .into_iter()
                .map(|(days, from, to)| json!({ "days": days, "from": from, "to": to }))
                .collect();
            doc["schedule"] = json!({ "windows": windows });
            if let Some(start) = instant(start) {
                doc["schedule"]["starts_at"] = json!(start);
            }
            if let Some(end) = instant(end.map(|length| start.unwrap_or(1_700_000_000) + length)) {
                doc["schedule"]["ends_at"] = json!(end);
            }
            if let Some(zone) = zone {
                doc["schedule"]["time_zone"] = json!(zone);
            }
        }
        doc
    })
}

fn access_rules() -> impl Strategy<Value = Value> {
    let rule = prop_oneof![
        (any::<bool>(), proptest::collection::vec(pick(COUNTRIES), 0..3)).prop_map(|(allow, c)| {
            json!({ "type": "ip.geoip.country", "action": if allow { "allow" } else { "block" }, "country": c })
        }),
        (any::<bool>(), proptest::collection::vec(range_text(), 0..3)).prop_map(|(allow, ip)| {
            json!({ "type": "ip.src", "action": if allow { "allow" } else { "block" }, "ip": ip })
        }),
        any::<bool>().prop_map(|allow| json!({ "type": "any", "action": if allow { "allow" } else { "block" } })),
    ];
    proptest::collection::vec(rule, 0..5).prop_map(Value::from)
}

fn request_parts()
-> impl Strategy<Value = (IpAddr, Option<String>, Option<String>, Option<String>, i64)> {
    (
        address(),
        proptest::option::of(pick(COUNTRIES)),
        proptest::option::of(pick(ORIGINS)),
        proptest::option::of(pick(ORIGINS)),
        prop_oneof![1_700_000_000i64..1_900_000_000, 0i64..253_402_300_799],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn evaluation_never_panics_and_is_deterministic(
        document in document(),
        rules in access_rules(),
        (ip, country, origin, referer, now) in request_parts(),
    ) {
        let json = serde_json::to_vec(&document).unwrap();
        // Construction refuses or accepts; it never panics.
        let rights = PlaybackRights::from_json("acct-1", "rights-1", &json).ok();
        let rules = AccessRules::from_json(rules).ok();
        let country = country.and_then(|c| CountryCode::parse(&c).ok());
        let mut request = RightsRequest::new(ip, country, NumericDate::from_secs(now).unwrap());
        if let Some(origin) = origin.as_deref() {
            request = request.with_origin(origin);
        }
        if let Some(referer) = referer.as_deref() {
            request = request.with_referer(referer);
        }
        let first = evaluate_rights(rights.as_ref(), rules.as_ref(), &request);
        let second = evaluate_rights(rights.as_ref(), rules.as_ref(), &request);
        prop_assert_eq!(&first, &second);
        // Rebuilt from its own JSON form, the same rights decide the same way.
        if let Some(rights) = &rights {
            let again = PlaybackRights::from_document("acct-1", "rights-1", &rights.to_document()).unwrap();
            prop_assert_eq!(again.evaluate(&request), rights.evaluate(&request));
            let text = serde_json::to_vec(&rights.to_document()).unwrap();
            prop_assert_eq!(RightsDocument::from_json(&text).unwrap(), rights.to_document());
        }
        if let Some(rules) = &rules {
            prop_assert_eq!(evaluate_access_rules(rules, &request), evaluate_access_rules(rules, &request));
        }
    }
}

/// The generators must produce valid rights often, or the property above would only ever
/// see refusals at construction. Runs the property's generator on its own.
#[test]
fn the_generated_documents_often_construct() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = document();
    let built = (0..400)
        .filter(|_| {
            let json =
                serde_json::to_vec(&strategy.new_tree(&mut runner).unwrap().current()).unwrap();
            let r = PlaybackRights::from_json("acct-1", "r", &json);
            r.is_ok()
        })
        .count();
    assert!(
        built >= 100,
        "only {built} of 400 generated documents were valid"
    );
}

/// A geolocation that places every client in one country (or none).
struct Fixed(Option<CountryCode>);

impl playback_auth_policy::GeoLookup for Fixed {
    fn country(&self, _address: IpAddr) -> Option<CountryCode> {
        self.0
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Inside the engine (catalogue rights read from the store, the token's rules, the
    /// country from the authorizer's lookup) a decision is exactly what `evaluate_rights`
    /// decides: allowed when it allows, else refused with its rule and entry.
    #[test]
    fn the_engine_decides_what_the_evaluation_decides(
        document in document(),
        rules in access_rules(),
        (ip, country, origin, referer, now) in request_parts(),
    ) {
        use playback_auth_policy::{Authorizer, DenyReason, MemoryStores, RequestContext, WriteMode};

        let json = serde_json::to_vec(&document).unwrap();
        let rights = PlaybackRights::from_json(crate::common::ACCOUNT, "rights-1", &json).ok();
        let rules = AccessRules::from_json(rules).ok();
        let country = country.and_then(|c| CountryCode::parse(&c).ok());
        let now = NumericDate::from_secs(now).unwrap();
        let mut request = RightsRequest::new(ip, country, now);
        let mut ctx = RequestContext::new(crate::common::ACCOUNT, "video-7", "UA", ip, now);
        if let Some(origin) = origin.as_deref() {
            request = request.with_origin(origin);
            ctx = ctx.with_origin(origin);
        }
        if let Some(referer) = referer.as_deref() {
            request = request.with_referer(referer);
            ctx = ctx.with_referer(referer);
        }
        if rights.is_some() {
            ctx = ctx.with_content_rights("rights-1");
        }
        let expected = evaluate_rights(rights.as_ref(), rules.as_ref(), &request);
        let token = crate::common::restriction("property", |b| match &rules {
            Some(rules) => b.access_rules(rules),
            None => b,
        });
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let decision = runtime.block_on(async {
            let authorizer = Authorizer::builder(MemoryStores::new()).geo_lookup(Fixed(country)).build();
            if let Some(rights) = &rights {
                authorizer.put_rights(rights, WriteMode::Create).await.unwrap();
            }
            authorizer.engine().decide(&token, &ctx).await
        });
        match (expected.denial(), decision.deny_reason()) {
            (None, None) => {}
            (Some(want), Some(DenyReason::PlaybackRights(got))) => {
                prop_assert_eq!((want.rule, &want.matched), (got.rule, &got.matched));
            }
            (want, got) => prop_assert!(false, "evaluation {:?}, engine {:?}", want, got),
        }
    }
}
