//! Every route requires `Authorization: Bearer <admin token>`; weak tokens are refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{ADMIN_TOKEN, Backend, Config, ROUTES, TestKey};
use axum::body::Body;
use http::{Method, Request, StatusCode};
use playback_auth_admin::{AdminToken, AdminTokenError};
use playback_auth_keys::Algorithm;
use serde_json::json;

async fn every_route_refuses_a_missing_or_wrong_token(backend: Backend) {
    let h = backend.harness("every_route_refuses", &Config::default());
    let wrong_headers = [
        None,
        Some(String::new()),
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {ADMIN_TOKEN}")),
        Some(format!("Bearer {ADMIN_TOKEN}x")),
        Some(format!("Bearer  {ADMIN_TOKEN}")),
        Some(format!("Bearer {}", &ADMIN_TOKEN[1..])),
        Some(ADMIN_TOKEN.to_owned()),
        Some("Bearer admin-token-for-tests-0123456788".to_owned()),
    ];
    // The unknown route and a wrong method are refused before routing, too.
    let extra = [
        ("GET", "/v1/nowhere"),
        ("PATCH", "/v1/accounts/acct-1/keys"),
    ];
    for (method, path) in ROUTES.iter().chain(extra.iter()) {
        for header in &wrong_headers {
            let mut request = Request::builder()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(*path)
                .header("content-type", "application/json");
            if let Some(header) = header {
                request = request.header("authorization", header.as_str());
            }
            let reply = h
                .raw(request.body(Body::from("{\"value\":\"x\"}")).unwrap())
                .await;
            reply.assert_error(StatusCode::UNAUTHORIZED, "admin_unauthorized");
            assert_eq!(
                reply.headers["www-authenticate"], "Bearer",
                "{method} {path}"
            );
        }
    }
    // Nothing was changed by the refused requests.
    assert_eq!(h.get("/v1/accounts/acct-1/keys").await.json, json!([]));
}

async fn the_scheme_is_case_insensitive(backend: Backend) {
    let h = backend.harness("the_scheme_is_case_insensitive", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let request = Request::builder()
            .method(Method::GET)
            .uri("/v1/accounts/acct-1/keys")
            .header("authorization", format!("{scheme} {ADMIN_TOKEN}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(h.raw(request).await.status, StatusCode::OK);
    }
    h.register(&key.public_key_txt()).await;
}

#[test]
fn weak_admin_tokens_are_refused() {
    assert_eq!(
        AdminToken::new("").unwrap_err(),
        AdminTokenError::TooShort { len: 0, min: 16 }
    );
    assert_eq!(
        AdminToken::new("fifteen-bytes!!").unwrap_err(),
        AdminTokenError::TooShort { len: 15, min: 16 }
    );
    assert_eq!(
        AdminToken::new("sixteen bytes ok").unwrap_err(),
        AdminTokenError::InvalidCharacter
    );
    assert_eq!(
        AdminToken::new("sixteen-bytes-\u{e9}k").unwrap_err(),
        AdminTokenError::InvalidCharacter
    );
    let token = AdminToken::new("sixteen-bytes-ok").unwrap();
    assert!(token.matches(b"sixteen-bytes-ok"));
    assert!(!token.matches(b"sixteen-bytes-oK"));
    assert!(!token.matches(b""));
}

#[test]
fn debug_never_shows_the_token() {
    let token = AdminToken::new(ADMIN_TOKEN).unwrap();
    assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");
    assert!(!format!("{token:#?}").contains("admin-token"));
}

on_every_backend!(
    every_route_refuses_a_missing_or_wrong_token,
    the_scheme_is_case_insensitive,
);
