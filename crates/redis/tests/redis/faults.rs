//! Faults: Redis down when the store is built, killed mid-run and restarted on the same
//! port, frozen (SIGSTOP) mid-run. Every call gets a typed answer within the timeout (plus a
//! scheduling margin), nothing panics, a fail-closed engine denies `StoreUnavailable`, a
//! fail-open one allows degraded, and the store recovers by itself when Redis is back.
//!
//! These tests start their own `redis-server` (`REDIS_SERVER_BIN`, else `PATH`) on a free
//! loopback port and stop it by PID.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::error::Error as _;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use playback_auth_claims::{NumericDate, Uid};
use playback_auth_policy::{
    AuditSink, Authorizer, Decision, DecisionPlan, DenyReason, KeyRegistry, MemoryAuditSink,
    MemoryRightsStore, Partition, PolicyConfig, PolicyStore, RevocationStore, StoreError, StoreSet,
    TokenPlan, VerifiedToken,
};
use playback_auth_redis::{RedisStore, RedisStoreError};

use crate::common::{ACCOUNT, RedisServer, at, ip, request, restriction};

const TIMEOUT: Duration = Duration::from_millis(200);
/// Scheduling slack on a shared 2-core machine.
const MARGIN: Duration = Duration::from_millis(300);

fn store_on(port: u16) -> RedisStore {
    RedisStore::builder(format!("redis://127.0.0.1:{port}/"))
        .key_prefix(crate::common::unique_prefix("faults"))
        .timeout(TIMEOUT)
        .build()
        .unwrap()
}

type Engine = Authorizer<StoreSet<RedisStore, RedisStore, Arc<MemoryAuditSink>, RedisStore>>;

fn engine(store: &RedisStore, fail_open: bool) -> Engine {
    let stores = StoreSet {
        policy: store.clone(),
        revocations: store.clone(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: store.clone(),
        rights: MemoryRightsStore::new(),
    };
    Authorizer::builder(stores)
        .policy(PolicyConfig::default().with_fail_open(fail_open))
        .build()
}

fn session_token() -> VerifiedToken {
    restriction("faults-token", |b| {
        b.user("viewer-1").concurrent_streams(1000)
    })
}

fn plan(now: NumericDate) -> DecisionPlan {
    let partition = Partition::Token {
        account: ACCOUNT.to_owned(),
        token_id: "faults".to_owned(),
    };
    DecisionPlan::new(partition, now).with_token(TokenPlan::new("faults", ip(1), at(3600)))
}

/// A Redis failure reaches the trait's error as `Backend` with our error as its source.
#[track_caller]
fn assert_redis_fault(error: &StoreError) {
    let StoreError::Backend { source } = error else {
        panic!("expected a backend error, got {error:?}");
    };
    assert!(
        source.downcast_ref::<RedisStoreError>().is_some(),
        "source is not a RedisStoreError: {source:?}"
    );
}

/// Runs `call`, asserting it answers within `bound`.
async fn timed<T>(what: &str, bound: Duration, call: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = call.await;
    let took = started.elapsed();
    assert!(took <= bound, "{what} took {took:?}, more than {bound:?}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_at_build_gives_typed_errors_within_the_timeout() {
    // Needs no server at all: nothing listens on this port.
    let port = crate::common::free_port();
    let store = store_on(port);
    let bound = TIMEOUT + MARGIN;
    let uid = Uid::new("viewer-1").unwrap();
    for _ in 0..3 {
        let error = timed("apply", bound, store.apply(&plan(at(0))))
            .await
            .unwrap_err();
        assert_redis_fault(&error);
        let error = timed("sessions", bound, store.sessions(ACCOUNT, &uid, at(0))).await;
        assert_redis_fault(&error.unwrap_err());
        let error = timed(
            "end_session",
            bound,
            store.end_session(ACCOUNT, &uid, "s", at(0)),
        )
        .await;
        assert_redis_fault(&error.unwrap_err());
        let error = timed("devices", bound, store.devices(ACCOUNT, &uid)).await;
        assert_redis_fault(&error.unwrap_err());
        let error = timed(
            "remove_device",
            bound,
            store.remove_device(ACCOUNT, &uid, "d"),
        )
        .await;
        assert_redis_fault(&error.unwrap_err());
        let token = session_token();
        let error = timed("check", bound, store.check(ACCOUNT, &token, at(0)))
            .await
            .unwrap_err();
        assert!(
            error
                .source()
                .unwrap()
                .downcast_ref::<RedisStoreError>()
                .is_some()
        );
        assert!(
            timed("key_set", bound, store.key_set(ACCOUNT))
                .await
                .is_err()
        );
        let record = playback_auth_policy::AuditRecord::new(
            at(0),
            ACCOUNT,
            ip(1),
            "ua",
            "video",
            playback_auth_policy::AuditDecision::Allow,
        );
        assert!(timed("record", bound, store.record(record)).await.is_err());
        assert!(timed("ping", bound, store.ping()).await.is_err());
    }

    let token = session_token();
    let closed = engine(&store, false);
    let ctx = request(0).with_session_id("s1");
    let decision = timed("closed decide", bound, closed.engine().decide(&token, &ctx)).await;
    assert_eq!(decision, Decision::Deny(DenyReason::StoreUnavailable));
    let open = engine(&store, true);
    // Fail open asks the revocation list and then the state: two calls.
    let decision = timed(
        "open decide",
        2 * TIMEOUT + MARGIN,
        open.engine().decide(&token, &ctx),
    )
    .await;
    match decision {
        Decision::Allow(allowed) => assert!(allowed.degraded),
        other => panic!("fail open must allow degraded, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_built_while_redis_is_down_recovers_when_it_starts() {
    let Some(mut server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port();
    server.stop();
    let store = store_on(port);
    assert_redis_fault(&store.apply(&plan(at(0))).await.unwrap_err());
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = timed("apply", TIMEOUT + MARGIN, store.apply(&plan(at(0)))).await;
        if answer.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery within 5 s: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What one decision of the load loop saw.
struct Sample {
    started: Instant,
    took: Duration,
    decision: Decision,
}

/// Decides in a loop until `stop`, recording each decision.
async fn load(engine: Arc<Engine>, stop: Arc<AtomicBool>, worker: usize) -> Vec<Sample> {
    let token = session_token();
    let mut samples = Vec::new();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let ctx = request(0).with_session_id(format!("w{worker}-{n}"));
        let started = Instant::now();
        let decision = engine.engine().decide(&token, &ctx).await;
        samples.push(Sample {
            started,
            took: started.elapsed(),
            decision,
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

fn is_healthy_allow(decision: &Decision) -> bool {
    matches!(decision, Decision::Allow(allowed) if !allowed.degraded)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_frozen_and_restarted_mid_run() {
    let Some(mut server) = RedisServer::start(&[]) else {
        return;
    };
    let store = store_on(server.port());
    let closed = Arc::new(engine(&store, false));
    let open = Arc::new(engine(&store, true));
    let stop = Arc::new(AtomicBool::new(false));
    let loads: Vec<_> = (0..4)
        .map(|worker| {
            let engine = Arc::clone(if worker % 2 == 0 { &closed } else { &open });
            tokio::spawn(load(engine, Arc::clone(&stop), worker))
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(700)).await;
    // Killed: connections drop, new ones are refused.
    let killed_at = Instant::now();
    server.stop();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let restarted_at = Instant::now();
    server.restart();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Frozen: connected, but nothing answers — every call must time out.
    let pid = server.pid().unwrap().to_string();
    let frozen_at = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let thawed_at = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);

    let mut samples: Vec<(usize, Sample)> = Vec::new();
    for (worker, handle) in loads.into_iter().enumerate() {
        // A panic in a load task fails here.
        samples.extend(handle.await.unwrap().into_iter().map(|s| (worker, s)));
    }
    samples.sort_by_key(|(_, s)| s.started);

    let mut slowest = Duration::ZERO;
    let (mut denied_closed, mut degraded_open) = (0, 0);
    let mut recovered: Vec<Option<Duration>> = vec![None, None];
    for (worker, sample) in &samples {
        let fail_open = worker % 2 == 1;
        // A fail-open decision asks Redis twice (revocations, then state).
        let bound = if fail_open { 2 * TIMEOUT } else { TIMEOUT } + MARGIN;
        assert!(
            sample.took <= bound,
            "a decision took {:?} (> {bound:?})",
            sample.took
        );
        slowest = slowest.max(sample.took);
        let ended = sample.started + sample.took;
        // A signal takes effect a moment after `kill` returns: a short grace period.
        let grace = Duration::from_millis(100);
        let down = (sample.started > killed_at + grace && ended < restarted_at)
            || (sample.started > frozen_at + grace && ended < thawed_at);
        if down {
            if fail_open {
                assert!(
                    matches!(&sample.decision, Decision::Allow(a) if a.degraded),
                    "fail open while Redis is down: {:?}",
                    sample.decision
                );
                degraded_open += 1;
            } else {
                assert_eq!(
                    sample.decision,
                    Decision::Deny(DenyReason::StoreUnavailable)
                );
                denied_closed += 1;
            }
        } else if !matches!(
            sample.decision,
            Decision::Deny(DenyReason::StoreUnavailable)
        ) && !matches!(&sample.decision, Decision::Allow(a) if a.degraded)
        {
            assert!(is_healthy_allow(&sample.decision), "{:?}", sample.decision);
        }
        // First healthy answer after each return of Redis.
        for (slot, back_at) in [restarted_at, thawed_at].into_iter().enumerate() {
            if recovered[slot].is_none()
                && sample.started > back_at
                && is_healthy_allow(&sample.decision)
            {
                recovered[slot] = Some(ended - back_at);
            }
        }
    }
    assert!(
        denied_closed > 0 && degraded_open > 0,
        "the outage was not observed"
    );
    let recovered: Vec<Duration> = recovered
        .into_iter()
        .map(|r| r.expect("never recovered"))
        .collect();
    for r in &recovered {
        assert!(*r < Duration::from_secs(2), "recovery took {r:?}");
    }
    // The last half second is all healthy again.
    let tail_from = thawed_at + Duration::from_millis(1000);
    let tail: Vec<_> = samples
        .iter()
        .filter(|(_, s)| s.started > tail_from)
        .collect();
    assert!(!tail.is_empty());
    for (_, sample) in tail {
        assert!(
            is_healthy_allow(&sample.decision),
            "after recovery: {:?}",
            sample.decision
        );
    }
    eprintln!(
        "faults: {} decisions, slowest {slowest:?}, {denied_closed} denied (closed) and \
         {degraded_open} degraded (open) while down, recovered {:?} after restart and {:?} after thaw",
        samples.len(),
        recovered[0],
        recovered[1]
    );
}
