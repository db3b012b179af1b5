//! [`Stores`]: the five stores of a deployment under one name.
//!
//! An [`Authorizer`](crate::Authorizer) needs a [`PolicyStore`] (streams, devices, counters),
//! a [`RevocationStore`], an [`AuditSink`], a [`KeyRegistry`] and a [`RightsStore`]. They
//! always come together —
//! all in memory, or all on one Redis — so they travel together: every consumer (the
//! authorizer, the tower layer, the admin API) takes one type parameter, a [`Stores`].
//!
//! - [`MemoryStores`] is the embedded default: all five in process.
//! - A backend crate implements [`Stores`] for its own handle (the Redis crate's `RedisStore`
//!   is all five at once).
//! - [`StoreSet`] combines any five implementations, e.g. a test's failing state store with
//!   the in-memory rest.
//!
//! ```
//! use playback_auth_policy::{Authorizer, MemoryStores, Stores};
//!
//! let authorizer = Authorizer::builder(MemoryStores::new()).build();
//! // Each store stays reachable, typed, through the bundle.
//! assert!(authorizer.stores().policy().snapshot().is_empty());
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use playback_auth_claims::NumericDate;

use crate::audit::{AuditRecord, AuditSink, MemoryAuditSink, SessionRenewals};
use crate::error::StoreError;
use crate::policy_store::MemoryPolicyStore;
use crate::policy_store::{DecisionPlan, Outcome};
use crate::policy_store::{Partition, PolicyStore, SessionRenewal};
use crate::registry::{KeyRegistry, MemoryKeyRegistry};
use crate::revocation::{MemoryRevocationStore, RevocationStore};
use crate::rights_store::{MemoryRightsStore, RightsStore};

/// The stores one deployment decides with: state, revocations, audit, keys and playback
/// rights.
///
/// Implementations are handles: the accessors are cheap, and calls go straight to the
/// concrete store (no dynamic dispatch on the hot path). The audit sink is `Clone` because
/// the [`AuditReports`](crate::AuditReports) of an admin API read the same sink the engine
/// writes to.
pub trait Stores: Send + Sync + 'static {
    /// Streams, devices and per-token counters.
    type Policy: PolicyStore;
    /// Revoked tokens, token ids, users and viewers.
    type Revocations: RevocationStore;
    /// Where decisions are recorded (and reports read from).
    type Audit: AuditSink + Clone;
    /// Accounts' public keys.
    type Registry: KeyRegistry;
    /// Accounts' playback rights.
    type Rights: RightsStore;

    /// The state store.
    fn policy(&self) -> &Self::Policy;
    /// The revocation store.
    fn revocations(&self) -> &Self::Revocations;
    /// The audit sink.
    fn audit(&self) -> &Self::Audit;
    /// The key registry.
    fn registry(&self) -> &Self::Registry;
    /// The rights store.
    fn rights(&self) -> &Self::Rights;

    /// Applies `plan` and, when the stores can do both in one operation (one Redis script
    /// call), writes the decision's audit record (built by `record`) with it, as allowed
    /// and the store sets the refusal's verdict and reason when the plan is refused. Returns
    /// the outcome and whether the record was written.
    ///
    /// The default applies the plan only (`false`): the engine then writes the record to
    /// the audit sink itself. A bundle whose state store and audit sink are one server
    /// overrides it, so a decision costs one round trip and cannot be applied without its
    /// record.
    fn apply_recorded(
        &self,
        plan: &DecisionPlan,
        record: impl FnOnce() -> AuditRecord + Send,
    ) -> impl Future<Output = Result<(Outcome, bool), StoreError>> + Send {
        drop(record);
        async move { Ok((self.policy().apply(plan).await?, false)) }
    }

    /// Renews session `session_key` of `partition` (a heartbeat, as
    /// [`PolicyStore::renew_session`]) and, when the stores can do both in one operation,
    /// adds the heartbeat (built by `renewals`) to its session's [`SessionRenewals`] with it,
    /// only when the session was renewed. Returns the renewal and whether the heartbeat was
    /// recorded.
    ///
    /// The default renews only (`false`): the engine then gives an accepted heartbeat to
    /// [`AuditSink::record_renewals`] itself. A bundle whose state store and audit sink are
    /// one server overrides it, so a heartbeat costs one round trip.
    fn renew_recorded(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
        renewals: impl FnOnce() -> SessionRenewals + Send,
    ) -> impl Future<Output = Result<(SessionRenewal, bool), StoreError>> + Send {
        drop(renewals);
        let renew = self
            .policy()
            .renew_session(partition, session_key, lease, now);
        async move { Ok((renew.await?, false)) }
    }
}

/// Any five stores as one [`Stores`]. The rights store defaults to a [`MemoryRightsStore`],
/// so `StoreSet<P, R, A, K>` names a set whose rights are in process.
///
/// ```
/// use std::sync::Arc;
/// use playback_auth_policy::{
///     MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore, MemoryRevocationStore,
///     MemoryRightsStore, StoreSet, Stores,
/// };
///
/// let sink = Arc::new(MemoryAuditSink::new());
/// let stores = StoreSet {
///     policy: MemoryPolicyStore::new(),
///     revocations: MemoryRevocationStore::new().with_capacity(10),
///     audit: Arc::clone(&sink),
///     registry: MemoryKeyRegistry::new(),
///     rights: MemoryRightsStore::new(),
/// };
/// assert_eq!(stores.revocations().capacity(), 10);
/// ```
#[derive(Debug, Default)]
pub struct StoreSet<P, R, A, K, G = MemoryRightsStore> {
    /// The state store.
    pub policy: P,
    /// The revocation store.
    pub revocations: R,
    /// The audit sink.
    pub audit: A,
    /// The key registry.
    pub registry: K,
    /// The rights store.
    pub rights: G,
}

impl<P, R, A, K, G> Stores for StoreSet<P, R, A, K, G>
where
    P: PolicyStore,
    R: RevocationStore,
    A: AuditSink + Clone,
    K: KeyRegistry,
    G: RightsStore,
{
    type Policy = P;
    type Revocations = R;
    type Audit = A;
    type Registry = K;
    type Rights = G;

    fn policy(&self) -> &P {
        &self.policy
    }

    fn revocations(&self) -> &R {
        &self.revocations
    }

    fn audit(&self) -> &A {
        &self.audit
    }

    fn registry(&self) -> &K {
        &self.registry
    }

    fn rights(&self) -> &G {
        &self.rights
    }
}

/// Every store in process: the embedded default, for one node (or tests).
///
/// Build it with [`MemoryStores::new`] (each store with its default bounds) and change one
/// store with the [`StoreSet`] fields or [`StoreSet::with_audit`]. Nothing is shared between
/// processes: a fleet needs a networked backend.
pub type MemoryStores = StoreSet<
    MemoryPolicyStore,
    MemoryRevocationStore,
    Arc<MemoryAuditSink>,
    MemoryKeyRegistry,
    MemoryRightsStore,
>;

impl MemoryStores {
    /// Five empty in-memory stores with their default bounds.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same stores, auditing to `sink` (e.g. one the caller keeps to read records).
    #[must_use]
    pub fn with_audit(mut self, sink: Arc<MemoryAuditSink>) -> Self {
        self.audit = sink;
        self
    }
}

impl<S: Stores> Stores for Arc<S> {
    type Policy = S::Policy;
    type Revocations = S::Revocations;
    type Audit = S::Audit;
    type Registry = S::Registry;
    type Rights = S::Rights;

    fn policy(&self) -> &Self::Policy {
        (**self).policy()
    }

    fn revocations(&self) -> &Self::Revocations {
        (**self).revocations()
    }

    fn audit(&self) -> &Self::Audit {
        (**self).audit()
    }

    fn registry(&self) -> &Self::Registry {
        (**self).registry()
    }

    fn rights(&self) -> &Self::Rights {
        (**self).rights()
    }

    fn apply_recorded(
        &self,
        plan: &DecisionPlan,
        record: impl FnOnce() -> AuditRecord + Send,
    ) -> impl Future<Output = Result<(Outcome, bool), StoreError>> + Send {
        (**self).apply_recorded(plan, record)
    }

    fn renew_recorded(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
        renewals: impl FnOnce() -> SessionRenewals + Send,
    ) -> impl Future<Output = Result<(SessionRenewal, bool), StoreError>> + Send {
        (**self).renew_recorded(partition, session_key, lease, now, renewals)
    }
}
