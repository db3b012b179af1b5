//! One round trip per decision, on a private server: `INFO commandstats` shows exactly N
//! `EVALSHA` calls for N decisions, and `MONITOR` (which tags commands run inside scripts
//! `[0 lua]`) shows that the client sent nothing else — for a whole authorize too (keys and
//! revocations from the fleet cache, the audit record in the decision's script call), and
//! nothing at all for a token that does not verify (its refusal batched).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use playback_auth_claims::{ConcurrencyBehavior, PlaybackRestrictionClaims, Uid};
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::cache::ManualClock;
use playback_auth_policy::{
    AuditSink, Authorizer, Decision, DecisionPlan, DenyReason, DevicePlan, Partition, PolicyStore,
    SessionPlan, TokenPlan,
};
use playback_auth_redis::{RedisStore, RedisStoreBuilder};
use playback_auth_sign::Signer;

use crate::common::{ACCOUNT, Builder, RedisServer, at, ip, request};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// `calls` per command since the last `CONFIG RESETSTAT`.
pub(crate) async fn command_calls(
    admin: &mut redis::aio::MultiplexedConnection,
) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(admin)
        .await
        .unwrap();
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|kv| kv.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().unwrap()))
        })
        .collect()
}

pub(crate) async fn reset(admin: &mut redis::aio::MultiplexedConnection) {
    let _: String = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(admin)
        .await
        .unwrap();
}

/// `redis-cli MONITOR` on the server, writing to a file.
struct Monitor {
    child: Child,
    out: PathBuf,
}

impl Monitor {
    fn start(server: &RedisServer) -> Self {
        Self::start_on(server.port())
    }

    /// `redis-cli MONITOR` on the server at `port` of the loopback.
    fn start_on(port: u16) -> Self {
        let bin = std::env::var("REDIS_SERVER_BIN").map_or_else(
            |_| PathBuf::from("redis-cli"),
            |server| PathBuf::from(server).with_file_name("redis-cli"),
        );
        let out = std::env::temp_dir().join(crate::common::unique("monitor"));
        let child = Command::new(bin)
            .args(["-p", &port.to_string(), "monitor"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let monitor = Self { child, out };
        monitor.wait_for(|text| text.starts_with("OK"));
        monitor
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn wait_for(&self, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.text()) {
            assert!(
                Instant::now() < deadline,
                "MONITOR output incomplete:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Commands clients sent (not those scripts ran), by name, once `expected` arrived.
    fn client_commands(mut self, expected: u64) -> BTreeMap<String, u64> {
        self.wait_for(|text| client_lines(text).count() as u64 >= expected);
        // Anything sent after the expected commands would show up here too.
        std::thread::sleep(Duration::from_millis(200));
        let text = self.text();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
        let mut counts = BTreeMap::new();
        for line in client_lines(&text) {
            let name = line.split('"').nth(1).unwrap().to_lowercase();
            *counts.entry(name).or_insert(0) += 1;
        }
        counts
    }
}

/// MONITOR lines of commands sent by clients: `TIME [DB ADDR] "cmd" ...`, not `[DB lua]`,
/// and not the cache subscription's liveness `PING`s (on its own connection, never on a
/// decision's path).
fn client_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|line| line.contains(" ["))
        .filter(|line| !line.contains(" lua] "))
        .filter(|line| !line.ends_with("] \"PING\""))
}

/// The commands of the decision path: everything but the test's own `CONFIG`/`INFO`.
fn decision_commands(calls: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    calls
        .into_iter()
        .filter(|(name, _)| !name.starts_with("config") && name != "info")
        .collect()
}

fn plans(i: u32) -> DecisionPlan {
    let user = Partition::User {
        account: ACCOUNT.to_owned(),
        uid: Uid::new(format!("viewer-{}", i % 7)).unwrap(),
    };
    let token = TokenPlan::new(format!("jti-{}", i % 5), ip(1), at(3600)).with_max_uses(nz(20));
    let session = SessionPlan::new(
        format!("s{i}"),
        "loc",
        nz(2),
        ConcurrencyBehavior::BlockNew,
        Duration::from_secs(120),
    );
    let device = DevicePlan::new(format!("d{i}"), nz(3));
    let now = at(i64::from(i));
    match i % 4 {
        0 => DecisionPlan::new(
            Partition::Token {
                account: ACCOUNT.to_owned(),
                token_id: format!("jti-{}", i % 5),
            },
            now,
        )
        .with_token(token),
        1 => DecisionPlan::new(user, now).with_session(session),
        2 => DecisionPlan::new(user, now).with_device(device),
        _ => DecisionPlan::new(user, now)
            .with_token(token)
            .with_session(session)
            .with_device(device),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_decision_is_exactly_one_evalsha() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let mut admin = crate::common::admin(&server.url()).await;
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    wait_set_trusted(&store).await;

    // The very first decision on a server that does not know the script yet.
    reset(&mut admin).await;
    store.apply(&plans(0)).await.unwrap();
    let first = decision_commands(command_calls(&mut admin).await);
    assert_eq!(first.get("evalsha"), Some(&2), "{first:?}");
    assert_eq!(first.get("script|load"), Some(&1), "{first:?}");

    // Steady state: N decisions of every shape, allowed and refused.
    const N: u32 = 400;
    reset(&mut admin).await;
    let monitor = Monitor::start(&server);
    let mut refused = 0;
    for i in 0..N {
        if matches!(
            store.apply(&plans(i)).await.unwrap(),
            playback_auth_policy::Outcome::Refused(_)
        ) {
            refused += 1;
        }
    }
    let sent = monitor.client_commands(u64::from(N));
    let expected: BTreeMap<String, u64> = [("evalsha".to_owned(), u64::from(N))].into();
    assert_eq!(sent, expected, "commands sent for {N} decisions");
    let calls = command_calls(&mut admin).await;
    assert_eq!(calls.get("evalsha"), Some(&u64::from(N)));
    assert!(refused > 0 && refused < N, "{refused} of {N} refused");
    eprintln!(
        "round trips: {N} decisions ({refused} refused): client sent {sent:?}; inside the script: {:?}",
        decision_commands(calls)
            .into_iter()
            .filter(|(name, _)| name != "evalsha" && name != "monitor")
            .collect::<BTreeMap<_, _>>()
    );
}

/// Waits (up to 10 s) until the store's cache subscription is up.
pub(crate) async fn wait_trusted(store: &RedisStore) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.cache_trusted() != Some(true) {
        assert!(Instant::now() < deadline, "the cache never subscribed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits (up to 10 s) until the store's registered-accounts set is trusted (its backfill
/// done, the set read), so none of that lands among the commands a test counts.
pub(crate) async fn wait_set_trusted(store: &RedisStore) {
    wait_trusted(store).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.registered_accounts_trusted() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "the registered-accounts set never loaded"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The store `builder` makes, once its cache and registered-accounts set are trusted, an authorizer over it, and a signer
/// whose key is registered for `ACCOUNT`.
async fn keyed(builder: RedisStoreBuilder) -> (RedisStore, Authorizer<RedisStore>, Signer) {
    let store = builder.build().unwrap();
    wait_set_trusted(&store).await;
    let authorizer = Authorizer::new(store.clone());
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    authorizer
        .register_key(ACCOUNT, &key.public_key().to_public_key_txt(), None)
        .await
        .unwrap();
    (store, authorizer, Signer::new(key))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorize_costs_one_round_trip_and_an_invalid_token_none() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    // A clock that never moves: the cache stays trusted however slow the machine is.
    let builder = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .cache_clock(ManualClock::new());
    let (store, authorizer, signer) = keyed(builder).await;
    let sign = |build: fn(Builder) -> Builder| {
        let claims = build(
            PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
                .valid_for(Duration::from_secs(3600)),
        )
        .build()
        .unwrap();
        signer.sign(&claims).unwrap()
    };
    let many = sign(|b| b.user("viewer-1").concurrent_streams(1000).max_uses(1000));
    let once = sign(|b| b.max_uses(1));
    let code = |decision: &Decision| decision.deny_reason().map(|r| r.code().to_owned());

    // Warm: the caches (keys, revocations) and this process's audit index entry.
    let warm = authorizer
        .authorize(&many, &request(0).with_session_id("warm"))
        .await;
    assert!(warm.is_allowed(), "{warm:?}");
    assert!(authorizer.authorize(&once, &request(0)).await.is_allowed());
    assert!(
        !authorizer
            .authorize("a.b.c", &request(0))
            .await
            .is_allowed()
    );
    store.flush_audit().await.unwrap();

    const N: u64 = 50;
    let monitor = Monitor::start(&server);
    for i in 0..N {
        let allowed = authorizer
            .authorize(&many, &request(1).with_session_id(format!("s{i}")))
            .await;
        assert!(allowed.is_allowed(), "{allowed:?}");
        let denied = authorizer.authorize(&once, &request(1)).await;
        assert_eq!(code(&denied).as_deref(), Some("max_uses_reached"));
        let garbage = authorizer.authorize("a.b.c", &request(1)).await;
        assert!(
            matches!(garbage.deny_reason(), Some(DenyReason::InvalidToken(_))),
            "{garbage:?}"
        );
    }
    let sent = monitor.client_commands(2 * N);
    assert_eq!(
        sent,
        [("evalsha".to_owned(), 2 * N)].into(),
        "{N} allowed, {N} denied and {N} invalid tokens: one script call each for the first two, \
         nothing for the third"
    );

    // The invalid tokens' refusals, batched: one call for the account, reason and minute.
    let monitor = Monitor::start(&server);
    store.flush_audit().await.unwrap();
    assert_eq!(
        monitor.client_commands(1),
        [("evalsha".to_owned(), 1)].into()
    );

    // And everything was recorded: each decision's record, written by its script call.
    let read = store
        .records_for(ACCOUNT, time::macros::date!(2023 - 11 - 14))
        .await
        .unwrap();
    let denied = read
        .records
        .iter()
        .filter(|r| r.reason.as_deref() == Some("max_uses_reached"))
        .count();
    assert_eq!(read.records.len() as u64, 2 + 2 * N);
    assert_eq!(denied as u64, N);
    let refusals: u64 = read.aggregates.iter().map(|a| a.count).sum();
    assert_eq!(refusals, N + 1);
    eprintln!(
        "round trips: {N} allowed + {N} denied authorizes: client sent {sent:?}; \
         {N} invalid tokens: none (one batched aggregate call)"
    );
}

/// The same on a private Redis Cluster (3 masters + 3 replicas, so the shared one's traffic
/// does not count): `MONITOR` on every master shows exactly one `EVALSHA` per decision in
/// all, the decisions spread over several masters, and nothing else sent by the client (no
/// slot-map refresh, no redirection in the steady state).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_decision_on_a_cluster_is_exactly_one_evalsha() {
    let Some(cluster) = crate::common::RedisCluster::start(Duration::from_secs(5)) else {
        return;
    };
    let store = RedisStore::cluster_builder(cluster.seeds())
        .key_prefix(crate::common::unique_prefix("round-trips-cluster"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    wait_set_trusted(&store).await;
    // Warm-up: the client learns the slot map, every node the script.
    for i in 0..12 {
        store.apply(&plans(i)).await.unwrap();
    }
    let masters: Vec<u16> = cluster
        .view(0)
        .unwrap()
        .into_iter()
        .filter(|node| node.master && !node.slots.is_empty())
        .map(|node| node.port)
        .collect();
    assert_eq!(masters.len(), 3);
    let monitors: Vec<Monitor> = masters
        .iter()
        .map(|port| Monitor::start_on(*port))
        .collect();

    const N: u32 = 300;
    for i in 0..N {
        store.apply(&plans(i)).await.unwrap();
    }
    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    let mut busy_masters = 0;
    for monitor in monitors {
        let on_master = monitor.client_commands(0);
        if on_master.values().sum::<u64>() > 0 {
            busy_masters += 1;
        }
        for (name, calls) in on_master {
            *sent.entry(name).or_insert(0) += calls;
        }
    }
    let expected: BTreeMap<String, u64> = [("evalsha".to_owned(), u64::from(N))].into();
    assert_eq!(
        sent, expected,
        "commands sent for {N} decisions on the cluster"
    );
    assert!(busy_masters > 1, "the decisions all ran on one master");
    eprintln!(
        "round trips (cluster): {N} decisions over {busy_masters} masters: client sent {sent:?}"
    );

    // Figures for the README (printed, not asserted): the store path alone, monitors off,
    // on this cluster and on a private server of the same machine.
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let standalone = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for (name, store) in [("one server", standalone), ("cluster", store)] {
        for in_flight in [1, 16] {
            let (p50, p99) = latencies(&store, in_flight).await;
            eprintln!("store path ({name}, {in_flight} in flight): p50 {p50:.2?}, p99 {p99:.2?}");
        }
    }
}

/// p50 and p99 of 2,000 decisions (after 200 of warm-up), `in_flight` at a time.
async fn latencies(store: &RedisStore, in_flight: u32) -> (Duration, Duration) {
    for i in 0..200 {
        store.apply(&plans(i)).await.unwrap();
    }
    let mut tasks = Vec::new();
    for worker in 0..in_flight {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for i in (worker..2000).step_by(usize::try_from(in_flight).unwrap()) {
                let started = Instant::now();
                store.apply(&plans(i)).await.unwrap();
                times.push(started.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    times.sort_unstable();
    let at = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    (at(50), at(99))
}

/// A whole authorize on a cluster, counted with `MONITOR` on every master: keys and
/// revocations from the fleet cache (no `HGETALL`/`HMGET`), one `EVALSHA` per decision, and
/// the audit record after it (its stream and index shard are other slots than the
/// decision's: two single-slot pipelines, sent together); nothing for an invalid token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorize_on_a_cluster_reads_nothing_and_an_invalid_token_costs_nothing() {
    let Some(cluster) = crate::common::RedisCluster::start(Duration::from_secs(5)) else {
        return;
    };
    let builder = RedisStore::cluster_builder(cluster.seeds())
        .key_prefix(crate::common::unique_prefix(
            "round-trips-cluster-authorize",
        ))
        .timeout(Duration::from_secs(5))
        .cache_clock(ManualClock::new());
    let (store, authorizer, signer) = keyed(builder).await;
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
        .valid_for(Duration::from_secs(3600))
        .user("viewer-1")
        .concurrent_streams(1000)
        .max_uses(1000)
        .build()
        .unwrap();
    let token = signer.sign(&claims).unwrap();
    // Warm: the slot map, the scripts, the caches.
    for i in 0..3 {
        let warm = authorizer
            .authorize(&token, &request(0).with_session_id(format!("w{i}")))
            .await;
        assert!(warm.is_allowed(), "{warm:?}");
    }
    assert!(
        !authorizer
            .authorize("a.b.c", &request(0))
            .await
            .is_allowed()
    );
    store.flush_audit().await.unwrap();
    let masters: Vec<u16> = cluster
        .view(0)
        .unwrap()
        .into_iter()
        .filter(|node| node.master && !node.slots.is_empty())
        .map(|node| node.port)
        .collect();
    let monitors: Vec<Monitor> = masters
        .iter()
        .map(|port| Monitor::start_on(*port))
        .collect();

    const N: u64 = 40;
    for i in 0..N {
        let allowed = authorizer
            .authorize(&token, &request(1).with_session_id(format!("s{i}")))
            .await;
        assert!(allowed.is_allowed(), "{allowed:?}");
        let garbage = authorizer.authorize("a.b.c", &request(1)).await;
        assert!(matches!(
            garbage.deny_reason(),
            Some(DenyReason::InvalidToken(_))
        ));
    }
    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    for monitor in monitors {
        for (name, calls) in monitor.client_commands(0) {
            *sent.entry(name).or_insert(0) += calls;
        }
    }
    let expected: BTreeMap<String, u64> = [
        ("evalsha", N),
        ("xadd", N),
        ("pexpire", N),
        ("zadd", N),
        ("zremrangebyscore", N),
    ]
    .into_iter()
    .map(|(name, calls)| (name.to_owned(), calls))
    .collect();
    assert_eq!(
        sent, expected,
        "{N} allowed and {N} invalid authorizes on the cluster"
    );
    eprintln!("round trips (cluster): {N} allowed + {N} invalid authorizes: client sent {sent:?}");
}
