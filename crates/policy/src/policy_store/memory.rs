//! [`MemoryPolicyStore`]: the in-memory [`PolicyStore`], sharded by partition.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};

use crate::decision::SessionChange;
use crate::error::StoreError;
use crate::policy_store::{
    AdmissionOrder, Applied, DecisionPlan, DeviceInfo, DevicePlan, Outcome, Partition, PolicyStore,
    Refusal, SessionInfo, SessionPlan, SessionRenewal, TokenPlan,
};

/// A [`PolicyStore`] in process memory, for a single node (or tests).
///
/// State is split into shards, each a `Mutex` over the partitions that hash to it; a plan
/// runs under the one lock of its partition's shard, so decisions for different users run
/// in parallel and decisions for one user are serialised. Memory stays bounded without a
/// background thread: expired state (leases, evictions, token counters) is dropped when
/// its partition is next written, a few other partitions are swept on every write, and
/// each shard holds at most a fixed number of entries ([`StoreError::CapacityExceeded`]
/// beyond that).
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use std::num::NonZeroU32;
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{
///     DecisionPlan, MemoryPolicyStore, Outcome, Partition, PolicyStore, Refusal, TokenPlan,
/// };
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryPolicyStore::new();
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let exp = NumericDate::from_secs(1_700_003_600).unwrap();
/// let partition = Partition::Token { account: "acct-1".into(), token_id: "jti-1".into() };
/// let token = TokenPlan::new("jti-1", IpAddr::V4(Ipv4Addr::LOCALHOST), exp)
///     .with_max_uses(NonZeroU32::MIN);
/// let plan = DecisionPlan::new(partition, now).with_token(token);
///
/// assert!(matches!(store.apply(&plan).await?, Outcome::Applied(_)));
/// assert_eq!(
///     store.apply(&plan).await?,
///     Outcome::Refused(Refusal::MaxUsesReached { limit: 1 })
/// );
/// # Ok::<(), playback_auth_policy::StoreError>(())
/// # }).unwrap();
/// ```
pub struct MemoryPolicyStore {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    shard_capacity: usize,
}

impl fmt::Debug for MemoryPolicyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // State is user data and can be large: show the shape only.
        f.debug_struct("MemoryPolicyStore")
            .field("shards", &self.shards.len())
            .field("shard_capacity", &self.shard_capacity)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryPolicyStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryPolicyStore {
    /// Shards of [`MemoryPolicyStore::new`].
    pub const DEFAULT_SHARDS: usize = 64;
    /// Entries per shard of [`MemoryPolicyStore::new`] (about 6.5 million in all).
    pub const DEFAULT_SHARD_CAPACITY: usize = 100_000;
    /// Partitions swept for expired state on each write, besides the one written.
    const SWEEP_PER_WRITE: usize = 2;

    /// A store with [`DEFAULT_SHARDS`](Self::DEFAULT_SHARDS) shards of
    /// [`DEFAULT_SHARD_CAPACITY`](Self::DEFAULT_SHARD_CAPACITY) entries.
    pub fn new() -> Self {
        Self::with_shards(Self::DEFAULT_SHARDS, Self::DEFAULT_SHARD_CAPACITY)
    }

    /// A store with `shards` shards (at least one) of at most `shard_capacity` entries each.
    ///
    /// An entry is one partition, session, remembered eviction, device, token, recorded IP
    /// or consumed single-use id.
    pub fn with_shards(shards: usize, shard_capacity: usize) -> Self {
        Self {
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(Shard::default()))
                .collect(),
            hasher: RandomState::new(),
            shard_capacity,
        }
    }

    /// A copy of every partition's state, for comparing the store before and after an
    /// operation (e.g. that a denied request changed nothing). Shards are copied one at a
    /// time, so take it while nothing else writes.
    pub fn snapshot(&self) -> MemorySnapshot {
        let mut partitions = BTreeMap::new();
        for shard in &self.shards {
            let shard = lock(shard);
            partitions.extend(
                shard
                    .partitions
                    .iter()
                    .map(|(key, state)| (key.clone(), state.clone())),
            );
        }
        MemorySnapshot { partitions }
    }

    /// Entries held in all shards (see [`with_shards`](Self::with_shards)), expired ones
    /// not yet dropped included.
    pub fn entries(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).entries).sum()
    }

    fn shard(&self, partition: &Partition) -> &Mutex<Shard> {
        let len = self.shards.len();
        let hash = self.hasher.hash_one(partition);
        // `len` is at least one; the remainder is below `len`, so both conversions hold.
        let index = usize::try_from(hash % u64::try_from(len).unwrap_or(u64::MAX)).unwrap_or(0);
        #[allow(clippy::indexing_slicing)] // index < len
        &self.shards[index]
    }

    fn apply_now(&self, plan: &DecisionPlan) -> Result<Outcome, StoreError> {
        if plan.is_empty() {
            return Ok(Outcome::Applied(Applied::default()));
        }
        let mut shard = lock(self.shard(&plan.partition));
        let before = shard.partitions.get(&plan.partition);
        let mut state = before.cloned().unwrap_or_default();
        // All-or-nothing: the plan runs on a copy that replaces the stored state only
        // when every check passed.
        let applied = match state.apply(plan) {
            Ok(applied) => applied,
            Err(refusal) => return Ok(Outcome::Refused(refusal)),
        };
        shard.commit(&plan.partition, state, plan.now, self.shard_capacity)?;
        shard.sweep(Self::SWEEP_PER_WRITE, plan.now);
        Ok(Outcome::Applied(applied))
    }

    fn update_user<T>(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
        change: impl FnOnce(&mut PartitionState) -> (bool, T),
    ) -> Result<T, StoreError> {
        let partition = Partition::User {
            account: account.to_owned(),
            uid: uid.clone(),
        };
        self.update(&partition, now, change)
    }

    fn update<T>(
        &self,
        partition: &Partition,
        now: NumericDate,
        change: impl FnOnce(&mut PartitionState) -> (bool, T),
    ) -> Result<T, StoreError> {
        let mut shard = lock(self.shard(partition));
        let Some(mut state) = shard.partitions.get(partition).cloned() else {
            return Ok(change(&mut PartitionState::default()).1);
        };
        let (changed, answer) = change(&mut state);
        if changed {
            state.prune(now);
            shard.commit(partition, state, now, self.shard_capacity)?;
        }
        Ok(answer)
    }

    fn read_user<T>(
        &self,
        account: &str,
        uid: &Uid,
        read: impl FnOnce(Option<&PartitionState>) -> T,
    ) -> T {
        let partition = Partition::User {
            account: account.to_owned(),
            uid: uid.clone(),
        };
        let shard = lock(self.shard(&partition));
        read(shard.partitions.get(&partition))
    }
}

/// A plan never leaves a partition half-written (it is built on a copy and swapped in),
/// so a lock poisoned by a panic elsewhere still guards consistent state.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PolicyStore for MemoryPolicyStore {
    async fn apply(&self, plan: &DecisionPlan) -> Result<Outcome, StoreError> {
        self.apply_now(plan)
    }

    async fn sessions(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        Ok(self.read_user(account, uid, |state| {
            state.map_or_else(Vec::new, |state| state.active_sessions(now))
        }))
    }

    async fn end_session(
        &self,
        account: &str,
        uid: &Uid,
        session_key: &str,
        now: NumericDate,
    ) -> Result<bool, StoreError> {
        self.update_user(account, uid, now, |state| {
            let ended = state.end_session(session_key, now);
            (ended, ended)
        })
    }

    async fn renew_session(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: std::time::Duration,
        now: NumericDate,
    ) -> Result<SessionRenewal, StoreError> {
        self.update(partition, now, |state| {
            let renewal = state.renew_session(session_key, now.saturating_add(lease), now);
            (renewal.is_renewed(), renewal)
        })
    }

    async fn stop_session(
        &self,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
    ) -> Result<bool, StoreError> {
        self.update(partition, now, |state| {
            let stopped = state
                .sessions
                .remove(session_key)
                .is_some_and(|entry| entry.lease_until > now);
            (stopped, stopped)
        })
    }

    async fn devices(&self, account: &str, uid: &Uid) -> Result<Vec<DeviceInfo>, StoreError> {
        Ok(self.read_user(account, uid, |state| {
            state.map_or_else(Vec::new, PartitionState::devices)
        }))
    }

    async fn remove_device(
        &self,
        account: &str,
        uid: &Uid,
        device_id: &str,
    ) -> Result<bool, StoreError> {
        // Removing a device is not a timed operation; no expired state is dropped.
        self.update_user(account, uid, NumericDate::EPOCH, |state| {
            let removed = state.devices.remove(device_id).is_some();
            (removed, removed)
        })
    }
}

/// A comparable copy of a [`MemoryPolicyStore`]'s state ([`MemoryPolicyStore::snapshot`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemorySnapshot {
    partitions: BTreeMap<Partition, PartitionState>,
}

impl MemorySnapshot {
    /// How many partitions hold state.
    pub fn partitions(&self) -> usize {
        self.partitions.len()
    }

    /// Whether the store held no state at all.
    pub fn is_empty(&self) -> bool {
        self.partitions.is_empty()
    }
}

#[derive(Debug, Default)]
struct Shard {
    partitions: BTreeMap<Partition, PartitionState>,
    /// Sum of `PartitionState::entries` over `partitions`.
    entries: usize,
    /// Where the incremental sweep goes on from.
    sweep_cursor: Option<Partition>,
}

impl Shard {
    /// Stores `state` as the partition's state, if the shard's capacity allows.
    fn commit(
        &mut self,
        partition: &Partition,
        state: PartitionState,
        now: NumericDate,
        capacity: usize,
    ) -> Result<(), StoreError> {
        let old = self
            .partitions
            .get(partition)
            .map_or(0, PartitionState::entries);
        let new = if state.is_empty() { 0 } else { state.entries() };
        if new > old && self.entries - old + new > capacity {
            // Make room by dropping what has expired everywhere in the shard, then retry.
            self.sweep(usize::MAX, now);
            let old = self
                .partitions
                .get(partition)
                .map_or(0, PartitionState::entries);
            if self.entries - old + new > capacity {
                return Err(StoreError::CapacityExceeded { capacity });
            }
        }
        let old = self
            .partitions
            .get(partition)
            .map_or(0, PartitionState::entries);
        self.entries = self.entries - old + new;
        if state.is_empty() {
            self.partitions.remove(partition);
        } else {
            self.partitions.insert(partition.clone(), state);
        }
        Ok(())
    }

    /// Drops expired state from up to `count` partitions, going round the shard.
    fn sweep(&mut self, count: usize, now: NumericDate) {
        let count = count.min(self.partitions.len());
        let mut visited = 0;
        while visited < count {
            let next = match &self.sweep_cursor {
                Some(cursor) => self
                    .partitions
                    .range((Bound::Excluded(cursor), Bound::Unbounded))
                    .next(),
                None => self.partitions.iter().next(),
            }
            .map(|(key, _)| key.clone());
            let Some(key) = next else {
                // End of the shard: start over from the first partition.
                self.sweep_cursor = None;
                if self.partitions.is_empty() {
                    return;
                }
                continue;
            };
            visited += 1;
            if let Some(state) = self.partitions.get_mut(&key) {
                let before = state.entries();
                state.prune(now);
                let after = if state.is_empty() { 0 } else { state.entries() };
                self.entries = self.entries - before + after;
                if after == 0 {
                    self.partitions.remove(&key);
                }
            }
            self.sweep_cursor = Some(key);
        }
    }
}

/// Everything stored for one partition.
#[derive(Debug, Clone, PartialEq, Default)]
struct PartitionState {
    sessions: BTreeMap<String, SessionEntry>,
    /// Evicted or ended sessions, remembered until their lease would have ended.
    evicted: BTreeMap<String, NumericDate>,
    devices: BTreeMap<String, DeviceEntry>,
    tokens: BTreeMap<String, TokenState>,
    /// Admission order, to tell apart sessions admitted at the same time.
    next_seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct SessionEntry {
    location_key: String,
    admitted_at: NumericDate,
    seq: u64,
    lease_until: NumericDate,
}

#[derive(Debug, Clone, PartialEq)]
struct DeviceEntry {
    registered_at: NumericDate,
    seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct TokenState {
    expires_at: NumericDate,
    uses: u32,
    ips: BTreeSet<IpAddr>,
    single_use: BTreeSet<String>,
}

impl PartitionState {
    fn is_empty(&self) -> bool {
        self.sessions.is_empty()
            && self.evicted.is_empty()
            && self.devices.is_empty()
            && self.tokens.is_empty()
    }

    /// Entries counted against the shard capacity: the partition itself and what it holds.
    fn entries(&self) -> usize {
        let tokens: usize = self
            .tokens
            .values()
            .map(|t| 1 + t.ips.len() + t.single_use.len())
            .sum();
        1 + self.sessions.len() + self.evicted.len() + self.devices.len() + tokens
    }

    fn prune(&mut self, now: NumericDate) {
        self.sessions.retain(|_, s| s.lease_until > now);
        self.evicted.retain(|_, until| *until > now);
        self.tokens.retain(|_, t| t.expires_at > now);
    }

    fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    /// Runs every check of the plan, then every change; a refusal leaves `self` partly
    /// changed only in expired state, and the caller discards the copy anyway.
    fn apply(&mut self, plan: &DecisionPlan) -> Result<Applied, Refusal> {
        let now = plan.now;
        self.prune(now);
        let token = plan
            .token
            .as_ref()
            .map(|t| self.check_token(t))
            .transpose()?;
        let session = plan
            .session
            .as_ref()
            .map(|s| self.check_session(s))
            .transpose()?;
        let device = plan
            .device
            .as_ref()
            .map(|d| self.check_device(d))
            .transpose()?;

        let mut applied = Applied::default();
        if let (Some(plan), Some(())) = (&plan.token, token) {
            applied.uses = self.record_token(plan);
        }
        if let (Some(plan), Some(step)) = (&plan.session, session) {
            let (change, evicted) = self.record_session(plan, step, now);
            applied.session = Some(change);
            applied.evicted = evicted;
        }
        if let (Some(plan), Some(register)) = (&plan.device, device) {
            if register {
                let seq = self.next_seq();
                self.devices.insert(
                    plan.device_id.clone(),
                    DeviceEntry {
                        registered_at: now,
                        seq,
                    },
                );
            }
            applied.device_registered = register;
        }
        Ok(applied)
    }

    fn check_token(&self, plan: &TokenPlan) -> Result<(), Refusal> {
        let Some(state) = self.tokens.get(&plan.token_id) else {
            return Ok(());
        };
        if let Some(uuid) = &plan.single_use
            && state.single_use.contains(uuid)
        {
            return Err(Refusal::SingleUseAlreadyUsed);
        }
        if let Some(max) = plan.max_uses
            && state.uses >= max.get()
        {
            return Err(Refusal::MaxUsesReached { limit: max.get() });
        }
        if let Some(max) = plan.max_ips
            && !state.ips.contains(&plan.ip)
            && state.ips.len() >= usize::try_from(max.get()).unwrap_or(usize::MAX)
        {
            return Err(Refusal::MaxIpsReached { limit: max.get() });
        }
        Ok(())
    }

    fn record_token(&mut self, plan: &TokenPlan) -> Option<u32> {
        let state = self
            .tokens
            .entry(plan.token_id.clone())
            .or_insert_with(|| TokenState {
                expires_at: plan.expires_at,
                uses: 0,
                ips: BTreeSet::new(),
                single_use: BTreeSet::new(),
            });
        if plan.expires_at > state.expires_at {
            state.expires_at = plan.expires_at;
        }
        state.uses = state.uses.saturating_add(1);
        if plan.max_ips.is_some() {
            state.ips.insert(plan.ip);
        }
        if let Some(uuid) = &plan.single_use {
            state.single_use.insert(uuid.clone());
        }
        plan.max_uses.map(|_| state.uses)
    }

    /// Expects `prune` to have run: every session is active, every eviction live.
    fn check_session(&self, plan: &SessionPlan) -> Result<SessionStep, Refusal> {
        if self.sessions.contains_key(&plan.session_key) {
            return Ok(SessionStep::Renew);
        }
        if self.evicted.contains_key(&plan.session_key) {
            return Err(Refusal::SessionEvicted {
                session: plan.session_key.clone(),
            });
        }
        let limit = usize::try_from(plan.limit.get()).unwrap_or(usize::MAX);
        let active = self.sessions.len();
        if active < limit {
            return Ok(SessionStep::Admit { evict: Vec::new() });
        }
        let refused = Refusal::StreamLimitReached {
            limit: plan.limit.get(),
        };
        match plan.behavior {
            ConcurrencyBehavior::EvictOldest => Ok(SessionStep::Admit {
                evict: self.oldest_sessions(active + 1 - limit, |_| true),
            }),
            ConcurrencyBehavior::BlockNew => Err(refused),
            ConcurrencyBehavior::BlockNewUser => {
                let evict = self.oldest_sessions(1, |s| s.location_key == plan.location_key);
                if evict.is_empty() {
                    Err(refused)
                } else {
                    Ok(SessionStep::Admit { evict })
                }
            }
        }
    }

    /// Keys of the `count` oldest sessions matching `filter`, oldest first.
    fn oldest_sessions(&self, count: usize, filter: impl Fn(&SessionEntry) -> bool) -> Vec<String> {
        let mut matching: Vec<(&String, &SessionEntry)> =
            self.sessions.iter().filter(|(_, s)| filter(s)).collect();
        matching.sort_by_key(|(_, s)| AdmissionOrder::new(s.admitted_at, s.seq));
        matching
            .into_iter()
            .take(count)
            .map(|(key, _)| key.clone())
            .collect()
    }

    fn record_session(
        &mut self,
        plan: &SessionPlan,
        step: SessionStep,
        now: NumericDate,
    ) -> (SessionChange, Vec<String>) {
        let lease_until = now.saturating_add(plan.lease);
        let session = plan.session_key.clone();
        match step {
            SessionStep::Renew => {
                if let Some(entry) = self.sessions.get_mut(&plan.session_key) {
                    entry.lease_until = lease_until;
                }
                (SessionChange::Renewed { session }, Vec::new())
            }
            SessionStep::Admit { evict } => {
                for key in &evict {
                    if let Some(entry) = self.sessions.remove(key) {
                        self.evicted.insert(key.clone(), entry.lease_until);
                    }
                }
                let seq = self.next_seq();
                self.sessions.insert(
                    plan.session_key.clone(),
                    SessionEntry {
                        location_key: plan.location_key.clone(),
                        admitted_at: now,
                        seq,
                        lease_until,
                    },
                );
                (SessionChange::Admitted { session }, evict)
            }
        }
    }

    /// `Ok(true)` when the device must be registered, `Ok(false)` when it is known.
    fn check_device(&self, plan: &DevicePlan) -> Result<bool, Refusal> {
        if self.devices.contains_key(&plan.device_id) {
            return Ok(false);
        }
        if self.devices.len() >= usize::try_from(plan.limit.get()).unwrap_or(usize::MAX) {
            return Err(Refusal::DeviceLimitReached {
                limit: plan.limit.get(),
            });
        }
        Ok(true)
    }

    fn active_sessions(&self, now: NumericDate) -> Vec<SessionInfo> {
        let mut active: Vec<(&String, &SessionEntry)> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.lease_until > now)
            .collect();
        active.sort_by_key(|(_, s)| AdmissionOrder::new(s.admitted_at, s.seq));
        active
            .into_iter()
            .map(|(key, s)| SessionInfo {
                session_key: key.clone(),
                location_key: s.location_key.clone(),
                admitted_at: s.admitted_at,
                lease_until: s.lease_until,
            })
            .collect()
    }

    fn end_session(&mut self, session_key: &str, now: NumericDate) -> bool {
        match self.sessions.get(session_key) {
            Some(entry) if entry.lease_until > now => {
                let until = entry.lease_until;
                self.sessions.remove(session_key);
                self.evicted.insert(session_key.to_owned(), until);
                true
            }
            _ => false,
        }
    }

    /// A heartbeat: extends an active session's lease to `lease_until`.
    fn renew_session(
        &mut self,
        session_key: &str,
        lease_until: NumericDate,
        now: NumericDate,
    ) -> SessionRenewal {
        match self.sessions.get_mut(session_key) {
            Some(entry) if entry.lease_until > now => {
                entry.lease_until = lease_until;
                SessionRenewal::Renewed { lease_until }
            }
            _ if self
                .evicted
                .get(session_key)
                .is_some_and(|until| *until > now) =>
            {
                SessionRenewal::Evicted
            }
            _ => SessionRenewal::Unknown,
        }
    }

    fn devices(&self) -> Vec<DeviceInfo> {
        let mut devices: Vec<(&String, &DeviceEntry)> = self.devices.iter().collect();
        devices.sort_by_key(|(_, d)| d.seq);
        devices
            .into_iter()
            .map(|(id, d)| DeviceInfo {
                device_id: id.clone(),
                registered_at: d.registered_at,
            })
            .collect()
    }
}

/// What the session check decided, for the recording step.
enum SessionStep {
    Renew,
    Admit { evict: Vec<String> },
}

#[cfg(test)]
mod tests;
