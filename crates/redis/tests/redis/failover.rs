//! Failover on a private Redis Cluster (3 masters + 3 replicas, started by this test so the
//! shared cluster is not disturbed): while engines decide for users spread over every
//! master, one master is killed by its PID and its replica promoted (`CLUSTER FAILOVER
//! TAKEOVER`, so the promotion does not wait for the failure detector and its vote).
//!
//! - every decision is answered, allowed or denied `StoreUnavailable` (fail closed), within
//!   the store's timeout plus a scheduling margin: never a hang, never another answer;
//! - after the promotion the engine recovers by itself: every user is allowed again, with
//!   no restart, no new store, no call from the test to the client;
//! - state written and acknowledged before the failover, and replicated (the test waits
//!   until the replica's replication offset reaches its master's), is all there after it:
//!   every session and device of every user. What Redis's asynchronous replication can
//!   lose is only what the replica had not received when its master died (the README's
//!   Redis section); the test asserts that nothing else is lost.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use playback_auth_claims::Uid;
use playback_auth_policy::{
    Authorizer, Decision, DenyReason, MemoryAuditSink, MemoryKeyRegistry, MemoryRevocationStore,
    MemoryRightsStore, PolicyStore, StoreSet, VerifiedToken,
};
use playback_auth_redis::RedisStore;

use crate::common::{ACCOUNT, RedisCluster, at, request, restriction};

const TIMEOUT: Duration = Duration::from_millis(500);
/// Scheduling slack on a shared 2-core machine.
const MARGIN: Duration = Duration::from_millis(1500);
const USERS: usize = 24;

type Engine = Authorizer<
    StoreSet<RedisStore, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry>,
>;

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

/// What the load saw: per user, every decision's time, outcome and latency.
#[derive(Default)]
struct Seen {
    decisions: Vec<(usize, Instant, Result<(), String>, Duration)>,
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
    let Some(mut cluster) = RedisCluster::start(Duration::from_millis(1000)) else {
        return;
    };
    let store = RedisStore::cluster_builder(cluster.seeds())
        .key_prefix(crate::common::unique_prefix("failover"))
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let engine: Arc<Engine> = Arc::new(Authorizer::new(StoreSet {
        policy: store.clone(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    }));

    // Acknowledged state before the failover: a session and a device per user.
    for user in 0..USERS {
        let ctx = request(0)
            .with_session_id("before")
            .with_device_id(format!("device-{user}"));
        let decision = engine.engine().decide(&user_token(user), &ctx).await;
        assert!(matches!(decision, Decision::Allow(_)), "{decision:?}");
    }
    let mut before = BTreeMap::new();
    for user in 0..USERS {
        let sessions = store.sessions(ACCOUNT, &uid(user), at(1)).await.unwrap();
        let devices = store.devices(ACCOUNT, &uid(user)).await.unwrap();
        assert_eq!((sessions.len(), devices.len()), (1, 1));
        before.insert(user, (sessions, devices));
    }

    // The victim: the master of user 0's partition (so some users live on it, others not).
    let plan = playback_auth_policy::DecisionPlan::new(
        playback_auth_policy::Partition::User {
            account: ACCOUNT.to_owned(),
            uid: uid(0),
        },
        at(0),
    )
    .with_device(playback_auth_policy::DevicePlan::new(
        "d",
        std::num::NonZeroU32::MIN,
    ));
    let key = store.keys_for(&plan).remove(0);
    let slot: u16 = cluster.query(0, &["CLUSTER", "KEYSLOT", &key]).unwrap();
    let victim = cluster.master_of_slot(0, slot);
    let replica = cluster.replica_of(0, victim);
    let witness = (0..6).find(|&i| i != victim && i != replica).unwrap();
    // Everything acknowledged so far has reached the replica.
    let master_offset = replication_field(&cluster, victim, "master_repl_offset").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while replication_field(&cluster, replica, "slave_repl_offset").unwrap_or(0) < master_offset {
        assert!(Instant::now() < deadline, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The load: every user decides continuously (renewing one session) until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    // Per user: when it was last allowed, in ms since `base`.
    let base = Instant::now();
    let last_allowed: Arc<Vec<AtomicU64>> =
        Arc::new((0..USERS).map(|_| AtomicU64::new(0)).collect());
    let mut tasks = Vec::new();
    for user in 0..USERS {
        let (engine, stop, count) = (Arc::clone(&engine), Arc::clone(&stop), Arc::clone(&count));
        let last_allowed = Arc::clone(&last_allowed);

        tasks.push(tokio::spawn(async move {
            let token = user_token(user);
            let mut seen = Seen::default();
            while !stop.load(Ordering::Relaxed) {
                let ctx = request(1)
                    .with_session_id("during")
                    .with_device_id(format!("device-{user}"));
                let started = Instant::now();
                let decision = engine.engine().decide(&token, &ctx).await;
                let elapsed = started.elapsed();
                let outcome = match decision {
                    Decision::Allow(_) => Ok(()),
                    Decision::Deny(DenyReason::StoreUnavailable) => Err("unavailable".to_owned()),
                    other => Err(format!("unexpected: {other:?}")),
                };
                if outcome.is_ok() {
                    let ms = u64::try_from(started.duration_since(base).as_millis()).unwrap();
                    last_allowed[user].store(ms, Ordering::Relaxed);
                }
                seen.decisions.push((user, started, outcome, elapsed));
                count.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            seen
        }));
    }
    while count.load(Ordering::Relaxed) < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

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

    // The engine recovers by itself: wait (bounded) until every user has been allowed
    // after the promotion, then keep the load on a little longer.
    let promoted_ms = u64::try_from(promoted_at.duration_since(base).as_millis()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while last_allowed
        .iter()
        .any(|ms| ms.load(Ordering::Relaxed) <= promoted_ms)
    {
        assert!(
            Instant::now() < deadline,
            "some users were still refused 30 s after the promotion"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap().decisions);
    }

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
    // Recovered by itself: each user's last decisions are all allowed, and none after the
    // first allowed one following the promotion was refused.
    let mut outage_end = killed_at;
    for user in 0..USERS {
        let after: Vec<_> = all
            .iter()
            .filter(|(u, at, _, _)| *u == user && *at >= promoted_at)
            .collect();
        assert!(
            after.len() >= 3,
            "user {user}: too few decisions after the promotion"
        );
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
    for user in 0..USERS {
        let sessions = store.sessions(ACCOUNT, &uid(user), at(2)).await.unwrap();
        let devices = store.devices(ACCOUNT, &uid(user)).await.unwrap();
        let (sessions_before, devices_before) = &before[&user];
        let keys: BTreeSet<_> = sessions.iter().map(|s| &s.session_key).collect();
        for session in sessions_before {
            assert!(
                keys.contains(&session.session_key),
                "user {user}: session lost"
            );
        }
        assert_eq!(&devices, devices_before, "user {user}: devices changed");
    }
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
