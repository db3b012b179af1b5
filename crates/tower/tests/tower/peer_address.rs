//! Serving without the peer address fails early and loudly: `check_peer_address` refuses the
//! make-service at startup, and the first request without one logs the fix once.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::http::Request;
use axum::routing::get;
use playback_auth_tower::{
    ContentRoute, PeerAddressCheckError, PlaybackAuthLayer, check_peer_address,
};

use crate::common::*;
use crate::store_unavailable::process_log;

/// The test app routed on `route`'s own path, behind the layer.
fn routed(route: &ContentRoute, layer: Layer) -> Router {
    Router::new().route(route.path(), get(echo)).layer(layer)
}

#[tokio::test]
async fn a_router_served_without_connect_info_is_refused_at_startup() {
    let (authorizer, _keys) = authorizer().await;
    let route = ContentRoute::new(ROUTE).unwrap();
    let app = routed(&route, builder(&authorizer).build());

    let error = check_peer_address(app.clone().into_make_service(), &route)
        .await
        .unwrap_err();
    assert!(matches!(error, PeerAddressCheckError::Missing), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("into_make_service_with_connect_info::<SocketAddr>()")
            && message.contains("peer_ip"),
        "{message}"
    );

    let served = app.into_make_service_with_connect_info::<SocketAddr>();
    check_peer_address(served, &route).await.unwrap();
}

#[tokio::test]
async fn a_peer_function_passes_the_check_and_catch_all_routes_are_probed() {
    let (authorizer, _keys) = authorizer().await;
    let route = ContentRoute::new("/hls/{account}/{content}/{*file}").unwrap();
    let layer = PlaybackAuthLayer::builder(authorizer, route.clone())
        .peer_ip(|_| Some(IpAddr::from([198, 51, 100, 7])))
        .build();
    let app = routed(&route, layer);
    check_peer_address(app.into_make_service(), &route)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_probe_that_reaches_no_layer_is_an_error_not_a_pass() {
    let route = ContentRoute::new(ROUTE).unwrap();
    let no_layer = Router::new().route(route.path(), get(|| async { "unprotected" }));
    let error = check_peer_address(
        no_layer.into_make_service_with_connect_info::<SocketAddr>(),
        &route,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, PeerAddressCheckError::NotAnswered { path } if path == "/v1/play/probe/probe"),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_first_request_without_a_peer_address_logs_the_fix_once() {
    let log = process_log();
    let (authorizer, keys) = authorizer().await;
    // A route of its own, so this layer's lines can be told from other tests' in the log.
    let route = ContentRoute::new("/peer-log/{account}/{content}").unwrap();
    let app = routed(&route, PlaybackAuthLayer::new(authorizer, route.clone()));
    let token = keys.restriction(|b| b);
    for _ in 0..3 {
        let request = Request::builder()
            .uri(format!("/peer-log/{ACCOUNT}/{CONTENT}"))
            .header("authorization", format!("Bearer {token}"));
        get_reply(&app, request)
            .await
            .assert_denied(500, "client_ip_unavailable");
    }
    let log = log.text();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("/peer-log/{account}/{content}"))
        .collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
    assert!(
        lines[0].contains("into_make_service_with_connect_info::<SocketAddr>()"),
        "{}",
        lines[0]
    );
}
