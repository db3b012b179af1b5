//! Listing and ending a user's stream sessions.

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::DenyReason;

#[tokio::test]
async fn active_sessions_are_listed_oldest_first_with_their_leases() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").concurrent_streams(3));
    allowed(
        engine
            .decide(
                &token,
                &request(0).with_session_id("a").with_device_id("tv"),
            )
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(10).with_session_id("b"))
            .await,
    );
    allowed(
        engine
            .decide(
                &token,
                &request(50).with_session_id("a").with_device_id("tv"),
            )
            .await,
    );
    let sessions = engine
        .sessions(ACCOUNT, &uid("viewer-1"), at(60))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[0].session_key,
        key_at(request(0).with_device_id("tv"), "a")
    );
    assert_eq!(sessions[0].location_key, "device:tv");
    assert_eq!(sessions[0].admitted_at, at(0));
    assert_eq!(sessions[0].lease_until, at(170));
    assert_eq!(sessions[1].session_key, key("b"));
    assert_eq!(sessions[1].lease_until, at(130));
    // Expired leases are not listed.
    let later = engine
        .sessions(ACCOUNT, &uid("viewer-1"), at(130))
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
    // Another user or account has none.
    assert!(
        engine
            .sessions(ACCOUNT, &uid("viewer-2"), at(60))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        engine
            .sessions("acct-2", &uid("viewer-1"), at(60))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_ended_session_frees_its_place_and_cannot_renew() {
    let (engine, _) = engine();
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
        engine
            .end_session(ACCOUNT, &uid("viewer-1"), &key("a"), at(10))
            .await
            .unwrap()
    );
    assert!(
        engine
            .sessions(ACCOUNT, &uid("viewer-1"), at(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        denied(
            engine
                .decide(&token, &request(11).with_session_id("a"))
                .await
        ),
        DenyReason::SessionEvicted { session: key("a") }
    );
    allowed(
        engine
            .decide(&token, &request(12).with_session_id("b"))
            .await,
    );
}

#[tokio::test]
async fn ending_an_unknown_or_expired_session_reports_false() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").concurrent_streams(1));
    assert!(
        !engine
            .end_session(ACCOUNT, &uid("viewer-1"), &key("a"), at(0))
            .await
            .unwrap()
    );
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    assert!(
        !engine
            .end_session(ACCOUNT, &uid("viewer-1"), &key("b"), at(1))
            .await
            .unwrap()
    );
    assert!(
        !engine
            .end_session(ACCOUNT, &uid("viewer-1"), &key("a"), at(120))
            .await
            .unwrap()
    );
}
