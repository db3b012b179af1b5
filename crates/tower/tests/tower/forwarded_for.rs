//! The client address: the peer by default; `X-Forwarded-For` only from a trusted proxy,
//! the rightmost untrusted entry; malformed under trust is `400 malformed_forwarded_for`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // helpers outside #[test] fns fail the calling test

use std::net::{IpAddr, SocketAddr};

use crate::common::*;
use axum::extract::ConnectInfo;
use axum::http::request::Builder;
use playback_auth_tower::TrustedProxies;

/// A playback request with `token` from the peer `peer` carrying `X-Forwarded-For: xff`.
fn via(token: &str, peer: &str, xff: &str) -> Builder {
    play(token)
        .extension(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 443)))
        .header("x-forwarded-for", xff)
}

/// The client address the handler was given.
async fn client_ip(app: &axum::Router, request: Builder) -> String {
    let reply = get_reply(app, request).await;
    reply.assert_allowed()["client_ip"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_header_is_ignored_by_default() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let forwarded = via(&token, "10.0.0.1", "203.0.113.9");
    assert_eq!(client_ip(&app, forwarded).await, "10.0.0.1");
    // Not even parsed.
    let garbage = via(&token, "10.0.0.1", "garbage");
    assert_eq!(client_ip(&app, garbage).await, "10.0.0.1");
}

#[tokio::test]
async fn the_header_is_honoured_only_from_a_trusted_peer() {
    let (authorizer, keys) = authorizer().await;
    let proxies = TrustedProxies::new(["10.0.0.0/8"]).unwrap();
    let app = app(builder(&authorizer).trusted_proxies(proxies).build());
    let token = keys.restriction(|b| b);

    let trusted = via(&token, "10.0.0.1", "203.0.113.9");
    assert_eq!(client_ip(&app, trusted).await, "203.0.113.9");
    let untrusted = via(&token, "198.51.100.7", "203.0.113.9");
    assert_eq!(client_ip(&app, untrusted).await, "198.51.100.7");
}

#[tokio::test]
async fn the_rightmost_untrusted_entry_is_the_client() {
    let (authorizer, keys) = authorizer().await;
    let proxies = TrustedProxies::new(["10.0.0.0/8", "172.16.0.0/12"]).unwrap();
    let app = app(builder(&authorizer).trusted_proxies(proxies).build());
    let token = keys.restriction(|b| b);
    // The client spoofed 1.1.1.1; the edge saw 203.0.113.9; two internal hops followed.
    let request =
        via(&token, "10.0.0.1", "1.1.1.1, 203.0.113.9").header("x-forwarded-for", "172.16.0.4");
    assert_eq!(client_ip(&app, request).await, "203.0.113.9");
}

#[tokio::test]
async fn max_ips_counts_the_forwarded_client() {
    let (authorizer, keys) = authorizer().await;
    let proxies = TrustedProxies::new(["10.0.0.1"]).unwrap();
    let app = app(builder(&authorizer).trusted_proxies(proxies).build());
    let token = keys.restriction(|b| b.max_ips(1));
    let via_proxy = |client: &str| via(&token, "10.0.0.1", client);
    get_reply(&app, via_proxy("203.0.113.9"))
        .await
        .assert_allowed();
    get_reply(&app, via_proxy("203.0.113.9"))
        .await
        .assert_allowed();
    get_reply(&app, via_proxy("203.0.113.10"))
        .await
        .assert_denied(403, "max_ips_reached");
}

#[tokio::test]
async fn a_malformed_header_under_trust_is_400() {
    let (authorizer, keys) = authorizer().await;
    let proxies = TrustedProxies::new(["10.0.0.0/8"]).unwrap();
    let app = app(builder(&authorizer).trusted_proxies(proxies).build());
    let token = keys.restriction(|b| b);
    for value in ["not-an-ip", "203.0.113.9,", "203.0.113.9:443", "unknown"] {
        get_reply(&app, via(&token, "10.0.0.1", value))
            .await
            .assert_denied(400, "malformed_forwarded_for");
    }
}

#[tokio::test]
async fn the_peer_address_can_come_from_elsewhere_and_its_absence_is_500() {
    let (authorizer, keys) = authorizer().await;
    let token = keys.restriction(|b| b);
    let app_with_override = app(builder(&authorizer)
        .peer_ip(|parts| parts.extensions.get::<IpAddr>().copied())
        .build());
    let reply = get_reply(
        &app_with_override,
        play(&token).extension("198.51.100.20".parse::<IpAddr>().unwrap()),
    )
    .await;
    assert_eq!(reply.assert_allowed()["client_ip"], "198.51.100.20");

    // No address at all: the layer never guesses one.
    let reply = get_reply(&app_with_override, play(&token)).await;
    reply.assert_denied(500, "client_ip_unavailable");
}
