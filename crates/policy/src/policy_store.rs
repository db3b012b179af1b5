//! The store boundary: one [`DecisionPlan`] in, one [`Outcome`] out, applied atomically.
//!
//! The engine turns a request into a plan that names every stateful check of the decision
//! (which counters to bump under which maxima, which session to admit or renew under which
//! limit and behaviour, which device to register under which limit); a [`PolicyStore`]
//! applies all of it or none of it. In memory that is one lock of one shard; in Redis it is
//! one script call over keys that share one hash tag ([`Partition`]).

use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};

use crate::decision::{DenyReason, SessionChange};
use crate::error::StoreError;

/// Where a plan's state lives: everything one decision touches is in one partition, so a
/// store can apply it under one lock (or on one Redis Cluster node).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Partition {
    /// A user's state (sessions, devices, and the counters of that user's tokens).
    User {
        /// The account the user belongs to.
        account: String,
        /// The token's `uid`.
        uid: Uid,
    },
    /// The state of a token that names no user (its counters).
    Token {
        /// The account the token was presented to.
        account: String,
        /// `jti`, else the token digest in hex.
        token_id: String,
    },
}

impl Partition {
    /// The account the partition belongs to.
    pub fn account(&self) -> &str {
        match self {
            Self::User { account, .. } | Self::Token { account, .. } => account,
        }
    }
}

/// Everything one decision asks of the store, applied all or nothing at `now`.
///
/// The store checks, in this order, and refuses at the first limit that fails:
/// 1. the token ([`TokenPlan`]): single use, then `maxu`, then `maxip`;
/// 2. the stream session ([`SessionPlan`]): a remembered eviction, then `climit`;
/// 3. the device ([`DevicePlan`]): `dlimit`.
///
/// A refused plan changes nothing. An applied plan records every change at once.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecisionPlan {
    /// Where the state lives.
    pub partition: Partition,
    /// Per-token counters, when the token carries `maxu`, `maxip` or a single-use id.
    pub token: Option<TokenPlan>,
    /// The stream session, when the token carries `uid` and `climit`.
    pub session: Option<SessionPlan>,
    /// The device, when the token carries `uid` and `dlimit`.
    pub device: Option<DevicePlan>,
    /// The decision's time: leases, evictions and counters expire relative to it.
    pub now: NumericDate,
}

impl DecisionPlan {
    /// An empty plan for `partition` at `now`; add the checks with the `with_*` methods.
    pub fn new(partition: Partition, now: NumericDate) -> Self {
        Self {
            partition,
            token: None,
            session: None,
            device: None,
            now,
        }
    }

    /// Adds the per-token checks.
    #[must_use]
    pub fn with_token(mut self, token: TokenPlan) -> Self {
        self.token = Some(token);
        self
    }

    /// Adds the stream-session check.
    #[must_use]
    pub fn with_session(mut self, session: SessionPlan) -> Self {
        self.session = Some(session);
        self
    }

    /// Adds the device check.
    #[must_use]
    pub fn with_device(mut self, device: DevicePlan) -> Self {
        self.device = Some(device);
        self
    }

    /// Whether the plan checks nothing (such a plan need not reach a store).
    pub fn is_empty(&self) -> bool {
        self.token.is_none() && self.session.is_none() && self.device.is_none()
    }
}

/// Per-token checks: use count, distinct IPs, single use. The state lives until `expires_at`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenPlan {
    /// `jti`, else the token digest in hex.
    pub token_id: String,
    /// When the token's state may be forgotten (the token's `exp`).
    pub expires_at: NumericDate,
    /// `maxu`: this use is refused if it would be use number `max_uses + 1`.
    pub max_uses: Option<NonZeroU32>,
    /// `maxip`: a new IP is refused once this many are recorded.
    pub max_ips: Option<NonZeroU32>,
    /// The client's IP, recorded under `max_ips`.
    pub ip: IpAddr,
    /// `aws:single-use-uuid`: refused if already consumed, consumed otherwise.
    pub single_use: Option<String>,
}

impl TokenPlan {
    /// A plan that only counts uses of `token_id` from `ip`; add limits with the `with_*` methods.
    pub fn new(token_id: impl Into<String>, ip: IpAddr, expires_at: NumericDate) -> Self {
        Self {
            token_id: token_id.into(),
            expires_at,
            max_uses: None,
            max_ips: None,
            ip,
            single_use: None,
        }
    }

    /// Sets `maxu`.
    #[must_use]
    pub fn with_max_uses(mut self, max_uses: NonZeroU32) -> Self {
        self.max_uses = Some(max_uses);
        self
    }

    /// Sets `maxip`.
    #[must_use]
    pub fn with_max_ips(mut self, max_ips: NonZeroU32) -> Self {
        self.max_ips = Some(max_ips);
        self
    }

    /// Sets the single-use id.
    #[must_use]
    pub fn with_single_use(mut self, uuid: impl Into<String>) -> Self {
        self.single_use = Some(uuid.into());
        self
    }
}

/// Admit or renew one stream session of the partition's user.
///
/// A session whose lease ended (`lease_until <= now`) is gone. The rules:
/// - the key is active → renewed: its lease becomes `now + lease`;
/// - the key was evicted or ended and its old lease has not run out → refused
///   ([`Refusal::SessionEvicted`]);
/// - fewer than `limit` active → admitted;
/// - at the limit, by `behavior`:
///   [`ConcurrencyBehavior::EvictOldest`] evicts the oldest active sessions (by admission,
///   ties by admission order) until there is room, then admits;
///   [`ConcurrencyBehavior::BlockNew`] refuses;
///   [`ConcurrencyBehavior::BlockNewUser`] evicts the oldest active session of the same
///   `location_key` and admits, or refuses when the location holds none.
///
/// An evicted session is remembered until its lease would have ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionPlan {
    /// What identifies the stream: the engine's hash of the streaming location and the
    /// stream's id (the `sid` claim, the player's session id, or user agent, client IP and
    /// content), so one id from two locations is two streams.
    pub session_key: String,
    /// The streaming location (bound into `session_key`; compared by `BLOCK_NEW_USER`):
    /// the device id, else user agent + IP.
    pub location_key: String,
    /// `climit`.
    pub limit: NonZeroU32,
    /// `cbeh`.
    pub behavior: ConcurrencyBehavior,
    /// How long a lease lasts from admission or renewal.
    pub lease: Duration,
}

impl SessionPlan {
    /// A session plan.
    pub fn new(
        session_key: impl Into<String>,
        location_key: impl Into<String>,
        limit: NonZeroU32,
        behavior: ConcurrencyBehavior,
        lease: Duration,
    ) -> Self {
        Self {
            session_key: session_key.into(),
            location_key: location_key.into(),
            limit,
            behavior,
            lease,
        }
    }
}

/// Register (or accept) one device of the partition's user: a known device passes, a new
/// one is registered while fewer than `limit` are, else refused. A lower limit never removes
/// registered devices. Devices stay registered until removed; a backend may also forget a
/// user's devices after a documented retention period without use (the in-memory store keeps
/// them; the Redis store's default is 365 days).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DevicePlan {
    /// The request's device id.
    pub device_id: String,
    /// `dlimit`.
    pub limit: NonZeroU32,
}

impl DevicePlan {
    /// A device plan.
    pub fn new(device_id: impl Into<String>, limit: NonZeroU32) -> Self {
        Self {
            device_id: device_id.into(),
            limit,
        }
    }
}

/// What applying a plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed and every change was recorded.
    Applied(Applied),
    /// A limit refused the request; nothing was recorded.
    Refused(Refusal),
}

/// The changes an applied plan recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    /// The session admitted or renewed, when the plan had a [`SessionPlan`].
    pub session: Option<SessionChange>,
    /// Sessions evicted to admit this one, oldest first.
    pub evicted: Vec<String>,
    /// Whether the device was registered by this plan.
    pub device_registered: bool,
    /// The token's use count including this use, when the plan had `max_uses`.
    pub uses: Option<u32>,
}

/// Which limit refused a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The single-use id was consumed already.
    SingleUseAlreadyUsed,
    /// The token was used `limit` times already.
    MaxUsesReached {
        /// `maxu`.
        limit: u32,
    },
    /// The IP is new and `limit` IPs are recorded already.
    MaxIpsReached {
        /// `maxip`.
        limit: u32,
    },
    /// The session was evicted or ended and its old lease has not run out.
    SessionEvicted {
        /// The session key.
        session: String,
    },
    /// `limit` sessions are active and the behaviour refuses a new one.
    StreamLimitReached {
        /// `climit`.
        limit: u32,
    },
    /// The device is new and `limit` devices are registered already.
    DeviceLimitReached {
        /// `dlimit`.
        limit: u32,
    },
}

impl From<Refusal> for DenyReason {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::SingleUseAlreadyUsed => Self::SingleUseAlreadyUsed,
            Refusal::MaxUsesReached { limit } => Self::MaxUsesReached { limit },
            Refusal::MaxIpsReached { limit } => Self::MaxIpsReached { limit },
            Refusal::SessionEvicted { session } => Self::SessionEvicted { session },
            Refusal::StreamLimitReached { limit } => Self::StreamLimitReached { limit },
            Refusal::DeviceLimitReached { limit } => Self::DeviceLimitReached { limit },
        }
    }
}

/// The order sessions are listed and evicted in, oldest first: by admission time, then by
/// admission order. Every [`PolicyStore`] sorts by this key, so the order is defined once.
///
/// `seq` is the store's admission counter, so two sessions admitted in the same instant keep
/// the order they were admitted in. [`NumericDate`] is only `PartialOrd` (it may be
/// fractional), but a date is always finite, so this order is total.
///
/// ```
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::AdmissionOrder;
///
/// let at = |secs| NumericDate::from_secs(secs).unwrap();
/// let mut sessions = [
///     AdmissionOrder::new(at(20), 0),
///     AdmissionOrder::new(at(10), 2),
///     AdmissionOrder::new(at(10), 1),
/// ];
/// sessions.sort();
/// assert_eq!(sessions.map(|s| s.seq), [1, 2, 0]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AdmissionOrder {
    /// When the session was admitted.
    pub admitted_at: NumericDate,
    /// The store's admission counter when it was admitted.
    pub seq: u64,
}

impl AdmissionOrder {
    /// The sort key of a session admitted at `admitted_at` as the store's `seq`-th.
    pub fn new(admitted_at: NumericDate, seq: u64) -> Self {
        Self { admitted_at, seq }
    }
}

impl Ord for AdmissionOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.admitted_at
            .partial_cmp(&other.admitted_at)
            // Unreachable: dates are finite, never NaN.
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for AdmissionOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for AdmissionOrder {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for AdmissionOrder {}

/// An active stream session, as listed by [`PolicyStore::sessions`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// The session key.
    pub session_key: String,
    /// The streaming location it was admitted from.
    pub location_key: String,
    /// When it was admitted.
    pub admitted_at: NumericDate,
    /// When its lease ends unless renewed.
    pub lease_until: NumericDate,
}

/// A registered device, as listed by [`PolicyStore::devices`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    /// The device id.
    pub device_id: String,
    /// When it was registered.
    pub registered_at: NumericDate,
}

/// State behind the stateful rules, shared by every node that enforces them.
///
/// Implementations apply each [`DecisionPlan`] atomically, all or nothing, with the
/// semantics documented on [`DecisionPlan`], [`TokenPlan`], [`SessionPlan`] and
/// [`DevicePlan`]; they read no clock (time is always passed in) and keep state bounded by
/// its own expiry. The conformance suite in `playback_auth_policy::testing` (feature
/// `testing`) checks all of it against any implementation.
pub trait PolicyStore: Send + Sync + 'static {
    /// Applies every check and change of `plan` atomically.
    fn apply(
        &self,
        plan: &DecisionPlan,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;

    /// The user's active sessions at `now`, oldest admission first.
    fn sessions(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<SessionInfo>, StoreError>> + Send;

    /// Ends an active session; its next renewal is refused as evicted. `false` when no
    /// such session was active at `now`.
    fn end_session(
        &self,
        account: &str,
        uid: &Uid,
        session_key: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Renews session `session_key` of `partition` at `now` for `lease` (a heartbeat): an
    /// active session's lease becomes `now + lease`; nothing else changes — no admission, no
    /// eviction, no use counted, no IP recorded. A session evicted (or ended) whose old
    /// lease has not run out answers [`SessionRenewal::Evicted`]; any other inactive one
    /// [`SessionRenewal::Unknown`].
    fn renew_session(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
    ) -> impl Future<Output = Result<SessionRenewal, StoreError>> + Send;

    /// Stops session `session_key` of `partition` at `now` (the player's own stop): it leaves
    /// the active sessions at once, freeing its place, and is not remembered as evicted, so
    /// the same stream may start again. `false` when it was not active (stopping is
    /// idempotent).
    fn stop_session(
        &self,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The user's registered devices, earliest registration first.
    fn devices(
        &self,
        account: &str,
        uid: &Uid,
    ) -> impl Future<Output = Result<Vec<DeviceInfo>, StoreError>> + Send;

    /// Removes a registered device; `false` when it was not registered.
    fn remove_device(
        &self,
        account: &str,
        uid: &Uid,
        device_id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

impl<S: PolicyStore> PolicyStore for Arc<S> {
    fn apply(
        &self,
        plan: &DecisionPlan,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        S::apply(self, plan)
    }

    fn sessions(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<SessionInfo>, StoreError>> + Send {
        S::sessions(self, account, uid, now)
    }

    fn end_session(
        &self,
        account: &str,
        uid: &Uid,
        session_key: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::end_session(self, account, uid, session_key, now)
    }

    fn renew_session(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
    ) -> impl Future<Output = Result<SessionRenewal, StoreError>> + Send {
        S::renew_session(self, partition, session_key, lease, now)
    }

    fn stop_session(
        &self,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::stop_session(self, partition, session_key, now)
    }

    fn devices(
        &self,
        account: &str,
        uid: &Uid,
    ) -> impl Future<Output = Result<Vec<DeviceInfo>, StoreError>> + Send {
        S::devices(self, account, uid)
    }

    fn remove_device(
        &self,
        account: &str,
        uid: &Uid,
        device_id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::remove_device(self, account, uid, device_id)
    }
}

mod memory;
pub use memory::{MemoryPolicyStore, MemorySnapshot};
mod renewal;
pub use renewal::SessionRenewal;
