//! The router served over real HTTP on a loopback port, driven with `reqwest`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;

use crate::common::{ADMIN_TOKEN, Backend, Config, TestKey, request};
use axum::Router;
use playback_auth_keys::Algorithm;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Serves `router` on 127.0.0.1 (a free port) for the rest of the test.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

async fn keys_and_blacklist_over_http(backend: Backend) {
    let h = backend.harness("keys_and_blacklist_over_http", &Config::default());
    let base = format!("http://{}", serve(h.router.clone()).await);
    let client = reqwest::Client::new();
    let key = TestKey::new(Algorithm::Es256);

    // Without the token.
    let refused = client
        .get(format!("{base}/v1/accounts/acct-1/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    assert_eq!(refused.headers()["content-type"], "application/json");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "admin_unauthorized");

    // Register, list.
    let created = client
        .post(format!("{base}/v1/accounts/acct-1/keys"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "value": key.public_key_txt(), "id": "k1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let record: Value = created.json().await.unwrap();
    assert_eq!(record["id"], "k1");
    let listed: Value = client
        .get(format!("{base}/v1/accounts/acct-1/keys"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([record]));

    // Blacklist a token minted with the key.
    let now = h.now();
    let token = key.token(now, |claims| claims);
    let url = format!("{base}/v1/accounts/acct-1/blacklist/tokens/{token}");
    let put = client
        .put(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let got = client
        .get(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::NO_CONTENT);
    let decision = h.authorize(&token, &request(now)).await;
    assert_eq!(
        decision.deny_reason().map(|reason| reason.code()),
        Some("token_revoked")
    );

    // An over-long token, through a real HTTP request line.
    let long = "a".repeat(10 * 1024);
    let too_long = client
        .put(format!("{base}/v1/accounts/acct-1/blacklist/tokens/{long}"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(too_long.status(), StatusCode::URI_TOO_LONG);
    let body: Value = too_long.json().await.unwrap();
    assert_eq!(body["error"], "token_too_long");

    // Unknown route.
    let missing = client
        .get(format!("{base}/v1/nothing-here"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

on_every_backend!(keys_and_blacklist_over_http);
