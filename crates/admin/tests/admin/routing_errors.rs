//! Unknown routes, wrong methods, oversized bodies and unreadable paths answer in JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{ADMIN_TOKEN, Backend, Config, TestKey};
use axum::body::Body;
use http::{Method, Request, StatusCode};
use playback_auth_keys::Algorithm;
use serde_json::json;

async fn unknown_routes_are_not_found(backend: Backend) {
    let h = backend.harness("unknown_routes_are_not_found", &Config::default());
    for path in [
        "/",
        "/v1",
        "/v1/accounts",
        "/v1/accounts/acct-1",
        "/v1/accounts/acct-1/keys/a/b",
        "/v2/accounts/acct-1/keys",
        "/v1/audit/accounts/acct-1/executions/1",
    ] {
        h.get(path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
}

async fn wrong_methods_are_405_with_allow(backend: Backend) {
    let h = backend.harness("wrong_methods_are_405", &Config::default());
    let cases = [
        (Method::PUT, "/v1/accounts/acct-1/keys", "GET,HEAD,POST"),
        (
            Method::POST,
            "/v1/accounts/acct-1/keys/k",
            "GET,HEAD,DELETE",
        ),
        (Method::DELETE, "/v1/accounts/acct-1/blacklist", "GET,HEAD"),
        (
            Method::GET,
            "/v1/audit/accounts/acct-1/query/2023-11-13",
            "POST",
        ),
        (
            Method::PATCH,
            "/v1/accounts/acct-1/users/u/devices/d",
            "DELETE",
        ),
    ];
    for (method, path, allow) in cases {
        let reply = h.send(method, path, None).await;
        reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        let mut allowed: Vec<&str> = reply.headers["allow"]
            .to_str()
            .unwrap()
            .split(',')
            .collect();
        allowed.sort_unstable();
        let mut expected: Vec<&str> = allow.split(',').collect();
        expected.sort_unstable();
        assert_eq!(allowed, expected, "{path}");
    }
}

async fn oversized_bodies_are_413(backend: Backend) {
    let config = Config {
        max_body_bytes: Some(1024),
        ..Config::default()
    };
    let h = backend.harness("oversized_bodies_are_413", &config);
    let padding = "x".repeat(2048);
    h.post("/v1/accounts/acct-1/keys", &json!({ "value": padding }))
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    // Under the limit is fine.
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
}

async fn unreadable_paths_are_400(backend: Backend) {
    let h = backend.harness("unreadable_paths_are_400", &Config::default());
    for path in [
        "/v1/accounts/%FF/keys",
        "/v1/accounts/acct-1/keys/%C3%28",
        "/v1/accounts/acct-1/blacklist/tokens/%80",
    ] {
        h.get(path)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    }
    let long_account = "a".repeat(257);
    for path in [
        "/v1/accounts//keys".to_owned(),
        "/v1/accounts/a%00b/keys".to_owned(),
        format!("/v1/accounts/{long_account}/keys"),
    ] {
        h.get(&path)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_account");
    }
}

async fn head_is_answered_like_get(backend: Backend) {
    let h = backend.harness("head_is_answered_like_get", &Config::default());
    let request = Request::builder()
        .method(Method::HEAD)
        .uri("/v1/accounts/acct-1/keys")
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(h.raw(request).await.status, StatusCode::OK);
}

on_every_backend!(
    unknown_routes_are_not_found,
    wrong_methods_are_405_with_allow,
    oversized_bodies_are_413,
    unreadable_paths_are_400,
    head_is_answered_like_get,
);
