//! `maxip`: distinct client IPs per token.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::common::*;
use playback_auth_policy::DenyReason;

#[tokio::test]
async fn known_ips_pass_and_a_new_ip_beyond_maxip_is_denied() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.max_ips(2));
    allowed(
        engine
            .decide(&token, &request(0).with_client_ip(ip(1)))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(1).with_client_ip(ip(2)))
            .await,
    );
    // Known IPs are always fine, however often.
    for secs in 2..6 {
        allowed(
            engine
                .decide(&token, &request(secs).with_client_ip(ip(1)))
                .await,
        );
    }
    let reason = denied(
        engine
            .decide(&token, &request(7).with_client_ip(ip(3)))
            .await,
    );
    assert_eq!(reason, DenyReason::MaxIpsReached { limit: 2 });
    assert_eq!(reason.code(), "max_ips_reached");
    allowed(
        engine
            .decide(&token, &request(8).with_client_ip(ip(2)))
            .await,
    );
}

#[tokio::test]
async fn ipv6_addresses_count_like_any_other() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.max_ips(1));
    let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    allowed(engine.decide(&token, &request(0).with_client_ip(v6)).await);
    allowed(engine.decide(&token, &request(1).with_client_ip(v6)).await);
    assert_eq!(
        denied(
            engine
                .decide(
                    &token,
                    &request(2).with_client_ip(IpAddr::V4(Ipv4Addr::LOCALHOST))
                )
                .await
        ),
        DenyReason::MaxIpsReached { limit: 1 }
    );
}

#[tokio::test]
async fn maxu_and_maxip_together_count_one_use_per_request() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.max_ips(1).max_uses(2));
    assert_eq!(
        allowed(engine.decide(&token, &request(0)).await).uses,
        Some(1)
    );
    // Denied for the IP: the use is not counted.
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(1).with_client_ip(ip(9)))
                .await
        ),
        DenyReason::MaxIpsReached { limit: 1 }
    );
    assert_eq!(
        allowed(engine.decide(&token, &request(2)).await).uses,
        Some(2)
    );
}

/// Found by the `policy` fuzz target: the IPv4-mapped IPv6 form of a recorded IPv4 address
/// (what a dual-stack listener reports for the same client) was counted as a second IP.
#[tokio::test]
async fn an_ipv4_mapped_ipv6_address_is_the_same_ip_as_its_ipv4_form() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.max_ips(1));
    let v4 = Ipv4Addr::new(192, 0, 2, 1);
    let mapped = IpAddr::V6(v4.to_ipv6_mapped());
    allowed(
        engine
            .decide(&token, &request(0).with_client_ip(IpAddr::V4(v4)))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(1).with_client_ip(mapped))
            .await,
    );
    // And the other way round, on a fresh token.
    let token = restriction("u", |b| b.max_ips(1));
    allowed(
        engine
            .decide(&token, &request(2).with_client_ip(mapped))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(3).with_client_ip(IpAddr::V4(v4)))
            .await,
    );
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(4).with_client_ip(ip(9)))
                .await
        ),
        DenyReason::MaxIpsReached { limit: 1 }
    );
}
