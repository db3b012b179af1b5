//! Daily audit reports: date rules, the processing → completed | failed model, contents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::future::{Future, ready};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::common::engine_of;
use playback_auth_claims::NumericDate;
use playback_auth_policy::PolicyConfig;
use playback_auth_policy::{
    AuditDecision, AuditError, AuditRecord, AuditReports, AuditSink, ExecutionStatus,
    MemoryAuditSink, RecordsRead, ReportError,
};
use time::macros::date;

/// 2023-11-14T22:13:20Z.
const T: i64 = 1_700_000_000;
const TODAY: time::Date = date!(2023 - 11 - 15);
const YESTERDAY: time::Date = date!(2023 - 11 - 14);

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

#[test]
fn yesterday_is_accepted() {
    assert!(reports().request("acct-1", YESTERDAY, TODAY).is_ok());
}

#[test]
fn thirty_days_ago_is_the_oldest_date_accepted() {
    let reports = reports();
    assert!(
        reports
            .request("acct-1", date!(2023 - 10 - 16), TODAY)
            .is_ok()
    );
    assert_eq!(
        reports.request("acct-1", date!(2023 - 10 - 15), TODAY),
        Err(ReportError::DateTooOld {
            oldest: date!(2023 - 10 - 16)
        })
    );
}

#[test]
fn today_is_refused() {
    assert_eq!(
        reports().request("acct-1", TODAY, TODAY),
        Err(ReportError::DateIsToday)
    );
}

#[test]
fn thirty_one_days_ago_is_too_old() {
    let date = TODAY - time::Duration::days(31);
    assert!(matches!(
        reports().request("acct-1", date, TODAY),
        Err(ReportError::DateTooOld { .. })
    ));
}

#[test]
fn a_future_date_is_refused() {
    assert_eq!(
        reports().request("acct-1", date!(2023 - 11 - 16), TODAY),
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
    let reports = AuditReports::new(sink);

    let id = reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    assert_eq!(reports.status(id), Some(ExecutionStatus::Processing));
    assert!(reports.report(id).is_none());

    assert_eq!(reports.run_pending().await, 1);
    assert_eq!(reports.status(id), Some(ExecutionStatus::Completed));
    let report = reports.report(id).unwrap();
    assert_eq!(report.account, "acct-1");
    assert_eq!(report.date, YESTERDAY);
    assert_eq!(report.records, wanted.to_vec());
    assert_eq!(report.skipped, 0);

    // Nothing left to do.
    assert_eq!(reports.run_pending().await, 0);
}

/// A sink whose reads always fail.
struct FailingSink;

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
}

#[tokio::test]
async fn a_failing_sink_makes_the_execution_failed() {
    let reports = AuditReports::new(Arc::new(FailingSink));
    let id = reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    assert_eq!(reports.status(id), Some(ExecutionStatus::Processing));

    assert_eq!(reports.run_pending().await, 1);
    let Some(ExecutionStatus::Failed { reason }) = reports.status(id) else {
        panic!("expected a failed execution, got {:?}", reports.status(id));
    };
    assert!(matches!(*reason, AuditError::Backend { .. }));
    assert_eq!(reports.status(id).unwrap().as_str(), "failed");
    assert!(reports.report(id).is_none());
}

#[test]
fn executions_are_bounded() {
    let reports = reports().with_max_executions(2);
    reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    reports.request("acct-2", YESTERDAY, TODAY).unwrap();
    assert_eq!(
        reports.request("acct-3", YESTERDAY, TODAY),
        Err(ReportError::TooManyPending { capacity: 2 })
    );
}

#[tokio::test]
async fn finished_executions_make_room_for_new_ones() {
    let reports = reports().with_max_executions(1);
    let first = reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    reports.run_pending().await;
    let second = reports.request("acct-2", YESTERDAY, TODAY).unwrap();
    assert_eq!(reports.status(first), None);
    assert_eq!(reports.status(second), Some(ExecutionStatus::Processing));
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
    let id = reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    reports.run_pending().await;
    let report = reports.report(id).unwrap();
    assert_eq!(report.records.len(), 1);
    assert_eq!(
        report.records[0].reason.as_deref(),
        Some("store_unavailable")
    );
}

#[test]
fn an_execution_knows_its_account() {
    let reports = reports();
    let first = reports.request("acct-1", YESTERDAY, TODAY).unwrap();
    let second = reports.request("acct-2", YESTERDAY, TODAY).unwrap();
    assert_eq!(reports.account(first).as_deref(), Some("acct-1"));
    assert_eq!(reports.account(second).as_deref(), Some("acct-2"));
    assert!(reports.remove(first));
    assert_eq!(reports.account(first), None);
}
