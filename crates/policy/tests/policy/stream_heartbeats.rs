//! The three kinds of stream request — start, heartbeat, stop — with real tokens through the
//! authorizer: heartbeats count no use and record no IP, a stop frees the place at once, a
//! dead player's place frees after the lease, mid-stream checks refuse the next heartbeat,
//! and a session's heartbeats are audited as one entry.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns fail the calling test

use std::sync::Arc;
use std::time::Duration;

use crate::common::{ACCOUNT, CONTENT, UA, at, ip};
use playback_auth_claims::{ConcurrencyBehavior, PlaybackRestrictionClaims};
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::{
    AuditDecision, AuditReports, Authorizer, Decision, DenyReason, ExecutionStatus,
    HeartbeatConfigError, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    MemoryRevocationStore, MemoryRightsStore, PolicyConfig, RequestContext, RequestKind, StoreSet,
    Stores, VendorDenial,
};
use playback_auth_sign::Signer;

type Stack = Authorizer<
    StoreSet<MemoryPolicyStore, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry>,
>;

pub(crate) struct Player {
    pub(crate) authorizer: Stack,
    key: PrivateKey,
    key_id: String,
}

/// An authorizer with a 60 s heartbeat and a 2× grace (lease 120 s), and a registered key
/// (plus a second one, so deleting the first leaves the account registered).
pub(crate) async fn player() -> Player {
    let config = PolicyConfig::default()
        .with_heartbeat(Duration::from_secs(60), 2)
        .unwrap();
    let authorizer = Authorizer::builder(StoreSet {
        policy: MemoryPolicyStore::new(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    })
    .policy(config)
    .build();
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let other = PrivateKey::generate(Algorithm::Es384).unwrap();
    let registry = authorizer.stores().registry();
    let record = registry
        .register(ACCOUNT, &key.public_key().to_public_key_txt(), None, at(0))
        .await
        .unwrap();
    registry
        .register(
            ACCOUNT,
            &other.public_key().to_public_key_txt(),
            None,
            at(0),
        )
        .await
        .unwrap();
    Player {
        authorizer,
        key,
        key_id: record.id,
    }
}

impl Player {
    pub(crate) fn token(
        &self,
        user: &str,
        build: impl FnOnce(
            playback_auth_claims::ClaimsBuilder<PlaybackRestrictionClaims>,
        ) -> playback_auth_claims::ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> String {
        let builder = PlaybackRestrictionClaims::builder(ACCOUNT, at(0))
            .user(user)
            .valid_for(Duration::from_secs(3600));
        let claims = build(builder).build().unwrap();
        Signer::new(self.key.clone()).sign(&claims).unwrap()
    }

    pub(crate) async fn send(
        &self,
        kind: RequestKind,
        token: &str,
        ctx: &RequestContext,
    ) -> Decision {
        self.authorizer.authorize_request(kind, token, ctx).await.0
    }

    /// A token of `viewer-1` with `climit 1` and `behavior`, whose stream `s1` started on
    /// the TV at 0.
    pub(crate) async fn one_stream(&self, behavior: ConcurrencyBehavior) -> String {
        let token = self.token("viewer-1", |b| {
            b.concurrent_streams(1).concurrency_behavior(behavior)
        });
        let start = self
            .send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
            .await;
        assert!(start.is_allowed());
        token
    }

    pub(crate) fn audit(&self) -> &Arc<MemoryAuditSink> {
        self.authorizer.stores().audit()
    }
}

/// A request of stream `session` from device `device` at `at(secs)`.
pub(crate) fn ctx(secs: i64, device: &str, session: &str) -> RequestContext {
    RequestContext::new(ACCOUNT, CONTENT, UA, ip(1), at(secs))
        .with_device_id(device)
        .with_session_id(session)
}

#[track_caller]
fn code(decision: &Decision) -> &'static str {
    decision.deny_reason().map_or("allowed", DenyReason::code)
}

#[tokio::test]
async fn maxu_3_and_50_heartbeats_keep_playing_and_a_fourth_start_is_refused() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.max_uses(3).concurrent_streams(5));
    assert_eq!(
        code(
            &p.send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
                .await
        ),
        "allowed"
    );
    for beat in 1..=50 {
        let decision = p
            .send(RequestKind::Heartbeat, &token, &ctx(60 * beat, "tv", "s1"))
            .await;
        assert_eq!(code(&decision), "allowed", "heartbeat {beat}");
        assert_eq!(decision.allowed().unwrap().uses, None, "no use counted");
    }
    for (n, session) in ["s2", "s3"].into_iter().enumerate() {
        let start = p
            .send(RequestKind::Start, &token, &ctx(3001, "tv", session))
            .await;
        assert_eq!(
            start.allowed().unwrap().uses,
            Some(u32::try_from(n).unwrap() + 2)
        );
    }
    let fourth = p
        .send(RequestKind::Start, &token, &ctx(3002, "tv", "s4"))
        .await;
    assert_eq!(
        fourth.deny_reason(),
        Some(&DenyReason::MaxUsesReached { limit: 3 })
    );
}

#[tokio::test]
async fn a_heartbeat_records_no_new_ip() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.max_ips(1).concurrent_streams(2));
    assert!(
        p.send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
            .await
            .is_allowed()
    );
    // The same stream (same device and id) heartbeats from a new address: renewed...
    let mut moved = ctx(60, "tv", "s1");
    moved.client_ip = ip(2);
    assert!(
        p.send(RequestKind::Heartbeat, &token, &moved)
            .await
            .is_allowed()
    );
    // ...but the address was not recorded: a start from it is still a second IP.
    let mut start = ctx(61, "tv", "s2");
    start.client_ip = ip(2);
    assert_eq!(
        p.send(RequestKind::Start, &token, &start)
            .await
            .deny_reason(),
        Some(&DenyReason::MaxIpsReached { limit: 1 })
    );
}

#[tokio::test]
async fn a_stop_frees_the_place_at_once_with_climit_1() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    let phone = ctx(10, "phone", "s2");
    assert_eq!(
        code(&p.send(RequestKind::Start, &token, &phone).await),
        "stream_limit_reached"
    );
    let stop = p
        .send(RequestKind::Stop, &token, &ctx(10, "tv", "s1"))
        .await;
    assert!(stop.allowed().unwrap().stopped.is_some());
    // Stopping is idempotent.
    let again = p
        .send(RequestKind::Stop, &token, &ctx(10, "tv", "s1"))
        .await;
    assert_eq!(again.allowed().unwrap().stopped, None);
    assert!(
        p.send(RequestKind::Start, &token, &phone)
            .await
            .is_allowed()
    );
    // The stopped stream's heartbeat: an unknown session, not an evicted one.
    assert_eq!(
        code(
            &p.send(RequestKind::Heartbeat, &token, &ctx(20, "tv", "s1"))
                .await
        ),
        "session_unknown"
    );
}

#[tokio::test]
async fn a_player_that_disappears_frees_its_place_after_the_lease() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    assert!(
        p.send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
            .await
            .is_allowed()
    );
    // The TV dies after its heartbeat at 60: its lease (2 × 60 s) runs to 180.
    assert_eq!(
        code(
            &p.send(RequestKind::Start, &token, &ctx(179, "phone", "s2"))
                .await
        ),
        "stream_limit_reached"
    );
    assert!(
        p.send(RequestKind::Start, &token, &ctx(180, "phone", "s2"))
            .await
            .is_allowed()
    );
    assert_eq!(
        code(
            &p.send(RequestKind::Heartbeat, &token, &ctx(181, "tv", "s1"))
                .await
        ),
        "session_unknown"
    );
}

#[tokio::test]
async fn revoking_the_token_mid_stream_refuses_the_next_heartbeat() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.concurrent_streams(1));
    let (start, verified) = p
        .authorizer
        .authorize_request(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
        .await;
    assert!(start.is_allowed());
    p.authorizer
        .revoke(ACCOUNT, &verified.unwrap(), at(30))
        .await
        .unwrap();
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
        .await;
    assert_eq!(beat.deny_reason(), Some(&DenyReason::TokenRevoked));
    assert_eq!(
        beat.deny_reason().unwrap().vendor_denial(),
        VendorDenial::TOKEN_VALIDATION
    );
}

#[tokio::test]
async fn deleting_the_key_mid_stream_refuses_the_next_heartbeat() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.concurrent_streams(1));
    assert!(
        p.send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
            .await
            .is_allowed()
    );
    assert!(
        p.authorizer
            .stores()
            .registry()
            .delete(ACCOUNT, &p.key_id)
            .await
            .unwrap()
    );
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
        .await;
    assert!(matches!(
        beat.deny_reason(),
        Some(DenyReason::InvalidToken(_))
    ));
    // The account's other key is ES384: nothing verifies an ES256 token any more.
    assert_eq!(code(&beat), "no_key_for_algorithm");
    assert_eq!(
        beat.deny_reason().unwrap().vendor_denial(),
        VendorDenial::TOKEN_VALIDATION
    );
}

#[tokio::test]
async fn a_token_expiring_mid_stream_refuses_the_next_heartbeat() {
    let p = player().await;
    let token = p.token("viewer-1", |b| {
        b.concurrent_streams(1).valid_for(Duration::from_secs(100))
    });
    assert!(
        p.send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
            .await
            .is_allowed()
    );
    assert!(
        p.send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
            .await
            .is_allowed()
    );
    // exp is 100; the default leeway is 30 s.
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(131, "tv", "s1"))
        .await;
    assert_eq!(code(&beat), "token_expired");
}

#[tokio::test]
async fn the_evicted_streams_heartbeat_gets_stream_limit_renew() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::EvictOldest).await;
    let phone = p
        .send(RequestKind::Start, &token, &ctx(10, "phone", "s2"))
        .await;
    assert_eq!(phone.allowed().unwrap().evicted.len(), 1);
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
        .await;
    let reason = beat.deny_reason().unwrap();
    assert_eq!(reason.code(), "session_evicted");
    assert_eq!(reason.vendor_denial(), VendorDenial::STREAM_LIMIT_RENEW);
    assert_eq!(
        reason.vendor_denial().to_string(),
        "403 ACCESS_DENIED DENIED_BY_STREAM_LIMIT_RENEW"
    );
    // The refused heartbeat is a record of its own, and the eviction ended the TV's session
    // in the trail.
    let records = p.audit().all_records();
    let reasons: Vec<Option<&str>> = records.iter().map(|r| r.reason.as_deref()).collect();
    assert!(
        reasons.contains(&Some("session_ended_evicted")),
        "{reasons:?}"
    );
    let refused = records.last().unwrap();
    assert_eq!(
        (refused.decision, refused.reason.as_deref()),
        (AuditDecision::Deny, Some("session_evicted"))
    );
}

#[tokio::test]
async fn a_block_new_refusal_gets_stream_limit_create() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    let refused = p
        .send(RequestKind::Start, &token, &ctx(10, "phone", "s2"))
        .await;
    assert_eq!(
        refused.deny_reason().unwrap().vendor_denial(),
        VendorDenial::STREAM_LIMIT_CREATE
    );
}

#[tokio::test]
async fn a_heartbeat_for_a_session_never_started_is_unknown() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.concurrent_streams(1));
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(0, "tv", "s1"))
        .await;
    assert_eq!(code(&beat), "session_unknown");
    assert_eq!(
        beat.deny_reason().unwrap().vendor_denial(),
        VendorDenial::STREAM_LIMIT_RENEW
    );
}

#[tokio::test]
async fn a_token_only_stops_its_own_users_session() {
    let p = player().await;
    let mine = p.token("viewer-1", |b| b.concurrent_streams(1));
    let theirs = p.token("viewer-2", |b| b.concurrent_streams(1));
    assert!(
        p.send(RequestKind::Start, &mine, &ctx(0, "tv", "s1"))
            .await
            .is_allowed()
    );
    // Same device, same session id, another user: nothing of viewer-1's is touched.
    let stop = p
        .send(RequestKind::Stop, &theirs, &ctx(5, "tv", "s1"))
        .await;
    assert_eq!(stop.allowed().unwrap().stopped, None);
    assert!(
        p.send(RequestKind::Heartbeat, &mine, &ctx(60, "tv", "s1"))
            .await
            .is_allowed()
    );
}

#[tokio::test]
async fn a_hundred_heartbeats_leave_one_session_entry() {
    let p = player().await;
    let token = p.token("viewer-1", |b| b.concurrent_streams(1));
    assert!(
        p.send(RequestKind::Start, &token, &ctx(0, "tv", "s1"))
            .await
            .is_allowed()
    );
    for beat in 1..=100 {
        // The address changes once, half way.
        let mut ctx = ctx(30 * beat, "tv", "s1");
        ctx.client_ip = if beat > 50 { ip(2) } else { ip(1) };
        assert!(
            p.send(RequestKind::Heartbeat, &token, &ctx)
                .await
                .is_allowed()
        );
    }
    assert!(
        p.send(RequestKind::Stop, &token, &ctx(3001, "tv", "s1"))
            .await
            .is_allowed()
    );
    let records = p.audit().all_records();
    let reasons: Vec<Option<&str>> = records.iter().map(|r| r.reason.as_deref()).collect();
    assert_eq!(reasons, [None, Some("session_stopped")]);
    let renewals = p.audit().all_renewals();
    assert_eq!(renewals.len(), 1);
    let renewal = &renewals[0];
    assert_eq!(
        (renewal.count, renewal.first, renewal.last),
        (100, at(30), at(3000))
    );
    assert_eq!(renewal.ips, [ip(1), ip(2)]);
    assert!(renewal.ip_changed());
    assert_eq!(renewal.uid.as_deref(), Some("viewer-1"));
    assert_eq!(
        records[0].session.as_deref(),
        Some(renewal.session.as_str())
    );

    // Reports read the same way: two records, the one renewal line, then the session's end.
    let reports = AuditReports::new(Arc::clone(p.audit()));
    let date = at(0).to_offset_date_time().date();
    let next_day = at(86_400 * 2);
    let id = reports.request(ACCOUNT, date, next_day).await.unwrap();
    assert_eq!(reports.run_pending().await, 1);
    let execution = reports.execution(id, next_day).await.unwrap().unwrap();
    assert_eq!(execution.status, ExecutionStatus::Completed);
    let file = reports.report_file(id, next_day).await.unwrap().unwrap();
    let lines: Vec<serde_json::Value> = file
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2]["count"], 100);
    assert_eq!(lines[2]["session"], renewal.session.as_str());
    assert_eq!(lines[3]["cause"], "stopped");
    assert_eq!(lines[3]["session"], renewal.session.as_str());
}

#[test]
fn heartbeat_intervals_under_60_s_are_refused_at_configuration() {
    assert_eq!(
        PolicyConfig::default().with_heartbeat(Duration::from_secs(59), 2),
        Err(HeartbeatConfigError::IntervalTooShort {
            interval: Duration::from_secs(59)
        })
    );
    assert_eq!(
        PolicyConfig::default().with_heartbeat(Duration::from_secs(60), 0),
        Err(HeartbeatConfigError::ZeroGraceFactor)
    );
    let config = PolicyConfig::default()
        .with_heartbeat(Duration::from_secs(60), 3)
        .unwrap();
    assert_eq!(config.lease, Duration::from_secs(180));
    assert_eq!(config.heartbeat_interval, Duration::from_secs(60));
    // The defaults agree: 60 s × 2 is the default lease.
    assert_eq!(
        PolicyConfig::DEFAULT_HEARTBEAT_INTERVAL * PolicyConfig::DEFAULT_GRACE_FACTOR,
        PolicyConfig::DEFAULT_LEASE
    );
}

#[tokio::test]
async fn a_heartbeat_whose_renewal_cannot_be_audited_still_plays_and_is_counted() {
    use crate::common::{BrokenAuditSink, engine_of, request, restriction};
    use playback_auth_policy::MemoryRevocationStore;

    let engine = engine_of(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        BrokenAuditSink,
        PolicyConfig::default(),
    );
    let token = restriction("t", |b| b.user("viewer-1").concurrent_streams(1));
    let ctx = |secs| request(secs).with_session_id("s1");
    assert!(engine.decide(&token, &ctx(0)).await.is_allowed());
    assert!(engine.heartbeat(&token, &ctx(60)).await.is_allowed());
    assert!(engine.stop(&token, &ctx(61)).await.is_allowed());
    // The start's record, the heartbeat's renewal and the stop's record all failed.
    assert_eq!(engine.audit_failures(), 3);
}

#[tokio::test]
async fn a_heartbeat_on_a_failing_store_fails_closed_or_open_like_a_start() {
    use crate::common::{UnavailableStore, engine_on, engine_on_with, request, restriction};

    let token = restriction("t", |b| b.user("viewer-1").concurrent_streams(1));
    let ctx = request(60).with_session_id("s1");
    let closed = engine_on(UnavailableStore);
    assert_eq!(
        closed.heartbeat(&token, &ctx).await.deny_reason(),
        Some(&DenyReason::StoreUnavailable)
    );
    assert_eq!(
        closed.stop(&token, &ctx).await.deny_reason(),
        Some(&DenyReason::StoreUnavailable)
    );
    assert_eq!(closed.store_failures(), 2);
    let open = engine_on_with(
        UnavailableStore,
        PolicyConfig::default().with_fail_open(true),
    );
    let beat = open.heartbeat(&token, &ctx).await;
    assert!(beat.allowed().unwrap().degraded);
}
