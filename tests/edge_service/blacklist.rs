//! A full blacklist: listing a token that is already on it again is idempotent (`204`), a
//! new token is `409 blacklist_full` — on the in-memory stores and on Redis.

use std::time::Duration;

use axum::Router;
use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::Algorithm;
use playback_auth::policy::DEFAULT_REVOCATION_CAPACITY;
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock as _;
use reqwest::{Method, StatusCode};

use crate::head::register_key;
use crate::{ACCOUNT, PLAY_TIME, Server, TestClock, app, redis_url, settings, unique_prefix};

async fn relisting_on_a_full_list_is_idempotent(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let signer = Signer::new(register_key(&server, ACCOUNT, Algorithm::Es256).await);
    let tokens: Vec<String> = (0..=DEFAULT_REVOCATION_CAPACITY)
        .map(|n| {
            let claims = PlaybackRestrictionClaims::builder(ACCOUNT, clock.now())
                .content_id(format!("video-{n}"))
                .valid_for(Duration::from_secs(3600))
                .build()
                .unwrap();
            signer.sign(&claims).unwrap()
        })
        .collect();
    let path = |token: &str| format!("/v1/accounts/{ACCOUNT}/blacklist/tokens/{token}");
    let (listed, extra) = tokens.split_at(DEFAULT_REVOCATION_CAPACITY);
    for token in listed {
        assert_eq!(
            server.call(Method::PUT, &path(token)).await.0,
            StatusCode::NO_CONTENT
        );
    }
    // Full. Listing a listed token again changes nothing and succeeds, first and last alike.
    for token in [&listed[0], &listed[DEFAULT_REVOCATION_CAPACITY - 1]] {
        let (status, body) = server.call(Method::PUT, &path(token)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let (status, body) = server.call(Method::PUT, &path(&extra[0])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "blacklist_full");
    assert_eq!(
        server.call(Method::GET, &path(&listed[0])).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn relisting_on_a_full_list_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    relisting_on_a_full_list_is_idempotent(app::memory_app(settings(&clock)).unwrap(), &clock)
        .await;
}

#[tokio::test]
async fn relisting_on_a_full_list_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-blacklist");
    let store = RedisStore::builder(url).key_prefix(prefix).build().unwrap();
    relisting_on_a_full_list_is_idempotent(
        app::redis_app(store, settings(&clock)).unwrap(),
        &clock,
    )
    .await;
}
