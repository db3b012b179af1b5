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
    SessionPlan, TokenPlan, VerifiedToken,
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
    fn client_commands(self, expected: u64) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for (name, _) in self.client_calls(expected) {
            *counts.entry(name).or_insert(0) += 1;
        }
        counts
    }

    /// Commands clients sent, each as its name and first argument (`""` when none), in
    /// order, once `expected` arrived.
    fn client_calls(mut self, expected: u64) -> Vec<(String, String)> {
        self.wait_for(|text| client_lines(text).count() as u64 >= expected);
        // Anything sent after the expected commands would show up here too.
        std::thread::sleep(Duration::from_millis(200));
        let text = self.text();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
        client_lines(&text)
            .map(|line| {
                let mut quoted = line.split('"').skip(1).step_by(2);
                let name = quoted.next().unwrap().to_lowercase();
                (name, quoted.next().unwrap_or_default().to_owned())
            })
            .collect()
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
    // Refusals batched until the test flushes them: a timed flush inside a counted window
    // (a slow machine) would add a call.
    let builder = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .audit_batch_interval(Some(Duration::from_secs(3600)))
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
    let read = assert_recorded(&store, 2 + 2 * N, N).await;
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
    let monitors = monitor_masters(&cluster);

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
/// revocations from the fleet cache (no `HGETALL`/`HMGET`), exactly one `EVALSHA` per
/// allowed and per denied decision with the audit record inside it (the record's stream is
/// the partition's audit shard, in the decision's slot), nothing else; nothing for an
/// invalid token.
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
        .audit_batch_interval(Some(Duration::from_secs(3600)))
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
    let once = PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
        .valid_for(Duration::from_secs(3600))
        .max_uses(1)
        .build()
        .unwrap();
    let once = signer.sign(&once).unwrap();
    // Warm: the slot map, the scripts, the caches, this process's audit index entries.
    for i in 0..3 {
        let warm = authorizer
            .authorize(&token, &request(0).with_session_id(format!("w{i}")))
            .await;
        assert!(warm.is_allowed(), "{warm:?}");
    }
    assert!(authorizer.authorize(&once, &request(0)).await.is_allowed());
    assert!(
        !authorizer
            .authorize("a.b.c", &request(0))
            .await
            .is_allowed()
    );
    store.flush_audit().await.unwrap();
    let monitors = monitor_masters(&cluster);

    const N: u64 = 40;
    for i in 0..N {
        let allowed = authorizer
            .authorize(&token, &request(1).with_session_id(format!("s{i}")))
            .await;
        assert!(allowed.is_allowed(), "{allowed:?}");
        let denied = authorizer.authorize(&once, &request(1)).await;
        assert_eq!(
            denied.deny_reason().map(DenyReason::code),
            Some("max_uses_reached")
        );
        let garbage = authorizer.authorize("a.b.c", &request(1)).await;
        assert!(matches!(
            garbage.deny_reason(),
            Some(DenyReason::InvalidToken(_))
        ));
    }
    let sent = sent_to_all(monitors);
    assert_eq!(
        sent,
        [("evalsha".to_owned(), 2 * N)].into(),
        "{N} allowed, {N} denied and {N} invalid authorizes on the cluster: one script call \
         each for the first two, nothing for the third"
    );
    eprintln!(
        "round trips (cluster): {N} allowed + {N} denied + {N} invalid authorizes: client sent \
         {sent:?}"
    );

    // Every decision's record was written by its script call, on its own shard's master.
    assert_recorded(&store, 4 + 2 * N, N).await;
}

/// Reads the day's records of `ACCOUNT` and checks there are `records` of them, `denied`
/// refused for `max_uses_reached`.
async fn assert_recorded(
    store: &RedisStore,
    records: u64,
    denied: u64,
) -> playback_auth_policy::RecordsRead {
    let read = store
        .records_for(ACCOUNT, time::macros::date!(2023 - 11 - 14))
        .await
        .unwrap();
    let refused = read
        .records
        .iter()
        .filter(|r| r.reason.as_deref() == Some("max_uses_reached"))
        .count();
    assert_eq!(read.records.len() as u64, records);
    assert_eq!(refused as u64, denied);
    read
}

/// A day's report for an account reads a fixed, known set of keys: `MONITOR` shows one
/// `XRANGE` on each of the account's sixteen audit streams of the day (records of many users
/// spread over all of them), the aggregates HASH and the sixteen renewals HASHes, nothing
/// else; and the
/// records come back merged in the order they were written (not by their time), every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_days_report_reads_the_sixteen_known_streams_and_merges_them_in_write_order() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // The subscriber's first load of the registered-accounts set (and its backfill) must not
    // land among the monitored commands.
    wait_set_trusted(&store).await;
    let day = time::macros::date!(2023 - 11 - 14);
    // Times out of order across users (and so across streams); one without a user.
    const USERS: i64 = 64;
    for i in 0..USERS {
        let secs = (i * 37) % USERS;
        let record = playback_auth_policy::AuditRecord::new(
            at(secs),
            ACCOUNT,
            ip(1),
            "ua",
            format!("video-{i}"),
            playback_auth_policy::AuditDecision::Allow,
        );
        let record = if i == 0 {
            record
        } else {
            record.with_uid(format!("viewer-{i}"))
        };
        store.record(record).await.unwrap();
    }
    let streams = store.audit_stream_keys(ACCOUNT, day);
    assert_eq!(streams.len(), 16);

    let monitor = Monitor::start(&server);
    let read = store.records_for(ACCOUNT, day).await.unwrap();
    let calls = monitor.client_calls(33);
    let read_streams: Vec<String> = calls
        .iter()
        .filter(|(name, _)| name == "xrange")
        .map(|(_, key)| key.clone())
        .collect();
    assert_eq!(
        read_streams, streams,
        "one XRANGE per known stream, in shard order"
    );
    let others: Vec<(String, String)> = calls
        .into_iter()
        .filter(|(name, _)| name != "xrange")
        .collect();
    let mut hashes = vec![store.audit_aggregates_key(ACCOUNT, day)];
    hashes.extend(store.audit_renewals_keys(ACCOUNT, day));
    let expected: Vec<(String, String)> = hashes
        .into_iter()
        .map(|key| ("hgetall".to_owned(), key))
        .collect();
    assert_eq!(
        others, expected,
        "the day's aggregates HASH, its sixteen renewals HASHes, and nothing else"
    );
    // The records were spread: no stream held them all.
    let mut admin = crate::common::admin(&server.url()).await;
    let mut filled = 0;
    for key in &streams {
        let len: usize = redis::cmd("XLEN")
            .arg(key)
            .query_async(&mut admin)
            .await
            .unwrap();
        filled += usize::from(len > 0);
    }
    assert!(filled > 8, "{filled} of 16 streams used");
    let contents: Vec<&str> = read.records.iter().map(|r| r.content.as_str()).collect();
    let written: Vec<String> = (0..USERS).map(|i| format!("video-{i}")).collect();
    assert_eq!(contents, written, "every record, in the order written");
}

/// A stream of `viewer-1` started on `store` and its first heartbeat accepted (warm: the
/// caches, the script on its node, this process's audit index entry of the renewals HASH):
/// the authorizer and the token.
async fn started_stream(store: &RedisStore) -> (Authorizer<RedisStore>, VerifiedToken) {
    // Also the registered-accounts set: its first load (and a backfill on a fresh prefix)
    // must not land among the counted commands.
    wait_set_trusted(store).await;
    let authorizer = Authorizer::new(store.clone());
    let token = crate::common::restriction("heartbeat-round-trips", |b| {
        b.user("viewer-1").concurrent_streams(1)
    });
    let started = authorizer
        .engine()
        .decide(&token, &heartbeat_request(0))
        .await;
    assert!(started.is_allowed(), "{started:?}");
    let warm = authorizer
        .engine()
        .heartbeat(&token, &heartbeat_request(1))
        .await;
    assert!(warm.is_allowed(), "{warm:?}");
    (authorizer, token)
}

/// Heartbeat `i` (0: the start) of the stream, 30 s apart.
fn heartbeat_request(i: u64) -> playback_auth_policy::RequestContext {
    request(30 * i64::try_from(i).unwrap())
        .with_session_id("s1")
        .with_device_id("tv")
}

/// `n` accepted heartbeats of the stream, after the warm one.
async fn beat(authorizer: &Authorizer<RedisStore>, token: &VerifiedToken, n: u64) {
    for i in 0..n {
        let beat = authorizer
            .engine()
            .heartbeat(token, &heartbeat_request(2 + i))
            .await;
        assert!(beat.is_allowed(), "heartbeat {i}: {beat:?}");
    }
}

/// Checks the day's renewals are the stream's one entry, counting `n` heartbeats and the warm
/// one, and that no audit write failed.
async fn assert_counted(store: &RedisStore, authorizer: &Authorizer<RedisStore>, n: u64) {
    let read = store
        .records_for(ACCOUNT, time::macros::date!(2023 - 11 - 14))
        .await
        .unwrap();
    let counted: Vec<u64> = read.renewals.iter().map(|r| r.count).collect();
    assert_eq!(
        counted,
        [n + 1],
        "every heartbeat counted, the warm one too"
    );
    assert_eq!(authorizer.engine().audit_failures(), 0);
}

/// `MONITOR` on every master of `cluster` that serves slots (3).
fn monitor_masters(cluster: &crate::common::RedisCluster) -> Vec<Monitor> {
    let masters: Vec<u16> = cluster
        .view(0)
        .unwrap()
        .into_iter()
        .filter(|node| node.master && !node.slots.is_empty())
        .map(|node| node.port)
        .collect();
    assert_eq!(masters.len(), 3);
    masters
        .iter()
        .map(|port| Monitor::start_on(*port))
        .collect()
}

/// The commands clients sent to all of `monitors`, by name.
fn sent_to_all(monitors: Vec<Monitor>) -> BTreeMap<String, u64> {
    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    for monitor in monitors {
        for (name, calls) in monitor.client_commands(0) {
            *sent.entry(name).or_insert(0) += calls;
        }
    }
    sent
}

/// An accepted heartbeat is one round trip: `MONITOR` shows exactly N `EVALSHA` for N
/// heartbeats and nothing else (the renewal and the heartbeat's count in its session's
/// renewals in one script call), and every heartbeat was counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_accepted_heartbeat_is_exactly_one_evalsha() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_secs(5))
        .cache_clock(ManualClock::new())
        .build()
        .unwrap();
    let (authorizer, token) = started_stream(&store).await;

    const N: u64 = 60;
    let monitor = Monitor::start(&server);
    beat(&authorizer, &token, N).await;
    let sent = monitor.client_commands(N);
    assert_eq!(
        sent,
        [("evalsha".to_owned(), N)].into(),
        "commands sent for {N} accepted heartbeats"
    );
    assert_counted(&store, &authorizer, N).await;
    eprintln!("round trips: {N} accepted heartbeats: client sent {sent:?}");
}

/// The same on a private Redis Cluster: `MONITOR` on every master shows exactly N
/// `EVALSHA` in all for N accepted heartbeats, and nothing else (no cross-slot refusal, no
/// second call for the renewals: they share the session's slot).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_accepted_heartbeat_on_a_cluster_is_exactly_one_evalsha() {
    let Some(cluster) = crate::common::RedisCluster::start(Duration::from_secs(5)) else {
        return;
    };
    let store = RedisStore::cluster_builder(cluster.seeds())
        .key_prefix(crate::common::unique_prefix(
            "round-trips-cluster-heartbeat",
        ))
        .timeout(Duration::from_secs(5))
        .cache_clock(ManualClock::new())
        .build()
        .unwrap();
    let (authorizer, token) = started_stream(&store).await;

    const N: u64 = 40;
    let monitors = monitor_masters(&cluster);
    beat(&authorizer, &token, N).await;
    let sent = sent_to_all(monitors);
    assert_eq!(
        sent,
        [("evalsha".to_owned(), N)].into(),
        "commands sent for {N} accepted heartbeats on the cluster"
    );
    assert_counted(&store, &authorizer, N).await;
    eprintln!("round trips (cluster): {N} accepted heartbeats: client sent {sent:?}");
}
