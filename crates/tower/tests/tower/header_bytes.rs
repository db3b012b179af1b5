//! Header values the layer reads that are not visible ASCII, or single-valued headers sent
//! twice, are `400 invalid_request_header` — never a panic, never a pass.

use crate::common::*;
use axum::http::HeaderValue;

#[tokio::test]
async fn non_ascii_bytes_in_read_headers_are_400() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    for name in ["user-agent", "x-device-id", "x-session-id", "origin"] {
        for bytes in [&b"Player\xff/1.0"[..], "Plåyer".as_bytes(), b"a\x80b"] {
            let value = HeaderValue::from_bytes(bytes).unwrap();
            let reply = get_reply(&app, play(&token).header(name, value)).await;
            reply.assert_denied(400, "invalid_request_header");
            assert!(reply.body["message"].as_str().unwrap().contains(name));
        }
    }
    let value = HeaderValue::from_bytes(b"Bearer \xfe\xff").unwrap();
    get_reply(&app, request(PLAY).header("authorization", value))
        .await
        .assert_denied(400, "invalid_request_header");
}

#[tokio::test]
async fn a_repeated_single_valued_header_is_400() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let request = play(&token)
        .header("origin", "https://a.example")
        .header("origin", "https://b.example");
    get_reply(&app, request)
        .await
        .assert_denied(400, "invalid_request_header");
}

#[tokio::test]
async fn unrelated_headers_are_not_read() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let value = HeaderValue::from_bytes(b"\xff\xfe").unwrap();
    get_reply(&app, play(&token).header("x-other", value))
        .await
        .assert_allowed();
}
