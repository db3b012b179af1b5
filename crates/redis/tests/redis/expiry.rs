//! State carries its own TTLs (relative to the decision's `now`, only ever extended), so
//! Redis stays bounded without a sweeper.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, Uid};
use playback_auth_policy::{
    DecisionPlan, DevicePlan, Outcome, Partition, PolicyStore, SessionPlan, TokenPlan,
};
use playback_auth_redis::RedisStore;

use crate::common::{ACCOUNT, at, ip};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

async fn pttl(admin: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(admin)
        .await
        .unwrap()
}

#[track_caller]
fn about(actual: i64, expected: Duration) {
    let expected = i64::try_from(expected.as_millis()).unwrap();
    assert!(
        actual <= expected && actual > expected - 5_000,
        "PTTL {actual} ms, expected about {expected} ms"
    );
}

fn plan(session: &str, lease: u64, now: i64) -> DecisionPlan {
    let mut token = TokenPlan::new("jti-1", ip(1), at(600))
        .with_max_uses(nz(10))
        .with_max_ips(nz(2));
    if now == 0 {
        // Consumed by the first decision; later ones would be refused.
        token = token.with_single_use("uuid");
    }
    let partition = Partition::User {
        account: ACCOUNT.to_owned(),
        uid: Uid::new("viewer").unwrap(),
    };
    DecisionPlan::new(partition, at(now))
        .with_token(token)
        .with_session(SessionPlan::new(
            session,
            "loc",
            nz(1),
            ConcurrencyBehavior::EvictOldest,
            Duration::from_secs(lease),
        ))
        .with_device(DevicePlan::new("d1", nz(2)))
}

#[tokio::test]
async fn every_key_of_a_decision_expires_after_it_is_no_longer_needed() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = RedisStore::builder(&url)
        .key_prefix(crate::common::unique_prefix("expiry"))
        .timeout(Duration::from_secs(5))
        .expiry_margin(Duration::from_secs(10))
        .device_retention(Some(Duration::from_secs(86_400)))
        .build()
        .unwrap();
    let mut admin = crate::common::admin(&url).await;
    let first = plan("s1", 120, 0);
    assert!(matches!(
        store.apply(&first).await.unwrap(),
        Outcome::Applied(_)
    ));
    let keys = store.keys_for(&first);
    // token (uses, ips, single-use): until exp (600 s from now) + margin.
    for key in &keys[0..3] {
        about(pttl(&mut admin, key).await, Duration::from_secs(610));
    }
    // sessions: the lease + margin; devices: the retention.
    about(pttl(&mut admin, &keys[3]).await, Duration::from_secs(130));
    about(
        pttl(&mut admin, &keys[5]).await,
        Duration::from_secs(86_400),
    );
    // No eviction yet: no evicted key.
    assert_eq!(pttl(&mut admin, &keys[4]).await, -2);

    // Evicting s1 (whose lease ends at 120) 20 s later with a 30 s lease: the evicted
    // session is remembered 100 s more; the sessions key now holds only s2 (30 s).
    let second = plan("s2", 30, 20);
    let Outcome::Applied(applied) = store.apply(&second).await.unwrap() else {
        panic!("refused");
    };
    assert_eq!(applied.evicted, ["s1"]);
    about(pttl(&mut admin, &keys[4]).await, Duration::from_secs(110));
    about(pttl(&mut admin, &keys[3]).await, Duration::from_secs(40));
    // Renewing s2 with a shorter lease never shortens the key's TTL.
    store.apply(&plan("s2", 5, 21)).await.unwrap();
    about(pttl(&mut admin, &keys[3]).await, Duration::from_secs(40));
    // The token's TTL is never shortened by a plan with an earlier expiry either.
    let earlier = DecisionPlan::new(first.partition.clone(), at(20)).with_token(TokenPlan::new(
        "jti-1",
        ip(1),
        at(100),
    ));
    store.apply(&earlier).await.unwrap();
    about(pttl(&mut admin, &keys[0]).await, Duration::from_secs(610));
}

#[tokio::test]
async fn devices_can_be_kept_without_expiry() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = RedisStore::builder(&url)
        .key_prefix(crate::common::unique_prefix("expiry-devices"))
        .timeout(Duration::from_secs(5))
        .device_retention(None)
        .build()
        .unwrap();
    let plan = plan("s1", 120, 0);
    store.apply(&plan).await.unwrap();
    let mut admin = crate::common::admin(&url).await;
    assert_eq!(pttl(&mut admin, &store.keys_for(&plan)[5]).await, -1);
}
