use std::net::Ipv4Addr;
use std::num::NonZeroU32;
use std::time::Duration;

use super::*;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(1_700_000_000 + secs).unwrap()
}

fn token_plan(id: &str, expires: i64, now: i64) -> DecisionPlan {
    DecisionPlan::new(
        Partition::Token {
            account: "a".into(),
            token_id: id.into(),
        },
        at(now),
    )
    .with_token(
        TokenPlan::new(id, IpAddr::V4(Ipv4Addr::LOCALHOST), at(expires))
            .with_max_ips(NonZeroU32::new(5).unwrap()),
    )
}

fn session_plan(uid: &str, key: &str, now: i64) -> DecisionPlan {
    DecisionPlan::new(
        Partition::User {
            account: "a".into(),
            uid: Uid::new(uid).unwrap(),
        },
        at(now),
    )
    .with_session(SessionPlan::new(
        key,
        "loc",
        NonZeroU32::new(2).unwrap(),
        ConcurrencyBehavior::EvictOldest,
        Duration::from_secs(120),
    ))
}

/// The cached entry count of every shard equals a recount.
fn assert_counts_consistent(store: &MemoryPolicyStore) {
    for shard in &store.shards {
        let shard = lock(shard);
        let recount: usize = shard.partitions.values().map(PartitionState::entries).sum();
        assert_eq!(shard.entries, recount);
        assert!(shard.partitions.values().all(|state| !state.is_empty()));
    }
}

#[test]
fn entries_are_counted_per_item() {
    let store = MemoryPolicyStore::new();
    assert_eq!(
        store.apply_now(&token_plan("t", 100, 0)).map(|_| ()).ok(),
        Some(())
    );
    // Partition + token + one IP.
    assert_eq!(store.entries(), 3);
    store.apply_now(&session_plan("u", "s1", 0)).unwrap();
    store.apply_now(&session_plan("u", "s2", 0)).unwrap();
    // + partition + two sessions.
    assert_eq!(store.entries(), 6);
    // Evicting s1 for s3 swaps a session for a remembered eviction.
    store.apply_now(&session_plan("u", "s3", 0)).unwrap();
    assert_eq!(store.entries(), 7);
    assert_counts_consistent(&store);
}

#[test]
fn a_write_sweeps_expired_state_of_other_partitions() {
    let store = MemoryPolicyStore::with_shards(1, 1_000);
    store.apply_now(&token_plan("old-1", 10, 0)).unwrap();
    store.apply_now(&token_plan("old-2", 10, 0)).unwrap();
    store.apply_now(&token_plan("old-3", 10, 0)).unwrap();
    assert_eq!(store.snapshot().partitions(), 3);
    // Each write sweeps two partitions besides its own.
    store.apply_now(&token_plan("new-1", 100, 20)).unwrap();
    store.apply_now(&token_plan("new-2", 100, 20)).unwrap();
    assert_eq!(store.snapshot().partitions(), 2);
    assert_counts_consistent(&store);
}

#[test]
fn a_full_shard_makes_room_from_expired_state_before_refusing() {
    let store = MemoryPolicyStore::with_shards(1, 6);
    store.apply_now(&token_plan("a", 10, 0)).unwrap();
    store.apply_now(&token_plan("b", 100, 0)).unwrap();
    assert!(matches!(
        store.apply_now(&token_plan("c", 100, 5)),
        Err(StoreError::CapacityExceeded { capacity: 6 })
    ));
    // "a" expired at 10: a write at 10 reclaims it.
    store.apply_now(&token_plan("c", 100, 10)).unwrap();
    assert_eq!(store.entries(), 6);
    assert_counts_consistent(&store);
}

#[test]
fn refusals_and_capacity_errors_leave_the_state_alone() {
    let store = MemoryPolicyStore::with_shards(1, 3);
    store.apply_now(&token_plan("a", 100, 0)).unwrap();
    let before = store.snapshot();
    assert!(store.apply_now(&token_plan("b", 100, 1)).is_err());
    assert_eq!(store.snapshot(), before);
    assert_counts_consistent(&store);
}

#[test]
fn ending_a_session_and_removing_a_device_keep_counts_right() {
    let store = MemoryPolicyStore::with_shards(1, 100);
    store.apply_now(&session_plan("u", "s1", 0)).unwrap();
    let uid = Uid::new("u").unwrap();
    let ended = store.update_user("a", &uid, at(1), |state| {
        let ended = state.end_session("s1", at(1));
        (ended, ended)
    });
    assert!(matches!(ended, Ok(true)));
    // Partition + remembered eviction.
    assert_eq!(store.entries(), 2);
    // Once the eviction is forgotten the partition goes too.
    store.apply_now(&session_plan("v", "x", 500)).unwrap();
    store.apply_now(&session_plan("v", "x", 501)).unwrap();
    assert_counts_consistent(&store);
    assert_eq!(store.snapshot().partitions(), 1);
    let removed = store.update_user("a", &Uid::new("v").unwrap(), at(501), |state| {
        let removed = state.devices.remove("none").is_some();
        (removed, removed)
    });
    assert!(matches!(removed, Ok(false)));
    assert_counts_consistent(&store);
}

#[test]
fn shards_spread_partitions() {
    let store = MemoryPolicyStore::new();
    for i in 0..256 {
        store
            .apply_now(&token_plan(&format!("t{i}"), 100, 0))
            .unwrap();
    }
    let used = store
        .shards
        .iter()
        .filter(|shard| !lock(shard).partitions.is_empty())
        .count();
    assert!(used > 32, "only {used} of 64 shards used");
    assert_eq!(MemoryPolicyStore::with_shards(0, 10).shards.len(), 1);
}

#[test]
fn debug_shows_the_shape_not_the_state() {
    let store = MemoryPolicyStore::with_shards(4, 10);
    store
        .apply_now(&token_plan("secret-token-id", 100, 0))
        .unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("shards: 4"), "{debug}");
    assert!(!debug.contains("secret-token-id"), "{debug}");
}
