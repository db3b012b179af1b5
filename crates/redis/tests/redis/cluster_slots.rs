//! Cluster safety: for every decision shape, every key the scripts touch — the audit stream
//! the decision's record goes to and the renewals HASH a heartbeat on its session is counted
//! in included — hashes to one Redis Cluster slot — computed here with CRC16 per the Redis Cluster spec, cross-checked
//! with `CLUSTER KEYSLOT`, and proven by running every shape on a cluster-mode node (which
//! refuses a script whose keys span slots with `CROSSSLOT`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, Uid};
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditSink, DecisionPlan, DevicePlan, Outcome, Partition,
    PlaybackRights, PolicyStore, RevocationStore, RightsStore, SessionPlan, SessionRenewal,
    SessionRenewals, Stores, TokenDigest, TokenPlan, WriteMode,
};
use playback_auth_redis::RedisStore;

use crate::common::{at, ip};

/// CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis Cluster uses.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The key's slot: CRC16 of the hash tag (the text between the first `{` and the next
/// `}`, when not empty), else of the whole key, modulo 16384.
fn key_slot(key: &str) -> u16 {
    let bytes = key.as_bytes();
    let hashed = bytes
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &bytes[open + 1..];
            rest.iter()
                .position(|&b| b == b'}')
                .filter(|&close| close > 0)
                .map(|close| &rest[..close])
        })
        .unwrap_or(bytes);
    crc16(hashed) % 16384
}

#[test]
fn crc16_matches_the_cluster_spec_examples() {
    // The reference value from the Redis Cluster specification.
    assert_eq!(crc16(b"123456789"), 0x31c3);
    assert_eq!(key_slot("foo"), 12182);
    assert_eq!(key_slot("a{foo}b"), 12182);
    assert_eq!(key_slot("{}foo"), crc16(b"{}foo") % 16384);
}

/// The audit record of a decision of `account`'s `uid`.
fn record(account: &str, uid: &str) -> AuditRecord {
    AuditRecord::new(at(0), account, ip(1), "ua", "video-1", AuditDecision::Allow).with_uid(uid)
}

/// Applies `plan` with its record in the same call, and checks the record was written by it.
async fn apply_recorded(
    store: &RedisStore,
    plan: &DecisionPlan,
    account: &str,
    uid: &str,
    shape: &str,
) -> Outcome {
    let (outcome, written) = store
        .apply_recorded(plan, || record(account, uid))
        .await
        .unwrap();
    assert!(
        written,
        "{shape}: the record was not in the decision's call"
    );
    outcome
}

/// A heartbeat on the shape's session (`s}1`, active since `at(0)`), counted in its renewals
/// by the same call, as an accepted heartbeat is.
async fn heartbeat_recorded(store: &RedisStore, plan: &DecisionPlan, uid: &str, shape: &str) {
    let account = match &plan.partition {
        Partition::User { account, .. } | Partition::Token { account, .. } => account.clone(),
    };
    let renewals = || SessionRenewals::heartbeat(at(1), &account, "s}1", ip(1)).with_uid(uid);
    let (renewal, recorded) = store
        .renew_recorded(
            &plan.partition,
            "s}1",
            Duration::from_secs(120),
            at(1),
            renewals,
        )
        .await
        .unwrap();
    assert!(
        matches!(renewal, SessionRenewal::Renewed { .. }),
        "{shape}: {renewal:?}"
    );
    assert!(
        recorded,
        "{shape}: the heartbeat was not counted in its call"
    );
}

/// The keys of `plan`'s decision script and its record's stream, and, when it admits a
/// session, the renewals HASH a heartbeat on that session is counted in.
fn declared_keys(store: &RedisStore, plan: &DecisionPlan) -> Vec<String> {
    let mut keys = store.keys_for(plan);
    keys.push(store.audit_stream_for(plan, DAY));
    if plan.session.is_some() {
        keys.push(store.audit_renewals_for(&plan.partition, DAY));
    }
    keys
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// Every decision shape, for an account and uid (accounts, token ids, session keys and
/// device ids with characters that would break a naive hash tag; uids cannot hold braces).
fn shapes(account: &str, uid: &str) -> Vec<(&'static str, DecisionPlan)> {
    let user = Partition::User {
        account: account.to_owned(),
        uid: Uid::new(uid).unwrap(),
    };
    let token_partition = Partition::Token {
        account: account.to_owned(),
        token_id: "jti-{1}".to_owned(),
    };
    let token = || {
        TokenPlan::new("jti-{1}", ip(1), at(3600))
            .with_max_uses(nz(5))
            .with_max_ips(nz(2))
            .with_single_use("uuid-1")
    };
    let session = || {
        SessionPlan::new(
            "s}1",
            "loc{",
            nz(2),
            ConcurrencyBehavior::EvictOldest,
            Duration::from_secs(120),
        )
    };
    let device = || DevicePlan::new("d{1}", nz(2));
    vec![
        (
            "token only",
            DecisionPlan::new(token_partition, at(0)).with_token(token()),
        ),
        (
            "user token",
            DecisionPlan::new(user.clone(), at(0)).with_token(token()),
        ),
        (
            "session",
            DecisionPlan::new(user.clone(), at(0)).with_session(session()),
        ),
        (
            "device",
            DecisionPlan::new(user.clone(), at(0)).with_device(device()),
        ),
        (
            "all three",
            DecisionPlan::new(user, at(0))
                .with_token(token())
                .with_session(session())
                .with_device(device()),
        ),
    ]
}

/// The day of the shapes' records (`at(0)`).
const DAY: time::Date = time::macros::date!(2023 - 11 - 14);

const TRICKY: [(&str, &str); 3] = [("acct-1", "viewer-1"), ("a}c{c", "u/x=y"), ("{", "a.b@c")];

#[tokio::test]
async fn every_decision_shape_hashes_to_one_slot() {
    // Pure: keys are computed, no server is needed.
    let store = RedisStore::builder("redis://127.0.0.1:1/").build().unwrap();
    let mut tags = BTreeSet::new();
    let mut partitions = BTreeSet::new();
    for (account, uid) in TRICKY {
        let mut account_tags = BTreeSet::new();
        for (shape, plan) in shapes(account, uid) {
            assert!(!store.keys_for(&plan).is_empty(), "{shape}");
            let keys = declared_keys(&store, &plan);
            // The partition: the tag and the `u:UID` or `t:TOKEN_ID` after it.
            let close = keys[0].find('}').unwrap();
            let id: Vec<&str> = keys[0][close + 1..].split(':').skip(1).take(2).collect();
            partitions.insert(format!("{}{}", &keys[0][..=close], id.join(":")));
            let slots: BTreeSet<u16> = keys.iter().map(|k| key_slot(k)).collect();
            assert_eq!(
                slots.len(),
                1,
                "{shape} of {account:?}/{uid:?} spans slots: {keys:?}"
            );
            let open = keys[0].find('{').unwrap();
            let close = keys[0][open..].find('}').unwrap() + open;
            account_tags.insert(keys[0][open..=close].to_owned());
        }
        // The record's stream is one of the account's sixteen of the day; a heartbeat's
        // renewals HASH one of its sixteen.
        let streams = store.audit_stream_keys(account, DAY);
        let renewals = store.audit_renewals_keys(account, DAY);
        for (_, plan) in shapes(account, uid) {
            assert!(streams.contains(&store.audit_stream_for(&plan, DAY)));
            assert!(renewals.contains(&store.audit_renewals_for(&plan.partition, DAY)));
        }
        // A user partition and a token partition: one or two shards of the account.
        assert!((1..=2).contains(&account_tags.len()), "{account_tags:?}");
        tags.extend(account_tags);
        // Revocation: one key per account (revoke, check, list, remove all use it).
        let revocations = store.revocation_key(account);
        assert!(revocations.contains('{'));
        assert_eq!(
            key_slot(&revocations),
            key_slot(&revocations.replace("revocations", "x"))
        );
    }
    // No two accounts share a shard; the user and token partitions never share a key.
    let per_account: usize = TRICKY.len();
    assert!(tags.len() >= per_account, "{tags:?}");
    for tag in &tags {
        let owners = TRICKY
            .iter()
            .filter(|(account, _)| {
                store
                    .audit_stream_keys(account, DAY)
                    .iter()
                    .any(|key| key.contains(tag.as_str()))
            })
            .count();
        assert_eq!(owners, 1, "{tag}");
    }
    // One user partition and one token partition per account, all distinct.
    assert_eq!(partitions.len(), TRICKY.len() * 2, "{partitions:?}");
}

async fn query<T: redis::FromRedisValue>(
    connection: &mut redis::aio::MultiplexedConnection,
    args: &[&str],
) -> redis::RedisResult<T> {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async(connection).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shape_runs_on_a_cluster_mode_node() {
    let Some(server) = crate::common::one_node_cluster().await else {
        return;
    };
    let mut admin = crate::common::admin(&server.url()).await;
    // The node does refuse a script whose keys span slots: the check below means something.
    let crossed: redis::RedisResult<i64> =
        query(&mut admin, &["EVAL", "return 1", "2", "{a}x", "{b}y"]).await;
    let refusal = crossed.unwrap_err().to_string();
    assert!(refusal.to_lowercase().contains("crossslot"), "{refusal}");

    for (account, uid) in TRICKY {
        for (shape, plan) in shapes(account, uid) {
            let prefix = crate::common::unique_prefix("cluster");
            let store = RedisStore::builder(server.url())
                .key_prefix(&prefix)
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            // Our slots agree with the server's, the audit stream's and renewals' too.
            let keys = declared_keys(&store, &plan);
            for key in &keys {
                let slot: u16 = query(&mut admin, &["CLUSTER", "KEYSLOT", key])
                    .await
                    .unwrap();
                assert_eq!(slot, key_slot(key), "{key}");
            }
            // Twice: the second run reads what the first wrote. The first with its record in
            // the same script call (the node would refuse it as cross-slot otherwise).
            for recorded in [true, false] {
                let outcome = if recorded {
                    Ok(apply_recorded(&store, &plan, account, uid, shape).await)
                } else {
                    store.apply(&plan).await
                };
                assert!(
                    matches!(outcome, Ok(Outcome::Applied(_) | Outcome::Refused(_))),
                    "{shape}: {outcome:?}"
                );
            }
            // A heartbeat on the session, counted in the same call (the node would refuse it
            // as cross-slot otherwise).
            if plan.session.is_some() {
                heartbeat_recorded(&store, &plan, uid, shape).await;
            }
            // Every key the decision and heartbeat left behind is one of their declared keys
            // (or the audit index shard, written once per key by its own command).
            let written: Vec<String> = query(&mut admin, &["KEYS", &format!("{prefix}:*")])
                .await
                .unwrap();
            assert!(!written.is_empty(), "{shape}");
            // The registered-accounts SET's completion marker is the store's backfill's.
            let marker = format!("{prefix}:{{accounts}}:complete");
            for key in written
                .iter()
                .filter(|key| !key.ends_with(":audit-index") && **key != marker)
            {
                assert!(keys.contains(key), "{shape} wrote undeclared key {key}");
            }
            let read = store.records_for(account, DAY).await.unwrap();
            assert_eq!(read.records.len(), 1, "{shape}");
            assert_eq!(
                read.renewals.len(),
                usize::from(plan.session.is_some()),
                "{shape}"
            );
            if let Partition::User { uid, .. } = &plan.partition {
                store.sessions(account, uid, at(1)).await.unwrap();
                store.end_session(account, uid, "s}1", at(1)).await.unwrap();
                store.devices(account, uid).await.unwrap();
                store.remove_device(account, uid, "d{1}").await.unwrap();
            }
        }
        // The revocation shape: revoke (script), check (HMGET), list, remove.
        let store = RedisStore::builder(server.url())
            .key_prefix(crate::common::unique_prefix("cluster-revocation"))
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let digest = TokenDigest::of_token("t");
        store
            .revoke_token(account, digest, at(3600), at(0))
            .await
            .unwrap();
        assert!(store.is_revoked(account, digest, at(1)).await.unwrap());
        let token = crate::common::restriction("t", |b| b.user("viewer-1").token_id("j"));
        store.check(account, &token, at(1)).await.unwrap();
        assert!(store.unrevoke(account, digest, at(1)).await.unwrap());
    }
    // The rights shape: put (script), get, list, delete — one key per account, whose slot
    // the server computes as we do. (A rights account is `A–Z a–z 0–9 . _ : -` only.)
    let store = RedisStore::builder(server.url())
        .key_prefix(crate::common::unique_prefix("cluster-rights"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for account in ["acct-1", "a:b.c_d"] {
        let key = store.rights_key(account);
        let slot: u16 = query(&mut admin, &["CLUSTER", "KEYSLOT", &key])
            .await
            .unwrap();
        assert_eq!(slot, key_slot(&key), "{key}");
        let rights =
            PlaybackRights::from_json(account, "r", br#"{"ip":{"blocked":["10.0.0.0/8"]}}"#)
                .unwrap();
        store.put(&rights, WriteMode::Create).await.unwrap();
        store.put(&rights, WriteMode::Replace).await.unwrap();
        assert_eq!(
            store.get(account, "r").await.unwrap().as_deref(),
            Some(&rights)
        );
        assert_eq!(RightsStore::list(&store, account).await.unwrap().len(), 1);
        assert!(RightsStore::delete(&store, account, "r").await.unwrap());
    }
}

/// The same shapes on the real cluster (3 masters, 3 replicas): every decision shape of
/// every tricky account and uid runs through the cluster client, the state it wrote reads
/// back, and the cluster itself refuses a pipeline whose keys span slots (so the conformance
/// suites passing on it means every operation stays in one slot per command).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shape_runs_on_the_cluster() {
    let Some(seeds) = crate::common::cluster_urls() else {
        return;
    };
    let client = redis::cluster::ClusterClient::new(seeds.clone()).unwrap();
    let mut cluster = client.get_async_connection().await.unwrap();
    let mut crossed = redis::pipe();
    crossed.cmd("GET").arg("{a}x").cmd("GET").arg("{b}y");
    let refusal = crossed
        .query_async::<Vec<Option<String>>>(&mut cluster)
        .await
        .unwrap_err()
        .to_string();
    assert!(refusal.to_lowercase().contains("cross"), "{refusal}");

    let mut masters = BTreeSet::new();
    for (account, uid) in TRICKY {
        for (shape, plan) in shapes(account, uid) {
            let store = crate::common::cluster_store_builder(&seeds, "cluster-shapes")
                .build()
                .unwrap();
            let key = store.keys_for(&plan).remove(0);
            let slot: u16 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(&key)
                .query_async(&mut cluster)
                .await
                .unwrap();
            assert_eq!(slot, key_slot(&key), "{key}");
            masters.insert(slot_owner(&mut cluster, slot).await);
            for _ in 0..2 {
                let outcome = apply_recorded(&store, &plan, account, uid, shape).await;
                assert!(
                    matches!(outcome, Outcome::Applied(_) | Outcome::Refused(_)),
                    "{shape}: {outcome:?}"
                );
            }
            if plan.session.is_some() {
                heartbeat_recorded(&store, &plan, uid, shape).await;
            }
            let read = store.records_for(account, DAY).await.unwrap();
            assert_eq!(read.records.len(), 2, "{shape}");
            let counted: Vec<u64> = read.renewals.iter().map(|r| r.count).collect();
            let expected: &[u64] = if plan.session.is_some() { &[1] } else { &[] };
            assert_eq!(counted, expected, "{shape}");
            if let Partition::User { uid, .. } = &plan.partition {
                let sessions = store.sessions(account, uid, at(1)).await.unwrap();
                if plan.session.is_some() {
                    assert_eq!(sessions.len(), 1, "{shape}");
                }
                store.end_session(account, uid, "s}1", at(1)).await.unwrap();
                let devices = store.devices(account, uid).await.unwrap();
                assert_eq!(devices.len(), usize::from(plan.device.is_some()), "{shape}");
                store.remove_device(account, uid, "d{1}").await.unwrap();
            }
        }
    }
    // The tricky partitions do not all sit on one master.
    assert!(masters.len() > 1, "{masters:?}");
}

/// The master serving `slot` (its `CLUSTER SLOTS` entry: address, port, id), as the node
/// the client picks reports it.
async fn slot_owner(cluster: &mut redis::cluster_async::ClusterConnection, slot: u16) -> String {
    let slots: Vec<(u16, u16, Vec<redis::Value>)> = redis::cmd("CLUSTER")
        .arg("SLOTS")
        .query_async::<Vec<redis::Value>>(cluster)
        .await
        .unwrap()
        .into_iter()
        .map(|range| {
            let redis::Value::Array(parts) = range else {
                panic!("bad CLUSTER SLOTS entry");
            };
            let number = |value: &redis::Value| match value {
                redis::Value::Int(n) => u16::try_from(*n).unwrap(),
                other => panic!("bad slot {other:?}"),
            };
            (number(&parts[0]), number(&parts[1]), parts[2..].to_vec())
        })
        .collect();
    let (_, _, nodes) = slots
        .into_iter()
        .find(|(low, high, _)| (*low..=*high).contains(&slot))
        .unwrap();
    format!("{:?}", nodes[0])
}
