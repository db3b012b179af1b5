//! `cbeh: BLOCK_NEW_USER`: at `climit` a new session from a location (device id, else user
//! agent + IP) that already streams replaces that location's oldest session; a new location
//! is denied.

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{DenyReason, SessionChange};

fn token() -> playback_auth_policy::VerifiedToken {
    restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(2)
            .concurrency_behavior(ConcurrencyBehavior::BlockNewUser)
    })
}

#[tokio::test]
async fn same_device_replaces_its_oldest_session_and_a_new_device_is_denied() {
    let (engine, _) = engine();
    let token = token();
    let on = |secs, device: &str, session: &str| {
        request(secs)
            .with_device_id(device)
            .with_session_id(session)
    };
    allowed(engine.decide(&token, &on(0, "tv", "tv-1")).await);
    allowed(engine.decide(&token, &on(1, "phone", "phone-1")).await);

    let reason = denied(engine.decide(&token, &on(2, "laptop", "laptop-1")).await);
    assert_eq!(reason, DenyReason::StreamLimitReached { limit: 2 });

    // The phone starts another stream: it replaces the phone's own session, not the tv's
    // (which is older).
    let replaced = allowed(engine.decide(&token, &on(3, "phone", "phone-2")).await);
    assert_eq!(
        replaced.session,
        Some(SessionChange::Admitted {
            session: key_at(request(0).with_device_id("phone"), "phone-2")
        })
    );
    assert_eq!(
        replaced.evicted,
        [key_at(request(0).with_device_id("phone"), "phone-1")]
    );
    assert_eq!(
        denied(engine.decide(&token, &on(4, "phone", "phone-1")).await),
        DenyReason::SessionEvicted {
            session: key_at(request(0).with_device_id("phone"), "phone-1")
        }
    );
    allowed(engine.decide(&token, &on(5, "tv", "tv-1")).await);
}

#[tokio::test]
async fn without_a_device_id_the_location_is_user_agent_and_ip() {
    let (engine, _) = engine();
    let token = token();
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("home-1"))
            .await,
    );
    allowed(
        engine
            .decide(
                &token,
                &request(1).with_session_id("office-1").with_client_ip(ip(2)),
            )
            .await,
    );
    // A third location (same user agent, new IP) is refused.
    assert_eq!(
        denied(
            engine
                .decide(
                    &token,
                    &request(2).with_session_id("cafe-1").with_client_ip(ip(3))
                )
                .await
        ),
        DenyReason::StreamLimitReached { limit: 2 }
    );
    // Same user agent and IP as "home-1": replaces it.
    let replaced = allowed(
        engine
            .decide(&token, &request(3).with_session_id("home-2"))
            .await,
    );
    assert_eq!(replaced.evicted, [key("home-1")]);
    // Same IP, other user agent: another location, refused.
    let mut other_agent = request(4).with_session_id("home-3");
    other_agent.user_agent = "Player/2.0".to_owned();
    assert_eq!(
        denied(engine.decide(&token, &other_agent).await),
        DenyReason::StreamLimitReached { limit: 2 }
    );
}

#[tokio::test]
async fn below_the_limit_every_location_is_admitted() {
    let (engine, _) = engine();
    let token = token();
    let first = allowed(
        engine
            .decide(
                &token,
                &request(0).with_device_id("tv").with_session_id("1"),
            )
            .await,
    );
    let second = allowed(
        engine
            .decide(
                &token,
                &request(1).with_device_id("tv").with_session_id("2"),
            )
            .await,
    );
    assert!(first.evicted.is_empty() && second.evicted.is_empty());
    assert_eq!(
        engine
            .sessions(ACCOUNT, &uid("viewer-1"), at(1))
            .await
            .unwrap()
            .len(),
        2
    );
}
