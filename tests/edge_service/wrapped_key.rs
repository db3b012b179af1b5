//! A publisher registers `public_key.txt` as the vendor's bash recipe writes it — `base64`
//! wrapped at 76 columns, here with CRLF line ends — pasted into the admin API as it is; the
//! tokens of that key then play through the edge service, on both stores.

use std::time::Duration;

use axum::Router;
use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    ACCOUNT, PLAY_TIME, Server, TestClock, VIDEO, app, redis_url, settings, unique_prefix,
};

/// `base64(1)`'s layout: 76 columns, each line ended (CRLF here).
fn wrapped_crlf(one_line: &str) -> String {
    one_line
        .as_bytes()
        .chunks(76)
        .map(|line| format!("{}\r\n", std::str::from_utf8(line).unwrap()))
        .collect()
}

async fn wrapped_key_plays(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    for alg in [Algorithm::Rs256, Algorithm::Es256] {
        let key = PrivateKey::generate(alg).unwrap();
        let one_line = key.public_key().to_public_key_txt();
        let response = server
            .admin(Method::POST, &format!("/v1/accounts/{ACCOUNT}/keys"))
            .json(&json!({ "value": wrapped_crlf(&one_line) }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let record: Value = response.json().await.unwrap();
        assert_eq!(record["value"], one_line.as_str());

        let claims = PlaybackRestrictionClaims::builder(ACCOUNT, clock.now())
            .content_id(VIDEO)
            .valid_for(Duration::from_secs(3600))
            .build()
            .unwrap();
        let token = Signer::new(key).sign(&claims).unwrap();
        let (status, body) = server.play(&token, &format!("wrapped-{alg}")).await;
        assert_eq!(status, StatusCode::OK, "{alg}: {body}");
        assert_eq!(body["decision"], "allow");
    }
}

#[tokio::test]
async fn a_wrapped_key_plays_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    wrapped_key_plays(app::memory_app(settings(&clock)).unwrap(), &clock).await;
}

#[tokio::test]
async fn a_wrapped_key_plays_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-wrapped");
    let store = RedisStore::builder(url).key_prefix(prefix).build().unwrap();
    wrapped_key_plays(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}
