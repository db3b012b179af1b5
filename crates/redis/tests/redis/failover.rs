//! Topology changes on a private Redis Cluster (3 masters + 3 replicas, started by each test
//! so the shared cluster is not disturbed), while an engine with every store on the cluster
//! (state, revocations, audit) decides for users spread over every master:
//!
//! - **failover**: one master is killed by its PID and its replica promoted (`CLUSTER
//!   FAILOVER TAKEOVER`, so the promotion does not wait for the failure detector and its
//!   vote). Every decision is answered, allowed or denied `StoreUnavailable` (fail closed),
//!   within the store's timeout plus a scheduling margin: never a hang, never another
//!   answer. After the promotion the engine recovers by itself: every user is allowed again,
//!   with no restart, no new store, no call from the test to the client. State written and
//!   acknowledged before the failover, and replicated (the test waits until the replica's
//!   replication offset reaches its master's), is all there after it: every session and
//!   device of every user, and the audit record of every decision. What Redis's
//!   asynchronous replication can lose is only what the replica had not received when its
//!   master died (the README's Redis section); the test asserts that nothing else is lost;
//! - **resharding**: the slot of one user's keys is migrated to another master mid-run
//!   (`CLUSTER SETSLOT … MIGRATING/IMPORTING`, `MIGRATE`, `SETSLOT … NODE`): the client
//!   follows the `ASK` and `MOVED` redirections (and retries `TRYAGAIN`) by itself, every
//!   decision is allowed, and nothing is lost.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use playback_auth_claims::Uid;
use playback_auth_policy::{
    AuditSink, Authorizer, Decision, DecisionPlan, DenyReason, DeviceInfo, DevicePlan, Partition,
    PolicyStore, SessionInfo, VerifiedToken,
};
use playback_auth_redis::RedisStore;
use tokio::task::JoinHandle;

use crate::common::{ACCOUNT, RedisCluster, at, request, restriction};

/// Scheduling slack on a shared 2-core machine.
const MARGIN: Duration = Duration::from_millis(1500);
const USERS: usize = 24;

/// Every store on the cluster: state, revocations, audit (and the registry, unused by
/// `decide`).
type Engine = Authorizer<RedisStore>;

fn user_token(user: usize) -> VerifiedToken {
    restriction(&format!("failover-{user}"), |b| {
        b.user(format!("viewer-{user}"))
            .concurrent_streams(100)
            .device_limit(100)
    })
}

fn uid(user: usize) -> Uid {
    Uid::new(format!("viewer-{user}")).unwrap()
}

/// A store on `cluster` under a fresh prefix, and a fail-closed engine with every store
/// there.
fn store_and_engine(cluster: &RedisCluster, timeout: Duration) -> (RedisStore, Arc<Engine>) {
    let store = RedisStore::cluster_builder(cluster.seeds())
        .key_prefix(crate::common::unique_prefix("topology"))
        .timeout(timeout)
        .build()
        .unwrap();
    let engine = Arc::new(Authorizer::new(store.clone()));
    (store, engine)
}

type Snapshot = BTreeMap<usize, (Vec<SessionInfo>, Vec<DeviceInfo>)>;

/// The audit records of the decisions `write_state` made (at `at(0)`), by user.
async fn records_before(store: &RedisStore) -> BTreeSet<String> {
    let day = time::OffsetDateTime::from_unix_timestamp(crate::common::T0)
        .unwrap()
        .date();
    let read = store.records_for(ACCOUNT, day).await.unwrap();
    read.records
        .into_iter()
        .filter(|record| record.time == at(0))
        .filter_map(|record| record.uid)
        .collect()
}

/// Acknowledged state: a session and a device per user (and the decisions' audit records),
/// read back.
async fn write_state(engine: &Engine, store: &RedisStore) -> Snapshot {
    for user in 0..USERS {
        let ctx = request(0)
            .with_session_id("before")
            .with_device_id(format!("device-{user}"));
        let decision = engine.engine().decide(&user_token(user), &ctx).await;
        assert!(matches!(decision, Decision::Allow(_)), "{decision:?}");
    }
    let mut snapshot = BTreeMap::new();
    for user in 0..USERS {
        let sessions = store.sessions(ACCOUNT, &uid(user), at(1)).await.unwrap();
        let devices = store.devices(ACCOUNT, &uid(user)).await.unwrap();
        assert_eq!((sessions.len(), devices.len()), (1, 1));
        snapshot.insert(user, (sessions, devices));
    }
    assert_eq!(records_before(store).await.len(), USERS);
    snapshot
}

/// Every session and device of `before` is still there, and every audit record.
async fn assert_kept(store: &RedisStore, before: &Snapshot) {
    assert_eq!(
        records_before(store).await.len(),
        USERS,
        "audit records lost"
    );
    for (user, (sessions_before, devices_before)) in before {
        let sessions = store.sessions(ACCOUNT, &uid(*user), at(2)).await.unwrap();
        let devices = store.devices(ACCOUNT, &uid(*user)).await.unwrap();
        let keys: BTreeSet<_> = sessions.iter().map(|s| &s.session_key).collect();
        for session in sessions_before {
            assert!(
                keys.contains(&session.session_key),
                "user {user}: session lost"
            );
        }
        assert_eq!(&devices, devices_before, "user {user}: devices changed");
    }
}

/// The slot of `user`'s partition (sessions, devices).
fn user_slot(cluster: &RedisCluster, store: &RedisStore, user: usize) -> u16 {
    let plan = DecisionPlan::new(
        Partition::User {
            account: ACCOUNT.to_owned(),
            uid: uid(user),
        },
        at(0),
    )
    .with_device(DevicePlan::new("d", NonZeroU32::MIN));
    let key = store.keys_for(&plan).remove(0);
    cluster.query(0, &["CLUSTER", "KEYSLOT", &key]).unwrap()
}

/// One decision of the load: user, when it started, allowed (`Ok`) or why not, latency.
type Seen = (usize, Instant, Result<(), String>, Duration);

/// Every user deciding continuously (renewing one session) until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    base: Instant,
    /// Per user: when it was last allowed, in ms since `base`.
    last_allowed: Arc<Vec<AtomicU64>>,
    tasks: Vec<JoinHandle<Vec<Seen>>>,
}

impl Load {
    fn start(engine: &Arc<Engine>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let base = Instant::now();
        let last_allowed: Arc<Vec<AtomicU64>> =
            Arc::new((0..USERS).map(|_| AtomicU64::new(0)).collect());
        let tasks = (0..USERS)
            .map(|user| {
                let (engine, stop) = (Arc::clone(engine), Arc::clone(&stop));
                let (count, last_allowed) = (Arc::clone(&count), Arc::clone(&last_allowed));
                tokio::spawn(async move {
                    let token = user_token(user);
                    let mut seen = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let ctx = request(1)
                            .with_session_id("during")
                            .with_device_id(format!("device-{user}"));
                        let started = Instant::now();
                        let decision = engine.engine().decide(&token, &ctx).await;
                        let elapsed = started.elapsed();
                        let outcome = match decision {
                            Decision::Allow(_) => {
                                let ms = started.duration_since(base).as_millis();
                                last_allowed[user].store(ms_u64(ms), Ordering::Relaxed);
                                Ok(())
                            }
                            Decision::Deny(DenyReason::StoreUnavailable) => {
                                Err("unavailable".to_owned())
                            }
                            other => Err(format!("unexpected: {other:?}")),
                        };
                        seen.push((user, started, outcome, elapsed));
                        count.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    seen
                })
            })
            .collect();
        Self {
            stop,
            count,
            base,
            last_allowed,
            tasks,
        }
    }

    async fn wait_for_decisions(&self, count: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.count.load(Ordering::Relaxed) < count {
            assert!(Instant::now() < deadline, "the load does not progress");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (bounded) until every user has been allowed after `since`.
    async fn wait_all_allowed_after(&self, since: Instant) {
        let since_ms = ms_u64(since.duration_since(self.base).as_millis());
        let deadline = Instant::now() + Duration::from_secs(30);
        while self
            .last_allowed
            .iter()
            .any(|ms| ms.load(Ordering::Relaxed) <= since_ms)
        {
            assert!(
                Instant::now() < deadline,
                "some users were still refused 30 s later"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the load (after a little more of it) and returns every decision it made.
    async fn finish(self) -> Vec<Seen> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for task in self.tasks {
            all.extend(task.await.unwrap());
        }
        all
    }
}

fn ms_u64(ms: u128) -> u64 {
    u64::try_from(ms).unwrap()
}

/// `INFO replication` field `name` of node `index`.
fn replication_field(cluster: &RedisCluster, index: usize, name: &str) -> Option<u64> {
    let info: String = cluster.query(index, &["INFO", "replication"]).ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_mid_run_is_replaced_and_the_engine_recovers() {
    const TIMEOUT: Duration = Duration::from_millis(500);
    let Some(mut cluster) = RedisCluster::start(Duration::from_millis(1000)) else {
        return;
    };
    let (store, engine) = store_and_engine(&cluster, TIMEOUT);
    let before = write_state(&engine, &store).await;

    // The victim: the master of user 0's partition (so some users live on it, others not).
    let victim = cluster.master_of_slot(0, user_slot(&cluster, &store, 0));
    let replica = cluster.replica_of(0, victim);
    let witness = (0..6).find(|&i| i != victim && i != replica).unwrap();
    // Everything acknowledged so far has reached the replica.
    let master_offset = replication_field(&cluster, victim, "master_repl_offset").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while replication_field(&cluster, replica, "slave_repl_offset").unwrap_or(0) < master_offset {
        assert!(Instant::now() < deadline, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let load = Load::start(&engine);
    load.wait_for_decisions(200).await;

    // Mid-run: the master dies (SIGKILL by PID), and a little later its replica takes over.
    let victim_pid = cluster.pid(victim).unwrap();
    let killed_at = Instant::now();
    cluster.kill(victim);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ok: String = cluster
        .query(replica, &["CLUSTER", "FAILOVER", "TAKEOVER"])
        .unwrap();
    assert_eq!(ok, "OK");
    let replica_port = cluster.port(replica);
    cluster.wait_until(witness, Duration::from_secs(20), |view, _| {
        view.iter()
            .any(|node| node.port == replica_port && node.master && !node.slots.is_empty())
    });
    let promoted_at = Instant::now();

    // The engine recovers by itself.
    load.wait_all_allowed_after(promoted_at).await;
    let all = load.finish().await;

    // Every answer typed and within the timeout (plus margin).
    let mut unavailable = 0;
    let mut slowest = Duration::ZERO;
    for (user, _, outcome, elapsed) in &all {
        slowest = slowest.max(*elapsed);
        assert!(
            *elapsed <= TIMEOUT + MARGIN,
            "user {user}: answered after {elapsed:?}"
        );
        match outcome {
            Ok(()) => {}
            Err(reason) if reason == "unavailable" => unavailable += 1,
            Err(reason) => panic!("user {user}: {reason}"),
        }
    }
    // Recovered by itself: after each user's first allowed decision following the
    // promotion, none is refused.
    let mut outage_end = killed_at;
    for user in 0..USERS {
        let after: Vec<_> = all
            .iter()
            .filter(|(u, at, _, _)| *u == user && *at >= promoted_at)
            .collect();
        let first_ok = after
            .iter()
            .position(|(_, _, outcome, _)| outcome.is_ok())
            .unwrap_or_else(|| panic!("user {user} never allowed again after the promotion"));
        assert!(
            after[first_ok..]
                .iter()
                .all(|(_, _, outcome, _)| outcome.is_ok()),
            "user {user}: refused again after recovering"
        );
        outage_end = outage_end.max(after[first_ok].1);
    }

    // Acknowledged, replicated state survived: every session and device from before.
    assert_kept(&store, &before).await;
    eprintln!(
        "failover: master {victim} (pid {victim_pid}) killed, replica {replica} promoted \
         {:.1?} later; {} decisions, {unavailable} denied StoreUnavailable, slowest answer \
         {slowest:.1?}; every user allowed again {:.1?} after the kill ({:.1?} after the \
         promotion)",
        promoted_at - killed_at,
        all.len(),
        outage_end - killed_at,
        outage_end.saturating_duration_since(promoted_at),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_migrated_mid_run_is_followed_by_the_client() {
    const TIMEOUT: Duration = Duration::from_secs(2);
    let Some(cluster) = RedisCluster::start(Duration::from_secs(5)) else {
        return;
    };
    let (store, engine) = store_and_engine(&cluster, TIMEOUT);
    let before = write_state(&engine, &store).await;

    let slot = user_slot(&cluster, &store, 0);
    let source = cluster.master_of_slot(0, slot);
    let view = cluster.view(0).unwrap();
    let id_of = |index: usize| {
        view.iter()
            .find(|node| node.port == cluster.port(index))
            .unwrap()
            .id
            .clone()
    };
    let masters: Vec<usize> = view
        .iter()
        .filter(|node| node.master && !node.slots.is_empty())
        .map(|node| (0..6).find(|&i| cluster.port(i) == node.port).unwrap())
        .collect();
    let target = *masters.iter().find(|&&m| m != source).unwrap();
    let (source_id, target_id) = (id_of(source), id_of(target));
    let slot_arg = slot.to_string();

    let load = Load::start(&engine);
    load.wait_for_decisions(200).await;

    // Mid-run: the slot moves, key by key, then the cluster is told its new owner.
    let ok = |reply: redis::RedisResult<String>| assert_eq!(reply.unwrap(), "OK");
    ok(cluster.query(source, &["CONFIG", "RESETSTAT"]));
    ok(cluster.query(
        target,
        &["CLUSTER", "SETSLOT", &slot_arg, "IMPORTING", &source_id],
    ));
    ok(cluster.query(
        source,
        &["CLUSTER", "SETSLOT", &slot_arg, "MIGRATING", &target_id],
    ));
    let target_port = cluster.port(target).to_string();
    let mut migrated = 0;
    loop {
        let keys: Vec<String> = cluster
            .query(source, &["CLUSTER", "GETKEYSINSLOT", &slot_arg, "1"])
            .unwrap();
        let Some(key) = keys.first() else {
            break;
        };
        // One key at a time, with the load running: decisions meet a half-moved slot.
        let _: String = cluster
            .query(
                source,
                &["MIGRATE", "127.0.0.1", &target_port, key, "0", "5000"],
            )
            .unwrap();
        migrated += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for master in &masters {
        ok(cluster.query(
            *master,
            &["CLUSTER", "SETSLOT", &slot_arg, "NODE", &target_id],
        ));
    }
    let moved_at = Instant::now();
    assert_eq!(cluster.master_of_slot(target, slot), target);

    load.wait_all_allowed_after(moved_at).await;
    let all = load.finish().await;
    let mut slowest = Duration::ZERO;
    for (user, _, outcome, elapsed) in &all {
        slowest = slowest.max(*elapsed);
        assert!(
            *elapsed <= TIMEOUT + MARGIN,
            "user {user}: answered after {elapsed:?}"
        );
        assert_eq!(outcome, &Ok(()), "user {user}");
    }
    assert!(migrated >= 2, "only {migrated} keys moved");
    // The client did meet redirections (and followed them): the old owner answered some.
    let errors: String = cluster.query(source, &["INFO", "errorstats"]).unwrap();
    let redirections: u64 = errors
        .lines()
        .filter(|line| {
            ["errorstat_ASK:", "errorstat_MOVED:", "errorstat_TRYAGAIN:"]
                .iter()
                .any(|name| line.starts_with(name))
        })
        .filter_map(|line| line.split("count=").nth(1)?.trim().parse::<u64>().ok())
        .sum();
    assert!(redirections > 0, "no redirection seen: {errors}");
    assert_kept(&store, &before).await;
    eprintln!(
        "resharding: slot {slot} ({migrated} keys) moved from master {source} to {target} \
         under load; {} decisions, all allowed, slowest answer {slowest:.1?}; \
         {redirections} ASK/MOVED/TRYAGAIN answers followed",
        all.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_built_while_the_cluster_is_down_works_once_it_is_back() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let Some(mut cluster) = RedisCluster::start(Duration::from_secs(2)) else {
        return;
    };
    for node in 0..6 {
        cluster.kill(node);
    }
    // Built lazily while nothing answers: no error yet.
    let (store, engine) = store_and_engine(&cluster, TIMEOUT);
    for attempt in 0..3 {
        let started = Instant::now();
        let decision = engine
            .engine()
            .decide(&user_token(0), &request(0).with_device_id("device-0"))
            .await;
        assert!(
            matches!(decision, Decision::Deny(DenyReason::StoreUnavailable)),
            "attempt {attempt}: {decision:?}"
        );
        assert!(
            started.elapsed() <= TIMEOUT + MARGIN,
            "{:?}",
            started.elapsed()
        );
        assert!(store.ping().await.is_err());
    }
    for node in 0..6 {
        cluster.restart(node);
    }
    for node in 0..6 {
        cluster.wait_until(node, Duration::from_secs(20), |_, info| {
            info.contains("cluster_state:ok")
        });
    }
    // The same store and engine, untouched: allowed again within a bounded number of tries.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut refused = 0;
    loop {
        let decision = engine
            .engine()
            .decide(&user_token(0), &request(0).with_device_id("device-0"))
            .await;
        match decision {
            Decision::Allow(_) => break,
            Decision::Deny(DenyReason::StoreUnavailable) => refused += 1,
            other => panic!("{other:?}"),
        }
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.ping().await.unwrap();
    for user in 0..USERS {
        let decision = engine
            .engine()
            .decide(&user_token(user), &request(1).with_device_id("device-1"))
            .await;
        assert!(matches!(decision, Decision::Allow(_)), "{decision:?}");
    }
    eprintln!("cluster back: allowed again after {refused} refusals once every node was ok");
}
