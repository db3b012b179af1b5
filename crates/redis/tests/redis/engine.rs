//! A `PolicyEngine` whose state, revocation list and audit sink are all one `RedisStore`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{AuditSink, Authorizer, Decision, DenyReason, PolicyStore};
use time::macros::date;

use crate::common::{ACCOUNT, at, request, restriction};

#[tokio::test]
async fn decisions_revocations_and_audit_all_live_in_redis() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = crate::common::fresh_store(&url, "engine");
    let authorizer = Authorizer::new(store.clone());
    let engine = authorizer.engine();
    let token = restriction("engine-token", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
            .device_limit(1)
            .max_uses(3)
    });
    let ctx =
        |session: &str, device: &str| request(0).with_session_id(session).with_device_id(device);
    assert!(matches!(
        engine.decide(&token, &ctx("a", "d1")).await,
        Decision::Allow(_)
    ));
    assert_eq!(
        engine.decide(&token, &ctx("b", "d1")).await,
        Decision::Deny(DenyReason::StreamLimitReached { limit: 1 })
    );
    // Session "a" from another device is another stream (sessions are bound to their
    // location): refused by climit before dlimit is reached.
    assert_eq!(
        engine.decide(&token, &ctx("a", "d2")).await,
        Decision::Deny(DenyReason::StreamLimitReached { limit: 1 })
    );
    let uid = token.uid().unwrap().clone();
    assert_eq!(store.sessions(ACCOUNT, &uid, at(0)).await.unwrap().len(), 1);
    assert_eq!(store.devices(ACCOUNT, &uid).await.unwrap().len(), 1);

    authorizer.revoke(ACCOUNT, &token, at(1)).await.unwrap();
    assert_eq!(
        engine.decide(&token, &ctx("a", "d1")).await,
        Decision::Deny(DenyReason::TokenRevoked)
    );
    // Every decision left one audit record, in order.
    let day = store
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .unwrap();
    let reasons: Vec<_> = day.records.iter().map(|r| r.reason.clone()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0], None);
    assert_eq!(engine.audit_failures(), 0);
}
