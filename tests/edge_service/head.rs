//! `HEAD` on the playback route changes no state: with `maxu 1`, any number of HEADs leave
//! the one use to the GET that follows — on the in-memory stores and on Redis.

use std::time::Duration;

use axum::Router;
use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock as _;
use reqwest::StatusCode;

use crate::{
    ACCOUNT, PLAY_TIME, Server, TestClock, VIDEO, app, redis_url, settings, unique_prefix,
};

/// Registers a fresh key of `algorithm` for `account` through the admin API.
pub(crate) async fn register_key(
    server: &Server,
    account: &str,
    algorithm: Algorithm,
) -> PrivateKey {
    let key = PrivateKey::generate(algorithm).unwrap();
    let registered = server
        .admin(
            reqwest::Method::POST,
            &format!("/v1/accounts/{account}/keys"),
        )
        .json(&serde_json::json!({ "value": key.public_key().to_public_key_txt() }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    key
}

async fn head_spends_no_use(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let key = register_key(&server, ACCOUNT, Algorithm::Es256).await;
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, clock.now())
        .max_uses(1)
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap();
    let token = Signer::new(key).sign(&claims).unwrap();
    let url = format!("{}/v1/play/{ACCOUNT}/{VIDEO}", server.base);

    for _ in 0..3 {
        let head = server
            .http
            .head(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::OK);
    }
    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["uses"], 1);
    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "max_uses_reached");
    // HEAD still answers what a GET would be refused for, changing nothing either way.
    let head = server
        .http
        .head(&url)
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn head_spends_no_use_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    head_spends_no_use(app::memory_app(settings(&clock)).unwrap(), &clock).await;
}

#[tokio::test]
async fn head_spends_no_use_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-head");
    let store = RedisStore::builder(url).key_prefix(prefix).build().unwrap();
    head_spends_no_use(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}
