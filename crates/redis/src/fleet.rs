//! The settings and accessors of the fleet features: the cache of keys and revocations
//! ([`crate::cache`]), the audit record written with the decision, the batched refusal
//! aggregates ([`crate::audit_batch`]).

use std::sync::Arc;
use std::time::Duration;

use playback_auth_policy::cache::{CacheConfig, CacheStats, MonotonicClock};

use crate::store::{RedisStore, RedisStoreBuilder};

impl RedisStore {
    /// The default interval refusal aggregates are batched over: 1 s.
    pub const DEFAULT_AUDIT_BATCH_INTERVAL: Duration = Duration::from_secs(1);

    /// The counters of the fleet cache of keys and revocations; `None` without a cache
    /// ([`RedisStoreBuilder::cache`]).
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache().map(|cache| cache.stats())
    }

    /// Whether the fleet cache may answer from memory now (its subscription proved alive
    /// within the staleness bound); `None` without a cache.
    pub fn cache_trusted(&self) -> Option<bool> {
        self.cache().map(|cache| cache.is_trusted())
    }

    /// The channel invalidations are published on: `PREFIX:invalidations`.
    pub fn invalidation_channel(&self) -> String {
        self.layout().invalidation_channel()
    }
}

impl RedisStoreBuilder {
    /// The fleet cache of every account's keys and revocation lists (default
    /// [`CacheConfig::default`]: a staleness bound of 1 s, reading through while
    /// untrusted); `None` reads Redis on every lookup. See [`playback_auth_policy::cache`]:
    /// changes made through any store sharing the prefix reach every other store's cache
    /// over pub/sub, and a cache that cannot prove it receives them within the bound is not
    /// used.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use playback_auth_policy::cache::{CacheConfig, Untrusted};
    /// use playback_auth_redis::RedisStore;
    ///
    /// # async fn build() -> Result<(), playback_auth_redis::RedisStoreError> {
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/")
    ///     .cache(Some(
    ///         CacheConfig::default()
    ///             .with_staleness_bound(Duration::from_millis(500))
    ///             .with_untrusted(Untrusted::FailClosed),
    ///     ))
    ///     .build()?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cache(mut self, config: Option<CacheConfig>) -> Self {
        self.cache.config = config;
        self
    }

    /// The clock the staleness bound is measured with (default: the system's monotonic
    /// clock). Tests use a [`ManualClock`](playback_auth_policy::cache::ManualClock).
    pub fn cache_clock(mut self, clock: impl MonotonicClock) -> Self {
        self.cache.clock = Arc::new(clock);
        self
    }

    /// Whether a decision's audit record is written by the decision's own script call
    /// (default `true`): one round trip per decision, and no decision applied without its
    /// record. `false` writes it with a second command after the decision.
    pub fn audit_in_decision(mut self, on: bool) -> Self {
        self.settings.audit_in_decision = on;
        self
    }

    /// How long refusal aggregates (tokens that did not verify, …) are batched in process
    /// before they are written (default [`RedisStore::DEFAULT_AUDIT_BATCH_INTERVAL`]); `None`
    /// writes each at once. A crash loses at most one interval of counts; call
    /// [`RedisStore::flush_audit`] at shutdown.
    pub fn audit_batch_interval(mut self, interval: Option<Duration>) -> Self {
        self.settings.audit_batch_interval = interval;
        self
    }
}
