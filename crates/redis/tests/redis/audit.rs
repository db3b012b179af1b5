//! `AuditSink` on Redis, beyond the conformance suite (`conformance::audit`, which checks
//! reading back by account and day, capping, aggregates and purging): torn entries, long
//! days read in pages, stream caps and expiry, and reports generated from the Redis sink.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::Duration;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditReports, AuditSink, Execution, ExecutionId, ExecutionStatus,
    TokenDigest, report_expiry,
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
    store_at(url, cap, &crate::common::unique_prefix("audit"))
}

/// A store on `prefix`: two of them on one prefix are two nodes of one fleet.
fn store_at(url: &str, cap: usize, prefix: &str) -> RedisStore {
    RedisStore::builder(url)
        .key_prefix(prefix)
        .timeout(Duration::from_secs(5))
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
    let mut admin = crate::common::admin(&url).await;
    for i in 0..2500 {
        sink.record(record(ACCOUNT, i % 100, AuditDecision::Allow))
            .await
            .unwrap();
        if i % 1000 == 7 {
            let stream =
                crate::common::written_stream(&sink, &mut admin, ACCOUNT, date!(2023 - 11 - 14))
                    .await;
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
    let mut admin = crate::common::admin(&url).await;
    let stream =
        crate::common::written_stream(&sink, &mut admin, ACCOUNT, date!(2023 - 11 - 14)).await;
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
    let prefix = crate::common::unique_prefix("audit-report");
    let sink = Arc::new(store_at(&url, 1000, &prefix));
    sink.record(record(ACCOUNT, 0, AuditDecision::Allow))
        .await
        .unwrap();
    sink.record(record(ACCOUNT, 1, AuditDecision::Deny))
        .await
        .unwrap();
    let reports = AuditReports::new(Arc::clone(&sink));
    // The next day, 2023-11-15T10:00:00Z.
    let now = NumericDate::from_secs(1_700_042_400).unwrap();
    let id = reports
        .request(ACCOUNT, date!(2023 - 11 - 14), now)
        .await
        .unwrap();
    assert_eq!(
        status(&reports, id, now).await,
        Some(ExecutionStatus::Processing)
    );
    reports.run_pending().await;
    // Another node on the same Redis answers: the execution and its file live in Redis.
    let other_node = AuditReports::new(Arc::new(store_at(&url, 1000, &prefix)));
    assert_eq!(
        status(&other_node, id, now).await,
        Some(ExecutionStatus::Completed)
    );
    let file = other_node.report_file(id, now).await.unwrap().unwrap();
    let lines: Vec<&str> = std::str::from_utf8(&file).unwrap().lines().collect();
    assert_eq!(lines.len(), 2);
    let first: AuditRecord = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first.decision, AuditDecision::Allow);
}

async fn status(
    reports: &AuditReports<RedisStore>,
    id: ExecutionId,
    now: NumericDate,
) -> Option<ExecutionStatus> {
    let execution = reports.execution(id, now).await.unwrap();
    execution.map(|execution| execution.status)
}

/// A report execution lives no longer than its date's audit window: its key's TTL is the
/// time left until then, never more.
#[tokio::test]
async fn report_executions_expire_with_the_audit_window() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let prefix = crate::common::unique_prefix("audit-expiry");
    let sink = store_at(&url, 1000, &prefix);
    let now = NumericDate::from_secs(1_700_042_400).unwrap();
    let date = date!(2023 - 11 - 14);
    let id = ExecutionId::random().unwrap();
    let execution = Execution {
        account: ACCOUNT.to_owned(),
        date,
        status: ExecutionStatus::Completed,
    };
    sink.put_execution(id, &execution, Some(b"{}\n"), report_expiry(date), now)
        .await
        .unwrap();
    assert_eq!(
        sink.execution(id, now).await.unwrap(),
        Some(execution.clone())
    );
    assert_eq!(
        sink.report_file(id, now).await.unwrap().as_deref(),
        Some(&b"{}\n"[..])
    );
    let mut connection = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("{prefix}:{{e:{id}}}:report");
    let ttl_ms: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .unwrap();
    let window_ms = (report_expiry(date).as_secs() - now.as_secs()) * 1000;
    assert!(ttl_ms > 0 && ttl_ms <= window_ms, "{ttl_ms} vs {window_ms}");
    // Stored again at or after its expiry: removed.
    sink.put_execution(id, &execution, None, now, now)
        .await
        .unwrap();
    assert_eq!(sink.execution(id, now).await.unwrap(), None);
}
