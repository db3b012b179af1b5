//! Helpers shared by the integration tests: fake time, token and request builders, and
//! stores that always fail.
#![allow(dead_code)]
// each test file uses a different subset
// Test helpers fail the test by panicking, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use playback_auth_claims::{
    ClaimsBuilder, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims, Uid,
};
use playback_auth_policy::{
    Allowed, AuditError, AuditRecord, AuditSink, Authorizer, Decision, DecisionPlan, DenyReason,
    DeviceInfo, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore, MemoryRevocationStore,
    MemoryRightsStore, Outcome, PolicyConfig, PolicyEngine, PolicyStore, RecordsRead,
    RequestContext, RevocationStore, SessionInfo, StoreError, StoreSet, Stores, VerifiedToken,
};

/// The fake clock's epoch: every test time is `T0 + secs`.
pub(crate) const T0: i64 = 1_700_000_000;
pub(crate) const ACCOUNT: &str = "acct-1";
pub(crate) const CONTENT: &str = "video-7";
pub(crate) const UA: &str = "Player/1.0";
pub(crate) const CHANNEL_ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

pub(crate) fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(T0 + secs).unwrap()
}

pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

pub(crate) fn uid(name: &str) -> Uid {
    Uid::new(name).unwrap()
}

pub(crate) type Builder = ClaimsBuilder<PlaybackRestrictionClaims>;

/// A verified restriction token for `ACCOUNT`, issued at `at(-10)`, valid for an hour,
/// whose encoded form (and so digest) is `label`.
pub(crate) fn restriction(label: &str, build: impl FnOnce(Builder) -> Builder) -> VerifiedToken {
    let builder =
        PlaybackRestrictionClaims::builder(ACCOUNT, at(-10)).valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().unwrap();
    VerifiedToken::new(PlaybackClaims::Restriction(claims), label)
}

/// A verified private-channel token valid for an hour.
pub(crate) fn channel(
    label: &str,
    build: impl FnOnce(ClaimsBuilder<PrivateChannelClaims>) -> ClaimsBuilder<PrivateChannelClaims>,
) -> VerifiedToken {
    let builder =
        PrivateChannelClaims::builder(CHANNEL_ARN, at(-10)).valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().unwrap();
    VerifiedToken::new(PlaybackClaims::Channel(claims), label)
}

/// A verified static URL token valid for an hour.
pub(crate) fn static_url(
    label: &str,
    build: impl FnOnce(ClaimsBuilder<StaticUrlClaims>) -> ClaimsBuilder<StaticUrlClaims>,
) -> VerifiedToken {
    let builder = StaticUrlClaims::builder(ACCOUNT, at(-10)).valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().unwrap();
    VerifiedToken::new(PlaybackClaims::StaticUrl(claims), label)
}

/// A request for `CONTENT` of `ACCOUNT` by `UA` from `ip(1)` at `at(secs)`. The catalogue
/// maps `CONTENT` to `CHANNEL_ARN`, so the channel tokens of these tests play it too.
pub(crate) fn request(secs: i64) -> RequestContext {
    RequestContext::new(ACCOUNT, CONTENT, UA, ip(1), at(secs)).with_content_channel(CHANNEL_ARN)
}

/// In-memory stores around state store `P` (by default one shared with the test, so it can
/// take snapshots of it).
pub(crate) type TestStores<P = Arc<MemoryPolicyStore>> =
    StoreSet<P, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry>;

/// An authorizer; it derefs to its engine, which most tests drive with already verified
/// tokens.
#[derive(Debug)]
pub(crate) struct Engine<B>(pub(crate) Authorizer<B>);

impl<B: Stores> std::ops::Deref for Engine<B> {
    type Target = PolicyEngine<B>;

    fn deref(&self) -> &Self::Target {
        self.0.engine()
    }
}

/// An engine on [`TestStores`].
pub(crate) type MemoryEngine<P = Arc<MemoryPolicyStore>> = Engine<TestStores<P>>;

/// An engine on these state, revocation and audit stores (keys in memory), with `config`.
pub(crate) fn engine_of<P, R, A>(
    policy: P,
    revocations: R,
    audit: A,
    config: PolicyConfig,
) -> Engine<StoreSet<P, R, A, MemoryKeyRegistry>>
where
    P: PolicyStore,
    R: RevocationStore,
    A: AuditSink + Clone,
{
    let stores = StoreSet {
        policy,
        revocations,
        audit,
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    };
    Engine(Authorizer::builder(stores).policy(config).build())
}

/// An engine deciding on state store `policy`, the other stores in memory.
pub(crate) fn engine_on<P: PolicyStore>(policy: P) -> MemoryEngine<P> {
    engine_on_with(policy, PolicyConfig::default())
}

/// [`engine_on`] with `config`.
pub(crate) fn engine_on_with<P: PolicyStore>(policy: P, config: PolicyConfig) -> MemoryEngine<P> {
    engine_of(
        policy,
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        config,
    )
}

/// An engine on fresh in-memory stores, and its state store (for snapshots).
pub(crate) fn engine() -> (MemoryEngine, Arc<MemoryPolicyStore>) {
    engine_with(PolicyConfig::default())
}

pub(crate) fn engine_with(config: PolicyConfig) -> (MemoryEngine, Arc<MemoryPolicyStore>) {
    let store = Arc::new(MemoryPolicyStore::new());
    (engine_on_with(Arc::clone(&store), config), store)
}

#[track_caller]
pub(crate) fn allowed(decision: Decision) -> Allowed {
    match decision {
        Decision::Allow(allowed) => allowed,
        Decision::Deny(reason) => panic!("expected an allow, denied: {reason}"),
    }
}

#[track_caller]
pub(crate) fn denied(decision: Decision) -> DenyReason {
    match decision {
        Decision::Deny(reason) => reason,
        Decision::Allow(allowed) => panic!("expected a denial, allowed: {allowed:?}"),
    }
}

/// The key the engine gives stream `id` (the player's session id) requested from `ctx`'s
/// location: session keys bind a stream to its location, so tests name them this way.
pub(crate) fn key_at(ctx: RequestContext, id: &str) -> String {
    let token = restriction("key", |b| b.user("viewer-1").concurrent_streams(1));
    engine()
        .0
        .session_key(&token, &ctx.with_session_id(id))
        .unwrap()
}

/// The key of stream `id` from the location of [`request`] (`UA` at `ip(1)`, no device).
pub(crate) fn key(id: &str) -> String {
    key_at(request(0), id)
}

pub(crate) fn session_key(decision: &Decision) -> String {
    decision
        .allowed()
        .and_then(|a| a.session.as_ref())
        .map(|s| s.session().to_owned())
        .unwrap()
}

/// A state store whose every operation fails, as an unreachable backend does.
#[derive(Debug, Default)]
pub(crate) struct UnavailableStore;

fn backend_down() -> StoreError {
    StoreError::backend(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "backend down",
    ))
}

impl PolicyStore for UnavailableStore {
    async fn apply(&self, _plan: &DecisionPlan) -> Result<Outcome, StoreError> {
        Err(backend_down())
    }

    async fn sessions(
        &self,
        _account: &str,
        _uid: &Uid,
        _now: NumericDate,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        Err(backend_down())
    }

    async fn end_session(
        &self,
        _account: &str,
        _uid: &Uid,
        _session_key: &str,
        _now: NumericDate,
    ) -> Result<bool, StoreError> {
        Err(backend_down())
    }

    async fn renew_session(
        &self,
        _partition: &playback_auth_policy::Partition,
        _session_key: &str,
        _lease: Duration,
        _now: NumericDate,
    ) -> Result<playback_auth_policy::SessionRenewal, StoreError> {
        Err(backend_down())
    }

    async fn stop_session(
        &self,
        _partition: &playback_auth_policy::Partition,
        _session_key: &str,
        _now: NumericDate,
    ) -> Result<bool, StoreError> {
        Err(backend_down())
    }

    async fn devices(&self, _account: &str, _uid: &Uid) -> Result<Vec<DeviceInfo>, StoreError> {
        Err(backend_down())
    }

    async fn remove_device(
        &self,
        _account: &str,
        _uid: &Uid,
        _device_id: &str,
    ) -> Result<bool, StoreError> {
        Err(backend_down())
    }
}

/// An audit sink whose writes always fail.
#[derive(Debug, Default, Clone)]
pub(crate) struct BrokenAuditSink;

impl AuditSink for BrokenAuditSink {
    async fn record(&self, _record: AuditRecord) -> Result<(), AuditError> {
        Err(AuditError::Write(io::Error::other("disk full")))
    }

    async fn record_aggregate(
        &self,
        _aggregate: playback_auth_policy::AuditAggregate,
    ) -> Result<(), AuditError> {
        Err(AuditError::Write(io::Error::other("disk full")))
    }

    async fn records_for(
        &self,
        _account: &str,
        _date: time::Date,
    ) -> Result<RecordsRead, AuditError> {
        Err(AuditError::Read(io::Error::other("disk gone")))
    }

    async fn purge_before(&self, _date: time::Date) -> Result<(), AuditError> {
        Err(AuditError::Purge(io::Error::other("disk gone")))
    }

    async fn put_execution(
        &self,
        _id: playback_auth_policy::ExecutionId,
        _execution: &playback_auth_policy::Execution,
        _file: Option<&[u8]>,
        _expires_at: NumericDate,
        _now: NumericDate,
    ) -> Result<(), AuditError> {
        Err(AuditError::Write(io::Error::other("disk full")))
    }

    async fn execution(
        &self,
        _id: playback_auth_policy::ExecutionId,
        _now: NumericDate,
    ) -> Result<Option<playback_auth_policy::Execution>, AuditError> {
        Err(AuditError::Read(io::Error::other("disk gone")))
    }

    async fn report_file(
        &self,
        _id: playback_auth_policy::ExecutionId,
        _now: NumericDate,
    ) -> Result<Option<Vec<u8>>, AuditError> {
        Err(AuditError::Read(io::Error::other("disk gone")))
    }
}

/// A revocation store whose every operation fails.
#[derive(Debug, Default)]
pub(crate) struct UnavailableRevocations;

fn revocations_down() -> playback_auth_policy::RevocationError {
    playback_auth_policy::RevocationError::backend(io::Error::new(
        io::ErrorKind::TimedOut,
        "revocations down",
    ))
}

impl RevocationStore for UnavailableRevocations {
    async fn revoke_token(
        &self,
        _account: &str,
        _digest: playback_auth_policy::TokenDigest,
        _expires_at: NumericDate,
        _now: NumericDate,
    ) -> Result<(), playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn is_revoked(
        &self,
        _account: &str,
        _digest: playback_auth_policy::TokenDigest,
        _now: NumericDate,
    ) -> Result<bool, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn list(
        &self,
        _account: &str,
        _now: NumericDate,
    ) -> Result<Vec<playback_auth_policy::RevokedToken>, playback_auth_policy::RevocationError>
    {
        Err(revocations_down())
    }

    async fn unrevoke(
        &self,
        _account: &str,
        _digest: playback_auth_policy::TokenDigest,
        _now: NumericDate,
    ) -> Result<bool, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn revoke_jti(
        &self,
        _account: &str,
        _jti: &str,
        _keep_until: NumericDate,
        _now: NumericDate,
    ) -> Result<(), playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn unrevoke_jti(
        &self,
        _account: &str,
        _jti: &str,
        _now: NumericDate,
    ) -> Result<bool, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn revoke_uid_before(
        &self,
        _account: &str,
        _uid: &Uid,
        _cutoff: NumericDate,
        _keep_until: NumericDate,
        _now: NumericDate,
    ) -> Result<(), playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn unrevoke_uid(
        &self,
        _account: &str,
        _uid: &Uid,
        _now: NumericDate,
    ) -> Result<bool, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn disconnect_viewer(
        &self,
        _account: &str,
        _viewer_id: &playback_auth_claims::ViewerId,
        _at_or_below_version: i64,
        _keep_until: NumericDate,
        _now: NumericDate,
    ) -> Result<(), playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn reconnect_viewer(
        &self,
        _account: &str,
        _viewer_id: &playback_auth_claims::ViewerId,
        _now: NumericDate,
    ) -> Result<bool, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }

    async fn check(
        &self,
        _account: &str,
        _token: &VerifiedToken,
        _now: NumericDate,
    ) -> Result<playback_auth_policy::RevocationStatus, playback_auth_policy::RevocationError> {
        Err(revocations_down())
    }
}
