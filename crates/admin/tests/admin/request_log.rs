//! One log event per admin request (method, route, status), never a token or a key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::common::{ADMIN_TOKEN, Backend, Config, TestKey};
use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use playback_auth_keys::Algorithm;
use serde_json::json;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// A capture of this thread's log events, for as long as the guard lives.
    fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter(|line| line.contains("admin request"))
            .map(str::to_owned)
            .collect()
    }
}

async fn one_event_per_request_without_secrets(backend: Backend) {
    let (captured, _guard) = Captured::install();

    let h = backend.harness("one_event_per_request", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let value = key.public_key_txt();
    h.register(&value).await;
    let token = key.token(h.now(), |claims| claims);
    let put = h
        .put(&format!("/v1/accounts/acct-1/blacklist/tokens/{token}"))
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    h.get("/v1/nowhere").await;
    h.raw(
        Request::get("/v1/accounts/acct-1/keys")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    h.post("/v1/accounts/acct-1/keys", &json!({ "value": "garbage!" }))
        .await;

    let lines = captured.lines();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    let expected = [
        ("POST", "/v1/accounts/{account}/keys", "201"),
        (
            "PUT",
            "/v1/accounts/{account}/blacklist/tokens/{token}",
            "204",
        ),
        ("GET", "<unmatched>", "404"),
        ("GET", "/v1/accounts/{account}/keys", "401"),
        ("POST", "/v1/accounts/{account}/keys", "400"),
    ];
    for (line, (method, route, status)) in lines.iter().zip(expected) {
        assert!(line.contains(&format!("method={method}")), "{line}");
        assert!(line.contains(&format!("route=\"{route}\"")), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
    }
    let everything = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for secret in [token.as_str(), value.as_str(), ADMIN_TOKEN] {
        assert!(
            !everything.contains(secret),
            "logged a secret: {everything}"
        );
    }
}

/// Mounted in a service's router under a catch-all (as `examples/edge_service` does), the log
/// names the API's own route once — not the outer template prefixed to it — and an
/// unreadable path's message names no parameter of the outer router.
async fn mounted_under_a_catch_all_logs_its_own_route(backend: Backend) {
    let (captured, _guard) = Captured::install();

    let h = backend.harness("mounted_under_a_catch_all", &Config::default());
    let service: Router = Router::new().route_service(
        "/v1/accounts/{*rest}",
        h.router.clone().into_service::<Body>(),
    );
    let get = |path: &str| {
        Request::get(path)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .body(Body::empty())
            .unwrap()
    };
    let listed = tower::ServiceExt::oneshot(service.clone(), get("/v1/accounts/acct-1/keys"))
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let unreadable = tower::ServiceExt::oneshot(service, get("/v1/accounts/%FF/keys"))
        .await
        .unwrap();
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);
    let body = axum::body::to_bytes(unreadable.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "invalid_path");
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains("rest"), "{message}");

    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    for (line, status) in lines.iter().zip(["200", "400"]) {
        assert!(
            line.contains("route=\"/v1/accounts/{account}/keys\""),
            "{line}"
        );
        assert!(line.contains(&format!("status={status}")), "{line}");
    }
}

on_every_backend!(
    one_event_per_request_without_secrets,
    mounted_under_a_catch_all_logs_its_own_route,
);
