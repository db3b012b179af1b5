//! `HEAD` changes nothing: verification, revocation and the static checks answer it, but no
//! use is counted, no stream admitted and no audit record written.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::common::*;
use playback_auth_policy::Stores;

async fn head_status(app: &axum::Router, token: &str) -> StatusCode {
    let request = play(token)
        .method(Method::HEAD)
        .body(Body::empty())
        .unwrap();
    tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn head_spends_no_use_of_a_max_uses_token() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b.max_uses(1).user("viewer-1").concurrent_streams(1));

    for _ in 0..3 {
        assert_eq!(head_status(&app, &token).await, StatusCode::OK);
    }
    assert_eq!(
        authorizer.stores().audit().len(),
        0,
        "HEAD writes no audit record"
    );
    let uid = playback_auth_claims::Uid::new("viewer-1").unwrap();
    let sessions = authorizer
        .engine()
        .sessions(ACCOUNT, &uid, at(0))
        .await
        .unwrap();
    assert!(sessions.is_empty(), "HEAD admits no stream: {sessions:?}");

    get_reply(&app, play(&token)).await.assert_allowed();
    get_reply(&app, play(&token))
        .await
        .assert_denied(403, "max_uses_reached");
}

#[tokio::test]
async fn head_still_refuses_bad_revoked_and_mismatched_tokens() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    assert_eq!(
        head_status(&app, "not.a.token").await,
        StatusCode::UNAUTHORIZED
    );

    let other_content = keys.restriction(|b| b.content_id("video-8"));
    assert_eq!(
        head_status(&app, &other_content).await,
        StatusCode::FORBIDDEN
    );

    let revoked = keys.restriction(|b| b);
    let verified = authorizer
        .verify_token(ACCOUNT, &revoked, at(0))
        .await
        .unwrap();
    authorizer.revoke(ACCOUNT, &verified, at(0)).await.unwrap();
    assert_eq!(head_status(&app, &revoked).await, StatusCode::UNAUTHORIZED);
}
