//! Requests refused before the application reads them are answered in the service's JSON
//! error shape: an overlong target (414), overlarge headers (431), a method the playback
//! route does not serve (405).

use reqwest::StatusCode;
use serde_json::Value;

use crate::app::{MAX_HEADER_BYTES, MAX_URI_BYTES};
use crate::{ACCOUNT, PLAY_TIME, Server, TestClock, VIDEO, app, settings};

async fn assert_json_error(response: reqwest::Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_and_unroutable_requests_are_answered_in_json() {
    let clock = TestClock::at(PLAY_TIME);
    let server = Server::start(app::memory_app(settings(&clock)).unwrap()).await;
    let play = format!("{}/v1/play/{ACCOUNT}/{VIDEO}", server.base);

    let long = server
        .http
        .get(format!("{play}?token={}", "a".repeat(MAX_URI_BYTES)))
        .send()
        .await
        .unwrap();
    assert_json_error(long, StatusCode::URI_TOO_LONG, "uri_too_long").await;

    let large = server
        .http
        .get(&play)
        .header("x-padding", "a".repeat(MAX_HEADER_BYTES))
        .send()
        .await
        .unwrap();
    assert_json_error(
        large,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;

    let posted = server.http.post(&play).send().await.unwrap();
    assert_json_error(posted, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}
