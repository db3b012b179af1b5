//! A private-channel token plays its own channel only: the route's content must be the
//! channel's id or ARN, or content the layer's `content_channel` catalogue maps to it.

use std::sync::Arc;

use crate::common::*;
use playback_auth_tower::{ContentRoute, PlaybackAuthLayer};

#[tokio::test]
async fn without_a_catalogue_only_the_channel_id_plays() {
    let (authorizer, keys) = authorizer().await;
    let layer =
        PlaybackAuthLayer::builder(Arc::clone(&authorizer), ContentRoute::new(ROUTE).unwrap())
            .build();
    let app = app(layer);
    let token = keys.channel(|b| b);
    get_reply(&app, play(&token))
        .await
        .assert_denied(403, "channel_mismatch");
    get_reply(
        &app,
        request("/v1/play/acct-1/Other1234567").header("authorization", format!("Bearer {token}")),
    )
    .await
    .assert_denied(403, "channel_mismatch");
    get_reply(
        &app,
        request("/v1/play/acct-1/AbCdEf123456").header("authorization", format!("Bearer {token}")),
    )
    .await
    .assert_allowed();
}

#[tokio::test]
async fn the_catalogue_maps_content_to_its_channel() {
    let (authorizer, keys) = authorizer().await;
    // `builder` maps CONTENT (video-7) to CHANNEL_ARN.
    let app = app(builder(&authorizer).build());
    let token = keys.channel(|b| b);
    get_reply(&app, play(&token)).await.assert_allowed();
    // Content the catalogue maps to no channel is refused.
    get_reply(
        &app,
        request("/v1/play/acct-1/video-8").header("authorization", format!("Bearer {token}")),
    )
    .await
    .assert_denied(403, "channel_mismatch");
}
