//! Where the store's Redis is ([`RedisEndpoint`]: one server or a Redis Cluster) and the one
//! connection type every operation goes through ([`Connection`]), whichever it is.
//!
//! - **One server**: a [`ConnectionManager`], one multiplexed connection that reconnects by
//!   itself.
//! - **A Redis Cluster**: the `redis` crate's [`ClusterConnection`], which learns the slot
//!   map from the seed nodes, sends each command to the master of its key's slot, follows
//!   `MOVED`/`ASK` redirections, and refreshes the slot map when a node stops answering or
//!   a redirection shows the topology changed (a failover, a resharding).
//!
//! On a cluster every command the store sends names keys of one slot only (see the crate
//! docs' key layout); a pipeline whose commands would name keys of two slots is refused by
//! the client before anything is sent, so the store never builds one.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClientBuilder, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

use crate::error::RedisStoreError;

/// Where a [`RedisStore`](crate::RedisStore) finds Redis: one server, or a Redis Cluster
/// reached through some of its nodes (the seeds: any reachable one is enough to learn the
/// rest).
///
/// ```
/// use playback_auth_redis::RedisEndpoint;
///
/// let cluster = RedisEndpoint::cluster_from_list("redis://10.0.0.1:7000, redis://10.0.0.2:7000");
/// assert_eq!(
///     cluster,
///     RedisEndpoint::Cluster(vec![
///         "redis://10.0.0.1:7000".to_owned(),
///         "redis://10.0.0.2:7000".to_owned(),
///     ])
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisEndpoint {
    /// One Redis server (or a proxy that looks like one), e.g. `redis://127.0.0.1:6379/`.
    Server(String),
    /// A Redis Cluster, from the URLs of some of its nodes (`redis://host:port`).
    Cluster(Vec<String>),
}

impl RedisEndpoint {
    /// The environment variable naming one server: `REDIS_URL`.
    pub const URL_VAR: &'static str = "REDIS_URL";
    /// The environment variable listing a cluster's seed nodes, comma-separated:
    /// `REDIS_CLUSTER_URLS`.
    pub const CLUSTER_URLS_VAR: &'static str = "REDIS_CLUSTER_URLS";

    /// The endpoint the environment names: a cluster when [`Self::CLUSTER_URLS_VAR`] lists
    /// at least one URL, else one server when [`Self::URL_VAR`] is set and not empty, else
    /// `None`.
    pub fn from_env() -> Option<Self> {
        if let Ok(list) = std::env::var(Self::CLUSTER_URLS_VAR) {
            let endpoint = Self::cluster_from_list(&list);
            if !endpoint.is_empty() {
                return Some(endpoint);
            }
        }
        match std::env::var(Self::URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(Self::Server(url.trim().to_owned())),
            _ => None,
        }
    }

    /// A cluster from a comma-separated list of seed URLs (blanks around each are trimmed,
    /// empty items dropped).
    pub fn cluster_from_list(list: &str) -> Self {
        Self::Cluster(
            list.split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Every URL given: the server's, or each seed's (e.g. for a connection of your own to
    /// any node, such as a pub/sub subscriber: a plain `PUBLISH` on a cluster reaches the
    /// subscribers of every node).
    pub fn urls(&self) -> &[String] {
        match self {
            Self::Server(url) => std::slice::from_ref(url),
            Self::Cluster(seeds) => seeds,
        }
    }

    /// Whether this is a cluster endpoint.
    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }

    /// Whether no URL is given (a cluster with no seed, or an empty server URL).
    fn is_empty(&self) -> bool {
        match self {
            Self::Server(url) => url.trim().is_empty(),
            Self::Cluster(seeds) => seeds.is_empty(),
        }
    }
}

/// The store's connection: cheap to clone (every clone shares the same sockets).
#[derive(Clone)]
pub(crate) enum Connection {
    /// One server.
    Server(ConnectionManager),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl Connection {
    /// A lazy connection to `endpoint`: settings and URLs are checked now, the network is
    /// touched by the first command (within its timeout). Must run inside a Tokio runtime.
    pub(crate) fn open(
        endpoint: &RedisEndpoint,
        timeout: Duration,
    ) -> Result<Self, RedisStoreError> {
        match endpoint {
            RedisEndpoint::Server(url) => {
                let client =
                    redis::Client::open(url.as_str()).map_err(RedisStoreError::InvalidUrl)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    // One attempt per reconnection: a request that finds the connection
                    // broken starts a fresh attempt at once, so recovery follows Redis's
                    // return within one request instead of waiting out a backoff schedule.
                    .set_number_of_retries(0)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(timeout);
                ConnectionManager::new_lazy_with_config(client, config)
                    .map(Self::Server)
                    .map_err(RedisStoreError::Redis)
            }
            RedisEndpoint::Cluster(seeds) => {
                if seeds.is_empty() {
                    return Err(RedisStoreError::InvalidSetting {
                        reason: "a cluster needs at least one seed URL",
                    });
                }
                let retry_wait = u64::try_from(timeout.as_millis() / 4)
                    .unwrap_or(u64::MAX)
                    .max(10);
                let client = ClusterClientBuilder::new(seeds.iter().map(String::as_str))
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    // The store bounds every operation by its own timeout; inside it the
                    // client retries (redirections, a node that stopped answering while the
                    // cluster promotes its replica) with short waits.
                    .overall_response_timeout(Some(timeout))
                    .min_retry_wait(10)
                    .max_retry_wait(retry_wait)
                    .build()
                    .map_err(RedisStoreError::InvalidUrl)?;
                let config = ClusterConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(timeout);
                Ok(Self::Cluster(
                    client.get_pending_async_connection_with_config(config),
                ))
            }
        }
    }
}

impl redis::aio::ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Server(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Server(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Server(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
        }
    }
}

#[cfg(test)]
mod tests;
