//! No `cbeh` (evict oldest): at `climit` a new session is admitted and the oldest evicted;
//! the evicted session's next renewal is denied as evicted.

use crate::common::*;
use playback_auth_policy::{DenyReason, SessionChange};

fn one_stream() -> playback_auth_policy::VerifiedToken {
    restriction("t", |b| b.user("viewer-1").concurrent_streams(1))
}

#[tokio::test]
async fn a_new_session_at_the_limit_evicts_the_oldest() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").concurrent_streams(2));
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(5).with_session_id("b"))
            .await,
    );
    // Renewing "a" does not make it younger: age is by admission.
    allowed(
        engine
            .decide(&token, &request(10).with_session_id("a"))
            .await,
    );
    let c = allowed(
        engine
            .decide(&token, &request(20).with_session_id("c"))
            .await,
    );
    assert_eq!(
        c.session,
        Some(SessionChange::Admitted { session: key("c") })
    );
    assert_eq!(c.evicted, [key("a")]);
    let keys: Vec<String> = engine
        .sessions(ACCOUNT, &uid("viewer-1"), at(20))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.session_key)
        .collect();
    assert_eq!(keys, [key("b"), key("c")]);
}

#[tokio::test]
async fn the_evicted_sessions_renewal_is_denied_session_evicted() {
    let (engine, _) = engine();
    let token = one_stream();
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    let b = allowed(
        engine
            .decide(&token, &request(30).with_session_id("b"))
            .await,
    );
    assert_eq!(b.evicted, [key("a")]);
    let reason = denied(
        engine
            .decide(&token, &request(31).with_session_id("a"))
            .await,
    );
    assert_eq!(reason, DenyReason::SessionEvicted { session: key("a") });
    assert_eq!(reason.code(), "session_evicted");
    // Denied again on every retry while its old lease (to 120) would have run…
    assert!(matches!(
        denied(
            engine
                .decide(&token, &request(119).with_session_id("a"))
                .await
        ),
        DenyReason::SessionEvicted { .. }
    ));
    // …and the denials did not disturb "b".
    assert!(matches!(
        allowed(
            engine
                .decide(&token, &request(119).with_session_id("b"))
                .await
        )
        .session,
        Some(SessionChange::Renewed { .. })
    ));
}

#[tokio::test]
async fn after_its_lease_would_have_ended_the_evicted_session_is_new_again() {
    let (engine, _) = engine();
    let token = one_stream();
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(30).with_session_id("b"))
            .await,
    );
    // "a" was remembered until 120; at 120 it is a new session that evicts "b".
    let back = allowed(
        engine
            .decide(&token, &request(120).with_session_id("a"))
            .await,
    );
    assert_eq!(
        back.session,
        Some(SessionChange::Admitted { session: key("a") })
    );
    assert_eq!(back.evicted, [key("b")]);
}

#[tokio::test]
async fn a_lower_climit_evicts_down_to_the_limit() {
    let (engine, _) = engine();
    let three = restriction("three", |b| b.user("viewer-1").concurrent_streams(3));
    for (secs, key) in [(0, "a"), (1, "b"), (2, "c")] {
        allowed(
            engine
                .decide(&three, &request(secs).with_session_id(key))
                .await,
        );
    }
    let one = restriction("one", |b| b.user("viewer-1").concurrent_streams(1));
    let d = allowed(engine.decide(&one, &request(3).with_session_id("d")).await);
    assert_eq!(d.evicted, [key("a"), key("b"), key("c")]);
    assert_eq!(
        engine
            .sessions(ACCOUNT, &uid("viewer-1"), at(3))
            .await
            .unwrap()
            .len(),
        1
    );
}
