//! Helpers shared by the Redis integration tests: where Redis is, unique key prefixes,
//! private `redis-server` processes, and token/request builders.
#![allow(dead_code)] // each test file uses a different subset
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    unreachable_pub
)]

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use playback_auth_claims::{
    ClaimsBuilder, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
};
use playback_auth_policy::{RequestContext, VerifiedToken};
use playback_auth_redis::{RedisEndpoint, RedisStore, RedisStoreBuilder};

mod cluster;
pub use cluster::RedisCluster;

/// The fake clock's epoch: test times are `T0 + secs` (2023-11-14T22:13:20Z).
pub const T0: i64 = 1_700_000_000;
pub const ACCOUNT: &str = "acct-1";

pub fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(T0 + secs).unwrap()
}

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

pub use playback_auth_policy::testing::harness::{redis_url, unavailable, unique, unique_prefix};

/// The `redis-server` binary (`REDIS_SERVER_BIN`, else on `PATH`), or `None` after a skip
/// note (a panic under `CI=true`).
pub fn redis_server_bin() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("REDIS_SERVER_BIN")
        && !path.is_empty()
    {
        return Some(PathBuf::from(path));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        unavailable("no redis-server found (REDIS_SERVER_BIN unset, none on PATH)");
    }
    found
}

/// The seed URLs of the shared test cluster (`REDIS_CLUSTER_URLS`, started by
/// `scripts/with-redis.sh`), or `None` after a skip note (a panic under `CI=true`).
pub fn cluster_urls() -> Option<Vec<String>> {
    match RedisEndpoint::from_env() {
        Some(RedisEndpoint::Cluster(seeds)) => Some(seeds),
        _ => {
            unavailable("REDIS_CLUSTER_URLS is not set");
            None
        }
    }
}

/// A store builder on the cluster of `seeds` under a fresh prefix.
pub fn cluster_store_builder(seeds: &[String], test: &str) -> RedisStoreBuilder {
    RedisStore::cluster_builder(seeds.iter().cloned())
        .key_prefix(unique_prefix(test))
        .timeout(Duration::from_secs(5))
}

/// A store builder on `url` under a fresh prefix (so the store starts empty).
pub fn store_builder(url: &str, test: &str) -> RedisStoreBuilder {
    RedisStore::builder(url)
        .key_prefix(unique_prefix(test))
        // Generous: the machine is shared and tests run in parallel.
        .timeout(Duration::from_secs(5))
}

/// A store on `url` under a fresh prefix (so it starts empty).
pub fn fresh_store(url: &str, test: &str) -> RedisStore {
    store_builder(url, test).build().unwrap()
}

/// A plain connection for inspecting the server.
pub async fn admin(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The one audit stream of `account`'s day that `store` wrote (records of one user all go
/// to their user's shard of the day).
pub async fn written_stream(
    store: &RedisStore,
    admin: &mut redis::aio::MultiplexedConnection,
    account: &str,
    date: time::Date,
) -> String {
    let mut written = Vec::new();
    for key in store.audit_stream_keys(account, date) {
        let exists: bool = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(admin)
            .await
            .unwrap();
        if exists {
            written.push(key);
        }
    }
    assert_eq!(written.len(), 1, "{written:?}");
    written.remove(0)
}

/// A free loopback TCP port (bound and released: good enough for a test server).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private `redis-server` on a loopback port, stopped (by PID) when dropped.
pub struct RedisServer {
    bin: PathBuf,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port; `None` (after a skip note) without a redis-server.
    pub fn start(extra: &[&str]) -> Option<Self> {
        Self::start_on(free_port(), extra)
    }

    /// Starts a server on `port`; `None` (after a skip note) without a redis-server.
    pub fn start_on(port: u16, extra: &[&str]) -> Option<Self> {
        let bin = redis_server_bin()?;
        let dir = std::env::temp_dir().join(unique("redis-test"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            bin,
            port,
            dir,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            child: None,
        };
        server.spawn();
        Some(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.bin)
            .current_dir(&self.dir)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        self.wait_ready();
    }

    /// Waits (bounded) until the server answers `PING`.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let client = redis::Client::open(self.url()).unwrap();
        loop {
            if let Ok(mut connection) =
                client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut connection).is_ok()
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("redis-server on port {} exited: {status}", self.port);
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server by its PID and reaps it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub type Builder = ClaimsBuilder<PlaybackRestrictionClaims>;

/// A verified restriction token for `ACCOUNT`, issued at `at(-10)`, valid for an hour,
/// whose encoded form (and so digest) is `label`.
pub fn restriction(label: &str, build: impl FnOnce(Builder) -> Builder) -> VerifiedToken {
    let builder =
        PlaybackRestrictionClaims::builder(ACCOUNT, at(-10)).valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().unwrap();
    VerifiedToken::new(PlaybackClaims::Restriction(claims), label)
}

/// A verified private-channel token valid for an hour.
pub fn channel(
    label: &str,
    build: impl FnOnce(ClaimsBuilder<PrivateChannelClaims>) -> ClaimsBuilder<PrivateChannelClaims>,
) -> VerifiedToken {
    let builder = PrivateChannelClaims::builder(
        "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        at(-10),
    )
    .valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().unwrap();
    VerifiedToken::new(PlaybackClaims::Channel(claims), label)
}

/// A request for `video-7` of `ACCOUNT` from `ip(1)` at `at(secs)`; the catalogue maps
/// `video-7` to the channel of `channel` tokens.
pub fn request(secs: i64) -> RequestContext {
    RequestContext::new(ACCOUNT, "video-7", "Player/1.0", ip(1), at(secs))
        .with_content_channel("arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456")
}

/// A private one-node Redis Cluster (`--cluster-enabled yes`, every slot assigned to it,
/// `cluster_state:ok`): a cluster-mode server that refuses cross-slot commands, reachable by
/// a plain client. `None` (after a skip note) without a redis-server.
pub async fn one_node_cluster() -> Option<RedisServer> {
    let server = RedisServer::start(&[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
    ])?;
    let mut admin = admin(&server.url()).await;
    let _: String = redis::cmd("CLUSTER")
        .arg("ADDSLOTSRANGE")
        .arg(0)
        .arg(16383)
        .query_async(&mut admin)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("CLUSTER")
            .arg("INFO")
            .query_async(&mut admin)
            .await
            .unwrap();
        if info.contains("cluster_state:ok") {
            return Some(server);
        }
        assert!(
            Instant::now() < deadline,
            "the one-node cluster never became ok: {info}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
