//! A path that does not match the content route is never authorized: `404
//! route_not_matched`, even with a valid token, and the handler is not called.

use crate::common::*;
use playback_auth_tower::{ContentRoute, PlaybackAuthLayer, RouteError};

#[tokio::test]
async fn a_path_outside_the_route_is_404_route_not_matched() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    for path in [
        "/v1/play/acct-1",
        "/v1/play/acct-1/video-7/extra",
        "/v1/play/acct-1/video-7/",
        "/v2/play/acct-1/video-7",
        "/v1/play/acct-1/%FF",
        "/health",
    ] {
        let request = request(path).header("authorization", format!("Bearer {token}"));
        get_reply(&app, request)
            .await
            .assert_denied(404, "route_not_matched");
    }
}

#[tokio::test]
async fn a_catch_all_route_covers_segment_paths_and_decodes_ids() {
    let (authorizer, keys) = authorizer().await;
    let route = ContentRoute::new("/hls/{account}/{content}/{*file}").unwrap();
    let layer = PlaybackAuthLayer::builder(authorizer, route).build();
    let app = app(layer);
    let token = keys.restriction(|b| b.content_id(CONTENT));
    let request = request("/hls/acct-1/video%2D7/720p/segment-1.ts")
        .header("authorization", format!("Bearer {token}"));
    let body = get_reply(&app, request).await.assert_allowed().clone();
    assert_eq!(body["content"], CONTENT);
}

#[test]
fn a_bad_template_is_a_typed_error() {
    assert!(matches!(
        ContentRoute::new("/v1/play/{account}"),
        Err(RouteError::MissingCapture { id: "content", .. })
    ));
}

#[tokio::test]
async fn one_route_definition_serves_the_router_and_the_layer_with_chosen_capture_names() {
    let (authorizer, keys) = authorizer().await;
    let route = ContentRoute::builder("/watch/{account}/{video}")
        .content_capture("video")
        .build()
        .unwrap();
    let layer = PlaybackAuthLayer::builder(authorizer, route.clone()).build();
    // Only the route's own path is routed: the request reaches the layer through it.
    let app = axum::Router::new()
        .route(route.path(), axum::routing::get(echo))
        .layer(layer);
    let token = keys.restriction(|b| b.content_id(CONTENT));
    let request = request(&format!("/watch/acct-1/{CONTENT}"))
        .header("authorization", format!("Bearer {token}"));
    let body = get_reply(&app, request).await.assert_allowed().clone();
    assert_eq!(
        (&body["account"], &body["content"]),
        (&"acct-1".into(), &CONTENT.into())
    );
}
