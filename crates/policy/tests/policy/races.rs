//! Races: 64 simultaneous requests for one user on a multi-threaded runtime, 1,000 rounds on
//! fresh stores each; exactly the limit is admitted every time (`climit` with `BLOCK_NEW`,
//! `dlimit`, `maxu`).

use std::sync::Arc;

use crate::common::engine_of;
use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::PolicyConfig;
use playback_auth_policy::{
    Decision, MemoryAuditSink, MemoryPolicyStore, MemoryRevocationStore, RequestContext,
    VerifiedToken,
};
use tokio::sync::Barrier;

const TASKS: usize = 64;
const ROUNDS: usize = 1_000;
const LIMIT: usize = 3;

/// Runs `TASKS` decisions for `token` at once (released together by a barrier) on a
/// fresh engine, and returns the decisions.
#[allow(clippy::unwrap_used)] // a panicked task fails the test
async fn race(token: &VerifiedToken, ctx: impl Fn(usize) -> RequestContext) -> Vec<Decision> {
    let engine = Arc::new(engine_of(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        Arc::new(MemoryAuditSink::new()),
        PolicyConfig::default(),
    ));
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            let token = token.clone();
            let ctx = ctx(i);
            tokio::spawn(async move {
                barrier.wait().await;
                engine.decide(&token, &ctx).await
            })
        })
        .collect();
    let mut decisions = Vec::with_capacity(TASKS);
    for task in tasks {
        decisions.push(task.await.unwrap());
    }
    decisions
}

fn admitted(decisions: &[Decision]) -> usize {
    decisions.iter().filter(|d| d.is_allowed()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_climit_sessions_are_admitted_under_a_race() {
    let token = restriction("t", |b| {
        b.user("racer")
            .concurrent_streams(3)
            .concurrency_behavior(ConcurrencyBehavior::BlockNew)
    });
    for _ in 0..ROUNDS {
        let decisions = race(&token, |i| request(0).with_session_id(format!("s{i}"))).await;
        assert_eq!(admitted(&decisions), LIMIT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_dlimit_devices_are_registered_under_a_race() {
    let token = restriction("t", |b| b.user("racer").device_limit(3));
    for _ in 0..ROUNDS {
        let decisions = race(&token, |i| request(0).with_device_id(format!("d{i}"))).await;
        assert_eq!(admitted(&decisions), LIMIT);
        let registered = decisions
            .iter()
            .filter_map(Decision::allowed)
            .filter(|a| a.device_registered)
            .count();
        assert_eq!(registered, LIMIT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_maxu_uses_are_allowed_under_a_race() {
    let token = restriction("t", |b| b.user("racer").max_uses(3));
    for _ in 0..ROUNDS {
        let decisions = race(&token, |i| {
            request(0).with_client_ip(ip(u8::try_from(i).unwrap()))
        })
        .await;
        let mut uses: Vec<u32> = decisions
            .iter()
            .filter_map(Decision::allowed)
            .map(|a| a.uses.unwrap())
            .collect();
        uses.sort_unstable();
        assert_eq!(uses, [1, 2, 3]);
    }
}
