//! A store that cannot be reached is `503 store_unavailable` on every route that uses it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{Backend, Config, TestKey};
use http::{Method, StatusCode};
use playback_auth_keys::Algorithm;
use serde_json::json;

#[tokio::test]
async fn an_unreachable_redis_is_503_on_every_store_route() {
    // Port 1 on loopback: nothing listens there, so connections are refused at once.
    let backend = Backend::Redis {
        url: "redis://127.0.0.1:1/".to_owned(),
    };
    let h = backend.harness("unreachable", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let token = key.token(h.now(), |claims| claims);
    let blacklisted = format!("/v1/accounts/acct-1/blacklist/tokens/{token}");
    let cases = [
        (Method::POST, "/v1/accounts/acct-1/keys".to_owned()),
        (Method::GET, "/v1/accounts/acct-1/keys".to_owned()),
        (Method::GET, "/v1/accounts/acct-1/keys/k".to_owned()),
        (Method::DELETE, "/v1/accounts/acct-1/keys/k".to_owned()),
        (Method::GET, "/v1/accounts/acct-1/blacklist".to_owned()),
        (Method::PUT, blacklisted.clone()),
        (Method::GET, blacklisted.clone()),
        (Method::DELETE, blacklisted),
        (
            Method::GET,
            "/v1/accounts/acct-1/users/u/sessions".to_owned(),
        ),
        (
            Method::DELETE,
            "/v1/accounts/acct-1/users/u/sessions/s".to_owned(),
        ),
        (
            Method::GET,
            "/v1/accounts/acct-1/users/u/devices".to_owned(),
        ),
        (
            Method::DELETE,
            "/v1/accounts/acct-1/users/u/devices/d".to_owned(),
        ),
    ];
    let body = json!({ "value": key.public_key_txt() });
    for (method, path) in cases {
        let body = (method == Method::POST).then_some(&body);
        h.send(method, &path, body)
            .await
            .assert_error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
    }
}

#[tokio::test]
async fn a_report_query_over_an_unreachable_store_is_503() {
    let backend = Backend::Redis {
        url: "redis://127.0.0.1:1/".to_owned(),
    };
    let h = backend.harness("unreachable_reports", &Config::default());
    // The execution lives in the store, so without it there is no execution to poll.
    h.post("/v1/audit/accounts/acct-1/query/2023-11-13", &json!(null))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
    let id = "0".repeat(32);
    h.get(&format!("/v1/audit/accounts/acct-1/executions/{id}/status"))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
}
