//! Audit aggregates and record caps on Redis, beyond the conformance suite
//! (`conformance::audit`, which checks merging, reading back and purging): one capped HASH
//! per account and day that counts what it drops and expires, and the memory a capped record
//! takes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use playback_auth_policy::{
    AuditAggregate, AuditDecision, AuditRecord, AuditSink, MAX_AUDIT_USER_AGENT_LEN,
};
use playback_auth_redis::RedisStore;
use time::macros::date;

use crate::common::{ACCOUNT, at, ip};

fn store(url: &str, aggregates_per_day: usize) -> RedisStore {
    crate::common::store_builder(url, "audit-agg")
        .audit_aggregates_per_day(aggregates_per_day)
        .build()
        .unwrap()
}

fn refusal(secs: i64, account: &str, reason: &str) -> AuditAggregate {
    AuditAggregate::refusal(at(secs), account, reason)
}

#[tokio::test]
async fn a_full_day_takes_no_new_aggregate_and_counts_it_as_dropped() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let sink = store(&url, 2);
    for minute in 0..5 {
        sink.record_aggregate(refusal(60 * minute, ACCOUNT, "token_missing"))
            .await
            .unwrap();
    }
    // A kept aggregate still merges.
    sink.record_aggregate(refusal(1, ACCOUNT, "token_missing"))
        .await
        .unwrap();
    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .unwrap();
    let counts: Vec<_> = read.aggregates.iter().map(|a| a.count).collect();
    assert_eq!(counts, [2, 1]);

    let key = sink.audit_aggregates_key(ACCOUNT, date!(2023 - 11 - 14));
    let mut admin = crate::common::admin(&url).await;
    let dropped: u64 = redis::cmd("HGET")
        .arg(&key)
        .arg("~dropped")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(dropped, 3);
    let fields: u64 = redis::cmd("HLEN")
        .arg(&key)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(fields, 3);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(ttl > 30 * 24 * 3600 * 1000, "PTTL {ttl}");
}

#[tokio::test]
async fn records_are_capped_before_they_are_written() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let sink = store(&url, 100);
    let mut record = AuditRecord::new(at(0), ACCOUNT, ip(1), "ua", "video-7", AuditDecision::Allow);
    // Set directly, past the setters' caps.
    record.user_agent = "U".repeat(100_000);
    sink.record(record).await.unwrap();
    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .unwrap();
    assert_eq!(read.records[0].user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
    let mut admin = crate::common::admin(&url).await;
    let key =
        crate::common::written_stream(&sink, &mut admin, ACCOUNT, date!(2023 - 11 - 14)).await;
    let bytes: u64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&key)
        .query_async(&mut admin)
        .await
        .unwrap();
    // One entry of ~400 bytes in a stream node that Redis allocates ~4 KB for: far from the
    // 100 KB sent.
    assert!(bytes < 8 * 1024, "{bytes} bytes");
}
