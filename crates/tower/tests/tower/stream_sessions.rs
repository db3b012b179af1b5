//! Start, heartbeat and stop over HTTP: one route per kind (`GET …/{content}`, `POST
//! …/{content}/heartbeat`, `POST …/{content}/stop` or `DELETE …/{content}`), the session id
//! from `x-session-id` as for a start, and the refusals of a renewal in both body shapes.
#![allow(clippy::unwrap_used)] // the helpers outside #[test] fns fail the calling test

use crate::common::*;
use axum::extract::Extension;
use axum::http::Method;
use axum::routing::{get, post};
use axum::{Json, Router};
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{Decision, RequestKind};
use playback_auth_tower::{ContentRoute, DenialBody};
use serde_json::{Value, json};

const HEARTBEAT: &str = "/v1/play/{account}/{content}/heartbeat";
const STOP: &str = "/v1/play/{account}/{content}/stop";

/// The handler of every kind: what the layer decided.
async fn kind_echo(
    Extension(kind): Extension<RequestKind>,
    Extension(decision): Extension<Decision>,
) -> Json<Value> {
    let allowed = decision.allowed().cloned().unwrap_or_default();
    Json(json!({
        "allowed": decision.is_allowed(),
        "kind": kind.as_str(),
        "session": allowed.session.as_ref().map(|s| s.session().to_owned()),
        "uses": allowed.uses,
        "stopped": allowed.stopped.is_some(),
    }))
}

/// The three routes behind one layer answering in `shape`.
async fn session_app(shape: DenialBody) -> (Router, Keys) {
    let (app, keys, _) = session_app_with(shape).await;
    (app, keys)
}

/// [`session_app`] and its authorizer.
async fn session_app_with(shape: DenialBody) -> (Router, Keys, std::sync::Arc<Auth>) {
    let (authorizer, keys) = authorizer().await;
    let layer = builder(&authorizer)
        .heartbeat_route(ContentRoute::new(HEARTBEAT).unwrap())
        .stop_route(ContentRoute::new(STOP).unwrap())
        .denial_body(shape)
        .build();
    let app = Router::new()
        .route(ROUTE, get(kind_echo).delete(kind_echo))
        .route(HEARTBEAT, post(kind_echo))
        .route(STOP, post(kind_echo))
        .layer(layer);
    (app, keys, authorizer)
}

/// A request of `method` to `path` with `token`, from `device`, of session `session`.
async fn call(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
    device: &str,
    session: &str,
) -> Reply {
    let request = request(path)
        .method(method)
        .header("authorization", format!("Bearer {token}"))
        .header("x-device-id", device)
        .header("x-session-id", session);
    get_reply(app, request).await
}

const BEAT: &str = "/v1/play/acct-1/video-7/heartbeat";
const END: &str = "/v1/play/acct-1/video-7/stop";

#[tokio::test]
async fn each_route_is_its_kind() {
    let (app, keys) = session_app(DenialBody::default()).await;
    let token = keys.restriction(|b| b.user("viewer-42").max_uses(1).concurrent_streams(1));
    let start = call(&app, Method::GET, PLAY, &token, "tv", "s1").await;
    let start = start.assert_allowed();
    assert_eq!(
        (start["kind"].as_str(), start["uses"].as_u64()),
        (Some("start"), Some(1))
    );
    // `maxu 1` is spent: heartbeats go on, counting nothing.
    for _ in 0..5 {
        let beat = call(&app, Method::POST, BEAT, &token, "tv", "s1").await;
        let beat = beat.assert_allowed();
        assert_eq!(beat["kind"], "heartbeat");
        assert_eq!(beat["session"], start["session"]);
        assert_eq!(beat["uses"], Value::Null);
    }
    let stop = call(&app, Method::POST, END, &token, "tv", "s1").await;
    let stop = stop.assert_allowed();
    assert_eq!(
        (stop["kind"].as_str(), stop["stopped"].as_bool()),
        (Some("stop"), Some(true))
    );
    // `DELETE` on the stream is a stop too; stopping twice is fine.
    let again = call(&app, Method::DELETE, PLAY, &token, "tv", "s1").await;
    let again = again.assert_allowed();
    assert_eq!(
        (again["kind"].as_str(), again["stopped"].as_bool()),
        (Some("stop"), Some(false))
    );
    call(&app, Method::POST, BEAT, &token, "tv", "s1")
        .await
        .assert_denied(403, "session_unknown");
}

#[tokio::test]
async fn a_stop_frees_the_place_for_another_device_at_once() {
    let (app, keys) = session_app(DenialBody::default()).await;
    let token = keys.restriction(|b| {
        b.user("viewer-42")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    call(&app, Method::GET, PLAY, &token, "tv", "s1")
        .await
        .assert_allowed();
    call(&app, Method::GET, PLAY, &token, "phone", "s2")
        .await
        .assert_denied(403, "stream_limit_reached");
    call(&app, Method::DELETE, PLAY, &token, "tv", "s1")
        .await
        .assert_allowed();
    call(&app, Method::GET, PLAY, &token, "phone", "s2")
        .await
        .assert_allowed();
}

/// The evicted stream's heartbeat and an unknown stream's heartbeat in `shape`.
async fn renewal_refusals(shape: DenialBody) -> (Reply, Reply) {
    let (app, keys) = session_app(shape).await;
    let token = keys.restriction(|b| {
        b.user("viewer-42")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::EvictOldest)
    });
    call(&app, Method::GET, PLAY, &token, "tv", "s1")
        .await
        .assert_allowed();
    call(&app, Method::GET, PLAY, &token, "phone", "s2")
        .await
        .assert_allowed();
    let evicted = call(&app, Method::POST, BEAT, &token, "tv", "s1").await;
    let unknown = call(&app, Method::POST, BEAT, &token, "tablet", "s3").await;
    (evicted, unknown)
}

#[tokio::test]
async fn renewal_refusals_say_evicted_or_unknown_in_our_shape() {
    let (evicted, unknown) = renewal_refusals(DenialBody::ErrorMessage).await;
    evicted.assert_denied(403, "session_evicted");
    unknown.assert_denied(403, "session_unknown");
}

#[tokio::test]
async fn renewal_refusals_are_stream_limit_renew_in_the_vendors_shape() {
    let (evicted, unknown) = renewal_refusals(DenialBody::Vendor).await;
    for reply in [evicted, unknown] {
        assert_eq!(reply.status.as_u16(), 403, "{}", reply.body);
        assert_eq!(reply.body["status"], 403);
        assert_eq!(reply.body["error_code"], "ACCESS_DENIED");
        assert_eq!(reply.body["error_subcode"], "DENIED_BY_STREAM_LIMIT_RENEW");
        assert_safe_message(&reply.body["message"]);
    }
}

#[tokio::test]
async fn a_heartbeat_needs_post_and_a_configured_route() {
    let (app, keys) = session_app(DenialBody::default()).await;
    let token = keys.restriction(|b| b.user("viewer-42").concurrent_streams(1));
    // A GET of the heartbeat path is no playback route.
    call(&app, Method::GET, BEAT, &token, "tv", "s1")
        .await
        .assert_denied(404, "route_not_matched");
    // Without the routes configured, the layer knows only starts.
    let (authorizer, keys) = authorizer().await;
    let token = keys.restriction(|b| b.user("viewer-42").concurrent_streams(1));
    let plain = Router::new()
        .route(ROUTE, get(kind_echo))
        .route(HEARTBEAT, post(kind_echo))
        .layer(builder(&authorizer).build());
    call(&plain, Method::POST, BEAT, &token, "tv", "s1")
        .await
        .assert_denied(404, "route_not_matched");
}

#[tokio::test]
async fn a_key_deleted_mid_stream_refuses_the_next_heartbeat() {
    use playback_auth_policy::{KeyRegistry, Stores};

    let (app, keys, authorizer) = session_app_with(DenialBody::default()).await;
    let token = keys.restriction(|b| b.user("viewer-42").concurrent_streams(1));
    call(&app, Method::GET, PLAY, &token, "tv", "s1")
        .await
        .assert_allowed();
    call(&app, Method::POST, BEAT, &token, "tv", "s1")
        .await
        .assert_allowed();
    let registry = authorizer.stores().registry();
    let es256 = keys.es256.public_key().to_public_key_txt();
    let record = registry
        .list(ACCOUNT)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.value.trim() == es256.trim())
        .unwrap();
    assert!(registry.delete(ACCOUNT, &record.id).await.unwrap());
    call(&app, Method::POST, BEAT, &token, "tv", "s1")
        .await
        .assert_denied(401, "no_key_for_algorithm");
}
