//! The store's fleet cache: the key registry and the revocation lists served from process
//! memory, kept coherent by Redis pub/sub.
//!
//! Every script that changes an account's keys (`register_key.lua`, `delete_key.lua`) or
//! revocations (`revoke.lua`, `unrevoke.lua`) publishes, in the same script call, an
//! invalidation on the store's channel (`PREFIX:invalidations`): `KIND|MICROS|ACCOUNT`, `KIND`
//! `k` (keys) or `r` (revocations), `MICROS` the publisher's wall clock (for the lag
//! metric). Every store subscribes on a dedicated connection (client library name
//! [`SUBSCRIBER_LIB_NAME`], so operators and tests can find it in `CLIENT LIST`) and proves
//! it alive with a `PING` every half staleness bound; see
//! [`playback_auth_policy::cache`] for what the cache does with that. On a Redis Cluster a
//! plain `PUBLISH` reaches the subscribers of every node, so one connection to any node
//! receives every invalidation.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{FutureExt as _, StreamExt as _};
use playback_auth_keys::KeySet;
use playback_auth_policy::cache::{
    CacheConfig, CacheKind, FleetCache, InvalidationSink, InvalidationSource, MonotonicClock,
    SystemMonotonicClock,
};

/// The client library name of the subscription connection (`CLIENT LIST` shows it as
/// `lib-name`).
pub const SUBSCRIBER_LIB_NAME: &str = "playback-auth-invalidations";

use crate::accounts::{DEFAULT_REGISTERED_ACCOUNTS_LIMIT, RegisteredAccounts};
use crate::backfill::Backfill;
use crate::connection::Connection;

/// An account's revocation HASH as read (`field → until|value`).
pub(crate) type RevocationEntries = Arc<HashMap<String, String>>;

/// The cache a [`RedisStore`](crate::RedisStore) keeps.
pub(crate) type StoreCache = FleetCache<KeySet, RevocationEntries>;

/// The cache settings of a [`RedisStoreBuilder`](crate::RedisStoreBuilder).
#[derive(Debug, Clone)]
pub(crate) struct CacheSettings {
    /// `None`: no cache, every lookup reads Redis.
    pub(crate) config: Option<CacheConfig>,
    pub(crate) clock: Arc<dyn MonotonicClock>,
    /// The most registered accounts kept in memory (`accounts.rs`); `0`: none.
    pub(crate) accounts_limit: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            config: Some(CacheConfig::default()),
            clock: Arc::new(SystemMonotonicClock::new()),
            accounts_limit: DEFAULT_REGISTERED_ACCOUNTS_LIMIT,
        }
    }
}

/// The kind letter of an invalidation message.
fn kind_letter(kind: CacheKind) -> &'static str {
    match kind {
        CacheKind::Registry => "k",
        _ => "r",
    }
}

/// The invalidation message a script publishes for `account`'s `kind` entry.
pub(crate) fn message(kind: CacheKind, account: &str) -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros());
    format!("{}|{micros}|{account}", kind_letter(kind))
}

/// The message announcing that `account` has (or is about to have) registered keys.
pub(crate) fn account_message(account: &str) -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros());
    format!("a|{micros}|{account}")
}

/// The account of a message written by [`account_message`]; `None` for anything else.
fn parse_account_message(text: &str) -> Option<&str> {
    let (_micros, account) = text.strip_prefix("a|")?.split_once('|')?;
    Some(account)
}

/// Where a subscription reads the registered-accounts SET, and the copy it keeps.
pub(crate) struct AccountsLoader {
    pub(crate) accounts: Arc<RegisteredAccounts>,
    pub(crate) connection: Connection,
    /// The SET's key.
    pub(crate) key: String,
    /// The SET's completion marker: the SET is trusted only while it exists.
    pub(crate) marker: String,
    /// Run (in the background) when the marker is missing.
    pub(crate) backfill: Arc<Backfill>,
    /// Set while this store's backfill runs.
    pub(crate) backfilling: Arc<AtomicBool>,
}

impl AccountsLoader {
    /// Reads the SET into the copy (not when it holds more accounts than the limit: its
    /// size is read first; not when the SET is not marked complete: the backfill is started
    /// instead); otherwise the copy stays unloaded (read again at the next ping).
    async fn load(&self) {
        let mut connection = self.connection.clone();
        let mut exists = redis::cmd("EXISTS");
        exists.arg(&self.marker);
        let complete: Result<bool, _> = exists.query_async(&mut connection).await;
        match complete {
            Ok(true) => {}
            Ok(false) => return self.start_backfill(),
            Err(_) => {
                metrics::counter!(playback_auth_policy::metrics::REDIS_ERRORS_TOTAL, "kind" => "other")
                    .increment(1);
                return;
            }
        }
        let mut size = redis::cmd("SCARD");
        size.arg(&self.key);
        let mut members = redis::cmd("SMEMBERS");
        members.arg(&self.key);
        let read = async {
            let size: usize = size.query_async(&mut connection).await?;
            if size > self.accounts.limit() {
                return Ok(None);
            }
            members
                .query_async::<Vec<String>>(&mut connection)
                .await
                .map(Some)
        };
        match read.await {
            Ok(Some(members)) => self.accounts.load(members),
            Ok(None) => self.accounts.too_many(),
            Err(_) => {
                metrics::counter!(playback_auth_policy::metrics::REDIS_ERRORS_TOTAL, "kind" => "other")
                    .increment(1);
            }
        }
    }
}

impl AccountsLoader {
    /// Starts the backfill in the background unless this store's is already running or a
    /// failed one's retry wait has not passed (`backfill::Retry`); the SET is read again at
    /// each ping until the marker is there.
    fn start_backfill(&self) {
        if !self.backfill.may_retry(Instant::now()) || self.backfilling.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let backfill = Arc::clone(&self.backfill);
        let backfilling = Arc::clone(&self.backfilling);
        tokio::spawn(async move {
            let result = backfill.run().await;
            if let Err(error) = &result {
                crate::metrics::count_error(error);
            }
            backfill.ended(result.is_ok(), Instant::now());
            backfilling.store(false, Ordering::Release);
        });
    }
}

/// Reads a message written by [`message`]; `None` for anything else.
pub(crate) fn parse_message(text: &str) -> Option<(CacheKind, Option<SystemTime>, &str)> {
    let (kind, rest) = text.split_once('|')?;
    let (micros, account) = rest.split_once('|')?;
    let kind = match kind {
        "k" => CacheKind::Registry,
        "r" => CacheKind::Revocations,
        _ => return None,
    };
    let published = micros
        .parse::<u64>()
        .ok()
        .and_then(|micros| UNIX_EPOCH.checked_add(Duration::from_micros(micros)));
    Some((kind, published, account))
}

/// The store's [`InvalidationSource`]: a subscription on a dedicated connection, to the one
/// server or to any node of a cluster (each reconnection tries the next seed).
pub(crate) struct RedisInvalidations {
    pub(crate) clients: Vec<redis::Client>,
    pub(crate) channel: String,
    /// How often the subscription is pinged: half the staleness bound.
    pub(crate) ping_every: Duration,
    /// How long connecting, subscribing or a ping may take.
    pub(crate) timeout: Duration,
    /// The registered-accounts SET, when the store keeps it.
    pub(crate) accounts: Option<AccountsLoader>,
}

impl RedisInvalidations {
    /// The source for the server or cluster nodes at `urls`: a client per URL, named
    /// [`SUBSCRIBER_LIB_NAME`].
    pub(crate) fn new(
        urls: &[String],
        channel: String,
        bound: Duration,
        timeout: Duration,
    ) -> redis::RedisResult<Self> {
        let mut clients = Vec::with_capacity(urls.len());
        for url in urls {
            let info = redis::Client::open(url.as_str())?
                .get_connection_info()
                .clone();
            let settings = info
                .redis_settings()
                .clone()
                .set_lib_name(SUBSCRIBER_LIB_NAME, env!("CARGO_PKG_VERSION"));
            clients.push(redis::Client::open(info.set_redis_settings(settings))?);
        }
        let ping_every = (bound / 2).max(Duration::from_millis(1));
        Ok(Self {
            clients,
            channel,
            ping_every,
            timeout: timeout.min(ping_every),
            accounts: None,
        })
    }

    /// Listens until the connection fails or the cache is gone (`Ok`).
    async fn listen(&self, client: &redis::Client, sink: &InvalidationSink) -> Result<(), ()> {
        let timeout = self.timeout;
        if let Some(loader) = &self.accounts {
            // Announcements may have been missed while not listening.
            loader.accounts.reset();
        }
        let pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
            .await
            .map_err(drop)?
            .map_err(drop)?;
        let (mut commands, mut messages) = pubsub.split();
        tokio::time::timeout(timeout, commands.subscribe(&self.channel))
            .await
            .map_err(drop)?
            .map_err(drop)?;
        sink.subscribed();
        // Read with the subscription already listening: an account added after the read
        // is announced on it.
        self.load_accounts().await;
        let mut ping = tokio::time::interval(self.ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = messages.next() => self.deliver(sink, message.ok_or(())?)?,
                _ = ping.tick() => {
                    let Some(sent) = sink.now() else {
                        return Ok(());
                    };
                    let pong = tokio::time::timeout(timeout, commands.ping::<redis::Value>());
                    if !matches!(pong.await, Ok(Ok(_))) {
                        return Err(());
                    }
                    // The connection hands messages over before the reply that follows them:
                    // deliver every one already here, then everything published before the
                    // ping was sent has reached the cache.
                    while let Some(message) = messages.next().now_or_never() {
                        self.deliver(sink, message.ok_or(())?)?;
                    }
                    sink.heard_as_of(sent);
                    self.load_accounts().await;
                }
            }
        }
    }

    /// Reads the registered-accounts SET if this subscription has not yet.
    async fn load_accounts(&self) {
        if let Some(loader) = &self.accounts
            && loader.accounts.needs_load()
        {
            let _ = tokio::time::timeout(self.timeout, loader.load()).await;
        }
    }

    /// Hands one pub/sub message to the cache (or to the registered accounts).
    fn deliver(&self, sink: &InvalidationSink, message: redis::Msg) -> Result<(), ()> {
        let payload: String = message.get_payload().map_err(drop)?;
        if let Some((kind, published, account)) = parse_message(&payload) {
            sink.invalidate(kind, account, published);
        } else if let Some(account) = parse_account_message(&payload)
            && let Some(loader) = &self.accounts
        {
            loader.accounts.add(account);
        }
        Ok(())
    }
}

impl InvalidationSource for RedisInvalidations {
    async fn run(self, sink: InvalidationSink) {
        let mut backoff = Duration::from_millis(10);
        let mut next = 0;
        while sink.is_open() {
            let Some(client) = self.clients.get(next % self.clients.len().max(1)) else {
                return;
            };
            next = next.wrapping_add(1);
            if self.listen(client, &sink).await.is_ok() {
                return;
            }
            sink.lost();
            metrics::counter!(playback_auth_policy::metrics::REDIS_ERRORS_TOTAL, "kind" => "connection")
                .increment(1);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.ping_every);
        }
    }
}

/// Starts `cache`'s subscriber on the current runtime; it stops by itself once the cache
/// is dropped (within one ping interval).
pub(crate) fn start(source: RedisInvalidations, cache: &StoreCache) {
    let sink = cache.sink();
    tokio::spawn(source.run(sink));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn messages_read_back() {
        let text = message(CacheKind::Revocations, "acct|with:odd{chars}");
        let (kind, published, account) = parse_message(&text).unwrap();
        assert_eq!(kind, CacheKind::Revocations);
        assert!(published.is_some());
        assert_eq!(account, "acct|with:odd{chars}");
        assert_eq!(parse_message("x|1|a"), None);
        assert_eq!(parse_message("k|a").map(|m| m.2), None);
        let text = account_message("acct|odd");
        assert_eq!(parse_message(&text), None);
        assert_eq!(parse_account_message(&text), Some("acct|odd"));
        assert_eq!(parse_account_message("k|1|a"), None);
    }
}
