//! An allowed request reaches the handler with the `Decision`, the `VerifiedToken` and the
//! `RequestContext` in its extensions; a denied one never reaches it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use playback_auth_policy::Stores;
use playback_auth_policy::{Decision, RequestContext, TokenDigest, VerifiedToken};
use tower::{Layer as _, ServiceExt, service_fn};

#[tokio::test]
async fn the_handler_sees_the_decision_token_and_context() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b.user("viewer-42").concurrent_streams(1));
    let reply = get_reply(
        &app,
        play(&token)
            .header("x-session-id", "tv")
            .header("x-device-id", "tv-1")
            .header("origin", "https://player.example"),
    )
    .await;
    let body = reply.assert_allowed();
    // The session key binds the player's id ("tv") to the location (device "tv-1").
    let session = body["session"].as_str().unwrap();
    assert_eq!(session.len(), 32);
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["uid"], "viewer-42");
    assert_eq!(body["token_digest"], TokenDigest::of_token(&token).to_hex());
    assert_eq!(body["user_agent"], UA);
    assert_eq!(body["client_ip"], "192.0.2.1");
    assert_eq!(body["device"], "tv-1");
    assert_eq!(body["origin"], "https://player.example");
    assert_eq!(body["now"], T0);
}

#[tokio::test]
async fn a_missing_user_agent_is_the_empty_string() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let mut request = play(&token).body(Body::empty()).unwrap();
    request.headers_mut().remove("user-agent");
    let reply = send(&app, request).await;
    assert_eq!(reply.assert_allowed()["user_agent"], "");
}

#[tokio::test]
async fn a_denied_request_never_reaches_the_inner_service() {
    let (authorizer, keys) = authorizer().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let inner = service_fn(move |request: Request<Body>| {
        counted.fetch_add(1, Ordering::SeqCst);
        let decision = request.extensions().get::<Decision>().cloned();
        let has_parts = request.extensions().get::<VerifiedToken>().is_some()
            && request.extensions().get::<RequestContext>().is_some();
        async move {
            let allowed = decision.is_some_and(|d| d.is_allowed()) && has_parts;
            Ok::<_, std::convert::Infallible>(Response::new(Body::from(allowed.to_string())))
        }
    });
    let service = builder(&authorizer).build().layer(inner);
    let token = keys.restriction(|b| b.max_uses(1));
    for expected in [StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN] {
        let request = play(&token).body(Body::empty()).unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), expected);
        if expected == StatusCode::OK {
            let body = axum::body::to_bytes(response.into_body(), 64)
                .await
                .unwrap();
            assert_eq!(&body[..], b"true");
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Every decision is audited, the denied ones too.
    assert_eq!(authorizer.stores().audit().all_records().len(), 3);
}
