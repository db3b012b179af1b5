//! Whatever the path segments and the body, the API answers with a 2xx or a JSON 4xx:
//! never a 5xx (a store is up), never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{ADMIN_TOKEN, Backend, Config, Harness, ROUTES};
use axum::body::Body;
use http::{Method, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};

/// A path segment: anything, percent-encoded byte by byte where needed.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~=@,+-]{0,40}",
        prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|bytes| { bytes.iter().map(|byte| format!("%{byte:02X}")).collect() }),
        Just("2023-11-13".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("e30.e30.e30".to_owned()),
        "[a-z]{0,3}".prop_map(|s| s.repeat(3000)),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        "\\{\"value\": \"[ -~]{0,80}\"(, \"id\": \"[ -~]{0,20}\")?\\}".prop_map(String::into_bytes),
        Just(b"{\"value\":null}".to_vec()),
        Just("[".repeat(5000).into_bytes()),
    ]
}

/// Replaces each `{param}`-like concrete segment of a route (every segment after the
/// first three) with a generated one.
fn fill(path: &str, segments: &[String]) -> String {
    path.split('/')
        .enumerate()
        .map(|(index, part)| {
            if index > 2
                && !matches!(
                    part,
                    "keys"
                        | "blacklist"
                        | "tokens"
                        | "query"
                        | "executions"
                        | "status"
                        | "report"
                        | "users"
                        | "sessions"
                        | "devices"
                        | "accounts"
                )
            {
                segments
                    .get(index % segments.len())
                    .cloned()
                    .unwrap_or_default()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

type Input = (usize, Vec<String>, Vec<u8>, bool);

/// Sends one generated request; fails the case on a 5xx or a non-JSON 4xx.
async fn check(h: &Harness, (route, segments, body, json): Input) -> Result<(), TestCaseError> {
    let (method, path) = ROUTES
        .get(route)
        .map(|(method, path)| (*method, fill(path, &segments)))
        .unwrap_or(("POST", format!("/v1/{}", segments.join("/"))));
    let Ok(uri) = path.parse::<http::Uri>() else {
        return Ok(());
    };
    let mut request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri)
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
    if json {
        request = request.header("content-type", "application/json");
    }
    let reply = h.raw(request.body(Body::from(body)).unwrap()).await;
    prop_assert!(
        reply.status.as_u16() < 500,
        "{} {} → {}: {}",
        method,
        path,
        reply.status,
        reply.text
    );
    if reply.status.is_client_error() {
        prop_assert!(
            reply.json["error"].is_string(),
            "{} {}: {}",
            method,
            path,
            reply.text
        );
    }
    Ok(())
}

/// Runs the property with shrinking, blocking on the test's (multi-threaded) runtime for
/// each case, so a Redis connection stays on the runtime that opened it.
fn arbitrary_requests_never_fail_with_5xx(backend: &Backend, cases: u32) {
    let h = backend.harness("arbitrary_requests_never_fail", &Config::default());
    let runtime = tokio::runtime::Handle::current();
    let strategy = (
        0..ROUTES.len() + 1,
        prop::collection::vec(segment(), 4),
        body(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |input| runtime.block_on(check(&h, input)))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory() {
    arbitrary_requests_never_fail_with_5xx(&Backend::Memory, 512);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis() {
    if let Some(backend) = Backend::redis() {
        arbitrary_requests_never_fail_with_5xx(&backend, 128);
    }
}
