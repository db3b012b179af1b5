//! The backfill of the registered-accounts SET (see `accounts.rs`): every account that has
//! a key registry is added to the SET, then the completion marker
//! (`PREFIX:{accounts}:complete`, the SET's slot) is written. Stores trust the SET only
//! while the marker exists, so accounts that registered keys before the SET existed are
//! never refused: without the marker every lookup goes the per-account way.
//!
//! The registry keys are found with `SCAN … MATCH PREFIX:{k:*}:keys` on the one server, or
//! on every master of a cluster (listed by `CLUSTER NODES` from the first seed that
//! answers, each scanned on a plain connection of its own). `SCAN` returns every key
//! present for the whole scan; a key registered while it runs belongs to an account that
//! `add_account.lua` put in the SET before the registration script ran. So once the marker
//! is written the SET holds every account with keys. The marker follows the `SADD`s on the
//! same master, so a replica that has the marker has the SET's members too. Running the
//! backfill twice (two nodes at once) only repeats idempotent `SADD`s.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{Client, ConnectionAddr, RedisResult};

use crate::connection::{Connection, RedisEndpoint};
use crate::error::RedisStoreError;
use crate::key_layout::KeyLayout;
use crate::store::RedisStore;

/// Keys asked for per `SCAN` call: bounds the work each call costs the server.
const SCAN_COUNT: u32 = 500;

const NODES_UNREADABLE: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "CLUSTER NODES lists no master with an address",
};

/// Everything a backfill needs: where to scan, where to write.
pub(crate) struct Backfill {
    endpoint: RedisEndpoint,
    connection: Connection,
    layout: KeyLayout,
    /// Bounds each command (and each connection attempt).
    timeout: Duration,
    /// When the subscriber may start it again after a failure.
    retry: Mutex<Retry>,
}

/// The first wait after a failed automatic backfill; each further failure doubles it.
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two automatic backfills.
pub(crate) const MAX_RETRY: Duration = Duration::from_secs(60);

/// When an automatic backfill may start again: at once until one fails, then after
/// [`FIRST_RETRY`], doubled at each further failure up to [`MAX_RETRY`]. A backfill scans
/// every master's keyspace, and it fails when a master cannot be reached: every node of a
/// fleet retrying it at every ping would load the healthy masters most when the cluster is
/// least healthy.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    failures: u32,
    not_before: Option<Instant>,
}

impl Retry {
    /// Whether a backfill may start at `now`.
    pub(crate) fn ready(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|at| now >= at)
    }

    /// Notes a failed backfill that ended at `now`.
    pub(crate) fn failed(&mut self, now: Instant) {
        let wait = FIRST_RETRY
            .checked_mul(1_u32 << self.failures.min(16))
            .map_or(MAX_RETRY, |wait| wait.min(MAX_RETRY));
        self.failures = self.failures.saturating_add(1);
        self.not_before = now.checked_add(wait);
    }

    /// Notes a backfill that completed: the next may start at once.
    pub(crate) fn succeeded(&mut self) {
        *self = Self::default();
    }
}

impl Backfill {
    /// Whether the subscriber may start an automatic backfill at `now` (see [`Retry`]).
    pub(crate) fn may_retry(&self, now: Instant) -> bool {
        self.retry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ready(now)
    }

    /// Notes how an automatic backfill ended, at `now`.
    pub(crate) fn ended(&self, ok: bool, now: Instant) {
        let mut retry = self.retry.lock().unwrap_or_else(PoisonError::into_inner);
        if ok {
            retry.succeeded();
        } else {
            retry.failed(now);
        }
    }

    pub(crate) fn new(
        endpoint: RedisEndpoint,
        connection: Connection,
        layout: KeyLayout,
        timeout: Duration,
    ) -> Self {
        Self {
            endpoint,
            connection,
            layout,
            timeout,
            retry: Mutex::default(),
        }
    }

    /// Adds every account with a key registry to the SET, then writes the marker; returns
    /// how many accounts were not in the SET yet.
    pub(crate) async fn run(&self) -> Result<usize, RedisStoreError> {
        let pattern = self.layout.key_registry_pattern();
        let set = self.layout.registered_accounts();
        let mut added = 0;
        for node in self.nodes().await? {
            let mut node = self
                .bounded(node.get_multiplexed_async_connection())
                .await?;
            let mut cursor: u64 = 0;
            loop {
                let mut scan = redis::cmd("SCAN");
                scan.arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(SCAN_COUNT);
                let (next, keys): (u64, Vec<String>) =
                    self.bounded(scan.query_async(&mut node)).await?;
                let accounts: Vec<String> = keys
                    .iter()
                    .filter_map(|key| self.layout.key_registry_account(key))
                    .collect();
                if !accounts.is_empty() {
                    let mut sadd = redis::cmd("SADD");
                    sadd.arg(&set).arg(&accounts);
                    let mut connection = self.connection.clone();
                    let new: usize = self.bounded(sadd.query_async(&mut connection)).await?;
                    added += new;
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        let mut marker = redis::cmd("SET");
        marker
            .arg(self.layout.registered_accounts_complete())
            .arg(1);
        let mut connection = self.connection.clone();
        self.bounded(marker.query_async::<()>(&mut connection))
            .await?;
        Ok(added)
    }

    /// One Redis operation under the timeout.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, RedisStoreError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(result) => result.map_err(RedisStoreError::Redis),
            Err(_elapsed) => Err(RedisStoreError::Timeout {
                timeout: self.timeout,
            }),
        }
    }

    /// The servers holding keys: the one server, or every master of the cluster.
    async fn nodes(&self) -> Result<Vec<Client>, RedisStoreError> {
        match &self.endpoint {
            RedisEndpoint::Server(url) => Ok(vec![
                Client::open(url.as_str()).map_err(RedisStoreError::InvalidUrl)?,
            ]),
            RedisEndpoint::Cluster(seeds) => {
                let mut last = NODES_UNREADABLE;
                for seed in seeds {
                    match self.masters(seed).await {
                        Ok(masters) => return Ok(masters),
                        Err(error) => last = error,
                    }
                }
                Err(last)
            }
        }
    }

    /// The cluster's masters as `seed` lists them, each a client with `seed`'s settings.
    async fn masters(&self, seed: &str) -> Result<Vec<Client>, RedisStoreError> {
        let client = Client::open(seed).map_err(RedisStoreError::InvalidUrl)?;
        let info = client.get_connection_info().clone();
        let mut connection = self
            .bounded(client.get_multiplexed_async_connection())
            .await?;
        let mut command = redis::cmd("CLUSTER");
        command.arg("NODES");
        let nodes: String = self.bounded(command.query_async(&mut connection)).await?;
        let seed_host = match info.addr() {
            ConnectionAddr::Tcp(host, _) | ConnectionAddr::TcpTls { host, .. } => host.clone(),
            _ => String::new(),
        };
        let mut masters = Vec::new();
        for (host, port) in master_addresses(&nodes, &seed_host)? {
            let addr = match info.addr() {
                ConnectionAddr::TcpTls {
                    insecure,
                    tls_params,
                    ..
                } => ConnectionAddr::TcpTls {
                    host,
                    port,
                    insecure: *insecure,
                    tls_params: tls_params.clone(),
                },
                _ => ConnectionAddr::Tcp(host, port),
            };
            masters.push(
                Client::open(info.clone().set_addr(addr)).map_err(RedisStoreError::InvalidUrl)?,
            );
        }
        Ok(masters)
    }
}

/// The `(host, port)` of every master in a `CLUSTER NODES` reply (a node that does not
/// know its own address yet is `seed_host`). A master without an address is an error:
/// its keys could not be scanned.
fn master_addresses(nodes: &str, seed_host: &str) -> Result<Vec<(String, u16)>, RedisStoreError> {
    let mut masters = Vec::new();
    for line in nodes.lines() {
        let mut fields = line.split_whitespace();
        let (Some(_id), Some(address), Some(flags)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let flags: Vec<&str> = flags.split(',').collect();
        if !flags.contains(&"master") {
            continue;
        }
        let address = address.split(['@', ',']).next().unwrap_or_default();
        let (host, port) = address.rsplit_once(':').ok_or(NODES_UNREADABLE)?;
        let port: u16 = port.parse().map_err(|_| NODES_UNREADABLE)?;
        let host = match host {
            "" if flags.contains(&"myself") && !seed_host.is_empty() => seed_host,
            "" => return Err(NODES_UNREADABLE),
            host => host,
        };
        masters.push((host.to_owned(), port));
    }
    if masters.is_empty() {
        return Err(NODES_UNREADABLE);
    }
    Ok(masters)
}

impl RedisStore {
    /// Adds every account that has registered keys to the fleet-wide registered-accounts
    /// SET, then marks the SET complete, so every store trusts it (within a ping interval):
    /// a lookup for an account not in it is answered "no keys" from memory. Scans the one
    /// server, or every master of a cluster, `SCAN … COUNT 500` at a time. Returns how many
    /// accounts were added.
    ///
    /// Stores run this by themselves, in the background, when they find the SET not marked
    /// complete (a deployment from before the SET, or a fresh one); until it completes,
    /// lookups read each account as before. Calling it explicitly is never required.
    ///
    /// # Errors
    /// [`RedisStoreError`] when a server cannot be scanned or written (the SET is then not
    /// marked complete), or when `CLUSTER NODES` lists a master without an address.
    pub async fn backfill_registered_accounts(&self) -> Result<usize, RedisStoreError> {
        let result = self.backfill().run().await;
        if let Err(error) = &result {
            crate::metrics::count_error(error);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn masters_are_read_from_cluster_nodes() {
        let nodes = "\
a 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
b 127.0.0.1:7003@17003 slave a 0 0 1 connected
c 10.0.0.2:7001@17001,host-c master - 0 0 2 connected 5461-10922
d :7002@17002 myself,master - 0 0 3 connected 10923-16383
e ::1:7004@17004 master,fail - 0 0 4 connected
";
        assert_eq!(
            master_addresses(nodes, "seed").unwrap(),
            [
                ("127.0.0.1".to_owned(), 7000),
                ("10.0.0.2".to_owned(), 7001),
                ("seed".to_owned(), 7002),
                ("::1".to_owned(), 7004),
            ]
        );
        assert!(master_addresses("", "seed").is_err());
        assert!(master_addresses("x :7000@1 master - 0", "seed").is_err());
        assert!(master_addresses("x h:port@1 master - 0", "seed").is_err());
    }

    #[test]
    fn registry_keys_name_their_account() {
        let layout = KeyLayout::new("p*[x]");
        assert_eq!(layout.key_registry_pattern(), "p\\*\\[x\\]:{k:*}:keys");
        let key = layout.key_registry("acct|odd{chars}");
        assert_eq!(
            layout.key_registry_account(&key).as_deref(),
            Some("acct|odd{chars}")
        );
        assert_eq!(layout.key_registry_account("p*[x]:{k:!!}:keys"), None);
        assert_eq!(layout.key_registry_account("other:{k:YQ}:keys"), None);
    }

    #[test]
    fn a_failed_backfill_waits_one_second_then_doubles_up_to_a_minute() {
        use super::{FIRST_RETRY, MAX_RETRY, Retry};
        use std::time::{Duration, Instant};

        let start = Instant::now();
        let mut retry = Retry::default();
        assert!(retry.ready(start), "the first backfill starts at once");
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..10 {
            retry.failed(now);
            let mut wait = Duration::ZERO;
            while !retry.ready(now + wait) {
                wait += Duration::from_millis(500);
            }
            waits.push(wait.as_secs());
            now += wait;
        }
        assert_eq!(FIRST_RETRY, Duration::from_secs(1));
        assert_eq!(MAX_RETRY, Duration::from_secs(60));
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
        // Just before the wait ends it is still not ready.
        retry.failed(now);
        assert!(!retry.ready(now + Duration::from_millis(59_999)));
        // A backfill that completed lets the next start at once.
        retry.succeeded();
        assert!(retry.ready(now));
    }
}
