//! One log event per admin request (method, route, status), never a token or a key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::common::{Backend, Config, TestKey};
use http::StatusCode;
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
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
        http::Request::get("/v1/accounts/acct-1/keys")
            .body(axum::body::Body::empty())
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
    for secret in [token.as_str(), value.as_str(), crate::common::ADMIN_TOKEN] {
        assert!(
            !everything.contains(secret),
            "logged a secret: {everything}"
        );
    }
}

on_every_backend!(one_event_per_request_without_secrets);
