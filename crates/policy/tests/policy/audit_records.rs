//! Every decision writes one audit record; a failing audit sink never changes a decision.

use crate::common::engine_of;
use crate::common::*;
use playback_auth_policy::PolicyConfig;
use playback_auth_policy::Stores;
use playback_auth_policy::{
    AuditDecision, DenyReason, MemoryAuditSink, MemoryPolicyStore, MemoryRevocationStore,
};
use std::sync::Arc;

#[tokio::test]
async fn allows_and_denials_are_recorded_with_the_request_and_token() {
    let (engine, _) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(playback_auth_claims::ConcurrencyBehavior::BlockNew)
    });
    let ctx = request(0).with_session_id("a").with_device_id("tv");
    allowed(engine.decide(&token, &ctx).await);
    denied(
        engine
            .decide(&token, &request(1).with_session_id("b"))
            .await,
    );
    let mut other = request(2);
    other.account = "acct-2".to_owned();
    denied(engine.decide(&token, &other).await);

    let records = engine.stores().audit().all_records();
    assert_eq!(records.len(), 3);
    let allow = &records[0];
    assert_eq!(allow.time, at(0));
    assert_eq!(allow.account, ACCOUNT);
    assert_eq!(allow.uid.as_deref(), Some("viewer-1"));
    assert_eq!(
        allow.session,
        Some(key_at(request(0).with_device_id("tv"), "a"))
    );
    assert_eq!(allow.device.as_deref(), Some("tv"));
    assert_eq!(allow.ip, ip(1));
    assert_eq!(allow.user_agent, UA);
    assert_eq!(allow.content, CONTENT);
    assert_eq!(allow.token_digest, Some(token.digest));
    assert_eq!(allow.decision, AuditDecision::Allow);
    assert_eq!(allow.reason, None);

    let deny = &records[1];
    assert_eq!(deny.decision, AuditDecision::Deny);
    assert_eq!(deny.session, Some(key("b")));
    assert_eq!(deny.reason.as_deref(), Some("stream_limit_reached"));

    let mismatch = &records[2];
    assert_eq!(mismatch.account, "acct-2");
    assert_eq!(mismatch.session, None);
    assert_eq!(mismatch.reason.as_deref(), Some("account_mismatch"));
}

#[tokio::test]
async fn a_failing_audit_sink_changes_no_decision_and_is_counted() {
    let engine = engine_of(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        BrokenAuditSink,
        PolicyConfig::default(),
    );
    let token = restriction("t", |b| b.max_uses(1));
    assert_eq!(
        allowed(engine.decide(&token, &request(0)).await).uses,
        Some(1)
    );
    assert_eq!(
        denied(engine.decide(&token, &request(1)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
    assert_eq!(engine.audit_failures(), 2);
    assert_eq!(engine.store_failures(), 0);
}

#[tokio::test]
async fn viewer_ids_are_recorded_as_the_user_of_channel_tokens() {
    let engine = engine_of(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let token = channel("t", |b| b.viewer("viewer-9", 1));
    allowed(engine.decide(&token, &request(0)).await);
    assert_eq!(
        engine.stores().audit().all_records()[0].uid.as_deref(),
        Some("viewer-9")
    );
    assert_eq!(engine.audit_failures(), 0);
}
