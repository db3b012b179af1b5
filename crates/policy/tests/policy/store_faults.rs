//! Store faults: fail closed (deny `StoreUnavailable`) by default, a degraded allow when
//! configured to fail open.

use std::error::Error as _;

use crate::common::engine_of;
use crate::common::*;
use playback_auth_policy::Stores;
use playback_auth_policy::{
    DenyReason, MemoryAuditSink, MemoryPolicyStore, MemoryRevocationStore, PolicyConfig,
    PolicyStore, StoreError,
};
use std::sync::Arc;

fn stateful_token() -> playback_auth_policy::VerifiedToken {
    restriction("t", |b| {
        b.user("viewer-1").concurrent_streams(1).max_uses(1)
    })
}

#[tokio::test]
async fn a_failing_store_denies_store_unavailable_by_default() {
    let engine = engine_of(
        UnavailableStore,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let reason = denied(engine.decide(&stateful_token(), &request(0)).await);
    assert_eq!(reason, DenyReason::StoreUnavailable);
    assert_eq!(reason.code(), "store_unavailable");
    assert_eq!(engine.store_failures(), 1);
    let records = engine.stores().audit().all_records();
    assert_eq!(records[0].reason.as_deref(), Some("store_unavailable"));
}

#[tokio::test]
async fn fail_open_allows_degraded() {
    let engine = engine_of(
        UnavailableStore,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default().with_fail_open(true),
    );
    for secs in 0..3 {
        let allow = allowed(engine.decide(&stateful_token(), &request(secs)).await);
        assert!(allow.degraded);
        assert_eq!(allow.session, None);
        assert_eq!(allow.uses, None);
    }
    assert_eq!(engine.store_failures(), 3);
    let records = engine.stores().audit().all_records();
    assert_eq!(records[0].reason.as_deref(), Some("degraded"));
}

#[tokio::test]
async fn fail_open_still_applies_static_checks_and_revocation() {
    let engine = engine_of(
        UnavailableStore,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default().with_fail_open(true),
    );
    let token = restriction("t", |b| {
        b.user("viewer-1").concurrent_streams(1).user_agent("Other")
    });
    assert_eq!(
        denied(engine.decide(&token, &request(0)).await),
        DenyReason::UserAgentMismatch
    );
    assert_eq!(engine.store_failures(), 0);
}

#[tokio::test]
async fn tokens_without_stateful_claims_never_reach_the_store() {
    let engine = engine_of(
        UnavailableStore,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let allow = allowed(
        engine
            .decide(&restriction("t", |b| b.content_id(CONTENT)), &request(0))
            .await,
    );
    assert!(!allow.degraded);
    assert_eq!(engine.store_failures(), 0);
}

#[tokio::test]
async fn a_failing_revocation_store_fails_closed_or_open_like_the_state_store() {
    let closed = engine_of(
        MemoryPolicyStore::new(),
        UnavailableRevocations,
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    assert_eq!(
        denied(closed.decide(&stateful_token(), &request(0)).await),
        DenyReason::StoreUnavailable
    );
    assert_eq!(closed.store_failures(), 1);

    let open = engine_of(
        MemoryPolicyStore::new(),
        UnavailableRevocations,
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default().with_fail_open(true),
    );
    let allow = allowed(open.decide(&stateful_token(), &request(0)).await);
    // The state store worked: the limits were enforced, but revocation was not checked.
    assert!(allow.degraded);
    assert_eq!(allow.uses, Some(1));
    assert_eq!(
        denied(open.decide(&stateful_token(), &request(1)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
}

#[tokio::test]
async fn management_calls_surface_the_store_error_with_its_source() {
    let engine = engine_of(
        UnavailableStore,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let error = engine
        .sessions(ACCOUNT, &uid("viewer-1"), at(0))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Backend { .. }));
    assert_eq!(error.source().unwrap().to_string(), "backend down");
    assert!(
        engine
            .end_session(ACCOUNT, &uid("viewer-1"), "a", at(0))
            .await
            .is_err()
    );
    assert!(engine.devices(ACCOUNT, &uid("viewer-1")).await.is_err());
    assert!(
        engine
            .remove_device(ACCOUNT, &uid("viewer-1"), "d")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_full_memory_store_fails_closed_and_recovers_when_state_expires() {
    // One shard of 4 entries: a token partition with its token and one IP is 3.
    let store = MemoryPolicyStore::with_shards(1, 4);
    let engine = engine_of(
        store,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let first = restriction("first", |b| b.max_ips(5));
    let second = restriction("second", |b| b.max_ips(5));
    allowed(engine.decide(&first, &request(0)).await);
    assert_eq!(
        denied(engine.decide(&second, &request(0)).await),
        DenyReason::StoreUnavailable
    );
    let plan = engine.plan(&second, &request(0)).unwrap();
    assert!(matches!(
        engine.stores().policy().apply(&plan).await,
        Err(StoreError::CapacityExceeded { capacity: 4 })
    ));
    // Once the first token expired (exp 3590 + 30 s leeway), its state makes room.
    let later = request(3620);
    let third = restriction("third", |b| {
        b.max_ips(5).valid_for(std::time::Duration::from_secs(7200))
    });
    allowed(engine.decide(&third, &later).await);
    assert_eq!(engine.stores().policy().entries(), 3);
}
