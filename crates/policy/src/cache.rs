//! An in-process cache of what every decision reads and rarely changes — an account's
//! registered keys and its revocation lists — kept coherent across a fleet by invalidations,
//! with a stated bound on staleness.
//!
//! A networked store (the Redis crate's `RedisStore`) keeps a [`FleetCache`]: a decision
//! reads the account's keys and revocations from memory, and every change made anywhere in
//! the fleet (a key registered or deleted, a token revoked or unrevoked) publishes an
//! invalidation that every node's [`InvalidationSource`] delivers to its cache through an
//! [`InvalidationSink`].
//!
//! **The bound.** The source proves it is alive (a reply on its connection) at least every
//! half [`staleness_bound`](CacheConfig::staleness_bound). When nothing has been heard for
//! longer than the bound, or the source reports its connection lost, the cache is
//! **untrusted**: lookups go to the store ([`Untrusted::ReadThrough`]) or fail
//! ([`Untrusted::FailClosed`]), never answered from memory. When the source subscribes again
//! the whole cache is flushed (invalidations sent while it was away are lost). So an entry
//! served from memory is never older than the bound plus the time an invalidation takes to
//! travel.
//!
//! An in-process store needs no cache (it is the truth), and `MemoryStores` keeps none.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use playback_auth_policy::cache::{CacheConfig, CacheKind, FleetCache, ManualClock};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = ManualClock::new();
//! let config = CacheConfig::default().with_staleness_bound(Duration::from_millis(500));
//! let cache: FleetCache<u32, u32> = FleetCache::new(config, Arc::new(clock.clone()));
//! let sink = cache.sink();
//! sink.subscribed(); // the source is listening: the cache may serve from memory
//!
//! // What the store would answer: `value`.
//! let keys = |value: u32| async move { Ok::<_, std::convert::Infallible>(value) };
//! assert_eq!(cache.registry("acct-1", || keys(7)).await.unwrap(), 7); // a miss: loaded
//! assert_eq!(cache.registry("acct-1", || keys(8)).await.unwrap(), 7); // a hit
//!
//! sink.invalidate(CacheKind::Registry, "acct-1", None); // changed elsewhere in the fleet
//! assert_eq!(cache.registry("acct-1", || keys(8)).await.unwrap(), 8);
//!
//! clock.advance(Duration::from_millis(501)); // nothing heard for longer than the bound
//! assert!(!cache.is_trusted());
//! assert_eq!(cache.registry("acct-1", || keys(9)).await.unwrap(), 9); // read through
//! # });
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

/// What a [`FleetCache`] does while it is untrusted (invalidations could not be received
/// for longer than the staleness bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Untrusted {
    /// Every lookup goes to the store, as if there were no cache (the default).
    #[default]
    ReadThrough,
    /// Every lookup fails ([`CacheError::Untrusted`]): the engine denies
    /// `store_unavailable` until invalidations flow again.
    FailClosed,
}

/// How a [`FleetCache`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheConfig {
    /// The longest an entry may be served after a change elsewhere in the fleet when
    /// invalidations cannot be received (default [`CacheConfig::DEFAULT_STALENESS_BOUND`]).
    pub staleness_bound: Duration,
    /// What lookups do while the cache is untrusted (default [`Untrusted::ReadThrough`]).
    pub untrusted: Untrusted,
    /// The most accounts kept per cache (default [`CacheConfig::DEFAULT_MAX_ACCOUNTS`]); a
    /// new account past it evicts another.
    pub max_accounts: usize,
}

impl CacheConfig {
    /// The default staleness bound: 1 s.
    pub const DEFAULT_STALENESS_BOUND: Duration = Duration::from_secs(1);
    /// The default number of accounts kept: 10,000.
    pub const DEFAULT_MAX_ACCOUNTS: usize = 10_000;

    /// Sets the staleness bound.
    #[must_use]
    pub fn with_staleness_bound(mut self, bound: Duration) -> Self {
        self.staleness_bound = bound;
        self
    }

    /// Sets what lookups do while the cache is untrusted.
    #[must_use]
    pub fn with_untrusted(mut self, untrusted: Untrusted) -> Self {
        self.untrusted = untrusted;
        self
    }

    /// Sets the most accounts kept per cache.
    #[must_use]
    pub fn with_max_accounts(mut self, max_accounts: usize) -> Self {
        self.max_accounts = max_accounts;
        self
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            staleness_bound: Self::DEFAULT_STALENESS_BOUND,
            untrusted: Untrusted::ReadThrough,
            max_accounts: Self::DEFAULT_MAX_ACCOUNTS,
        }
    }
}

/// A monotonic clock for the staleness bound: the time elapsed since some fixed instant.
/// [`SystemMonotonicClock`] in production, [`ManualClock`] in tests.
pub trait MonotonicClock: Send + Sync + fmt::Debug + 'static {
    /// The time elapsed since the clock's origin; never decreases.
    fn elapsed(&self) -> Duration;
}

/// [`MonotonicClock`] on [`Instant`].
#[derive(Debug, Clone, Copy)]
pub struct SystemMonotonicClock {
    origin: Instant,
}

impl SystemMonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemMonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl MonotonicClock for SystemMonotonicClock {
    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A [`MonotonicClock`] that moves only when told to (tests); clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::SeqCst);
    }
}

impl MonotonicClock for ManualClock {
    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

/// Which cache an invalidation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheKind {
    /// An account's registered keys.
    Registry,
    /// An account's revocation lists.
    Revocations,
}

impl CacheKind {
    /// The metrics label: `"registry"` or `"revocations"`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Revocations => "revocations",
        }
    }
}

/// Why a [`FleetCache`] lookup failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError<E> {
    /// The cache is untrusted and configured to fail closed ([`Untrusted::FailClosed`]).
    #[error("the cache is untrusted: invalidations not received within {bound:?}")]
    Untrusted {
        /// The staleness bound that was exceeded.
        bound: Duration,
    },
    /// The store could not be read.
    #[error(transparent)]
    Load(E),
}

/// Counters of a [`FleetCache`], for tests and operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Lookups answered from memory.
    pub hits: u64,
    /// Lookups that read the store (absent entry, or untrusted cache).
    pub misses: u64,
    /// Lookups made while the cache was untrusted (read through or refused).
    pub untrusted_lookups: u64,
    /// Invalidations received.
    pub invalidations: u64,
    /// Whole-cache flushes (each (re)subscription).
    pub flushes: u64,
}

/// Where a [`FleetCache`]'s invalidations come from (e.g. a Redis pub/sub subscription):
/// it runs for as long as the cache lives, reporting through the [`InvalidationSink`].
///
/// A source must call [`InvalidationSink::subscribed`] each time it starts listening (first
/// time or after a reconnection), [`InvalidationSink::invalidate`] for each invalidation,
/// [`InvalidationSink::lost`] as soon as it knows it is not listening, and prove itself alive
/// at least every half staleness bound: take [`InvalidationSink::now`], send a request on the
/// subscription connection, and once its reply has arrived *and every invalidation received
/// before it has been delivered*, call [`InvalidationSink::heard_as_of`] with that instant —
/// every change published before it has then reached the cache. It returns once
/// [`InvalidationSink::is_open`] is false.
pub trait InvalidationSource: Send + 'static {
    /// Delivers invalidations to `sink` until the cache is dropped.
    fn run(self, sink: InvalidationSink) -> impl Future<Output = ()> + Send;
}

/// The side of a [`FleetCache`] its [`InvalidationSource`] reports to. Holds the cache
/// weakly: once the cache is dropped every call is a no-op and
/// [`is_open`](Self::is_open) is false.
#[derive(Clone)]
pub struct InvalidationSink {
    target: Weak<dyn Coherence>,
}

impl fmt::Debug for InvalidationSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidationSink")
            .field("open", &self.is_open())
            .finish()
    }
}

impl InvalidationSink {
    /// Whether the cache still exists.
    pub fn is_open(&self) -> bool {
        self.target.strong_count() > 0
    }

    /// The source is listening from now on: everything cached is flushed (invalidations
    /// may have been missed) and the cache is trusted again.
    pub fn subscribed(&self) {
        if let Some(target) = self.target.upgrade() {
            target.subscribed();
        }
    }

    /// The cache clock's time, for [`heard_as_of`](Self::heard_as_of); `None` once the
    /// cache is dropped.
    pub fn now(&self) -> Option<Duration> {
        self.target.upgrade().map(|target| target.now())
    }

    /// Every invalidation published before `at` (a time taken with [`now`](Self::now))
    /// has been delivered: the cache may serve entries until `at` plus the staleness bound.
    pub fn heard_as_of(&self, at: Duration) {
        if let Some(target) = self.target.upgrade() {
            target.heard_as_of(at);
        }
    }

    /// [`heard_as_of`](Self::heard_as_of) now: for a source whose every message and reply
    /// is delivered as it arrives.
    pub fn heard(&self) {
        if let Some(target) = self.target.upgrade() {
            target.heard_as_of(target.now());
        }
    }

    /// The source stopped listening: the cache is untrusted until [`subscribed`](Self::subscribed).
    pub fn lost(&self) {
        if let Some(target) = self.target.upgrade() {
            target.lost();
        }
    }

    /// `account`'s entry of the `kind` cache changed; `published_at` (the publisher's wall
    /// clock) measures the invalidation's lag.
    pub fn invalidate(&self, kind: CacheKind, account: &str, published_at: Option<SystemTime>) {
        if let Some(target) = self.target.upgrade() {
            target.invalidate(kind, account, published_at);
        }
    }
}

/// What an [`InvalidationSink`] reaches, whatever the cached value types.
trait Coherence: Send + Sync {
    fn subscribed(&self);
    fn now(&self) -> Duration;
    fn heard_as_of(&self, at: Duration);
    fn lost(&self);
    fn invalidate(&self, kind: CacheKind, account: &str, published_at: Option<SystemTime>);
}

/// The cache of registered keys (`K`, e.g. a key set) and revocation lists (`V`) of
/// accounts, coherent across a fleet; see the [module docs](self).
///
/// Cloning is cheap and shares the cache.
pub struct FleetCache<K, V> {
    shared: Arc<Shared<K, V>>,
}

impl<K, V> Clone for FleetCache<K, V> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K, V> fmt::Debug for FleetCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetCache")
            .field("config", &self.shared.config)
            .field("stats", &self.shared.stats())
            .finish_non_exhaustive()
    }
}

/// Never heard from the source.
const NEVER: u64 = u64::MAX;

struct Shared<K, V> {
    config: CacheConfig,
    clock: Arc<dyn MonotonicClock>,
    /// The clock's nanoseconds when the source last proved alive ([`NEVER`] before).
    heard_at: AtomicU64,
    listening: AtomicBool,
    /// Bumped by every invalidation and flush: a value loaded across a bump is not kept.
    generation: AtomicU64,
    registry: Mutex<HashMap<String, K>>,
    revocations: Mutex<HashMap<String, V>>,
    /// The trust last published to the `playback_auth_cache_trusted` gauge.
    reported_trusted: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    untrusted_lookups: AtomicU64,
    invalidations: AtomicU64,
    flushes: AtomicU64,
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(NEVER - 1)
}

impl<K, V> Shared<K, V> {
    fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            untrusted_lookups: self.untrusted_lookups.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            flushes: self.flushes.load(Ordering::Relaxed),
        }
    }

    fn trusted(&self) -> bool {
        let trusted = self.listening.load(Ordering::SeqCst) && {
            let heard = self.heard_at.load(Ordering::SeqCst);
            heard != NEVER
                && nanos(self.clock.elapsed()).saturating_sub(heard)
                    <= nanos(self.config.staleness_bound)
        };
        if self.reported_trusted.swap(trusted, Ordering::Relaxed) != trusted {
            metrics::gauge!(crate::metrics::CACHE_TRUSTED).set(if trusted { 1.0 } else { 0.0 });
        }
        trusted
    }

    fn flush(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        lock(&self.registry).clear();
        lock(&self.revocations).clear();
        self.flushes.fetch_add(1, Ordering::Relaxed);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a map that is still a valid map.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K: Send, V: Send> Coherence for Shared<K, V> {
    fn subscribed(&self) {
        self.flush();
        // Whatever changed before now is re-read after the flush.
        self.heard_at
            .store(nanos(self.clock.elapsed()), Ordering::SeqCst);
        self.listening.store(true, Ordering::SeqCst);
    }

    fn now(&self) -> Duration {
        self.clock.elapsed()
    }

    fn heard_as_of(&self, at: Duration) {
        let at = nanos(at);
        // The latest proof wins; `NEVER` (no proof yet) is replaced by any.
        let _ = self
            .heard_at
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (current == NEVER || current < at).then_some(at)
            });
    }

    fn lost(&self) {
        self.listening.store(false, Ordering::SeqCst);
    }

    fn invalidate(&self, kind: CacheKind, account: &str, published_at: Option<SystemTime>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        match kind {
            CacheKind::Registry => drop(lock(&self.registry).remove(account)),
            CacheKind::Revocations => drop(lock(&self.revocations).remove(account)),
        }
        self.invalidations.fetch_add(1, Ordering::Relaxed);
        if let Some(lag) = published_at.and_then(|at| SystemTime::now().duration_since(at).ok()) {
            metrics::histogram!(crate::metrics::CACHE_INVALIDATION_LAG_SECONDS)
                .record(lag.as_secs_f64());
        }
    }
}

impl<K, V> FleetCache<K, V>
where
    K: Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// An empty cache, untrusted until its source reports [`InvalidationSink::subscribed`].
    pub fn new(config: CacheConfig, clock: Arc<dyn MonotonicClock>) -> Self {
        metrics::gauge!(crate::metrics::CACHE_TRUSTED).set(0.0);
        Self {
            shared: Arc::new(Shared {
                config,
                clock,
                heard_at: AtomicU64::new(NEVER),
                listening: AtomicBool::new(false),
                generation: AtomicU64::new(0),
                registry: Mutex::new(HashMap::new()),
                revocations: Mutex::new(HashMap::new()),
                reported_trusted: AtomicBool::new(false),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                untrusted_lookups: AtomicU64::new(0),
                invalidations: AtomicU64::new(0),
                flushes: AtomicU64::new(0),
            }),
        }
    }

    /// The handle to give the cache's [`InvalidationSource`].
    pub fn sink(&self) -> InvalidationSink {
        let target: Arc<dyn Coherence> = self.shared.clone();
        InvalidationSink {
            target: Arc::downgrade(&target),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.shared.config
    }

    /// Whether lookups may be answered from memory now: the source is listening and proved
    /// alive within the staleness bound.
    pub fn is_trusted(&self) -> bool {
        self.shared.trusted()
    }

    /// The cache's counters.
    pub fn stats(&self) -> CacheStats {
        self.shared.stats()
    }

    /// Forgets `account`'s entry of the `kind` cache — what a node does right after changing
    /// it itself, so its own next lookup cannot see the old value even before its
    /// invalidation comes back.
    pub fn invalidate_local(&self, kind: CacheKind, account: &str) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        match kind {
            CacheKind::Registry => drop(lock(&self.shared.registry).remove(account)),
            CacheKind::Revocations => drop(lock(&self.shared.revocations).remove(account)),
        }
    }

    /// `account`'s registered keys: from memory when trusted and present, else from `load`.
    ///
    /// # Errors
    /// [`CacheError::Untrusted`] when untrusted and failing closed; [`CacheError::Load`]
    /// with `load`'s error.
    pub async fn registry<E, F, Fut>(&self, account: &str, load: F) -> Result<K, CacheError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K, E>>,
    {
        self.lookup(CacheKind::Registry, &self.shared.registry, account, load)
            .await
    }

    /// `account`'s revocation lists: from memory when trusted and present, else from `load`.
    ///
    /// # Errors
    /// As [`registry`](Self::registry).
    pub async fn revocations<E, F, Fut>(&self, account: &str, load: F) -> Result<V, CacheError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        self.lookup(
            CacheKind::Revocations,
            &self.shared.revocations,
            account,
            load,
        )
        .await
    }

    async fn lookup<T: Clone, E, F, Fut>(
        &self,
        kind: CacheKind,
        map: &Mutex<HashMap<String, T>>,
        account: &str,
        load: F,
    ) -> Result<T, CacheError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let shared = &self.shared;
        let trusted = shared.trusted();
        if trusted {
            if let Some(value) = lock(map).get(account) {
                shared.hits.fetch_add(1, Ordering::Relaxed);
                metrics::counter!(crate::metrics::CACHE_HITS_TOTAL, "cache" => kind.label())
                    .increment(1);
                return Ok(value.clone());
            }
        } else {
            shared.untrusted_lookups.fetch_add(1, Ordering::Relaxed);
            if shared.config.untrusted == Untrusted::FailClosed {
                return Err(CacheError::Untrusted {
                    bound: shared.config.staleness_bound,
                });
            }
        }
        shared.misses.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(crate::metrics::CACHE_MISSES_TOTAL, "cache" => kind.label()).increment(1);
        let generation = shared.generation.load(Ordering::SeqCst);
        let value = load().await.map_err(CacheError::Load)?;
        // Kept only when nothing was invalidated while it was read and the cache is still
        // trusted: otherwise it may already be stale, and is used for this lookup only.
        if trusted && shared.trusted() {
            let mut map = lock(map);
            if shared.generation.load(Ordering::SeqCst) == generation {
                if map.len() >= shared.config.max_accounts && !map.contains_key(account) {
                    let victim = map.keys().next().cloned();
                    if let Some(victim) = victim {
                        map.remove(&victim);
                    }
                }
                if shared.config.max_accounts > 0 {
                    map.insert(account.to_owned(), value.clone());
                }
            }
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
