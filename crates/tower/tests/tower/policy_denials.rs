//! Policy denials are `403` with the reason's code, and the inner service is not called.

use crate::common::*;
use axum::http::HeaderName;
use playback_auth_claims::ConcurrencyBehavior;

#[tokio::test]
async fn a_third_stream_under_climit_2_block_new_is_403_stream_limit_reached() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| {
        b.user("viewer-42")
            .concurrent_streams(2)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    for session in ["living-room", "kitchen"] {
        let reply = get_reply(&app, play(&token).header("x-session-id", session)).await;
        let body = reply.assert_allowed();
        assert_eq!(body["session_id"], session);
        assert_eq!(body["uid"], "viewer-42");
    }
    get_reply(&app, play(&token).header("x-session-id", "bedroom"))
        .await
        .assert_denied(403, "stream_limit_reached");
    // A renewal of an admitted session is still fine.
    get_reply(&app, play(&token).header("x-session-id", "kitchen"))
        .await
        .assert_allowed();
}

#[tokio::test]
async fn static_restrictions_are_403_with_their_codes() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let cases = [
        (
            keys.restriction(|b| b.content_id("video-8")),
            "content_mismatch",
        ),
        (
            keys.restriction(|b| b.user_agent("Other/2.0")),
            "user_agent_mismatch",
        ),
        (keys.restriction(|b| b.video_ids(["a", "b"])), "not_in_vids"),
        (keys.restriction(|b| b.tags(["sports"])), "no_matching_tag"),
        (
            keys.restriction(|b| b.user("viewer-42").device_limit(1)),
            "device_id_missing",
        ),
    ];
    for (token, code) in cases {
        get_reply(&app, play(&token)).await.assert_denied(403, code);
    }
}

#[tokio::test]
async fn max_uses_counts_allowed_requests_only() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b.max_uses(1));
    get_reply(&app, play(&token)).await.assert_allowed();
    get_reply(&app, play(&token))
        .await
        .assert_denied(403, "max_uses_reached");
}

#[tokio::test]
async fn device_ids_come_from_the_configured_header() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer)
        .device_id_header(HeaderName::from_static("x-player-device"))
        .build());
    let token = keys.restriction(|b| b.user("viewer-42").device_limit(1));
    let body = get_reply(&app, play(&token).header("x-player-device", "tv-1"))
        .await
        .assert_allowed()
        .clone();
    assert_eq!(body["device"], "tv-1");
    get_reply(&app, play(&token).header("x-player-device", "phone-1"))
        .await
        .assert_denied(403, "device_limit_reached");
    // The default header is not read any more.
    get_reply(&app, play(&token).header("x-device-id", "tv-1"))
        .await
        .assert_denied(403, "device_id_missing");
}
