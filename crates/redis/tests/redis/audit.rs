//! `AuditSink` on Redis, beyond the conformance suite (`conformance::audit`, which checks
//! reading back by account and day, capping, aggregates and purging): torn entries, long
//! days read in pages, stream caps and expiry, and reports generated from the Redis sink.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditReports, AuditSink, ExecutionStatus, TokenDigest,
};
use playback_auth_redis::RedisStore;
use time::macros::date;

use crate::common::{ACCOUNT, ip};

/// 2023-11-14T22:13:20Z + `secs`.
fn time_at(secs: i64) -> NumericDate {
    crate::common::at(secs)
}

const DAY: i64 = 24 * 60 * 60;

fn record(account: &str, secs: i64, decision: AuditDecision) -> AuditRecord {
    AuditRecord::new(
        time_at(secs),
        account,
        ip(1),
        "Player/1.0",
        "video-7",
        decision,
    )
    .with_uid("viewer-1")
    .with_token_digest(TokenDigest::of_token("h.p.s"))
    .with_reason("stream_limit_reached")
}

fn store(url: &str, cap: usize) -> RedisStore {
    crate::common::store_builder(url, "audit")
        .audit_records_per_day(cap)
        .build()
        .unwrap()
}

#[tokio::test]
async fn unreadable_entries_are_skipped_not_fatal_and_pages_are_followed() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let sink = store(&url, 1_000_000);
    let stream = sink.audit_stream_key(ACCOUNT, date!(2023 - 11 - 14));
    let mut admin = crate::common::admin(&url).await;
    for i in 0..2500 {
        sink.record(record(ACCOUNT, i % 100, AuditDecision::Allow))
            .await
            .unwrap();
        if i % 1000 == 7 {
            let _: String = redis::cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("r")
                .arg("{torn")
                .query_async(&mut admin)
                .await
                .unwrap();
            let _: String = redis::cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("other")
                .arg("x")
                .query_async(&mut admin)
                .await
                .unwrap();
        }
    }
    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .unwrap();
    assert_eq!(read.records.len(), 2500);
    assert_eq!(read.skipped, 6);
}

#[tokio::test]
async fn streams_are_capped_and_expire_after_the_retention_window() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let sink = store(&url, 10);
    for i in 0..500 {
        sink.record(record(ACCOUNT, i, AuditDecision::Deny))
            .await
            .unwrap();
    }
    let stream = sink.audit_stream_key(ACCOUNT, date!(2023 - 11 - 14));
    let mut admin = crate::common::admin(&url).await;
    let len: usize = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut admin)
        .await
        .unwrap();
    // `MAXLEN ~` trims whole stream nodes (100 entries by default).
    assert!((10..=200).contains(&len), "XLEN {len}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&stream)
        .query_async(&mut admin)
        .await
        .unwrap();
    // The last record (+499 s) keeps its day (ends at +6400 s) for 30 more days, + 60 s margin.
    let expected_ms = (6400 - 499 + 30 * DAY + 60) * 1000;
    assert!(
        ttl <= expected_ms && ttl > expected_ms - 5000,
        "PTTL {ttl}, expected {expected_ms}"
    );
}

#[tokio::test]
async fn daily_reports_are_generated_from_the_redis_sink() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let sink = Arc::new(store(&url, 1000));
    sink.record(record(ACCOUNT, 0, AuditDecision::Allow))
        .await
        .unwrap();
    sink.record(record(ACCOUNT, 1, AuditDecision::Deny))
        .await
        .unwrap();
    let reports = AuditReports::new(Arc::clone(&sink));
    let id = reports
        .request(ACCOUNT, date!(2023 - 11 - 14), date!(2023 - 11 - 15))
        .unwrap();
    assert_eq!(reports.status(id), Some(ExecutionStatus::Processing));
    reports.run_pending().await;
    assert_eq!(reports.status(id), Some(ExecutionStatus::Completed));
    assert_eq!(reports.report(id).unwrap().records.len(), 2);
}
