//! Playback rights through the real layer: the client's country from a MaxMind-format
//! database (written by the test), the catalogue's rights id of the content, the token's
//! `prid`, and the site from `Origin`, else `Referer`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // helpers outside #[test] fns fail the calling test

use std::io;
use std::sync::Arc;

use crate::common::*;
use axum::http::header;
use axum::http::request::Builder;
use playback_auth_claims::{CountryCode, IpRange};
use playback_auth_policy::testing::mmdb::CountryDatabase;
use playback_auth_policy::{
    Authorizer, KeyRegistry, MaxMindGeoLookup, MemoryAuditSink, MemoryKeyRegistry,
    MemoryPolicyStore, MemoryRevocationStore, MemoryRightsStore, PlaybackRights, StoreSet, Stores,
    WriteMode,
};
use playback_auth_tower::{
    ContentRights, DenialBody, PlaybackAuthLayerBuilder, RightsIdFuture, RightsIdUnavailable,
};
use playback_auth_verify::FixedClock;
use serde_json::json;

/// `peer(1)` (192.0.2.1) is in the United States, `peer(200)` (192.0.2.200) in France.
fn countries() -> MaxMindGeoLookup {
    let range = |text: &str| IpRange::parse(text).unwrap();
    let country = |code: &str| CountryCode::parse(code).unwrap();
    let database = CountryDatabase::new()
        .with(range("192.0.2.0/25"), country("US"))
        .with(range("192.0.2.128/25"), country("FR"));
    MaxMindGeoLookup::from_bytes(database.to_bytes()).unwrap()
}

/// An authorizer deciding with the test database, holding rights `eu-only` (France and
/// Belgium only) and `our-sites` (pages of `*.example.com` only) for the account.
async fn rights_authorizer() -> (Arc<Auth>, Keys) {
    let keys = new_keys();
    let stores = StoreSet {
        policy: MemoryPolicyStore::new(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    };
    let authorizer = Authorizer::builder(stores)
        .clock(FixedClock(at(0)))
        .geo_lookup(countries())
        .build();
    let value = keys.es256.public_key().to_public_key_txt();
    authorizer
        .stores()
        .registry()
        .register(ACCOUNT, &value, None, at(-60))
        .await
        .unwrap();
    for (id, json) in [
        (
            "eu-only",
            json!({ "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"] } }),
        ),
        (
            "our-sites",
            json!({ "domains": { "allowed": ["*.example.com"] } }),
        ),
    ] {
        let rights = PlaybackRights::from_json(ACCOUNT, id, json.to_string().as_bytes()).unwrap();
        authorizer
            .put_rights(&rights, WriteMode::Create)
            .await
            .unwrap();
    }
    (Arc::new(authorizer), keys)
}

/// The layer with a catalogue that gives `CONTENT` the rights `rights_id`.
fn with_catalogue(
    authorizer: &Arc<Auth>,
    rights_id: &'static str,
) -> PlaybackAuthLayerBuilder<TestStores> {
    builder(authorizer).content_rights(move |account: &str, content: &str| {
        (account == ACCOUNT && content == CONTENT).then(|| rights_id.to_owned())
    })
}

fn from(last: u8, token: &str) -> Builder {
    play(token).extension(axum::extract::ConnectInfo(peer(last)))
}

#[tokio::test]
async fn a_client_in_a_refused_country_is_403_client_geo() {
    let (authorizer, keys) = rights_authorizer().await;
    let app = app(with_catalogue(&authorizer, "eu-only").build());
    let token = keys.restriction(|b| b);

    let refused = get_reply(&app, from(1, &token)).await;
    refused.assert_denied(403, "geo_restricted");
    assert_eq!(
        refused.body["message"],
        "playback rights refused (CLIENT_GEO): global block_all"
    );
    get_reply(&app, from(200, &token)).await.assert_allowed();

    // The vendor's shape names the rule in its subcode.
    let vendor = app_vendor(&authorizer);
    let reply = get_reply(&vendor, from(1, &token)).await;
    assert_eq!(reply.status.as_u16(), 403);
    assert_eq!(
        (&reply.body["error_code"], &reply.body["error_subcode"]),
        (&json!("ACCESS_DENIED"), &json!("CLIENT_GEO"))
    );

    // The audit trail says which rule refused, and which allowed.
    let rules: Vec<_> = authorizer
        .stores()
        .audit()
        .all_records()
        .into_iter()
        .map(|r| (r.reason, r.rights_rule))
        .collect();
    assert_eq!(
        rules[..2],
        [
            (
                Some("geo_restricted".to_owned()),
                Some("eu-only: global block_all".to_owned())
            ),
            (None, Some("eu-only: country FR allowed".to_owned())),
        ]
    );
}

fn app_vendor(authorizer: &Arc<Auth>) -> axum::Router {
    app(with_catalogue(authorizer, "eu-only")
        .denial_body(DenialBody::Vendor)
        .build())
}

#[tokio::test]
async fn the_token_prid_overrides_the_catalogue_and_another_account_s_is_not_found() {
    let (authorizer, keys) = rights_authorizer().await;
    // The catalogue restricts nothing by country; the token's `prid` does.
    let app = app(with_catalogue(&authorizer, "our-sites").build());
    let token = keys.restriction(|b| b.playback_rights_id("eu-only"));
    get_reply(&app, from(1, &token))
        .await
        .assert_denied(403, "geo_restricted");
    let unknown = keys.restriction(|b| b.playback_rights_id("not-ours"));
    get_reply(&app, from(200, &unknown))
        .await
        .assert_denied(403, "rights_not_found");
}

#[tokio::test]
async fn the_site_is_the_origin_else_the_referer_host() {
    let (authorizer, keys) = rights_authorizer().await;
    let app = app(with_catalogue(&authorizer, "our-sites").build());
    let token = keys.restriction(|b| b);
    let page = |origin: Option<&str>, referer: Option<&str>| {
        let mut request = from(1, &token);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        request
    };
    let cases = [
        (Some("https://player.example.com"), None, None),
        (None, Some("https://www.example.com/watch?v=7"), None),
        // `Origin` wins over `Referer`.
        (
            Some("https://evil.test"),
            Some("https://www.example.com/"),
            Some("domain_restricted"),
        ),
        (
            None,
            Some("https://evil.test/page"),
            Some("domain_restricted"),
        ),
        // Neither: the rights' missing-origin decision (deny, as they allow sites).
        (None, None, Some("domain_restricted")),
    ];
    for (origin, referer, expected) in cases {
        let reply = get_reply(&app, page(origin, referer)).await;
        match expected {
            None => assert!(
                reply.status.is_success(),
                "{origin:?} {referer:?}: {:?}",
                reply.body
            ),
            Some(code) => reply.assert_denied(403, code),
        }
    }
}

struct DownCatalogue;

impl ContentRights for DownCatalogue {
    fn content_rights<'a>(&'a self, _: &'a str, _: &'a str) -> RightsIdFuture<'a> {
        Box::pin(async {
            Err(RightsIdUnavailable::new(io::Error::other(
                "catalogue db down",
            )))
        })
    }
}

#[tokio::test]
async fn a_failing_rights_resolver_is_503_content_rights_unavailable() {
    let (authorizer, keys) = rights_authorizer().await;
    let app = app(builder(&authorizer).content_rights(DownCatalogue).build());
    let reply = get_reply(&app, from(200, &keys.restriction(|b| b))).await;
    reply.assert_denied(503, "content_rights_unavailable");
    assert!(!reply.body["message"].as_str().unwrap().contains("db down"));
}
