//! All or nothing: a request denied for any reason leaves the store exactly as it was,
//! including the denials that come from the store itself in the middle of a plan that
//! would otherwise have counted a use, recorded an IP, admitted or evicted a session and
//! registered a device.

use crate::common::engine_of;
use crate::common::*;
use playback_auth_claims::{ConcurrencyBehavior, ViewerId};
use playback_auth_policy::PolicyConfig;
use playback_auth_policy::Stores;
use playback_auth_policy::{
    DenyReason, MemoryAuditSink, MemoryPolicyStore, MemoryRevocationStore, RequestContext,
    RevocationStore, VerifiedToken,
};
use std::sync::Arc;

/// A token that touches every kind of state.
fn everything(label: &str, cbeh: ConcurrencyBehavior, maxu: u32, maxip: u32) -> VerifiedToken {
    restriction(label, |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(cbeh)
            .device_limit(1)
            .max_uses(maxu)
            .max_ips(maxip)
            .content_id(CONTENT)
            .user_agent(UA)
    })
}

fn first_request() -> RequestContext {
    request(0).with_session_id("s1").with_device_id("d1")
}

/// Denied with `expected`, and the state store is unchanged, byte for byte.
async fn assert_denied_changes_nothing(
    engine: &MemoryEngine,
    store: &MemoryPolicyStore,
    token: &VerifiedToken,
    ctx: &RequestContext,
    expected: DenyReason,
) {
    let before = store.snapshot();
    assert_eq!(denied(engine.decide(token, ctx).await), expected);
    assert_eq!(
        store.snapshot(),
        before,
        "a denial ({expected}) changed the store"
    );
}

#[tokio::test]
async fn max_uses_denial_records_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::EvictOldest, 1, 5);
    allowed(engine.decide(&token, &first_request()).await);
    let ctx = request(1).with_session_id("s2").with_client_ip(ip(2));
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &ctx.with_device_id("d1"),
        DenyReason::MaxUsesReached { limit: 1 },
    )
    .await;
}

#[tokio::test]
async fn max_ips_denial_records_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::EvictOldest, 5, 1);
    allowed(engine.decide(&token, &first_request()).await);
    let ctx = request(1)
        .with_session_id("s2")
        .with_device_id("d1")
        .with_client_ip(ip(2));
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &ctx,
        DenyReason::MaxIpsReached { limit: 1 },
    )
    .await;
    // Proof that nothing was counted: the next request is use 2 and still renews s1.
    let next = allowed(engine.decide(&token, &first_request()).await);
    assert_eq!(next.uses, Some(2));
    assert!(matches!(
        next.session,
        Some(playback_auth_policy::SessionChange::Renewed { .. })
    ));
}

#[tokio::test]
async fn single_use_denial_records_nothing() {
    let (engine, store) = engine();
    let token = channel("t", |b| {
        b.single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
    });
    allowed(engine.decide(&token, &request(0)).await);
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &request(1).with_client_ip(ip(2)),
        DenyReason::SingleUseAlreadyUsed,
    )
    .await;
}

#[tokio::test]
async fn stream_limit_denial_records_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::BlockNew, 5, 5);
    allowed(engine.decide(&token, &first_request()).await);
    let ctx = request(1)
        .with_session_id("s2")
        .with_device_id("d1")
        .with_client_ip(ip(2));
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &ctx,
        DenyReason::StreamLimitReached { limit: 1 },
    )
    .await;
}

#[tokio::test]
async fn block_new_user_denial_records_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::BlockNewUser, 5, 5);
    allowed(engine.decide(&token, &first_request()).await);
    // A new location (no device id would fail dlimit first, so a new device — which would
    // also be refused — is avoided: same device, other session, but the location is the
    // device, so use a second token without dlimit to reach the session check).
    let no_devices = restriction("t2", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .concurrency_behavior(ConcurrencyBehavior::BlockNewUser)
            .max_uses(5)
    });
    let ctx = request(1)
        .with_session_id("s2")
        .with_device_id("d-elsewhere");
    assert_denied_changes_nothing(
        &engine,
        &store,
        &no_devices,
        &ctx,
        DenyReason::StreamLimitReached { limit: 1 },
    )
    .await;
}

#[tokio::test]
async fn session_evicted_denial_records_nothing() {
    let (engine, store) = engine();
    let token = restriction("t", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .device_limit(2)
            .max_uses(9)
            .max_ips(3)
    });
    allowed(engine.decide(&token, &first_request()).await);
    let evicting = allowed(
        engine
            .decide(
                &token,
                &request(1).with_session_id("s2").with_device_id("d1"),
            )
            .await,
    );
    let s1 = key_at(request(0).with_device_id("d1"), "s1");
    assert_eq!(evicting.evicted, std::slice::from_ref(&s1));
    // The evicted session comes back from its device, at a new IP.
    let ctx = request(2)
        .with_session_id("s1")
        .with_device_id("d1")
        .with_client_ip(ip(2));
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &ctx,
        DenyReason::SessionEvicted { session: s1 },
    )
    .await;
}

#[tokio::test]
async fn device_limit_denial_evicts_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::EvictOldest, 5, 5);
    allowed(engine.decide(&token, &first_request()).await);
    // A new session would evict s1 — but the new device is refused, so it must not.
    let ctx = request(1).with_session_id("s2").with_device_id("d2");
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &ctx,
        DenyReason::DeviceLimitReached { limit: 1 },
    )
    .await;
    assert_eq!(
        engine
            .sessions(ACCOUNT, &uid("viewer-1"), at(1))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn denials_before_the_store_record_nothing() {
    let (engine, store) = engine();
    let token = everything("t", ConcurrencyBehavior::EvictOldest, 5, 5);
    allowed(engine.decide(&token, &first_request()).await);
    let new_everything = || {
        request(1)
            .with_session_id("s2")
            .with_device_id("d1")
            .with_client_ip(ip(2))
    };

    let mut other_account = new_everything();
    other_account.account = "acct-2".to_owned();
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &other_account,
        DenyReason::AccountMismatch {
            token_account: ACCOUNT.into(),
        },
    )
    .await;
    let mut other_content = new_everything();
    other_content.content_id = "video-8".to_owned();
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &other_content,
        DenyReason::ContentMismatch {
            token_content: CONTENT.into(),
        },
    )
    .await;
    let mut other_agent = new_everything();
    other_agent.user_agent = "Other".to_owned();
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &other_agent,
        DenyReason::UserAgentMismatch,
    )
    .await;

    let vids = restriction("vids", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .max_uses(5)
            .video_ids(["video-1"])
    });
    assert_denied_changes_nothing(
        &engine,
        &store,
        &vids,
        &new_everything(),
        DenyReason::NotInVids,
    )
    .await;
    let tags = restriction("tags", |b| {
        b.user("viewer-1")
            .concurrent_streams(1)
            .max_uses(5)
            .tags(["kids"])
    });
    assert_denied_changes_nothing(
        &engine,
        &store,
        &tags,
        &new_everything(),
        DenyReason::NoMatchingTag,
    )
    .await;

    let mut missing_device = new_everything();
    missing_device.device_id = None;
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &missing_device,
        DenyReason::DeviceIdMissing,
    )
    .await;

    let origin = channel("origin", |b| {
        b.allowed_origins("https://a.example")
            .single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
    });
    assert_denied_changes_nothing(
        &engine,
        &store,
        &origin,
        &new_everything(),
        DenyReason::OriginNotAllowed { origin: None },
    )
    .await;

    engine.0.revoke(ACCOUNT, &token, at(1)).await.unwrap();
    assert_denied_changes_nothing(
        &engine,
        &store,
        &token,
        &new_everything(),
        DenyReason::TokenRevoked,
    )
    .await;

    let viewer = channel("viewer", |b| {
        b.viewer("viewer-9", 1)
            .single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
    });
    engine
        .stores()
        .revocations()
        .disconnect_viewer(
            ACCOUNT,
            &ViewerId::parse("viewer-9").unwrap(),
            1,
            at(3600),
            at(1),
        )
        .await
        .unwrap();
    assert_denied_changes_nothing(
        &engine,
        &store,
        &viewer,
        &new_everything(),
        DenyReason::ViewerDisconnected,
    )
    .await;
}

#[tokio::test]
async fn a_store_fault_records_nothing() {
    // A full shard: the store refuses to grow and the engine fails closed.
    let store = Arc::new(MemoryPolicyStore::with_shards(1, 6));
    let engine = engine_of(
        Arc::clone(&store),
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    );
    let token = everything("t", ConcurrencyBehavior::EvictOldest, 5, 5);
    // partition + token + ip + session + device = 5 entries.
    allowed(engine.decide(&token, &first_request()).await);
    let ctx = request(1)
        .with_session_id("s1")
        .with_device_id("d1")
        .with_client_ip(ip(2));
    let grow_two = restriction("grow", |b| b.max_ips(5));
    let before = store.snapshot();
    assert_eq!(
        denied(engine.decide(&grow_two, &ctx).await),
        DenyReason::StoreUnavailable
    );
    assert_eq!(store.snapshot(), before);
    // A renewal that adds one IP still fits.
    allowed(engine.decide(&token, &ctx).await);
}
