//! Daily audit reports: date rules, the processing → completed | failed model kept in the
//! sink (unguessable ids, any reader of the sink answers), the report file's contents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::future::{Future, ready};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::common::engine_of;
use playback_auth_claims::NumericDate;
use playback_auth_policy::PolicyConfig;
use playback_auth_policy::{
    AuditDecision, AuditError, AuditRecord, AuditReports, AuditSink, Execution, ExecutionId,
    ExecutionStatus, MemoryAuditSink, MemoryReportStore, RecordsRead, ReportError, report_expiry,
};
use time::macros::date;

/// 2023-11-14T22:13:20Z.
const T: i64 = 1_700_000_000;
const TODAY: time::Date = date!(2023 - 11 - 15);
const YESTERDAY: time::Date = date!(2023 - 11 - 14);

/// A moment of `TODAY`: 2023-11-15T10:00:00Z.
fn now() -> NumericDate {
    NumericDate::from_secs(1_700_042_400).unwrap()
}

fn record(secs: i64, account: &str) -> AuditRecord {
    AuditRecord::new(
        NumericDate::from_secs(secs).unwrap(),
        account,
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "Player/1.0",
        "video-7",
        AuditDecision::Allow,
    )
}

fn reports() -> AuditReports<MemoryAuditSink> {
    AuditReports::new(Arc::new(MemoryAuditSink::new()))
}

/// The report file's lines, as JSON.
pub(crate) fn lines(file: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn status<S: AuditSink>(
    reports: &AuditReports<S>,
    id: ExecutionId,
) -> Option<ExecutionStatus> {
    reports
        .execution(id, now())
        .await
        .unwrap()
        .map(|execution| execution.status)
}

#[tokio::test]
async fn yesterday_is_accepted() {
    assert!(reports().request("acct-1", YESTERDAY, now()).await.is_ok());
}

#[tokio::test]
async fn thirty_days_ago_is_the_oldest_date_accepted() {
    let reports = reports();
    assert!(
        reports
            .request("acct-1", date!(2023 - 10 - 16), now())
            .await
            .is_ok()
    );
    assert_eq!(
        reports
            .request("acct-1", date!(2023 - 10 - 15), now())
            .await,
        Err(ReportError::DateTooOld {
            oldest: date!(2023 - 10 - 16)
        })
    );
}

#[tokio::test]
async fn today_is_refused() {
    assert_eq!(
        reports().request("acct-1", TODAY, now()).await,
        Err(ReportError::DateIsToday)
    );
}

#[tokio::test]
async fn thirty_one_days_ago_is_too_old() {
    let date = TODAY - time::Duration::days(31);
    assert!(matches!(
        reports().request("acct-1", date, now()).await,
        Err(ReportError::DateTooOld { .. })
    ));
}

#[tokio::test]
async fn a_future_date_is_refused() {
    assert_eq!(
        reports()
            .request("acct-1", date!(2023 - 11 - 16), now())
            .await,
        Err(ReportError::DateInFuture)
    );
}

#[tokio::test]
async fn processing_then_completed_with_that_days_records_of_that_account_only() {
    let sink = Arc::new(MemoryAuditSink::new());
    let wanted = [record(T, "acct-1"), record(T + 60, "acct-1")];
    let unwanted = [
        record(T + 1, "acct-2"),         // other account, same day
        record(T - 23 * 3600, "acct-1"), // same account, the day before
        record(T + 2 * 3600, "acct-1"),  // same account, today
    ];
    for rec in wanted.iter().chain(&unwanted) {
        sink.record(rec.clone()).await.unwrap();
    }
    let reports = AuditReports::new(Arc::clone(&sink));

    let id = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    assert_eq!(
        status(&reports, id).await,
        Some(ExecutionStatus::Processing)
    );
    assert_eq!(reports.report_file(id, now()).await.unwrap(), None);

    assert_eq!(reports.run_pending().await, 1);
    let execution = reports.execution(id, now()).await.unwrap().unwrap();
    assert_eq!(
        execution,
        Execution {
            account: "acct-1".to_owned(),
            date: YESTERDAY,
            status: ExecutionStatus::Completed,
        }
    );
    // JSON Lines: one record per line, in the order written, each line ended.
    let file = reports.report_file(id, now()).await.unwrap().unwrap();
    assert!(file.ends_with(b"\n"));
    let records: Vec<AuditRecord> = lines(&file)
        .into_iter()
        .map(|line| serde_json::from_value(line).unwrap())
        .collect();
    assert_eq!(records, wanted.to_vec());

    // Another reader of the same sink (another node) answers for the execution.
    let elsewhere = AuditReports::new(sink);
    assert_eq!(
        status(&elsewhere, id).await,
        Some(ExecutionStatus::Completed)
    );
    assert_eq!(elsewhere.report_file(id, now()).await.unwrap(), Some(file));

    // Nothing left to do.
    assert_eq!(reports.run_pending().await, 0);
}

#[tokio::test]
async fn executions_expire_with_the_audit_window() {
    let reports = reports();
    let id = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    reports.run_pending().await;
    let expiry = report_expiry(YESTERDAY);
    // The end of 2023-12-14 (UTC): YESTERDAY + 30 days is the last day it is reportable.
    assert_eq!(expiry.as_secs(), 1_702_598_400);
    let just_before = NumericDate::from_secs(expiry.as_secs() - 1).unwrap();
    assert!(reports.execution(id, just_before).await.unwrap().is_some());
    assert!(reports.execution(id, expiry).await.unwrap().is_none());
    assert!(reports.report_file(id, expiry).await.unwrap().is_none());
}

#[tokio::test]
async fn ids_are_128_random_bits() {
    let reports = reports();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..64 {
        let id = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
        assert_eq!(id.to_string().len(), 32);
        assert_eq!(ExecutionId::parse(&id.to_string()), Some(id));
        assert!(ids.insert(id));
        reports.run_pending().await;
    }
    for bad in [
        "",
        "0",
        "42",
        &"0".repeat(31),
        &"g".repeat(32),
        &"A".repeat(32),
    ] {
        assert_eq!(ExecutionId::parse(bad), None, "{bad}");
    }
}

/// A sink whose reads always fail (its executions are kept in memory).
#[derive(Default)]
struct FailingSink(MemoryReportStore);

impl AuditSink for FailingSink {
    fn record(&self, _: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send {
        ready(Ok(()))
    }

    fn record_aggregate(
        &self,
        _: playback_auth_policy::AuditAggregate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        ready(Ok(()))
    }

    fn records_for(
        &self,
        _: &str,
        _: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
        ready(Err(AuditError::backend("log service unreachable")))
    }

    fn purge_before(&self, _: time::Date) -> impl Future<Output = Result<(), AuditError>> + Send {
        ready(Ok(()))
    }

    fn put_execution(
        &self,
        id: ExecutionId,
        execution: &Execution,
        file: Option<&[u8]>,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        self.0.put(id, execution, file, expires_at, now);
        ready(Ok(()))
    }

    fn execution(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Execution>, AuditError>> + Send {
        ready(Ok(self.0.get(id, now)))
    }

    fn report_file(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, AuditError>> + Send {
        ready(Ok(self.0.file(id, now)))
    }
}

#[tokio::test]
async fn a_failing_sink_makes_the_execution_failed() {
    let reports = AuditReports::new(Arc::new(FailingSink::default()));
    let id = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    assert_eq!(
        status(&reports, id).await,
        Some(ExecutionStatus::Processing)
    );

    assert_eq!(reports.run_pending().await, 1);
    let Some(ExecutionStatus::Failed { reason }) = status(&reports, id).await else {
        panic!("expected a failed execution");
    };
    assert_eq!(reason, "audit sink unavailable");
    assert_eq!(reports.report_file(id, now()).await.unwrap(), None);
}

#[tokio::test]
async fn a_sink_that_cannot_store_executions_refuses_the_request() {
    let reports = AuditReports::new(Arc::new(crate::common::BrokenAuditSink));
    assert!(matches!(
        reports.request("acct-1", YESTERDAY, now()).await,
        Err(ReportError::Sink(_))
    ));
    // Nothing was queued.
    assert_eq!(reports.run_pending().await, 0);
}

#[tokio::test]
async fn pending_requests_are_bounded() {
    let reports = reports().with_max_executions(2);
    reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    reports.request("acct-2", YESTERDAY, now()).await.unwrap();
    assert_eq!(
        reports.request("acct-3", YESTERDAY, now()).await,
        Err(ReportError::TooManyPending { capacity: 2 })
    );
    // Generated requests make room.
    assert_eq!(reports.run_pending().await, 2);
    assert!(reports.request("acct-3", YESTERDAY, now()).await.is_ok());
}

/// The engine owns its sink by value and reports take an `Arc`: an engine built on an
/// `Arc<MemoryAuditSink>` writes the records that reports over the same `Arc` read.
#[tokio::test]
async fn an_engine_writing_through_a_shared_sink_feeds_the_reports() {
    use playback_auth_policy::{
        DenyReason, MemoryPolicyStore, MemoryRevocationStore, RequestContext,
    };

    let sink = Arc::new(MemoryAuditSink::new());
    let engine = engine_of(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        Arc::clone(&sink),
        PolicyConfig::default(),
    );
    let ctx = RequestContext::new(
        "acct-1",
        "video-7",
        "Player/1.0",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        NumericDate::from_secs(T).unwrap(),
    );
    let decision = engine
        .reject(None, &ctx, DenyReason::StoreUnavailable)
        .await;
    assert!(!decision.is_allowed());

    let reports = AuditReports::new(Arc::clone(&sink));
    let id = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    reports.run_pending().await;
    let file = reports.report_file(id, now()).await.unwrap().unwrap();
    let lines = lines(&file);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["reason"], "store_unavailable");
}

#[tokio::test]
async fn an_execution_knows_its_account() {
    let reports = reports();
    let first = reports.request("acct-1", YESTERDAY, now()).await.unwrap();
    let second = reports.request("acct-2", YESTERDAY, now()).await.unwrap();
    let account = |id| {
        let reports = &reports;
        async move {
            reports
                .execution(id, now())
                .await
                .unwrap()
                .map(|e| e.account)
        }
    };
    assert_eq!(account(first).await.as_deref(), Some("acct-1"));
    assert_eq!(account(second).await.as_deref(), Some("acct-2"));
}
