//! Start, heartbeat and stop on Redis: the same answers as in memory, and a session's
//! heartbeats stored as one renewal entry in the audit trail.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{
    AuditSink, Authorizer, Decision, MemoryStores, RequestKind, Stores, VerifiedToken,
};
use time::macros::date;

use crate::common::{ACCOUNT, ip, request, restriction};

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
}

#[tokio::test]
async fn a_hundred_heartbeats_leave_one_renewal_entry_in_redis() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = crate::common::fresh_store(&url, "heartbeat-audit");
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
    assert_eq!(reasons, [None, Some("session_stopped")]);
    assert_eq!(day.renewals.len(), 1, "{:?}", day.renewals);
    let renewals = &day.renewals[0];
    assert_eq!(renewals.count, 100);
    assert_eq!(
        (renewals.first, renewals.last),
        (crate::common::at(30), crate::common::at(3000))
    );
    assert_eq!(renewals.ips, [ip(1), ip(2)]);
    assert_eq!(renewals.uid.as_deref(), Some("viewer-1"));
    assert_eq!(
        day.records[0].session.as_deref(),
        Some(renewals.session.as_str())
    );
    assert_eq!(engine.audit_failures(), 0);
}
