//! The README's playback-rights session over real HTTP, on the in-memory stores and on Redis:
//! a rights object created through the admin API, a `prid` token playing from an allowed site
//! and refused from another (`Referer`), the rights replaced and the next request refused by
//! address, a `prid` naming no rights refused — and the next day's report naming each rule.

use axum::Router;
use playback_auth::claims::{NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::Algorithm;
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::head::register_key;
use crate::{
    ACCOUNT, DAY, PLAY_TIME, Server, TestClock, VIDEO, app, redis_url, settings, unique_prefix,
};

async fn play(server: &Server, token: &str, header: Option<(&str, &str)>) -> (StatusCode, Value) {
    let mut request = server
        .http
        .get(format!("{}/v1/play/{ACCOUNT}/{VIDEO}", server.base))
        .bearer_auth(token)
        .header("user-agent", "Player/1.0");
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

/// A token for the video naming the rights `prid`, valid for an hour from the clock's now.
fn prid_token(signer: &Signer, clock: &TestClock, prid: &str) -> String {
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, clock.now())
        .playback_rights_id(prid)
        .content_id(VIDEO)
        .valid_for(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    signer.sign(&claims).unwrap()
}

async fn rights_session(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let signer = Signer::new(register_key(&server, ACCOUNT, Algorithm::Es256).await);
    let rights_path = format!("/v1/accounts/{ACCOUNT}/playback_rights");
    let created = server
        .admin(Method::POST, &rights_path)
        .json(&json!({
            "id": "our-sites",
            "ip": { "blocked": ["198.51.100.0/24"] },
            "domains": { "allowed": ["*.example.com"], "missing_origin": "allow" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.json::<Value>().await.unwrap(),
        json!({
            "id": "our-sites",
            "ip": { "blocked": ["198.51.100.0/24"] },
            "domains": { "allowed": ["*.example.com"], "missing_origin": "allow" }
        })
    );
    let token = |prid: &str| prid_token(&signer, clock, prid);
    let ours = token("our-sites");

    let (status, body) = play(
        &server,
        &ours,
        Some(("origin", "https://player.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "allow");
    let (status, body) = play(
        &server,
        &ours,
        Some(("referer", "https://elsewhere.test/watch")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({
            "error": "domain_restricted",
            "message": "playback rights refused (DOMAIN): site \"elsewhere.test\" not in the allowed sites"
        })
    );

    let replaced = server
        .admin(Method::PUT, &format!("{rights_path}/our-sites"))
        .json(&json!({ "ip": { "blocked": ["127.0.0.0/8"] } }))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    // The very next request sees the replaced rights (this node's cache was dropped).
    let (status, body) = play(
        &server,
        &ours,
        Some(("origin", "https://player.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({
            "error": "ip_restricted",
            "message": "playback rights refused (CLIENT_IP): ip 127.0.0.0/8 blocked"
        })
    );

    let (status, body) = play(&server, &token("nope"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({
            "error": "rights_not_found",
            "message": "playback rights refused (VIDEO_NOT_PLAYABLE): playback rights \"nope\" not found"
        })
    );

    // The next day's report names the rule of every decision.
    clock.set(PLAY_TIME + DAY);
    let day = NumericDate::from_secs(PLAY_TIME)
        .unwrap()
        .to_offset_date_time()
        .date();
    let report = server.daily_report(day).await;
    let rules: Vec<(Value, Value)> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reason"].clone(), r["rights_rule"].clone()))
        .collect();
    assert_eq!(
        rules,
        [
            (
                Value::Null,
                json!("our-sites: no geography rule, site *.example.com allowed")
            ),
            (
                json!("domain_restricted"),
                json!("our-sites: site \"elsewhere.test\" not in the allowed sites")
            ),
            (
                json!("ip_restricted"),
                json!("our-sites: ip 127.0.0.0/8 blocked")
            ),
            (
                json!("rights_not_found"),
                json!("nope: playback rights \"nope\" not found")
            ),
        ]
    );
}

#[tokio::test]
async fn the_rights_session_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    rights_session(app::memory_app(settings(&clock)).unwrap(), &clock).await;
}

#[tokio::test]
async fn the_rights_session_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-rights");
    let store = RedisStore::builder(url).key_prefix(prefix).build().unwrap();
    rights_session(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}

/// The edge service with a country database (what `GEOIP_DB` loads): the loopback client
/// is placed in the United States, and rights blocking it refuse with `CLIENT_GEO`'s code
/// while rights allowing it play.
#[tokio::test]
async fn a_country_database_refuses_by_geography() {
    use playback_auth::claims::{CountryCode, IpRange};
    use playback_auth::policy::MaxMindGeoLookup;
    use playback_auth_policy::testing::mmdb::CountryDatabase;
    use std::sync::Arc;

    let database = CountryDatabase::new().with(
        IpRange::parse("127.0.0.0/8").unwrap(),
        CountryCode::parse("US").unwrap(),
    );
    let clock = TestClock::at(PLAY_TIME);
    let mut settings = settings(&clock);
    settings.geo = Some(Arc::new(
        MaxMindGeoLookup::from_bytes(database.to_bytes()).unwrap(),
    ));
    let server = Server::start(app::memory_app(settings).unwrap()).await;
    let signer = Signer::new(register_key(&server, ACCOUNT, Algorithm::Es256).await);
    let rights_path = format!("/v1/accounts/{ACCOUNT}/playback_rights");
    for (id, geo) in [
        ("no-us", json!({ "blocked_countries": ["US"] })),
        (
            "us-only",
            json!({ "global": "block_all", "allowed_countries": ["US"] }),
        ),
    ] {
        let created = server
            .admin(Method::POST, &rights_path)
            .json(&json!({ "id": id, "geo": geo }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let token = |prid: &str| prid_token(&signer, &clock, prid);

    let (status, body) = play(&server, &token("no-us"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "geo_restricted");
    let (status, body) = play(&server, &token("us-only"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
