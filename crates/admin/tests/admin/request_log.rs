//! One log event per admin request (method, route, status), never a token or a key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cell::RefCell;
use std::io::Write;
use std::sync::OnceLock;

use crate::common::{ADMIN_TOKEN, Backend, Config, TestKey};
use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use playback_auth_keys::Algorithm;
use serde_json::json;

thread_local! {
    /// What the log subscriber wrote on this thread.
    static CAPTURED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Writes into this thread's [`CAPTURED`] buffer.
struct ThreadBuffer;

impl Write for ThreadBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| captured.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// This thread's log events from [`Captured::install`] on.
///
/// One process-wide subscriber writes each event into a buffer of the thread that logged it.
/// A subscriber set per thread (`set_default`) is not enough: tracing caches each call
/// site's interest process-wide, and with tests on other threads an event could be dropped
/// (seen here as an empty capture). The tests run on current-thread runtimes, so everything a
/// test's requests log happens on its own thread.
struct Captured;

impl Captured {
    fn install() -> Self {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(|| ThreadBuffer)
                .with_ansi(false)
                .with_max_level(tracing::Level::INFO)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other test of this binary sets a global subscriber");
        });
        CAPTURED.with(|captured| captured.borrow_mut().clear());
        Self
    }

    /// Everything logged on this thread since `install`.
    fn everything(&self) -> String {
        CAPTURED.with(|captured| String::from_utf8(captured.borrow().clone()).unwrap())
    }

    /// The admin request events among it.
    fn lines(&self) -> Vec<String> {
        self.everything()
            .lines()
            .filter(|line| line.contains("admin request"))
            .map(str::to_owned)
            .collect()
    }
}

async fn one_event_per_request_without_secrets(backend: Backend) {
    let captured = Captured::install();

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
    let everything = captured.everything();
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
    let captured = Captured::install();

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
