//! Records older than 30 days are purged; newer ones stay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditReports, AuditSink, JsonLinesAuditSink, MemoryAuditSink,
    oldest_reportable_date,
};
use time::macros::{date, datetime};

const TODAY: time::Date = date!(2023 - 11 - 15);

fn record_on(day: time::Date) -> AuditRecord {
    let time = day.with_time(time::macros::time!(12:00)).assume_utc();
    AuditRecord::new(
        NumericDate::try_from(time).unwrap(),
        "acct-1",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "Player/1.0",
        "video-7",
        AuditDecision::Allow,
    )
}

fn days_ago(days: i64) -> time::Date {
    TODAY - time::Duration::days(days)
}

async fn check_purge<S: AuditSink>(sink: Arc<S>) {
    for days in [0, 1, 29, 30, 31, 45] {
        sink.record(record_on(days_ago(days))).await.unwrap();
    }
    let reports = AuditReports::new(Arc::clone(&sink));
    reports.purge_expired(TODAY).await.unwrap();

    for days in [0, 1, 29, 30] {
        assert_eq!(
            sink.records_for("acct-1", days_ago(days))
                .await
                .unwrap()
                .records,
            vec![record_on(days_ago(days))],
            "{days} days ago is kept"
        );
    }
    for days in [31, 45] {
        assert!(
            sink.records_for("acct-1", days_ago(days))
                .await
                .unwrap()
                .records
                .is_empty(),
            "{days} days ago is purged"
        );
    }
}

#[test]
fn retention_is_thirty_days() {
    assert_eq!(oldest_reportable_date(TODAY), days_ago(30));
    assert_eq!(
        record_on(TODAY).time,
        NumericDate::try_from(datetime!(2023-11-15 12:00 UTC)).unwrap()
    );
}

#[tokio::test]
async fn memory_sink_drops_records_older_than_30_days() {
    check_purge(Arc::new(MemoryAuditSink::new())).await;
}

#[tokio::test]
async fn file_sink_drops_records_older_than_30_days() {
    let dir =
        std::env::temp_dir().join(format!("playback-auth-policy-purge-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let sink = Arc::new(JsonLinesAuditSink::open(&dir).unwrap());
    check_purge(Arc::clone(&sink)).await;
    assert!(!sink.path_for(days_ago(31)).exists());
    assert!(sink.path_for(days_ago(30)).exists());
    // Files that are not day files are left alone.
    let unrelated: PathBuf = dir.join("notes.txt");
    fs::write(&unrelated, "keep me").unwrap();
    sink.purge_before(TODAY).await.unwrap();
    assert!(unrelated.exists());
    fs::remove_dir_all(&dir).unwrap();
}
