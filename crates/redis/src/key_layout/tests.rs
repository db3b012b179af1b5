use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};
use playback_auth_policy::{DecisionPlan, DevicePlan, Partition, SessionPlan, TokenPlan};

use super::KeyLayout;

fn user(account: &str, uid: &str) -> Partition {
    Partition::User {
        account: account.to_owned(),
        uid: Uid::new(uid).unwrap(),
    }
}

fn full_plan(partition: Partition) -> DecisionPlan {
    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    DecisionPlan::new(partition, now)
        .with_token(TokenPlan::new(
            "jti:1",
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            now,
        ))
        .with_session(SessionPlan::new(
            "s",
            "loc",
            NonZeroU32::MIN,
            ConcurrencyBehavior::BlockNew,
            Duration::from_secs(120),
        ))
        .with_device(DevicePlan::new("d", NonZeroU32::MIN))
}

/// The text between the first `{` and the first `}` after it: what Redis Cluster hashes.
fn hashed_part(key: &str) -> &str {
    let open = key.find('{').unwrap();
    let close = key[open + 1..].find('}').unwrap() + open + 1;
    &key[open + 1..close]
}

#[test]
fn every_key_of_a_plan_carries_the_partition_tag() {
    let layout = KeyLayout::new("pa");
    let plan = full_plan(user("acct-1", "viewer-1"));
    let keys = layout.plan_keys(&plan).keys;
    assert_eq!(keys.len(), 6);
    let tag = KeyLayout::partition_tag(&plan.partition);
    for key in &keys {
        assert!(key.starts_with(&format!("pa:{tag}:")), "{key}");
        assert_eq!(format!("{{{}}}", hashed_part(key)), tag);
    }
}

#[test]
fn braces_and_colons_in_ids_cannot_break_the_tag_or_collide() {
    let layout = KeyLayout::new("pa");
    let tricky = Partition::Token {
        account: "a}b{c".to_owned(),
        token_id: "x:y}".to_owned(),
    };
    let keys = layout.plan_keys(&full_plan(tricky.clone())).keys;
    let hashed = hashed_part(&keys[0]).to_owned();
    assert!(!hashed.contains(['{', '}']));
    for key in &keys {
        assert_eq!(hashed_part(key), hashed);
    }
    // "a:b" + "c" and "a" + "b:c" must not share a partition.
    let one = Partition::Token {
        account: "a:b".to_owned(),
        token_id: "c".to_owned(),
    };
    let two = Partition::Token {
        account: "a".to_owned(),
        token_id: "b:c".to_owned(),
    };
    assert_ne!(
        KeyLayout::partition_tag(&one),
        KeyLayout::partition_tag(&two)
    );
}

#[test]
fn user_and_token_partitions_never_share_keys() {
    let layout = KeyLayout::new("pa");
    let as_user = layout.sessions(&user("acct", "same"));
    let as_token = layout.sessions(&Partition::Token {
        account: "acct".to_owned(),
        token_id: "same".to_owned(),
    });
    assert_ne!(as_user, as_token);
}

#[test]
fn plan_keys_follow_the_plan_parts_in_script_order() {
    let layout = KeyLayout::new("pa");
    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    let partition = user("acct", "u");
    let device_only = DecisionPlan::new(partition.clone(), now)
        .with_device(DevicePlan::new("d", NonZeroU32::MIN));
    assert_eq!(
        layout.plan_keys(&device_only).keys,
        [layout.devices(&partition)]
    );
    let empty = DecisionPlan::new(partition, now);
    assert!(layout.plan_keys(&empty).keys.is_empty());
}

#[test]
fn account_level_keys_are_tagged_by_account() {
    let layout = KeyLayout::new("pa");
    assert_eq!(hashed_part(&layout.revocations("acct")), "r:YWNjdA");
    assert_eq!(hashed_part(&layout.key_registry("acct")), "k:YWNjdA");
    assert_eq!(hashed_part(&layout.rights("acct")), "g:YWNjdA");
    assert_eq!(layout.rights("acct"), "pa:{g:YWNjdA}:rights");
    let date = time::macros::date!(2026 - 03 - 01);
    assert_eq!(
        hashed_part(&layout.audit_aggregates("acct", date)),
        "a:YWNjdA:2026-03-01"
    );
    assert_eq!(
        layout.audit_stream("acct", 3, date),
        "pa:{p:YWNjdA:03}:audit:2026-03-01"
    );
}

#[test]
fn a_decision_and_its_audit_stream_share_the_slot_and_an_account_has_sixteen_streams() {
    let layout = KeyLayout::new("pa");
    let date = time::macros::date!(2026 - 03 - 01);
    for partition in [
        user("acct-1", "viewer-1"),
        Partition::Token {
            account: "acct-1".to_owned(),
            token_id: "jti:1".to_owned(),
        },
    ] {
        let stream = layout.partition_audit_stream(&partition, date);
        let keys = layout.plan_keys(&full_plan(partition)).keys;
        assert_eq!(hashed_part(&stream), hashed_part(&keys[0]));
    }
    let streams = layout.audit_streams("acct-1", date);
    assert_eq!(streams.len(), 16);
    let tags: std::collections::BTreeSet<&str> =
        streams.iter().map(|key| hashed_part(key)).collect();
    assert_eq!(tags.len(), 16, "{streams:?}");
    // Every partition's stream is one of the sixteen, and users spread over all of them.
    let used: std::collections::BTreeSet<String> = (0..200)
        .map(|i| layout.partition_audit_stream(&user("acct-1", &format!("viewer-{i}")), date))
        .collect();
    assert_eq!(used.len(), 16);
    assert!(used.iter().all(|key| streams.contains(key)));
    // FNV-1a of `u:UID`, pinned: a partition must not move between versions or processes.
    assert_eq!(
        super::partition_shard(&user("acct-1", "a")),
        super::fnv1a("u:a") % 16
    );
    assert_eq!(super::fnv1a("a"), 0xe40c_292c);
}

#[test]
fn a_heartbeats_renewals_share_its_sessions_slot_and_an_account_has_sixteen_per_day() {
    let layout = KeyLayout::new("pa");
    let date = time::macros::date!(2026 - 03 - 01);
    assert_eq!(
        layout.audit_renewals("acct", 3, date),
        "pa:{p:YWNjdA:03}:audit-renewals:2026-03-01"
    );
    for partition in [
        user("acct-1", "viewer-1"),
        Partition::Token {
            account: "acct-1".to_owned(),
            token_id: "jti:1".to_owned(),
        },
    ] {
        let renewals = layout.partition_audit_renewals(&partition, date);
        assert_eq!(
            hashed_part(&renewals),
            hashed_part(&layout.sessions(&partition))
        );
        assert_eq!(
            hashed_part(&renewals),
            hashed_part(&layout.partition_audit_stream(&partition, date))
        );
        assert!(
            layout
                .audit_renewals_all("acct-1", date)
                .contains(&renewals)
        );
    }
    let all = layout.audit_renewals_all("acct-1", date);
    let tags: std::collections::BTreeSet<&str> = all.iter().map(|key| hashed_part(key)).collect();
    assert_eq!(tags.len(), 16, "{all:?}");
}

#[test]
fn partitions_of_one_shard_never_share_keys() {
    let layout = KeyLayout::new("pa");
    let mut by_shard = std::collections::BTreeMap::new();
    for i in 0..100 {
        let partition = user("acct", &format!("viewer-{i}"));
        by_shard
            .entry(KeyLayout::partition_tag(&partition))
            .or_insert_with(Vec::new)
            .push(partition);
    }
    let crowded = by_shard.values().find(|p| p.len() > 1).unwrap();
    let keys: std::collections::BTreeSet<String> = crowded
        .iter()
        .flat_map(|p| layout.plan_keys(&full_plan(p.clone())).keys)
        .collect();
    assert_eq!(keys.len(), crowded.len() * 6);
}

#[test]
fn the_audit_index_is_sixteen_shards_and_an_account_always_has_the_same_one() {
    let layout = KeyLayout::new("pa");
    let shards: Vec<String> = layout.audit_index_shards().collect();
    assert_eq!(shards.len(), 16);
    let tags: std::collections::BTreeSet<&str> =
        shards.iter().map(|key| hashed_part(key)).collect();
    assert_eq!(tags.len(), 16, "{shards:?}");
    // FNV-1a, pinned: a shard must not move between versions or processes.
    assert_eq!(layout.audit_index("acct-1"), layout.audit_index("acct-1"));
    assert_eq!(super::audit_index_shard(""), 0x811c_9dc5 % 16);
    assert_eq!(super::audit_index_shard("a"), 0xe40c_292c % 16);
    let used: std::collections::BTreeSet<String> = (0..200)
        .map(|i| layout.audit_index(&format!("acct-{i}")))
        .collect();
    assert!(used.iter().all(|key| shards.contains(key)));
    assert_eq!(used.len(), 16, "accounts spread over every shard");
}
