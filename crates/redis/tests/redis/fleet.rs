//! Fleet consistency: five engines, each with its own `RedisStore` (its own connection), two
//! of them in a separate OS process, hammer the same users and token at the same moments.
//! Over 1,000 rounds (fresh users and token per round) the fleet never admits more than
//! `climit` 3 sessions (BLOCK_NEW), registers more than `dlimit` 2 devices, or counts more
//! than `maxu` 10 uses — on one server, and on the Redis Cluster (the rounds' users and
//! tokens spread over its three masters).
//!
//! The second process is this test binary run again (`std::env::current_exe()`) with
//! `--exact fleet::fleet_worker` and the `FLEET_*` variables set (`FLEET_REDIS_URL` or
//! `FLEET_REDIS_CLUSTER_URLS`); without them `fleet_worker` does nothing. Rounds are aligned on the wall clock (a shared start time and a fixed period),
//! so engines of both processes contend on each round's keys at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{
    Authorizer, Decision, DenyReason, MemoryAuditSink, MemoryKeyRegistry, MemoryRevocationStore,
    MemoryRightsStore, StoreSet,
};
use playback_auth_redis::{RedisEndpoint, RedisStore};

use crate::common::{request, restriction};

const ROUNDS: u64 = 1000;
const PERIOD: Duration = Duration::from_millis(8);
const PARENT_ENGINES: u64 = 3;
const WORKER_ENGINES: u64 = 2;
/// Attempts per engine and round: new sessions, new devices, uses of the token.
const SESSION_TRIES: u64 = 3;
const DEVICE_TRIES: u64 = 2;
const USE_TRIES: u64 = 5;

type Engine = Authorizer<
    StoreSet<RedisStore, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry>,
>;

/// What one engine saw in one round.
#[derive(Debug, Default, Clone, PartialEq)]
struct RoundResult {
    sessions: u64,
    devices: u64,
    uses: Vec<u32>,
    /// Denials other than the three limits (e.g. a store fault): must stay empty.
    unexpected: Vec<String>,
}

impl RoundResult {
    fn to_line(&self, round: u64) -> String {
        let uses: Vec<String> = self.uses.iter().map(u32::to_string).collect();
        format!(
            "{round} {} {} {} {}\n",
            self.sessions,
            self.devices,
            if uses.is_empty() {
                "-".to_owned()
            } else {
                uses.join(",")
            },
            self.unexpected.len()
        )
    }

    fn from_line(line: &str) -> (u64, Self) {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 5, "bad worker line {line:?}");
        let uses = if parts[3] == "-" {
            Vec::new()
        } else {
            parts[3].split(',').map(|n| n.parse().unwrap()).collect()
        };
        let unexpected = (0..parts[4].parse::<usize>().unwrap())
            .map(|_| "reported by the worker".to_owned())
            .collect();
        let result = Self {
            sessions: parts[1].parse().unwrap(),
            devices: parts[2].parse().unwrap(),
            uses,
            unexpected,
        };
        (parts[0].parse().unwrap(), result)
    }

    fn add(&mut self, other: &Self) {
        self.sessions += other.sessions;
        self.devices += other.devices;
        self.uses.extend(&other.uses);
        self.unexpected.extend(other.unexpected.iter().cloned());
    }
}

fn epoch_millis() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn engine(endpoint: &RedisEndpoint, prefix: &str) -> Arc<Engine> {
    let store = RedisStore::builder_for(endpoint.clone())
        .key_prefix(prefix)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Arc::new(Authorizer::new(StoreSet {
        policy: store,
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    }))
}

/// Runs every round for one engine, each round at `start + round * PERIOD`.
async fn run_engine(engine: Arc<Engine>, id: u64, start_ms: u64) -> BTreeMap<u64, RoundResult> {
    let mut results = BTreeMap::new();
    for round in 0..ROUNDS {
        let due = start_ms + round * u64::try_from(PERIOD.as_millis()).unwrap();
        let wait = due.saturating_sub(epoch_millis());
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        let secs = i64::try_from(round).unwrap();
        let streams = Arc::new(restriction(&format!("streams-{round}"), |b| {
            b.user(format!("streams-{round}"))
                .concurrent_streams(3)
                .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        }));
        let devices = Arc::new(restriction(&format!("devices-{round}"), |b| {
            b.user(format!("devices-{round}")).device_limit(2)
        }));
        let uses = Arc::new(restriction(&format!("uses-{round}"), |b| {
            b.token_id(format!("uses-{round}")).max_uses(10)
        }));
        let mut tasks = Vec::new();
        for i in 0..SESSION_TRIES {
            let (engine, token) = (Arc::clone(&engine), Arc::clone(&streams));
            let ctx = request(secs).with_session_id(format!("e{id}-s{i}"));
            tasks.push(tokio::spawn(async move {
                ("session", engine.engine().decide(&token, &ctx).await)
            }));
        }
        for i in 0..DEVICE_TRIES {
            let (engine, token) = (Arc::clone(&engine), Arc::clone(&devices));
            let ctx = request(secs).with_device_id(format!("e{id}-d{i}"));
            tasks.push(tokio::spawn(async move {
                ("device", engine.engine().decide(&token, &ctx).await)
            }));
        }
        for _ in 0..USE_TRIES {
            let (engine, token) = (Arc::clone(&engine), Arc::clone(&uses));
            let ctx = request(secs);
            tasks.push(tokio::spawn(async move {
                ("use", engine.engine().decide(&token, &ctx).await)
            }));
        }
        let mut result = RoundResult::default();
        for task in tasks {
            match task.await.unwrap() {
                ("session", Decision::Allow(_)) => result.sessions += 1,
                ("device", Decision::Allow(allowed)) => {
                    assert!(allowed.device_registered);
                    result.devices += 1;
                }
                ("use", Decision::Allow(allowed)) => result.uses.push(allowed.uses.unwrap()),
                (
                    _,
                    Decision::Deny(
                        DenyReason::StreamLimitReached { limit: 3 }
                        | DenyReason::DeviceLimitReached { limit: 2 }
                        | DenyReason::MaxUsesReached { limit: 10 },
                    ),
                ) => {}
                (kind, other) => result.unexpected.push(format!("{kind}: {other:?}")),
            }
        }
        results.insert(round, result);
    }
    results
}

/// Runs `count` engines numbered from `first`, all in this process.
async fn run_engines(
    endpoint: &RedisEndpoint,
    prefix: &str,
    first: u64,
    count: u64,
    start_ms: u64,
) -> Vec<BTreeMap<u64, RoundResult>> {
    let handles: Vec<_> = (first..first + count)
        .map(|id| tokio::spawn(run_engine(engine(endpoint, prefix), id, start_ms)))
        .collect();
    let mut all = Vec::new();
    for handle in handles {
        all.push(handle.await.unwrap());
    }
    all
}

/// The second process's entry point: a no-op unless the `FLEET_*` variables are set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_worker() {
    let endpoint = match (
        std::env::var("FLEET_REDIS_URL"),
        std::env::var("FLEET_REDIS_CLUSTER_URLS"),
    ) {
        (Ok(url), _) => RedisEndpoint::Server(url),
        (_, Ok(seeds)) => RedisEndpoint::cluster_from_list(&seeds),
        _ => return,
    };
    let (Ok(prefix), Ok(start), Ok(out)) = (
        std::env::var("FLEET_PREFIX"),
        std::env::var("FLEET_START_MS"),
        std::env::var("FLEET_OUT"),
    ) else {
        return;
    };
    let start_ms: u64 = start.parse().unwrap();
    let mut text = String::new();
    for engine in run_engines(&endpoint, &prefix, PARENT_ENGINES, WORKER_ENGINES, start_ms).await {
        for (round, result) in engine {
            text.push_str(&result.to_line(round));
        }
    }
    std::fs::write(out, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_engines_never_exceed_the_limits() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    fleet(RedisEndpoint::Server(url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_engines_on_a_cluster_never_exceed_the_limits() {
    let Some(seeds) = crate::common::cluster_urls() else {
        return;
    };
    fleet(RedisEndpoint::Cluster(seeds)).await;
}

/// Five engines on `endpoint`, three here and two in a worker process, over every round.
#[allow(clippy::print_stderr)] // the measured figures, as the test functions print theirs
async fn fleet(endpoint: RedisEndpoint) {
    let started = Instant::now();
    let prefix = crate::common::unique_prefix("fleet");
    let out = std::env::temp_dir().join(crate::common::unique("fleet-worker.out"));
    // Far enough ahead for the worker process to start and connect.
    let start_ms = epoch_millis() + 2_000;
    let mut worker = Command::new(std::env::current_exe().unwrap());
    match &endpoint {
        RedisEndpoint::Server(url) => worker.env("FLEET_REDIS_URL", url),
        RedisEndpoint::Cluster(seeds) => worker.env("FLEET_REDIS_CLUSTER_URLS", seeds.join(",")),
        other => panic!("unexpected endpoint {other:?}"),
    };
    let mut worker = worker
        .args([
            "--exact",
            "fleet::fleet_worker",
            "--test-threads=1",
            "--quiet",
        ])
        .env("FLEET_PREFIX", &prefix)
        .env("FLEET_START_MS", start_ms.to_string())
        .env("FLEET_OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let parent = run_engines(&endpoint, &prefix, 0, PARENT_ENGINES, start_ms).await;

    // Bounded wait for the worker.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = worker.kill();
            let _ = worker.wait();
            panic!("the fleet worker process did not finish within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "the fleet worker failed: {status}");
    let worker_text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);

    let mut totals: BTreeMap<u64, RoundResult> = BTreeMap::new();
    for engine in &parent {
        for (round, result) in engine {
            totals.entry(*round).or_default().add(result);
        }
    }
    let mut worker_rounds = 0;
    for line in worker_text.lines() {
        let (round, result) = RoundResult::from_line(line);
        totals.entry(round).or_default().add(&result);
        worker_rounds += 1;
    }
    assert_eq!(
        worker_rounds,
        ROUNDS * WORKER_ENGINES,
        "worker rounds reported"
    );
    assert_eq!(totals.len(), usize::try_from(ROUNDS).unwrap());

    let mut report = String::new();
    for (round, total) in &totals {
        assert!(
            total.unexpected.is_empty(),
            "round {round}: {:?}",
            total.unexpected
        );
        let mut uses = total.uses.clone();
        uses.sort_unstable();
        // Every slot was contended for (5 engines × tries > limit), so each limit is
        // reached exactly, never exceeded, and every use number was handed out once.
        if total.sessions != 3 || total.devices != 2 || uses != (1..=10).collect::<Vec<u32>>() {
            let _ = writeln!(
                report,
                "round {round}: {} sessions, {} devices, uses {uses:?}",
                total.sessions, total.devices
            );
        }
    }
    assert!(report.is_empty(), "limits broken:\n{report}");

    // The stored state agrees: a sample of rounds, read back through a fresh store.
    let store = RedisStore::builder_for(endpoint.clone())
        .key_prefix(&prefix)
        .build()
        .unwrap();
    for round in (0..ROUNDS).step_by(97) {
        let secs = i64::try_from(round).unwrap();
        let uid = playback_auth_claims::Uid::new(format!("streams-{round}")).unwrap();
        let sessions = playback_auth_policy::PolicyStore::sessions(
            &store,
            crate::common::ACCOUNT,
            &uid,
            crate::common::at(secs),
        )
        .await
        .unwrap();
        assert_eq!(sessions.len(), 3, "round {round}");
        let uid = playback_auth_claims::Uid::new(format!("devices-{round}")).unwrap();
        let devices =
            playback_auth_policy::PolicyStore::devices(&store, crate::common::ACCOUNT, &uid)
                .await
                .unwrap();
        assert_eq!(devices.len(), 2, "round {round}");
    }
    let decisions =
        (PARENT_ENGINES + WORKER_ENGINES) * ROUNDS * (SESSION_TRIES + DEVICE_TRIES + USE_TRIES);
    eprintln!(
        "fleet ({}): {} engines in 2 processes, {ROUNDS} rounds, {decisions} decisions in {:.1?}",
        if endpoint.is_cluster() {
            "cluster"
        } else {
            "one server"
        },
        PARENT_ENGINES + WORKER_ENGINES,
        started.elapsed()
    );
}
