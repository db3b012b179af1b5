//! `cbeh: BLOCK_NEW`: at `climit` a new session is denied; renewals continue.

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{DenyReason, SessionChange};

#[tokio::test]
async fn a_new_session_at_the_limit_is_denied_and_active_ones_renew() {
    let (engine, _) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(2)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    allowed(
        engine
            .decide(&token, &request(0).with_session_id("a"))
            .await,
    );
    allowed(
        engine
            .decide(&token, &request(1).with_session_id("b"))
            .await,
    );
    let reason = denied(
        engine
            .decide(&token, &request(2).with_session_id("c"))
            .await,
    );
    assert_eq!(reason, DenyReason::StreamLimitReached { limit: 2 });
    assert_eq!(reason.code(), "stream_limit_reached");
    for key in ["a", "b"] {
        let renewal = allowed(
            engine
                .decide(&token, &request(3).with_session_id(key))
                .await,
        );
        assert_eq!(
            renewal.session,
            Some(SessionChange::Renewed {
                session: crate::common::key(key)
            })
        );
    }
    // Nothing was evicted.
    assert_eq!(
        engine
            .sessions(ACCOUNT, &uid("viewer-1"), at(3))
            .await
            .unwrap()
            .len(),
        2
    );
}
