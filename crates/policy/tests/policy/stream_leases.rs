//! Stream concurrency: sessions are leases, admitted below `climit`, renewed by further
//! requests, and gone when the lease runs out. What counts as one session.

use std::time::Duration;

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{DenyReason, PolicyConfig, SessionChange};

fn two_streams() -> playback_auth_policy::VerifiedToken {
    restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(2)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    })
}

#[tokio::test]
async fn sessions_below_climit_are_admitted_and_known_ones_renewed() {
    let (engine, _) = engine();
    let token = two_streams();
    let a = allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    assert_eq!(
        a.session,
        Some(SessionChange::Admitted { session: key("a") })
    );
    let b = allowed(
        engine
            .decide(&token, &request(1).with_session_id("b"))
            .await,
    );
    assert_eq!(
        b.session,
        Some(SessionChange::Admitted { session: key("b") })
    );
    let renewal = allowed(
        engine
            .decide(&token, &request(60).with_session_id("a"))
            .await,
    );
    assert_eq!(
        renewal.session,
        Some(SessionChange::Renewed { session: key("a") })
    );
    assert!(renewal.evicted.is_empty());
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(61).with_session_id("c"))
                .await
        ),
        DenyReason::StreamLimitReached { limit: 2 }
    );
}

#[tokio::test]
async fn a_lease_runs_out_after_the_default_120_s_without_renewal() {
    let (engine, _) = engine();
    let token = two_streams();
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("b"))
            .await,
    );
    // "a" renews at 100 (lease to 220); "b" does not (lease to 120).
    allowed(
        engine
            .decide(&token, &request(100).with_session_id("a"))
            .await,
    );
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(119).with_session_id("c"))
                .await
        ),
        DenyReason::StreamLimitReached { limit: 2 }
    );
    let c = allowed(
        engine
            .decide(&token, &request(120).with_session_id("c"))
            .await,
    );
    assert_eq!(
        c.session,
        Some(SessionChange::Admitted { session: key("c") })
    );
    // "b" came back after its lease ended: a new session, and there is no room.
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(121).with_session_id("b"))
                .await
        ),
        DenyReason::StreamLimitReached { limit: 2 }
    );
    // "a" still renews until 220.
    allowed(
        engine
            .decide(&token, &request(219).with_session_id("a"))
            .await,
    );
}

#[tokio::test]
async fn the_lease_length_is_configurable() {
    let (engine, _) = engine_with(PolicyConfig::default().with_lease(Duration::from_secs(30)));
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    assert!(
        !engine
            .decide(&token, &request(29).with_session_id("b"))
            .await
            .is_allowed()
    );
    allowed(
        engine
            .decide(&token, &request(30).with_session_id("b"))
            .await,
    );
    assert_eq!(engine.config().lease, Duration::from_secs(30));
    assert_eq!(PolicyConfig::default().lease, Duration::from_secs(120));
}

#[tokio::test]
async fn the_sid_claim_names_the_session_before_the_players_session_id() {
    let (engine, _) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1").concurrent_streams(1).session_id("sid-1")
    });
    let first = session_key(
        &engine
            .decide(&token, &request(0).with_session_id("player-7"))
            .await,
    );
    // Same sid from the same location with another player session id: the same stream.
    let decision = engine
        .decide(&token, &request(1).with_session_id("player-8"))
        .await;
    assert_eq!(
        allowed(decision).session,
        Some(SessionChange::Renewed {
            session: first.clone()
        })
    );
    // Same sid from another location (another IP, no device id): another stream, which
    // evicts the first under climit 1 — never a renewal of it.
    let elsewhere = allowed(
        engine
            .decide(&token, &request(2).with_client_ip(ip(2)))
            .await,
    );
    assert!(matches!(
        elsewhere.session,
        Some(SessionChange::Admitted { ref session }) if *session != first
    ));
    assert_eq!(elsewhere.evicted, vec![first]);
}

#[tokio::test]
async fn one_session_id_from_two_locations_is_two_streams() {
    let (engine, _) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    let on = |secs: i64, device: &str| {
        request(secs)
            .with_session_id("shared")
            .with_device_id(device)
    };
    let first = allowed(engine.decide(&token, &on(0, "device-a")).await);
    assert!(matches!(
        first.session,
        Some(SessionChange::Admitted { .. })
    ));
    // Five other devices sending the same session id are five new streams, all over the limit.
    for (secs, device) in (1..).zip(["b", "c", "d", "e", "f"]) {
        assert_eq!(
            denied(engine.decide(&token, &on(secs, device)).await),
            DenyReason::StreamLimitReached { limit: 1 },
            "device {device}"
        );
    }
    // The device that opened it renews it, from any address (the device is its location).
    let renewed = allowed(
        engine
            .decide(&token, &on(9, "device-a").with_client_ip(ip(7)))
            .await,
    );
    assert!(matches!(
        renewed.session,
        Some(SessionChange::Renewed { .. })
    ));
}

#[tokio::test]
async fn without_ids_a_session_is_user_agent_ip_and_content() {
    let (engine, _) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(3)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    let first = session_key(&engine.decide(&token, &request(0)).await);
    let same = engine.decide(&token, &request(1)).await;
    assert_eq!(session_key(&same), first);
    assert!(matches!(
        allowed(same).session,
        Some(SessionChange::Renewed { .. })
    ));

    let other_ip = engine
        .decide(&token, &request(2).with_client_ip(ip(2)))
        .await;
    let mut other_content = request(3);
    other_content.content_id = "video-8".to_owned();
    let other_content = engine.decide(&token, &other_content).await;
    let keys = [first, session_key(&other_ip), session_key(&other_content)];
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[0], keys[2]);
    assert_ne!(keys[1], keys[2]);
    // All three are counted: a fourth stream is refused.
    let mut other_agent = request(4);
    other_agent.user_agent = "Player/2.0".to_owned();
    assert_eq!(
        denied(engine.decide(&token, &other_agent).await),
        DenyReason::StreamLimitReached { limit: 3 }
    );
}

#[tokio::test]
async fn sessions_are_counted_per_user_not_per_token() {
    let (engine, _) = engine();
    let build = |b: Builder| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    };
    let phone = restriction("phone-token", build);
    let tv = restriction("tv-token", build);
    allowed(
        engine
            .decide(&phone, &request(0).with_session_id("phone"))
            .await,
    );
    assert_eq!(
        denied(engine.decide(&tv, &request(1).with_session_id("tv")).await),
        DenyReason::StreamLimitReached { limit: 1 }
    );
    // Another user is not affected.
    let other = restriction("other", |b| b.user("viewer-2").concurrent_streams(1));
    allowed(
        engine
            .decide(&other, &request(1).with_session_id("tv"))
            .await,
    );
}
