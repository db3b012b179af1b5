//! A private Redis Cluster (3 masters + 3 replicas) for tests that must not disturb the
//! shared one of `scripts/with-redis.sh`: failover (a master killed by PID) and command
//! counting. Every node is a [`RedisServer`], stopped by PID when the cluster is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{RedisServer, redis_server_bin};

/// Masters and replicas: `redis-cli --cluster create … --cluster-replicas 1`.
const NODES: usize = 6;

/// `count` distinct free loopback ports whose cluster bus port (`+ 10000`) is free too
/// (all held while choosing, then released: good enough for test servers).
fn cluster_ports(count: usize) -> Vec<u16> {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < count {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        held.push(listener);
        let Some(bus) = port.checked_add(10_000) else {
            continue;
        };
        if let Ok(bus) = TcpListener::bind(("127.0.0.1", bus)) {
            held.push(bus);
            ports.push(port);
        }
    }
    ports
}

/// `redis-cli` next to `redis-server`, else on `PATH`.
fn redis_cli(server: &Path) -> PathBuf {
    let beside = server.with_file_name("redis-cli");
    if beside.is_file() {
        beside
    } else {
        PathBuf::from("redis-cli")
    }
}

/// One line of `CLUSTER NODES`, as a node sees it.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub id: String,
    pub port: u16,
    pub master: bool,
    /// The master's id, for a replica.
    pub master_id: Option<String>,
    /// Flagged `fail` (or `fail?`) by the node asked.
    pub failing: bool,
    /// Slot ranges served (masters).
    pub slots: Vec<(u16, u16)>,
}

/// A private Redis Cluster; dropped, every node is stopped by PID.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Six nodes with `--cluster-node-timeout node_timeout`, joined as 3 masters with one
    /// replica each; returns once every node sees the whole cluster `ok`. `None` (after a
    /// skip note; a panic under `CI=true`) without a `redis-server`.
    pub fn start(node_timeout: Duration) -> Option<Self> {
        let bin = redis_server_bin()?;
        let timeout_ms = node_timeout.as_millis().to_string();
        let mut nodes = Vec::with_capacity(NODES);
        for port in cluster_ports(NODES) {
            nodes.push(RedisServer::start_on(
                port,
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    &timeout_ms,
                ],
            )?);
        }
        let output = Command::new(redis_cli(&bin))
            .args(["--cluster", "create"])
            .args(
                nodes
                    .iter()
                    .map(|node| format!("127.0.0.1:{}", node.port())),
            )
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let cluster = Self { nodes };
        for index in 0..NODES {
            cluster.wait_until(index, Duration::from_secs(20), |view, info| {
                info.contains("cluster_state:ok")
                    && view.iter().filter(|node| !node.master).count() == NODES / 2
            });
        }
        Some(cluster)
    }

    /// The seed URLs: every node's.
    pub fn seeds(&self) -> Vec<String> {
        (0..self.nodes.len()).map(|i| self.url(i)).collect()
    }

    pub fn url(&self, index: usize) -> String {
        format!("redis://127.0.0.1:{}", self.nodes[index].port())
    }

    pub fn port(&self, index: usize) -> u16 {
        self.nodes[index].port()
    }

    pub fn pid(&self, index: usize) -> Option<u32> {
        self.nodes[index].pid()
    }

    /// Kills node `index` by its PID.
    pub fn kill(&mut self, index: usize) {
        self.nodes[index].stop();
    }

    /// Starts node `index` again on its port and in its directory (its `nodes.conf` keeps
    /// its place in the cluster).
    pub fn restart(&mut self, index: usize) {
        self.nodes[index].restart();
    }

    /// One command on node `index` (a fresh connection, 2 s timeout).
    pub fn query<T: redis::FromRedisValue>(
        &self,
        index: usize,
        args: &[&str],
    ) -> redis::RedisResult<T> {
        let client = redis::Client::open(self.url(index))?;
        let mut connection = client.get_connection_with_timeout(Duration::from_secs(2))?;
        let mut command = redis::cmd(args[0]);
        for arg in &args[1..] {
            command.arg(*arg);
        }
        command.query(&mut connection)
    }

    /// `CLUSTER NODES` as node `index` sees it.
    pub fn view(&self, index: usize) -> redis::RedisResult<Vec<NodeView>> {
        let text: String = self.query(index, &["CLUSTER", "NODES"])?;
        Ok(text.lines().filter_map(parse_node_line).collect())
    }

    /// The node index serving `slot` as a master, according to node `via`.
    pub fn master_of_slot(&self, via: usize, slot: u16) -> usize {
        let view = self.view(via).unwrap();
        let master = view
            .iter()
            .find(|node| {
                node.master
                    && node
                        .slots
                        .iter()
                        .any(|(low, high)| (*low..=*high).contains(&slot))
            })
            .unwrap_or_else(|| panic!("no master serves slot {slot}: {view:?}"));
        self.index_of_port(master.port)
    }

    /// The node index of the replica of master `master`, according to node `via`.
    pub fn replica_of(&self, via: usize, master: usize) -> usize {
        let view = self.view(via).unwrap();
        let master_id = &view
            .iter()
            .find(|node| node.port == self.port(master))
            .unwrap()
            .id;
        let replica = view
            .iter()
            .find(|node| node.master_id.as_ref() == Some(master_id))
            .unwrap_or_else(|| panic!("master {master} has no replica: {view:?}"));
        self.index_of_port(replica.port)
    }

    fn index_of_port(&self, port: u16) -> usize {
        (0..self.nodes.len())
            .find(|&i| self.port(i) == port)
            .unwrap()
    }

    /// Waits (bounded by `limit`) until `done(view, CLUSTER INFO)` holds on node `index`.
    pub fn wait_until(
        &self,
        index: usize,
        limit: Duration,
        done: impl Fn(&[NodeView], &str) -> bool,
    ) {
        let deadline = Instant::now() + limit;
        loop {
            if let (Ok(view), Ok(info)) = (
                self.view(index),
                self.query::<String>(index, &["CLUSTER", "INFO"]),
            ) && done(&view, &info)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "cluster node {index} (port {}) did not reach the awaited state within {limit:?}: {:?}",
                self.port(index),
                self.view(index)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `ID IP:PORT@BUS FLAGS MASTER PING PONG EPOCH LINK SLOT…`.
fn parse_node_line(line: &str) -> Option<NodeView> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let address = fields.get(1)?;
    let port = address
        .split('@')
        .next()?
        .rsplit(':')
        .next()?
        .parse()
        .ok()?;
    let flags = fields.get(2)?;
    let master_field = fields.get(3)?;
    let slots = fields
        .iter()
        .skip(8)
        .filter(|slot| !slot.starts_with('['))
        .filter_map(|slot| match slot.split_once('-') {
            Some((low, high)) => Some((low.parse().ok()?, high.parse().ok()?)),
            None => slot.parse().ok().map(|single| (single, single)),
        })
        .collect();
    Some(NodeView {
        id: (*fields.first()?).to_owned(),
        port,
        master: flags.split(',').any(|flag| flag == "master"),
        master_id: (*master_field != "-").then(|| (*master_field).to_owned()),
        failing: flags
            .split(',')
            .any(|flag| flag == "fail" || flag == "fail?"),
        slots,
    })
}
