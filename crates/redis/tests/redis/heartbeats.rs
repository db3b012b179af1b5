//! Start, heartbeat and stop on Redis: the same answers as in memory, and a session's
//! heartbeats stored as one renewal entry in the audit trail.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use playback_auth_claims::{ConcurrencyBehavior, Uid};
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_policy::{
    AuditSink, Authorizer, Decision, DecisionPlan, MemoryStores, Partition, PolicyStore,
    RecordsRead, RequestKind, SessionPlan, SessionRenewal, SessionRenewals, Stores, VerifiedToken,
};
use playback_auth_redis::RedisStore;
use time::macros::date;

use crate::common::{ACCOUNT, at, ip, request, restriction};

/// What a decision says, compared between the stores.
fn summary(decision: &Decision) -> (String, bool, usize) {
    match decision {
        Decision::Allow(allowed) => (
            "allowed".to_owned(),
            allowed.stopped.is_some(),
            allowed.evicted.len(),
        ),
        Decision::Deny(reason) => (reason.code().to_owned(), false, 0),
    }
}

async fn play<B: Stores>(
    authorizer: &Authorizer<B>,
    token: &VerifiedToken,
) -> Vec<(String, bool, usize)> {
    use RequestKind::{Heartbeat, Start, Stop};
    let script = [
        (Start, "a", "tv", 0),
        (Start, "b", "phone", 10),
        (Heartbeat, "a", "tv", 60),
        (Start, "c", "tablet", 70),
        (Heartbeat, "a", "tv", 80),
        (Heartbeat, "b", "phone", 80),
        (Stop, "b", "phone", 90),
        (Stop, "b", "phone", 91),
        (Heartbeat, "b", "phone", 92),
        (Start, "d", "phone", 100),
        (Heartbeat, "c", "tablet", 200),
        (Heartbeat, "x", "tv", 201),
        (Start, "a", "tv", 300),
    ];
    let mut answers = Vec::new();
    for (kind, session, device, secs) in script {
        let ctx = request(secs)
            .with_session_id(session)
            .with_device_id(device);
        let decision = authorizer.engine().decide_request(kind, token, &ctx).await;
        answers.push(summary(&decision));
    }
    answers
}

#[tokio::test]
async fn memory_and_redis_agree_on_starts_heartbeats_and_stops() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let token = restriction("heartbeat-agree", |b| {
        b.user("viewer-1")
            .concurrent_streams(2)
            .concurrency_behavior(ConcurrencyBehavior::EvictOldest)
    });
    let redis = Authorizer::new(crate::common::fresh_store(&url, "heartbeat-agree"));
    let memory = Authorizer::new(MemoryStores::new());
    let on_redis = play(&redis, &token).await;
    let on_memory = play(&memory, &token).await;
    assert_eq!(on_redis, on_memory);
    let codes: Vec<&str> = on_redis.iter().map(|(code, _, _)| code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "allowed",
            "allowed",
            "allowed",
            "allowed",
            "session_evicted",
            "allowed",
            "allowed",
            "allowed",
            "session_unknown",
            "allowed",
            "session_unknown",
            "session_unknown",
            "allowed",
        ]
    );
    // The first stop ended the session, the second found nothing; c evicted a.
    assert!(on_redis[6].1 && !on_redis[7].1);
    assert_eq!(on_redis[3].2, 1);
    // Only the accepted heartbeats were counted (a's first, b's), the same on both; the
    // refused ones are records.
    let day = date!(2023 - 11 - 14);
    let counted = |read: RecordsRead| {
        let renewals: Vec<(String, u64)> = read
            .renewals
            .iter()
            .map(|r| (r.session.clone(), r.count))
            .collect();
        let refused = read.records.iter().filter(|r| r.reason.is_some()).count();
        (renewals, refused)
    };
    let redis_read = counted(
        redis
            .stores()
            .audit()
            .records_for(ACCOUNT, day)
            .await
            .unwrap(),
    );
    let memory_read = counted(
        memory
            .stores()
            .audit()
            .records_for(ACCOUNT, day)
            .await
            .unwrap(),
    );
    assert_eq!(redis_read, memory_read);
    assert_eq!(
        redis_read.0.iter().map(|(_, n)| n).sum::<u64>(),
        2,
        "{redis_read:?}"
    );
}

/// With the heartbeat counted by its renewal's own script call (`in_call`) or on its own
/// afterwards: either way one entry, in the HASH of the session's audit shard, which shares
/// the slot of the session's keys.
#[tokio::test]
async fn a_hundred_heartbeats_leave_one_renewal_entry_in_redis() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    for in_call in [true, false] {
        let store = crate::common::store_builder(&url, "heartbeat-audit")
            .audit_in_decision(in_call)
            .build()
            .unwrap();
        let authorizer = Authorizer::new(store.clone());
        let engine = authorizer.engine();
        let token = restriction("heartbeat-audit", |b| {
            b.user("viewer-1").concurrent_streams(1)
        });
        let ctx = |secs: i64| request(secs).with_session_id("s1").with_device_id("tv");
        assert!(engine.decide(&token, &ctx(0)).await.is_allowed());
        for beat in 1..=100 {
            let mut ctx = ctx(30 * beat);
            if beat > 50 {
                ctx.client_ip = ip(2);
            }
            assert!(
                engine.heartbeat(&token, &ctx).await.is_allowed(),
                "heartbeat {beat}"
            );
        }
        assert!(engine.stop(&token, &ctx(3001)).await.is_allowed());

        let day = store
            .records_for(ACCOUNT, date!(2023 - 11 - 14))
            .await
            .unwrap();
        let reasons: Vec<Option<&str>> = day.records.iter().map(|r| r.reason.as_deref()).collect();
        assert_eq!(
            reasons,
            [None, Some("session_stopped")],
            "in call: {in_call}"
        );
        assert_eq!(day.renewals.len(), 1, "{:?}", day.renewals);
        let renewals = &day.renewals[0];
        assert_eq!(renewals.count, 100);
        assert_eq!((renewals.first, renewals.last), (at(30), at(3000)));
        assert_eq!(renewals.ips, [ip(1), ip(2)]);
        assert_eq!(renewals.uid.as_deref(), Some("viewer-1"));
        assert_eq!(
            day.records[0].session.as_deref(),
            Some(renewals.session.as_str())
        );
        assert_eq!(engine.audit_failures(), 0);

        // One field in one of the day's sixteen HASHes: the user's shard, whose tag is the
        // session keys' (so the heartbeat script can count it in the same call).
        let mut admin = crate::common::admin(&url).await;
        let mut used = Vec::new();
        for key in store.audit_renewals_keys(ACCOUNT, date!(2023 - 11 - 14)) {
            let fields: u64 = redis::cmd("HLEN")
                .arg(&key)
                .query_async(&mut admin)
                .await
                .unwrap();
            if fields > 0 {
                used.push((key, fields));
            }
        }
        assert_eq!(used.len(), 1, "{used:?}");
        assert_eq!(used[0].1, 1);
        let partition = Partition::User {
            account: ACCOUNT.to_owned(),
            uid: Uid::new("viewer-1").unwrap(),
        };
        assert_eq!(
            used[0].0,
            store.audit_renewals_for(&partition, date!(2023 - 11 - 14))
        );
        let plan = DecisionPlan::new(partition, at(0)).with_session(SessionPlan::new(
            "s1",
            "loc",
            NonZeroU32::MIN,
            ConcurrencyBehavior::BlockNew,
            Duration::from_secs(120),
        ));
        let sessions_key = &store.keys_for(&plan)[0];
        assert_eq!(tag(&used[0].0), tag(sessions_key), "{used:?}");
    }
}

/// The hash tag of a key: what Redis Cluster hashes.
fn tag(key: &str) -> &str {
    let open = key.find('{').unwrap();
    let close = key[open..].find('}').unwrap() + open;
    &key[open..=close]
}

/// Heartbeats counted on a store, in their renewal's call (`s1`) and on their own (`solo`,
/// no session), on 2023-11-14 and on the 15th; then the 14th purged.
async fn renewals_purged_with_their_day(store: RedisStore) {
    let partition = Partition::User {
        account: ACCOUNT.to_owned(),
        uid: Uid::new("viewer-1").unwrap(),
    };
    let plan = DecisionPlan::new(partition.clone(), at(0)).with_session(SessionPlan::new(
        "s1",
        "loc",
        NonZeroU32::MIN,
        ConcurrencyBehavior::BlockNew,
        Duration::from_secs(7200),
    ));
    store.apply(&plan).await.unwrap();
    // 2023-11-14 ends at `at(6400)`.
    for secs in [30, 6500] {
        let renewals = || SessionRenewals::heartbeat(at(secs), ACCOUNT, "s1", ip(1));
        let (renewal, recorded) = store
            .renew_recorded(
                &partition,
                "s1",
                Duration::from_secs(7200),
                at(secs),
                renewals,
            )
            .await
            .unwrap();
        assert!(
            matches!(renewal, SessionRenewal::Renewed { .. }),
            "{renewal:?}"
        );
        assert!(recorded);
        store
            .record_renewals(SessionRenewals::heartbeat(
                at(secs + 10),
                ACCOUNT,
                "solo",
                ip(1),
            ))
            .await
            .unwrap();
    }
    let sessions = |read: RecordsRead| -> Vec<String> {
        read.renewals.into_iter().map(|r| r.session).collect()
    };
    for day in [date!(2023 - 11 - 14), date!(2023 - 11 - 15)] {
        let read = store.records_for(ACCOUNT, day).await.unwrap();
        assert_eq!(sessions(read), ["s1", "solo"], "{day}");
    }
    store.purge_before(date!(2023 - 11 - 15)).await.unwrap();
    let gone = store
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .unwrap();
    assert!(gone.renewals.is_empty(), "{:?}", gone.renewals);
    let kept = store
        .records_for(ACCOUNT, date!(2023 - 11 - 15))
        .await
        .unwrap();
    assert_eq!(sessions(kept), ["s1", "solo"]);
}

/// A day's renewals HASHes are listed in the audit index and purged with their day, both
/// those a heartbeat's own call wrote and those written on their own.
#[tokio::test]
async fn renewals_are_purged_with_their_day() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    renewals_purged_with_their_day(crate::common::fresh_store(&url, "heartbeat-purge")).await;
}

/// The same on the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewals_are_purged_with_their_day_on_the_cluster() {
    let Some(seeds) = crate::common::cluster_urls() else {
        return;
    };
    let store = crate::common::cluster_store_builder(&seeds, "heartbeat-purge-cluster")
        .build()
        .unwrap();
    renewals_purged_with_their_day(store).await;
}
