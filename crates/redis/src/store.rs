//! [`RedisStore`] and its builder: the connection, the settings, the scripts, and the one
//! wrapper every Redis call goes through (the per-operation timeout).

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use playback_auth_policy::{
    DEFAULT_KEYS_PER_ACCOUNT, DEFAULT_REVOCATION_CAPACITY, DEFAULT_RIGHTS_PER_ACCOUNT,
};
use redis::{RedisResult, Script};

use crate::accounts::RegisteredAccounts;
use crate::audit_batch::AggregateBatch;
use crate::backfill::Backfill;
use crate::cache::{AccountsLoader, CacheSettings, RedisInvalidations, StoreCache};
use crate::connection::{Connection, RedisEndpoint};
use crate::error::RedisStoreError;
use crate::key_layout::KeyLayout;

/// The Redis-backed store of `playback-auth`: policy state ([`PolicyStore`]), revocation
/// lists ([`RevocationStore`]), the key registry ([`KeyRegistry`]), playback rights
/// ([`RightsStore`]) and the audit trail ([`AuditSink`]), shared by every engine of a fleet.
///
/// It talks to one server ([`RedisStore::builder`]) or to a Redis Cluster
/// ([`RedisStore::cluster_builder`]); [`RedisStore::builder_from_env`] picks either from
/// `REDIS_CLUSTER_URLS` / `REDIS_URL`. Cloning is cheap and shares one connection (one
/// multiplexed connection that reconnects by itself, or the cluster client's connections
/// to every master, which follow redirections and failovers), and the fleet cache of keys and
/// revocations with its own subscription connection ([`RedisStoreBuilder::cache`]; see the
/// crate docs, "Fleet cache"). Every operation is bounded by the per-operation
/// [timeout](RedisStoreBuilder::timeout); a slow or absent Redis yields a typed error within
/// it, never a hang.
///
/// Building is **lazy**: [`RedisStoreBuilder::build`] checks the settings and the URL and
/// returns at once without touching the network, so a node starts even while Redis is down
/// (its engine then fails closed or open, as configured, until Redis answers). Use
/// [`RedisStore::ping`] for a readiness check.
///
/// [`PolicyStore`]: playback_auth_policy::PolicyStore
/// [`RevocationStore`]: playback_auth_policy::RevocationStore
/// [`KeyRegistry`]: playback_auth_policy::KeyRegistry
/// [`AuditSink`]: playback_auth_policy::AuditSink
/// [`RightsStore`]: playback_auth_policy::RightsStore
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    connection: Connection,
    layout: KeyLayout,
    scripts: Scripts,
    settings: Settings,
    /// The fleet cache of keys and revocations (see `cache.rs`).
    cache: Option<StoreCache>,
    /// The accounts with registered keys, kept with the cache (see `accounts.rs`).
    accounts: Option<Arc<RegisteredAccounts>>,
    /// Fills the registered-accounts SET from the key registries (see `backfill.rs`).
    backfill: Arc<Backfill>,
    /// Refusal aggregates waiting to be written (see `audit_batch.rs`).
    aggregates: AggregateBatch,
    /// Audit streams this process listed in the audit index.
    indexed: Mutex<HashSet<String>>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("cluster", &self.is_cluster())
            .field("layout", &self.inner.layout)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// The Lua scripts, each loaded once per server (EVALSHA, reloaded on NOSCRIPT).
pub(crate) struct Scripts {
    pub(crate) apply: Script,
    pub(crate) end_session: Script,
    pub(crate) heartbeat: Script,
    pub(crate) revoke: Script,
    pub(crate) unrevoke: Script,
    pub(crate) register_key: Script,
    pub(crate) add_account: Script,
    pub(crate) delete_key: Script,
    pub(crate) put_rights: Script,
    pub(crate) audit_aggregate: Script,
    pub(crate) audit_append: Script,
}

impl Scripts {
    fn load() -> Self {
        Self {
            apply: Script::new(include_str!("scripts/apply.lua")),
            end_session: Script::new(include_str!("scripts/end_session.lua")),
            heartbeat: Script::new(include_str!("scripts/heartbeat.lua")),
            revoke: Script::new(include_str!("scripts/revoke.lua")),
            unrevoke: Script::new(include_str!("scripts/unrevoke.lua")),
            register_key: Script::new(include_str!("scripts/register_key.lua")),
            add_account: Script::new(include_str!("scripts/add_account.lua")),
            delete_key: Script::new(include_str!("scripts/delete_key.lua")),
            put_rights: Script::new(include_str!("scripts/put_rights.lua")),
            audit_aggregate: Script::new(include_str!("scripts/audit_aggregate.lua")),
            audit_append: Script::new(include_str!("scripts/audit_append.lua")),
        }
    }
}

/// Everything chosen at construction.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) timeout: Duration,
    pub(crate) expiry_margin: Duration,
    pub(crate) device_retention: Option<Duration>,
    pub(crate) revocation_capacity: usize,
    pub(crate) keys_per_account: usize,
    pub(crate) rights_per_account: usize,
    pub(crate) audit_records_per_day: usize,
    pub(crate) audit_aggregates_per_day: usize,
    pub(crate) audit_in_decision: bool,
    pub(crate) audit_batch_interval: Option<Duration>,
}

impl RedisStore {
    /// The default key prefix: `playback-auth`.
    pub const DEFAULT_KEY_PREFIX: &'static str = "playback-auth";
    /// The default per-operation timeout: 250 ms.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
    /// The default margin added to every TTL: 60 s.
    pub const DEFAULT_EXPIRY_MARGIN: Duration = Duration::from_secs(60);
    /// The default device retention: 365 days after the user's last device check.
    pub const DEFAULT_DEVICE_RETENTION: Duration = Duration::from_secs(365 * 24 * 60 * 60);
    /// The default cap of audit records per account and UTC day: 1,000,000.
    pub const DEFAULT_AUDIT_RECORDS_PER_DAY: usize = 1_000_000;
    /// The default cap of audit aggregates (refusals counted per reason and minute) per
    /// account and UTC day: 10,000 — room for seven reasons in every minute of the day.
    pub const DEFAULT_AUDIT_AGGREGATES_PER_DAY: usize = 10_000;

    /// A builder for a store on the Redis at `url` (e.g. `redis://127.0.0.1:6379/`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(RedisEndpoint::Server(url.into()))
    }

    /// A builder for a store on the Redis Cluster that `seeds` belong to (URLs such as
    /// `redis://10.0.0.1:7000`; one reachable seed is enough to learn every node).
    pub fn cluster_builder<S: Into<String>>(
        seeds: impl IntoIterator<Item = S>,
    ) -> RedisStoreBuilder {
        RedisStoreBuilder::new(RedisEndpoint::Cluster(
            seeds.into_iter().map(Into::into).collect(),
        ))
    }

    /// A builder for a store on `endpoint`.
    pub fn builder_for(endpoint: RedisEndpoint) -> RedisStoreBuilder {
        RedisStoreBuilder::new(endpoint)
    }

    /// A builder on the Redis the environment names ([`RedisEndpoint::from_env`]): the
    /// cluster listed in `REDIS_CLUSTER_URLS` when set, else the server at `REDIS_URL`;
    /// `None` when neither is set.
    pub fn builder_from_env() -> Option<RedisStoreBuilder> {
        RedisEndpoint::from_env().map(RedisStoreBuilder::new)
    }

    /// Whether this store talks to a Redis Cluster (rather than one server).
    pub fn is_cluster(&self) -> bool {
        matches!(self.inner.connection, Connection::Cluster(_))
    }

    /// Asks Redis for a `PING`, within the timeout: a readiness check.
    ///
    /// # Errors
    /// [`RedisStoreError::Timeout`] or [`RedisStoreError::Redis`] when Redis cannot be
    /// reached.
    pub async fn ping(&self) -> Result<(), RedisStoreError> {
        let mut connection = self.connection();
        let pong: String = self
            .run(async move { redis::cmd("PING").query_async(&mut connection).await })
            .await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(RedisStoreError::UnexpectedReply {
                detail: "PING was not answered with PONG",
            })
        }
    }

    /// Every key `plan` reads or writes, in the order the apply script receives them
    /// (`KEYS[1..]`). All share one hash tag, so they hash to one Redis Cluster slot.
    /// Feature `hazmat` only (tests of key layout and expiry).
    #[cfg(feature = "hazmat")]
    pub fn keys_for(&self, plan: &playback_auth_policy::DecisionPlan) -> Vec<String> {
        self.inner.layout.plan_keys(plan).keys
    }

    /// The audit stream the decision script writes `plan`'s record of the UTC day `date`
    /// to: its partition's audit shard, in the slot of [`keys_for`](Self::keys_for).
    /// Feature `hazmat` only (tests of key layout).
    #[cfg(feature = "hazmat")]
    pub fn audit_stream_for(
        &self,
        plan: &playback_auth_policy::DecisionPlan,
        date: time::Date,
    ) -> String {
        self.inner
            .layout
            .partition_audit_stream(&plan.partition, date)
    }

    /// The renewals HASH a heartbeat on a session of `partition` counts itself in on the UTC
    /// day `date`: its partition's audit shard, in the slot of its sessions. Feature `hazmat`
    /// only (tests of key layout).
    #[cfg(feature = "hazmat")]
    pub fn audit_renewals_for(
        &self,
        partition: &playback_auth_policy::Partition,
        date: time::Date,
    ) -> String {
        self.inner.layout.partition_audit_renewals(partition, date)
    }

    /// The key holding every revocation list of `account` (one key, one slot).
    pub fn revocation_key(&self, account: &str) -> String {
        self.inner.layout.revocations(account)
    }

    /// The key holding the registered public keys of `account`.
    pub fn key_registry_key(&self, account: &str) -> String {
        self.inner.layout.key_registry(account)
    }

    /// The key holding the playback rights of `account` (one HASH, one slot).
    pub fn rights_key(&self, account: &str) -> String {
        self.inner.layout.rights(account)
    }

    /// The audit streams of `account` for the UTC day `date`: one per audit shard (16), in
    /// shard order, each in the slot of its shard's decisions. A day's report reads exactly
    /// these keys. Records written outside a decision script without a uid go to the first.
    pub fn audit_stream_keys(&self, account: &str, date: time::Date) -> Vec<String> {
        self.inner.layout.audit_streams(account, date)
    }

    /// The audit aggregates (HASH) of `account` for the UTC day `date`.
    pub fn audit_aggregates_key(&self, account: &str, date: time::Date) -> String {
        self.inner.layout.audit_aggregates(account, date)
    }

    /// The session renewals HASHes of `account` for the UTC day `date`: one per audit shard
    /// (16), in shard order, each in the slot of its shard's sessions and stream. A day's
    /// report reads exactly these keys.
    pub fn audit_renewals_keys(&self, account: &str, date: time::Date) -> Vec<String> {
        self.inner.layout.audit_renewals_all(account, date)
    }

    /// The per-operation timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.settings.timeout
    }

    pub(crate) fn layout(&self) -> &KeyLayout {
        &self.inner.layout
    }

    pub(crate) fn scripts(&self) -> &Scripts {
        &self.inner.scripts
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn cache(&self) -> Option<&StoreCache> {
        self.inner.cache.as_ref()
    }

    pub(crate) fn registered_accounts(&self) -> Option<&RegisteredAccounts> {
        self.inner.accounts.as_deref()
    }

    pub(crate) fn backfill(&self) -> &Backfill {
        &self.inner.backfill
    }

    pub(crate) fn aggregate_batch(&self) -> &AggregateBatch {
        &self.inner.aggregates
    }

    /// Whether the decision script writes the audit record (the setting).
    pub(crate) fn audit_in_decision(&self) -> bool {
        self.inner.settings.audit_in_decision
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| Self { inner })
    }

    /// Marks the audit stream `key` as indexed by this process; `false` if it already was.
    pub(crate) fn mark_indexed(&self, key: &str) -> bool {
        let mut indexed = self
            .inner
            .indexed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if indexed.contains(key) {
            return false;
        }
        // Bounded: forgetting costs one more (idempotent) index update per stream.
        if indexed.len() >= 100_000 {
            indexed.clear();
        }
        indexed.insert(key.to_owned())
    }

    pub(crate) fn unmark_indexed(&self, key: &str) {
        self.inner
            .indexed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// A handle on the shared connection (cheap: it is reference-counted).
    pub(crate) fn connection(&self) -> Connection {
        self.inner.connection.clone()
    }

    /// Runs one Redis operation under the per-operation timeout; a failure is counted in
    /// `playback_auth_redis_errors_total{kind}`.
    pub(crate) async fn run<T>(
        &self,
        operation: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, RedisStoreError> {
        let timeout = self.inner.settings.timeout;
        let error = match tokio::time::timeout(timeout, operation).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => RedisStoreError::Redis(error),
            Err(_elapsed) => RedisStoreError::Timeout { timeout },
        };
        crate::metrics::count_error(&error);
        Err(error)
    }

    /// One command on the shared connection, under the per-operation timeout.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        command: redis::Cmd,
    ) -> Result<T, RedisStoreError> {
        let mut connection = self.connection();
        self.run(async move { command.query_async(&mut connection).await })
            .await
    }

    /// One `EVALSHA` of `script` (a `SCRIPT LOAD` and a second `EVALSHA` only when the
    /// server does not know the script yet, e.g. after a restart).
    pub(crate) async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &Script,
        keys: &[String],
        args: &[String],
    ) -> Result<T, RedisStoreError> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        let mut connection = self.connection();
        self.run(async move { invocation.invoke_async(&mut connection).await })
            .await
    }
}

/// Builds a [`RedisStore`]; every setting has a default.
///
/// ```no_run
/// use std::time::Duration;
/// use playback_auth_redis::RedisStore;
///
/// # async fn build() -> Result<(), playback_auth_redis::RedisStoreError> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .key_prefix("video-prod")
///     .timeout(Duration::from_millis(100))
///     .build()?;
/// store.ping().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    endpoint: RedisEndpoint,
    prefix: String,
    pub(crate) settings: Settings,
    pub(crate) cache: CacheSettings,
}

impl RedisStoreBuilder {
    fn new(endpoint: RedisEndpoint) -> Self {
        Self {
            endpoint,
            prefix: RedisStore::DEFAULT_KEY_PREFIX.to_owned(),
            settings: Settings {
                timeout: RedisStore::DEFAULT_TIMEOUT,
                expiry_margin: RedisStore::DEFAULT_EXPIRY_MARGIN,
                device_retention: Some(RedisStore::DEFAULT_DEVICE_RETENTION),
                revocation_capacity: DEFAULT_REVOCATION_CAPACITY,
                keys_per_account: DEFAULT_KEYS_PER_ACCOUNT,
                rights_per_account: DEFAULT_RIGHTS_PER_ACCOUNT,
                audit_records_per_day: RedisStore::DEFAULT_AUDIT_RECORDS_PER_DAY,
                audit_aggregates_per_day: RedisStore::DEFAULT_AUDIT_AGGREGATES_PER_DAY,
                audit_in_decision: true,
                audit_batch_interval: Some(RedisStore::DEFAULT_AUDIT_BATCH_INTERVAL),
            },
            cache: CacheSettings::default(),
        }
    }

    /// The prefix of every key (default [`RedisStore::DEFAULT_KEY_PREFIX`]); stores with
    /// different prefixes share nothing. It may not be empty nor contain `{` or `}`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one operation may take, connecting included (default
    /// [`RedisStore::DEFAULT_TIMEOUT`]); past it the operation fails with
    /// [`RedisStoreError::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Added to every TTL (default [`RedisStore::DEFAULT_EXPIRY_MARGIN`]), so Redis keeps
    /// state a little longer than the engines need it. Set it above the clock skew between
    /// engines: an engine whose clock is behind still needs a token's counters after the
    /// others are done with them.
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.settings.expiry_margin = margin;
        self
    }

    /// How long a user's registered devices are kept after the last decision that checked
    /// a device of that user (default [`RedisStore::DEFAULT_DEVICE_RETENTION`]); `None`
    /// keeps them until removed, as the in-memory store does.
    pub fn device_retention(mut self, retention: Option<Duration>) -> Self {
        self.settings.device_retention = retention;
        self
    }

    /// How many live entries each revocation list of an account holds (default
    /// [`DEFAULT_REVOCATION_CAPACITY`]).
    pub fn revocation_capacity(mut self, capacity: usize) -> Self {
        self.settings.revocation_capacity = capacity;
        self
    }

    /// How many keys an account may register (default [`DEFAULT_KEYS_PER_ACCOUNT`]).
    pub fn keys_per_account(mut self, keys: usize) -> Self {
        self.settings.keys_per_account = keys;
        self
    }

    /// How many playback-rights objects an account may hold (default
    /// [`DEFAULT_RIGHTS_PER_ACCOUNT`]).
    pub fn rights_per_account(mut self, rights: usize) -> Self {
        self.settings.rights_per_account = rights;
        self
    }

    /// The cap of audit records kept per account and UTC day (default
    /// [`RedisStore::DEFAULT_AUDIT_RECORDS_PER_DAY`]); past it the day's oldest records are
    /// trimmed (approximately: Redis trims whole stream nodes).
    pub fn audit_records_per_day(mut self, records: usize) -> Self {
        self.settings.audit_records_per_day = records;
        self
    }

    /// The cap of audit aggregates kept per account and UTC day (default
    /// [`RedisStore::DEFAULT_AUDIT_AGGREGATES_PER_DAY`]); past it, refusals of a new reason
    /// or minute are only added to the day's `~dropped` count.
    pub fn audit_aggregates_per_day(mut self, aggregates: usize) -> Self {
        self.settings.audit_aggregates_per_day = aggregates;
        self
    }

    /// The Redis this builder's store will talk to.
    pub fn endpoint(&self) -> &RedisEndpoint {
        &self.endpoint
    }

    /// Checks the settings and the URL(s) and returns the store; no connection is made yet
    /// (the first operation connects, within its timeout).
    ///
    /// # Errors
    /// [`RedisStoreError::InvalidUrl`], [`RedisStoreError::InvalidKeyPrefix`],
    /// [`RedisStoreError::InvalidSetting`], or [`RedisStoreError::NoRuntime`] when called
    /// outside a Tokio runtime.
    pub fn build(self) -> Result<RedisStore, RedisStoreError> {
        check_prefix(&self.prefix)?;
        if self.settings.timeout.is_zero() {
            return Err(RedisStoreError::InvalidSetting {
                reason: "the timeout must be positive",
            });
        }
        if self.settings.audit_records_per_day == 0 || self.settings.audit_aggregates_per_day == 0 {
            return Err(RedisStoreError::InvalidSetting {
                reason: "the audit cap must be positive",
            });
        }
        // The connection spawns its tasks (reconnection, cluster routing) on the current
        // runtime.
        if tokio::runtime::Handle::try_current().is_err() {
            check_urls(&self.endpoint)?;
            return Err(RedisStoreError::NoRuntime);
        }
        let connection = Connection::open(&self.endpoint, self.settings.timeout)?;
        if self.settings.audit_batch_interval == Some(Duration::ZERO) {
            return Err(RedisStoreError::InvalidSetting {
                reason: "the audit batch interval must be positive",
            });
        }
        let layout = KeyLayout::new(self.prefix);
        let mut accounts = None;
        let backfill = Arc::new(Backfill::new(
            self.endpoint.clone(),
            connection.clone(),
            layout.clone(),
            self.settings.timeout,
        ));
        let cache = match self.cache.config {
            Some(config) if config.staleness_bound.is_zero() => {
                return Err(RedisStoreError::InvalidSetting {
                    reason: "the cache's staleness bound must be positive",
                });
            }
            Some(config) => {
                let cache = StoreCache::new(config, self.cache.clock);
                let mut source = RedisInvalidations::new(
                    self.endpoint.urls(),
                    layout.invalidation_channel(),
                    config.staleness_bound,
                    self.settings.timeout,
                )
                .map_err(RedisStoreError::InvalidUrl)?;
                if self.cache.accounts_limit > 0 {
                    let set = Arc::new(RegisteredAccounts::new(self.cache.accounts_limit));
                    source.accounts = Some(AccountsLoader {
                        accounts: Arc::clone(&set),
                        connection: connection.clone(),
                        key: layout.registered_accounts(),
                        marker: layout.registered_accounts_complete(),
                        backfill: Arc::clone(&backfill),
                        backfilling: Arc::default(),
                    });
                    accounts = Some(set);
                }
                crate::cache::start(source, &cache);
                Some(cache)
            }
            None => None,
        };
        Ok(RedisStore {
            inner: Arc::new(Inner {
                connection,
                layout,
                scripts: Scripts::load(),
                settings: self.settings,
                cache,
                accounts,
                backfill,
                aggregates: AggregateBatch::default(),
                indexed: Mutex::new(HashSet::new()),
            }),
        })
    }
}

/// Parses every URL (so a bad URL is reported before a missing runtime).
fn check_urls(endpoint: &RedisEndpoint) -> Result<(), RedisStoreError> {
    for url in endpoint.urls() {
        redis::Client::open(url.as_str()).map_err(RedisStoreError::InvalidUrl)?;
    }
    Ok(())
}

fn check_prefix(prefix: &str) -> Result<(), RedisStoreError> {
    let reason = if prefix.is_empty() {
        "empty"
    } else if prefix.contains(['{', '}']) {
        "contains '{' or '}', which would break the hash tags"
    } else {
        return Ok(());
    };
    Err(RedisStoreError::InvalidKeyPrefix { reason })
}

/// One Redis is every store of a deployment: state, revocations, audit, keys and rights.
///
/// ```no_run
/// use playback_auth_policy::Authorizer;
/// use playback_auth_redis::RedisStore;
///
/// # async fn run() -> Result<(), playback_auth_redis::RedisStoreError> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379").build()?;
/// let authorizer = Authorizer::new(store);
/// # let _ = authorizer;
/// # Ok(())
/// # }
/// ```
impl playback_auth_policy::Stores for RedisStore {
    type Policy = Self;
    type Revocations = Self;
    type Audit = Self;
    type Registry = Self;
    type Rights = Self;

    fn policy(&self) -> &Self {
        self
    }

    fn revocations(&self) -> &Self {
        self
    }

    fn audit(&self) -> &Self {
        self
    }

    fn registry(&self) -> &Self {
        self
    }

    fn rights(&self) -> &Self {
        self
    }

    async fn apply_recorded(
        &self,
        plan: &playback_auth_policy::DecisionPlan,
        record: impl FnOnce() -> playback_auth_policy::AuditRecord + Send,
    ) -> Result<(playback_auth_policy::Outcome, bool), playback_auth_policy::StoreError> {
        self.apply_with_record(plan, record).await
    }

    async fn renew_recorded(
        &self,
        partition: &playback_auth_policy::Partition,
        session_key: &str,
        lease: Duration,
        now: playback_auth_claims::NumericDate,
        renewals: impl FnOnce() -> playback_auth_policy::SessionRenewals + Send,
    ) -> Result<(playback_auth_policy::SessionRenewal, bool), playback_auth_policy::StoreError>
    {
        self.renew_with_renewals(partition, session_key, lease, now, renewals)
            .await
    }
}
