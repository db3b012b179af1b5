//! [`PolicyEngine`]: revocation, static checks and one atomic store operation per decision.

use std::cell::OnceCell;
use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use playback_auth_claims::{
    MAX_LIFETIME, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    StaticUrlClaims, Uid,
};
use sha2::{Digest, Sha256};

use crate::audit::{AuditAggregate, AuditDecision, AuditRecord, AuditSink};
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Allowed, Decision, DenyReason};
use crate::digest::{TokenDigest, hex};
use crate::error::StoreError;
use crate::metrics::{StoreOp, timed};
use crate::policy_store::{
    DecisionPlan, DeviceInfo, DevicePlan, Outcome, Partition, PolicyStore, SessionInfo,
    SessionPlan, TokenPlan,
};
use crate::revocation::{RevocationStatus, RevocationStore};
use crate::stores::Stores;

mod rights;
mod sessions;

pub(crate) use rights::RightsGate;
pub use sessions::{HeartbeatConfigError, RequestKind};

/// How a [`PolicyEngine`] behaves; every field has a safe default.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_policy::PolicyConfig;
///
/// let config = PolicyConfig::default().with_lease(Duration::from_secs(60));
/// assert_eq!(config.lease, Duration::from_secs(60));
/// assert!(!config.fail_open);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyConfig {
    /// How long a stream session stays active after its admission or last renewal
    /// (default [`PolicyConfig::DEFAULT_LEASE`], 120 s).
    pub lease: Duration,
    /// Allow (marked [`Allowed::degraded`]) instead of denying with
    /// [`DenyReason::StoreUnavailable`] when the state or revocation store fails
    /// (default `false`: fail closed).
    pub fail_open: bool,
    /// How often players are told to send a heartbeat (default
    /// [`PolicyConfig::DEFAULT_HEARTBEAT_INTERVAL`], 60 s); set with the lease by
    /// [`PolicyConfig::with_heartbeat`].
    pub heartbeat_interval: Duration,
}

impl PolicyConfig {
    /// The default session lease: 120 s.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

    /// Sets the session lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets whether store faults allow (degraded) instead of deny.
    #[must_use]
    pub fn with_fail_open(mut self, fail_open: bool) -> Self {
        self.fail_open = fail_open;
        self
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            lease: Self::DEFAULT_LEASE,
            fail_open: false,
            heartbeat_interval: Self::DEFAULT_HEARTBEAT_INTERVAL,
        }
    }
}

/// Decides whether a verified token may be used for a request, and records the decision.
///
/// [`decide`](Self::decide) runs, in order:
/// 1. the revocation check ([`RevocationStore::check`]);
/// 2. the static checks, which need no state: `accid`, `conid`, `vids`, `tags`, `ua`,
///    and the allowed origins of private-channel tokens;
/// 2. b. playback rights: the token's `prid` (own account) else the catalogue's rights id
///    ([`RequestContext::content_rights`]), read through the rights cache, and the token's
///    `accessRules`, decided with the client's country (see the crate docs);
/// 3. one [`DecisionPlan`] with every stateful check (`maxu`, `maxip`,
///    `aws:single-use-uuid`, `climit`/`cbeh`, `dlimit`), applied by the store atomically —
///    a denied request consumes nothing;
/// 4. one [`AuditRecord`] to the [`AuditSink`] (a failing sink never changes the decision;
///    it is counted in [`audit_failures`](Self::audit_failures)) — or, when the stores can,
///    written with step 3 in one operation ([`Stores::apply_recorded`]).
///
/// The engine is built by, and reached through, an [`Authorizer`](crate::Authorizer):
/// its [`Stores`] and the leeway come from the authorizer's one configuration, so the
/// verifier and the stores cannot disagree on how long a token lives. The engine reads no
/// clock (the request carries `now`).
pub struct PolicyEngine<B> {
    stores: B,
    config: PolicyConfig,
    /// The verifier's leeway: per-token state is kept until `exp` plus this.
    leeway: Duration,
    /// Playback rights: the country lookup and the rights cache.
    rights: RightsGate,
    audit_failures: AtomicU64,
    store_failures: AtomicU64,
    unregistered_refusals: AtomicU64,
}

impl<B> fmt::Debug for PolicyEngine<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("config", &self.config)
            .field("leeway", &self.leeway)
            .field("audit_failures", &self.audit_failures)
            .field("store_failures", &self.store_failures)
            .field("unregistered_refusals", &self.unregistered_refusals)
            .finish_non_exhaustive()
    }
}

impl<B: Stores> PolicyEngine<B> {
    /// An engine over `stores` with `config`, keeping per-token state `leeway` after `exp`.
    pub(crate) fn new(stores: B, config: PolicyConfig, leeway: Duration) -> Self {
        Self {
            stores,
            config,
            leeway,
            rights: RightsGate::default(),
            audit_failures: AtomicU64::new(0),
            store_failures: AtomicU64::new(0),
            unregistered_refusals: AtomicU64::new(0),
        }
    }

    /// Decides whether `token` may be used for the request `ctx`, applies the state changes
    /// of an allow, and writes the audit record.
    ///
    /// This is a stream's [`RequestKind::Start`]; [`heartbeat`](Self::heartbeat) and
    /// [`stop`](Self::stop) are the other two kinds ([`decide_request`](Self::decide_request)).
    pub async fn decide(&self, token: &VerifiedToken, ctx: &RequestContext) -> Decision {
        self.decide_request(RequestKind::Start, token, ctx).await
    }

    /// Denies a request that failed before reaching the engine and writes a full audit record
    /// for it, like every other decision. `digest` is the presented token's, when it was
    /// short enough to be hashed.
    ///
    /// Anyone can send requests that fail before a decision, as many as they like: for those
    /// the [`Authorizer`](crate::Authorizer) uses [`refuse`](Self::refuse), which counts them
    /// in an [`AuditAggregate`] instead of keeping one record each.
    pub async fn reject(
        &self,
        digest: Option<TokenDigest>,
        ctx: &RequestContext,
        reason: DenyReason,
    ) -> Decision {
        let decision = Decision::Deny(reason);
        self.record(base_record(ctx, &decision, digest)).await;
        decision
    }

    /// Denies a request whose keys could not be read (the key registry is a store too):
    /// counted in [`store_failures`](Self::store_failures) and audited, and always closed —
    /// without keys nothing can be verified, whatever the fail-open setting.
    pub(crate) async fn reject_registry_fault(&self, ctx: &RequestContext) -> Decision {
        self.store_failures.fetch_add(1, Ordering::Relaxed);
        self.refuse(ctx, DenyReason::StoreUnavailable).await
    }

    /// Denies a request that failed before a decision (a token that did not verify, keys
    /// that could not be read) without keeping a record of it: the refusal is counted in the
    /// sink's [`AuditAggregate`] of the account, the reason's code and the minute.
    pub async fn refuse(&self, ctx: &RequestContext, reason: DenyReason) -> Decision {
        self.count_refusal(ctx, reason.code()).await;
        Decision::Deny(reason)
    }

    /// Counts a request refused for `code` (a stable machine code, e.g. `token_missing`) in
    /// the sink's [`AuditAggregate`] of its account and minute. For refusals decided outside
    /// the engine, such as an HTTP layer's request without a token.
    pub async fn count_refusal(&self, ctx: &RequestContext, code: &str) {
        let aggregate = AuditAggregate::refusal(ctx.now, ctx.account.as_str(), code);
        let write = self.stores.audit().record_aggregate(aggregate);
        if timed(StoreOp::AuditAggregate, write).await.is_err() {
            self.audit_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Denies a request for an account that has no registered key, storing nothing: nobody
    /// can read that account's reports, and its name is whatever the client made up, so
    /// keeping anything per account would let clients grow the trail. Only
    /// [`unregistered_refusals`](Self::unregistered_refusals) counts it.
    pub fn refuse_unregistered(&self, reason: DenyReason) -> Decision {
        self.count_unregistered();
        Decision::Deny(reason)
    }

    pub(crate) fn count_unregistered(&self) {
        self.unregistered_refusals.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a key registry fault answered without an audit record (a `HEAD`).
    #[cfg(feature = "tokio")]
    pub(crate) fn count_registry_fault(&self) {
        self.store_failures.fetch_add(1, Ordering::Relaxed);
    }

    async fn record(&self, record: AuditRecord) {
        if timed(StoreOp::Audit, self.stores.audit().record(record))
            .await
            .is_err()
        {
            // The decision stands: an unavailable audit trail must not turn viewers away
            // or let them in. Operators watch this counter.
            self.audit_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The decision, the session key it concerned, and whether the store wrote its audit
    /// record with it ([`Stores::apply_recorded`], [`Stores::renew_recorded`]). Every kind runs the same checks up to the
    /// state store; only what is asked of the store differs (see [`RequestKind`]).
    async fn evaluate(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
        kind: RequestKind,
    ) -> (Decision, Option<String>, bool) {
        let degraded = match self.revocation_gate(token, ctx).await {
            Ok(degraded) => degraded,
            Err(deny) => return (deny, None, false),
        };
        if let Err(reason) = check_static(&token.claims, ctx) {
            return (Decision::Deny(reason), None, false);
        }
        // A stop only frees what the caller holds: the rights (where and when content may
        // play) do not decide whether a viewer may let go of a stream.
        if kind == RequestKind::Stop {
            return self.session_request(token, ctx, false, degraded).await;
        }
        let rights = match self.rights_gate(token, ctx).await {
            Ok(pass) => pass,
            Err(deny) => return (deny, None, false),
        };
        let degraded = degraded || rights.degraded;
        // A heartbeat re-runs every check above (the key, the time rules, the revocations,
        // the static claims and the rights), then only renews the lease.
        if kind == RequestKind::Heartbeat {
            return self.session_request(token, ctx, true, degraded).await;
        }
        let plan = match self.plan(token, ctx) {
            Ok(plan) => plan,
            Err(reason) => return (Decision::Deny(reason), None, false),
        };
        if plan.is_empty() {
            // No stateful claim: no session either.
            let allowed = Allowed {
                degraded,
                rights: rights.applied,
                ..Allowed::default()
            };
            return (Decision::Allow(allowed), None, false);
        }
        let session = plan.session.as_ref().map(|s| s.session_key.clone());
        // The record as if allowed (with the rights that let it through, whose rule the
        // record names); the store sets a refusal's verdict and reason itself.
        let allowed = Decision::Allow(Allowed {
            degraded,
            rights: rights.applied.clone(),
            ..Allowed::default()
        });
        let record = || audit_record(token, ctx, &allowed, session.clone());
        let (outcome, recorded) =
            match timed(StoreOp::Apply, self.stores.apply_recorded(&plan, record)).await {
                Ok((outcome, recorded)) => (Ok(outcome), recorded),
                Err(error) => (Err(error), false),
            };
        let decision = match outcome {
            Ok(Outcome::Applied(applied)) => Decision::Allow(Allowed {
                session: applied.session,
                evicted: applied.evicted,
                device_registered: applied.device_registered,
                uses: applied.uses,
                degraded,
                rights: rights.applied.clone(),
                ..Allowed::default()
            }),
            Ok(Outcome::Refused(refusal)) => Decision::Deny(refusal.into()),
            Err(error) => self.store_fault("state", &error).unwrap_or_else(|| {
                Decision::Allow(Allowed {
                    rights: rights.applied.clone(),
                    ..Allowed::degraded()
                })
            }),
        };
        (decision, session, recorded)
    }

    /// Decides `token` for `ctx` without changing anything: the revocation check, the static
    /// checks and the request's own requirements (a device id for `dlimit`), but no store
    /// write, no use counted, no session touched and no audit record. It answers a `HEAD`:
    /// a player probing a URL must not spend a use of a `maxu 1` token nor take a stream.
    ///
    /// The stateful limits are not consulted (that would need the store's decision, which
    /// is a write): an allow says everything but those limits passes.
    pub async fn check(&self, token: &VerifiedToken, ctx: &RequestContext) -> Decision {
        let degraded = match self.revocation_gate(token, ctx).await {
            Ok(degraded) => degraded,
            Err(deny) => return deny,
        };
        if let Err(reason) = check_static(&token.claims, ctx) {
            return Decision::Deny(reason);
        }
        let rights = match self.rights_gate(token, ctx).await {
            Ok(pass) => pass,
            Err(deny) => return deny,
        };
        if let Err(reason) = self.plan(token, ctx) {
            return Decision::Deny(reason);
        }
        Decision::Allow(Allowed {
            degraded: degraded || rights.degraded,
            rights: rights.applied,
            ..Allowed::default()
        })
    }

    /// The revocation check: `Ok(degraded)` to go on (degraded when the revocation store
    /// failed and the engine fails open), `Err(denial)` to stop.
    async fn revocation_gate(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> Result<bool, Decision> {
        let check = self
            .stores
            .revocations()
            .check(&ctx.account, token, ctx.now);
        match timed(StoreOp::Revocations, check).await {
            Ok(status) if !status.is_refused() => Ok(false),
            Ok(RevocationStatus::ViewerDisconnected) => {
                Err(Decision::Deny(DenyReason::ViewerDisconnected))
            }
            Ok(_) => Err(Decision::Deny(DenyReason::TokenRevoked)),
            Err(error) => self.store_fault("revocation", &error).map_or(Ok(true), Err),
        }
    }

    /// Counts and logs a store fault, with its cause; the denial to return when failing
    /// closed.
    fn store_fault(
        &self,
        store: &'static str,
        error: &(dyn std::error::Error + 'static),
    ) -> Option<Decision> {
        self.store_failures.fetch_add(1, Ordering::Relaxed);
        // The operator's only view of why requests are answered `store_unavailable`: the
        // error and its sources (a timeout, a refused connection, an unreadable reply).
        tracing::warn!(
            store,
            error,
            fail_open = self.config.fail_open,
            "store fault during a playback decision"
        );
        (!self.config.fail_open).then_some(Decision::Deny(DenyReason::StoreUnavailable))
    }

    // One body, public only with `hazmat` (left unindented inside the macro to keep the diff
    // small).
    crate::hazmat::hazmat_fn! {
    /// The stateful checks `token` needs for `ctx`, as the plan [`decide`](Self::decide)
    /// hands to the store (possibly empty), or the denial found before touching state
    /// ([`DenyReason::DeviceIdMissing`]).
    ///
    /// Public with the `hazmat` feature only (benchmarks and tests of a store): it trusts the
    /// token it is given.
    fn plan(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> Result<DecisionPlan, DenyReason> {
        // The id per-token state is kept under, built at most once: for the partition of a
        // token without a user and for the token's counters.
        let token_id = OnceCell::new();
        let token_id = || token_id.get_or_init(|| state_id(token)).clone();
        let partition = match token.uid() {
            Some(uid) => Partition::User {
                account: ctx.account.clone(),
                uid: uid.clone(),
            },
            None => Partition::Token {
                account: ctx.account.clone(),
                token_id: token_id(),
            },
        };
        let mut plan = DecisionPlan::new(partition, ctx.now);
        match &token.claims {
            PlaybackClaims::Restriction(claims) => {
                if claims.maxu.is_some() || claims.maxip.is_some() {
                    let mut token_plan = self.token_plan(token_id(), token, ctx);
                    token_plan.max_uses = claims.maxu;
                    token_plan.max_ips = claims.maxip;
                    plan = plan.with_token(token_plan);
                }
                if let Some(limit) = claims.climit {
                    let (key, location) = stream_identity(claims, ctx);
                    plan = plan.with_session(SessionPlan::new(
                        key,
                        location,
                        limit,
                        claims.cbeh,
                        self.config.lease,
                    ));
                }
                if let Some(limit) = claims.dlimit {
                    let device_id = ctx.device_id.as_ref().ok_or(DenyReason::DeviceIdMissing)?;
                    plan = plan.with_device(DevicePlan::new(device_id.clone(), limit));
                }
            }
            PlaybackClaims::Channel(claims) => {
                if let Some(uuid) = &claims.single_use_uuid {
                    plan = plan.with_token(
                        self.token_plan(token_id(), token, ctx)
                            .with_single_use(uuid.as_str()),
                    );
                }
            }
            PlaybackClaims::StaticUrl(_) => {}
        }
        Ok(plan)
    }
    }

    /// The key of the stream session that `ctx` opens or renews with `token`, when the token
    /// limits streams (`uid` + `climit`): what [`Allowed::session`], [`PolicyEngine::sessions`]
    /// and [`DenyReason::SessionEvicted`] name, and what [`PolicyEngine::end_session`] takes.
    ///
    /// The key binds the stream to its location (see the crate docs): 32 hex characters.
    pub fn session_key(&self, token: &VerifiedToken, ctx: &RequestContext) -> Option<String> {
        let claims = token.claims.as_restriction()?;
        claims.climit?;
        Some(stream_identity(claims, ctx).0)
    }

    fn token_plan(
        &self,
        token_id: String,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> TokenPlan {
        let expires_at = token
            .expires_at()
            .unwrap_or_else(|| ctx.now.saturating_add(MAX_LIFETIME))
            .saturating_add(self.leeway);
        // `maxip` counts clients: an IPv4-mapped IPv6 address (what a dual-stack socket
        // reports for an IPv4 peer) is the same client as its IPv4 form.
        TokenPlan::new(token_id, ctx.client_ip.to_canonical(), expires_at)
    }

    /// The user's active stream sessions at `now`, oldest first.
    ///
    /// # Errors
    /// The store's error when it cannot be read.
    pub async fn sessions(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        self.stores.policy().sessions(account, uid, now).await
    }

    /// Ends one of the user's active sessions; its next renewal is denied
    /// [`DenyReason::SessionEvicted`]. `Ok(false)` when it was not active.
    ///
    /// # Errors
    /// The store's error when it cannot be written.
    pub async fn end_session(
        &self,
        account: &str,
        uid: &Uid,
        session_key: &str,
        now: NumericDate,
    ) -> Result<bool, StoreError> {
        self.stores
            .policy()
            .end_session(account, uid, session_key, now)
            .await
    }

    /// The user's registered devices, earliest first.
    ///
    /// # Errors
    /// The store's error when it cannot be read.
    pub async fn devices(&self, account: &str, uid: &Uid) -> Result<Vec<DeviceInfo>, StoreError> {
        self.stores.policy().devices(account, uid).await
    }

    /// Removes one of the user's registered devices; `Ok(false)` when it was not registered.
    ///
    /// # Errors
    /// The store's error when it cannot be written.
    pub async fn remove_device(
        &self,
        account: &str,
        uid: &Uid,
        device_id: &str,
    ) -> Result<bool, StoreError> {
        self.stores
            .policy()
            .remove_device(account, uid, device_id)
            .await
    }

    /// The engine's configuration.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// The leeway per-token state is kept for after `exp` (the verifier's).
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The stores the engine decides with.
    pub fn stores(&self) -> &B {
        &self.stores
    }

    /// How many audit records could not be written.
    pub fn audit_failures(&self) -> u64 {
        self.audit_failures.load(Ordering::Relaxed)
    }

    /// How many requests were refused for an account without a registered key (nothing of
    /// them is stored; see [`refuse_unregistered`](Self::refuse_unregistered)).
    pub fn unregistered_refusals(&self) -> u64 {
        self.unregistered_refusals.load(Ordering::Relaxed)
    }

    /// How many decisions met a failing state, revocation or key-registry store.
    pub fn store_failures(&self) -> u64 {
        self.store_failures.load(Ordering::Relaxed)
    }
}

/// The checks that need no state, in a fixed order.
fn check_static(claims: &PlaybackClaims, ctx: &RequestContext) -> Result<(), DenyReason> {
    match claims {
        PlaybackClaims::Restriction(claims) => check_restriction(claims, ctx),
        PlaybackClaims::StaticUrl(claims) => check_static_url(claims, ctx),
        PlaybackClaims::Channel(claims) => check_channel(claims, ctx),
    }
}

fn check_account(accid: &str, ctx: &RequestContext) -> Result<(), DenyReason> {
    if accid == ctx.account {
        Ok(())
    } else {
        Err(DenyReason::AccountMismatch {
            token_account: accid.to_owned(),
        })
    }
}

fn check_content(conid: Option<&String>, ctx: &RequestContext) -> Result<(), DenyReason> {
    match conid {
        Some(conid) if *conid != ctx.content_id => Err(DenyReason::ContentMismatch {
            token_content: conid.clone(),
        }),
        _ => Ok(()),
    }
}

fn check_restriction(
    claims: &PlaybackRestrictionClaims,
    ctx: &RequestContext,
) -> Result<(), DenyReason> {
    check_account(&claims.accid, ctx)?;
    check_content(claims.conid.as_ref(), ctx)?;
    if let Some(vids) = &claims.vids
        && !vids.contains(&ctx.content_id)
    {
        return Err(DenyReason::NotInVids);
    }
    if let Some(tags) = &claims.tags
        && !tags.iter().any(|tag| ctx.content_tags.contains(tag))
    {
        return Err(DenyReason::NoMatchingTag);
    }
    if let Some(ua) = &claims.ua
        && *ua != ctx.user_agent
    {
        return Err(DenyReason::UserAgentMismatch);
    }
    Ok(())
}

fn check_static_url(claims: &StaticUrlClaims, ctx: &RequestContext) -> Result<(), DenyReason> {
    check_account(&claims.accid, ctx)?;
    check_content(claims.conid.as_ref(), ctx)
}

fn check_channel(claims: &PrivateChannelClaims, ctx: &RequestContext) -> Result<(), DenyReason> {
    // A channel token plays its own channel only: the requested content is the channel's ARN
    // or channel id, or content the server's catalogue maps to that ARN.
    let arn = &claims.channel_arn;
    let plays_channel = ctx.content_id == arn.as_str()
        || ctx.content_id == arn.channel_id()
        || ctx.content_channel.as_deref() == Some(arn.as_str());
    if !plays_channel {
        return Err(DenyReason::ChannelMismatch {
            token_channel: arn.as_str().to_owned(),
        });
    }
    match (&claims.allowed_origins, &ctx.origin) {
        (None, _) => Ok(()),
        // `*` is any origin, including a request that sends none (not a page, e.g. a native
        // player).
        (Some(allowed), None) if allowed.is_any() => Ok(()),
        (Some(allowed), Some(origin)) if allowed.allows(origin) => Ok(()),
        (Some(_), origin) => Err(DenyReason::OriginNotAllowed {
            origin: origin.clone(),
        }),
    }
}

/// The id a token's state is kept under.
///
/// A single-use private-channel token is keyed by its `aws:single-use-uuid` within its
/// channel, not by the token: the uuid is what may be used once, so two tokens carrying the
/// same uuid (re-signed, or minted twice) play once in all. Every other token is keyed by its
/// identity ([`VerifiedToken::token_id`]: `jti`, else the digest of its signed part).
fn state_id(token: &VerifiedToken) -> String {
    match &token.claims {
        PlaybackClaims::Channel(claims) => match &claims.single_use_uuid {
            Some(uuid) => format!(
                "single-use:{}",
                short_hash(&[claims.channel_arn.as_str(), uuid.as_str()])
            ),
            None => token.token_id(),
        },
        _ => token.token_id(),
    }
}

/// What counts as one stream, bound to the streaming location that opened it: the session
/// key and the location.
///
/// The stream's id is the `sid` claim, else the player's session id, else the user agent,
/// client IP and content together; the key is one hash of the location and that id, so the
/// same id sent from another location (another device, or another user agent and IP) is
/// another stream of that location — subject to `climit` and `cbeh` — never a renewal of
/// someone else's. A fixed-size hash also bounds what a client-chosen id can make the store
/// hold.
fn stream_identity(claims: &PlaybackRestrictionClaims, ctx: &RequestContext) -> (String, String) {
    let location = location_key(ctx);
    let key = match (&claims.sid, &ctx.session_id) {
        (Some(sid), _) => short_hash(&[&location, "sid", sid]),
        (None, Some(session_id)) => short_hash(&[&location, "session", session_id]),
        (None, None) => short_hash(&[
            &location,
            "derived",
            &ctx.user_agent,
            &ip_text(ctx.client_ip),
            &ctx.content_id,
        ]),
    };
    (key, location)
}

/// The streaming location: the device, else user agent and client IP.
fn location_key(ctx: &RequestContext) -> String {
    match &ctx.device_id {
        Some(device_id) => format!("device:{device_id}"),
        None => format!(
            "client:{}",
            short_hash(&[&ctx.user_agent, &ip_text(ctx.client_ip)])
        ),
    }
}

fn ip_text(ip: IpAddr) -> String {
    // An IPv4-mapped IPv6 address is the same client as its IPv4 form.
    ip.to_canonical().to_string()
}

/// 128 bits of SHA-256 over length-prefixed parts, in hex: a fixed-size key that no
/// choice of parts can make collide by shifting a separator.
fn short_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    hex(digest.get(..16).unwrap_or(&digest))
}

fn audit_record(
    token: &VerifiedToken,
    ctx: &RequestContext,
    decision: &Decision,
    session: Option<String>,
) -> AuditRecord {
    let mut record = base_record(ctx, decision, Some(token.digest));
    let user = match &token.claims {
        PlaybackClaims::Restriction(claims) => claims.uid.as_ref().map(|uid| uid.to_string()),
        PlaybackClaims::Channel(claims) => claims.viewer_id.as_ref().map(|v| v.to_string()),
        PlaybackClaims::StaticUrl(_) => None,
    };
    if let Some(user) = user {
        record = record.with_uid(user);
    }
    if let Some(session) = session {
        record = record.with_session(session);
    }
    record
}

/// The audit record every decision has, token or no token.
fn base_record(
    ctx: &RequestContext,
    decision: &Decision,
    digest: Option<TokenDigest>,
) -> AuditRecord {
    let (verdict, reason) = match decision {
        Decision::Allow(allowed) if allowed.degraded => (AuditDecision::Allow, Some("degraded")),
        Decision::Allow(_) => (AuditDecision::Allow, None),
        Decision::Deny(reason) => (AuditDecision::Deny, Some(reason.code())),
    };
    let mut record = AuditRecord::new(
        ctx.now,
        ctx.account.clone(),
        ctx.client_ip,
        ctx.user_agent.clone(),
        ctx.content_id.clone(),
        verdict,
    );
    if let Some(digest) = digest {
        record = record.with_token_digest(digest);
    }
    if let Some(device) = &ctx.device_id {
        record = record.with_device(device.clone());
    }
    if let Some(reason) = reason {
        record = record.with_reason(reason);
    }
    if let Some(rule) = rights::rights_audit(decision) {
        record = record.with_rights_rule(rule);
    }
    record
}

#[cfg(test)]
mod tests;
