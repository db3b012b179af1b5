//! The same playback rights give the same decisions on the memory stores and on Redis:
//! every combination of the rights that apply (token `prid`, the catalogue's id, in-token
//! rules, another account's id), client address (IPv4, IPv6, IPv4-mapped), site and time is
//! decided by an authorizer on each backend, the rights read from its store on every
//! decision (cache off), and the decisions and audit records must be identical.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::net::IpAddr;

use playback_auth_claims::{AccessRules, CountryCode, IpRange};
use playback_auth_policy::{
    AuditRecord, AuditSink, Authorizer, MemoryStores, PlaybackRights, RequestContext, RightsCache,
    StaticGeoLookup, Stores, VerifiedToken, WriteMode,
};
use serde_json::json;
use time::macros::date;

use crate::common::{ACCOUNT, restriction};

fn geo() -> StaticGeoLookup {
    let range = |text: &str| IpRange::parse(text).unwrap();
    let country = |code: &str| CountryCode::parse(code).unwrap();
    StaticGeoLookup::new()
        .with(range("192.0.2.0/24"), country("FR"))
        .with(range("198.51.100.0/24"), country("US"))
        .with(range("2001:db8::/32"), country("DE"))
}

fn rights() -> Vec<PlaybackRights> {
    let make = |account: &str, id: &str, json: serde_json::Value| {
        PlaybackRights::from_json(account, id, json.to_string().as_bytes()).unwrap()
    };
    vec![
        make(
            ACCOUNT,
            "eu-evenings",
            json!({
                "geo": { "global": "block_all", "allowed_countries": ["FR", "DE"] },
                "ip": { "allowed": ["198.51.100.7"], "blocked": ["192.0.2.66", "2001:db8:bad::/48"] },
                "schedule": {
                    "time_zone": "Europe/Paris",
                    "windows": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "from": "18:00", "to": "23:00" }]
                }
            }),
        ),
        make(
            ACCOUNT,
            "our-sites",
            json!({
                "geo": { "blocked_countries": ["US"] },
                "domains": { "allowed": ["*.example.com"], "blocked": ["ads.example.com"] },
                "schedule": { "starts_at": "2023-11-14T00:00:00Z", "ends_at": "2023-11-16T00:00:00Z" }
            }),
        ),
        make(
            "acct-2",
            "theirs",
            json!({ "geo": { "global": "allow_all" } }),
        ),
    ]
}

/// An authorizer on `stores` reading rights from the store on every decision.
async fn authorizer<B: Stores>(stores: B) -> Authorizer<B> {
    let authorizer = Authorizer::builder(stores)
        .geo_lookup(geo())
        .rights_cache(RightsCache::disabled())
        .build();
    for rights in rights() {
        authorizer
            .put_rights(&rights, WriteMode::Create)
            .await
            .unwrap();
    }
    authorizer
}

fn tokens() -> Vec<(&'static str, VerifiedToken)> {
    let rules = AccessRules::from_json(json!([
        { "type": "ip.src", "action": "allow", "ip": ["192.0.2.66"] },
        { "type": "ip.geoip.country", "action": "block", "country": ["DE"] }
    ]))
    .unwrap();
    vec![
        ("no prid", restriction("rights-none", |b| b)),
        (
            "prid eu-evenings",
            restriction("rights-eu", |b| b.playback_rights_id("eu-evenings")),
        ),
        (
            "prid of acct-2",
            restriction("rights-theirs", |b| b.playback_rights_id("theirs")),
        ),
        (
            "rules",
            restriction("rights-rules", |b| b.access_rules(&rules)),
        ),
        // A stateful claim: on Redis the decision script writes this token's audit records
        // itself (`apply_recorded`), and they must name the same rights rule.
        (
            "prid eu-evenings, maxu",
            restriction("rights-eu-maxu", |b| {
                b.playback_rights_id("eu-evenings").max_uses(1_000_000)
            }),
        ),
    ]
}

fn requests() -> Vec<RequestContext> {
    let clients = [
        "192.0.2.1",
        "192.0.2.66",
        "::ffff:192.0.2.66",
        "198.51.100.7",
        "198.51.100.8",
        "2001:db8::1",
        "2001:db8:bad::1",
        "203.0.113.1",
    ];
    let sites: [(Option<&str>, Option<&str>); 4] = [
        (None, None),
        (Some("https://www.example.com"), None),
        (None, Some("https://ads.example.com/x")),
        (Some("https://elsewhere.test"), None),
    ];
    // 2023-11-14 is a Tuesday: 12:00 and 21:30 in Paris (UTC+1), then the Saturday after
    // (past `our-sites`' end).
    let times = [1_699_959_600, 1_699_993_800, 1_700_303_400];
    let mut all = Vec::new();
    for catalogue in [None, Some("our-sites"), Some("missing")] {
        for client in clients {
            for (origin, referer) in sites {
                for secs in times {
                    let client: IpAddr = client.parse().unwrap();
                    let now = playback_auth_claims::NumericDate::from_secs(secs).unwrap();
                    let mut ctx =
                        RequestContext::new(ACCOUNT, "video-7", "Player/1.0", client, now);
                    if let Some(id) = catalogue {
                        ctx = ctx.with_content_rights(id);
                    }
                    if let Some(origin) = origin {
                        ctx = ctx.with_origin(origin);
                    }
                    if let Some(referer) = referer {
                        ctx = ctx.with_referer(referer);
                    }
                    all.push(ctx);
                }
            }
        }
    }
    all
}

async fn records<S: AuditSink>(sink: &S) -> Vec<AuditRecord> {
    let mut all = Vec::new();
    for day in [date!(2023 - 11 - 14), date!(2023 - 11 - 18)] {
        all.extend(sink.records_for(ACCOUNT, day).await.unwrap().records);
    }
    all
}

#[tokio::test]
async fn the_same_rights_give_the_same_decisions_on_memory_and_redis() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let memory = authorizer(MemoryStores::new()).await;
    let redis = authorizer(crate::common::fresh_store(&url, "rights_decisions")).await;
    let (mut allowed, mut codes) = (0, std::collections::BTreeSet::new());
    for (label, token) in tokens() {
        for ctx in requests() {
            let on_memory = memory.engine().decide(&token, &ctx).await;
            let on_redis = redis.engine().decide(&token, &ctx).await;
            assert_eq!(on_memory, on_redis, "{label}, {ctx:?}");
            match on_memory.deny_reason() {
                None => allowed += 1,
                Some(reason) => {
                    codes.insert(reason.code());
                }
            }
        }
    }
    // The grid reaches every outcome, so agreeing is not agreeing on one answer.
    assert!(allowed > 0);
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        [
            "domain_restricted",
            "geo_restricted",
            "ip_restricted",
            "outside_schedule",
            "rights_not_found"
        ]
    );
    // The audit trails agree too, rights rule included.
    let (on_memory, on_redis) = (
        records(memory.stores().audit()).await,
        records(redis.stores().audit()).await,
    );
    assert_eq!(on_memory.len(), tokens().len() * requests().len());
    let rules = |records: &[AuditRecord]| {
        records
            .iter()
            .map(|r| (r.decision, r.reason.clone(), r.rights_rule.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(rules(&on_memory), rules(&on_redis));
    assert!(on_redis.iter().any(|r| r.rights_rule.is_some()));
}
