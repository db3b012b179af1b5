//! Private-channel tokens with `aws:access-control-allow-origin`: an allowed Origin gets
//! `Access-Control-Allow-Origin` and `Vary: Origin` on the handler's response; a disallowed
//! one is `403 origin_not_allowed` without them.

use crate::common::*;
use axum::http::request::Builder;

fn with_origin(token: &str, origin: &str) -> Builder {
    play(token).header("origin", origin)
}

#[tokio::test]
async fn an_allowed_origin_is_echoed_with_vary_origin() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.channel(|b| b.allowed_origins("https://a.example, https://b.example:8443"));
    let reply = get_reply(&app, with_origin(&token, "https://b.example:8443")).await;
    reply.assert_allowed();
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://b.example:8443")
    );
    let vary: Vec<_> = reply
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    assert_eq!(
        vary,
        ["accept-encoding", "origin"],
        "the handler's Vary is kept"
    );
}

#[tokio::test]
async fn a_disallowed_or_missing_origin_is_403_without_cors_headers() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.channel(|b| b.allowed_origins("https://a.example"));
    for request in [with_origin(&token, "https://evil.example"), play(&token)] {
        let reply = get_reply(&app, request).await;
        reply.assert_denied(403, "origin_not_allowed");
        assert_eq!(reply.header("access-control-allow-origin"), None);
    }
}

#[tokio::test]
async fn a_star_claim_answers_star() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.channel(|b| b.allowed_origins("*"));
    let reply = get_reply(&app, with_origin(&token, "https://any.example")).await;
    reply.assert_allowed();
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn tokens_without_the_claim_get_no_cors_headers() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    for token in [keys.channel(|b| b), keys.restriction(|b| b)] {
        let reply = get_reply(&app, with_origin(&token, "https://a.example")).await;
        reply.assert_allowed();
        assert_eq!(reply.header("access-control-allow-origin"), None);
    }
}
