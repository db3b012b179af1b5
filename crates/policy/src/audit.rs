//! Audit: one record per decision, to a pluggable sink, and daily reports over them.
//!
//! - [`AuditRecord`]: who asked for what, from where, with which token, and what was decided.
//! - [`AuditAggregate`]: requests refused before a decision (a token that does not verify,
//!   no token, two tokens), counted per account, reason and UTC minute instead of kept one
//!   by one, so anonymous clients cannot grow the trail.
//! - [`AuditSink`]: where records go and are read back by account and UTC day;
//!   [`MemoryAuditSink`] for tests and development, [`JsonLinesAuditSink`] for an
//!   append-only JSON Lines file per UTC day.
//! - [`AuditReports`]: daily reports per account, generated asynchronously
//!   (`processing` → `completed` | `failed`), for a past date at most
//!   [`RETENTION_DAYS`] days back; older records are purged. Executions (unguessable
//!   [`ExecutionId`]s) and finished report files (JSON Lines) live in the sink, so every
//!   node sharing it answers for every execution.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use std::sync::Arc;
//! use playback_auth_claims::NumericDate;
//! use playback_auth_policy::{
//!     AuditDecision, AuditRecord, AuditReports, AuditSink, ExecutionStatus, MemoryAuditSink,
//! };
//! use time::macros::date;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let sink = Arc::new(MemoryAuditSink::new());
//! // 2023-11-14T22:13:20Z
//! let time = NumericDate::from_secs(1_700_000_000).unwrap();
//! let record = AuditRecord::new(
//!     time, "acct-1", IpAddr::V4(Ipv4Addr::LOCALHOST), "Player/1.0", "video-7",
//!     AuditDecision::Deny,
//! )
//! .with_reason("stream_limit_reached");
//! sink.record(record).await?;
//!
//! let reports = AuditReports::new(Arc::clone(&sink));
//! let next_day = NumericDate::from_secs(1_700_000_000 + 86_400).unwrap();
//! let id = reports.request("acct-1", date!(2023 - 11 - 14), next_day).await?;
//! assert_eq!(reports.run_pending().await, 1);
//! let execution = reports.execution(id, next_day).await?.unwrap();
//! assert_eq!(execution.status, ExecutionStatus::Completed);
//! let file = reports.report_file(id, next_day).await?.unwrap();
//! assert_eq!(file.iter().filter(|&&byte| byte == b'\n').count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod aggregate;
mod executions;
mod json_lines;
mod memory;
mod record;
mod renewals;
mod reports;
mod session_ends;

use std::future::Future;

use playback_auth_claims::NumericDate;

pub use aggregate::AuditAggregate;
pub(crate) use aggregate::merge_all;
pub use executions::{
    DEFAULT_MAX_REPORT_BYTES, DEFAULT_MAX_STORED_EXECUTIONS, Execution, ExecutionId,
    ExecutionStatus, MemoryReportStore,
};
pub use json_lines::JsonLinesAuditSink;
pub use memory::{
    AuditSinkStats, DEFAULT_MAX_AUDIT_AGGREGATES, DEFAULT_MAX_AUDIT_RECORDS, MemoryAuditSink,
};
pub use record::{
    AuditDecision, AuditRecord, MAX_AUDIT_ID_LEN, MAX_AUDIT_RIGHTS_RULE_LEN,
    MAX_AUDIT_USER_AGENT_LEN, TRUNCATION_MARKER,
};
pub use renewals::{MAX_RENEWAL_IPS, SessionRenewals};
pub use reports::{
    AuditReports, DEFAULT_MAX_EXECUTIONS, RETENTION_DAYS, Report, oldest_reportable_date,
    report_expiry,
};
pub use session_ends::{SessionEnd, SessionEndCause};

use crate::error::AuditError;

/// The records of one account and day read back from a sink.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordsRead {
    /// The records, in the order they were written.
    pub records: Vec<AuditRecord>,
    /// The refusals counted per reason and minute ([`AuditAggregate`]), one per
    /// `(reason, minute)`, ordered by minute, then reason (every sink lists them so).
    pub aggregates: Vec<AuditAggregate>,
    /// The accepted heartbeats counted per session ([`SessionRenewals`]), one per session
    /// of that day, ordered by session key.
    pub renewals: Vec<SessionRenewals>,
    /// Stored lines that could not be read as a record (e.g. a line torn by a crash in
    /// the middle of a write), of any account. They are skipped, not fatal.
    pub skipped: usize,
}

/// Where audit records go.
///
/// Records are grouped by the UTC date of their [`time`](AuditRecord::time). The futures
/// are `Send`, so a networked backend can implement the trait without boxing.
pub trait AuditSink: Send + Sync + 'static {
    /// Stores one record.
    ///
    /// # Errors
    /// [`AuditError::Encode`], [`AuditError::Write`] or [`AuditError::Backend`].
    fn record(&self, record: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send;

    /// Adds `aggregate`'s refusals to the aggregate the sink holds for the same account,
    /// reason and minute ([`AuditAggregate::merge`]), or stores it when there is none. A
    /// flood of refusals costs one aggregate per account, reason and minute, never one entry
    /// per request.
    ///
    /// # Errors
    /// As [`record`](Self::record).
    fn record_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send;

    /// Adds `renewals` to the entry the sink holds for the same account, session and UTC day
    /// ([`SessionRenewals::merge`]), or stores it: a session's heartbeats cost one entry per
    /// day, whatever their number.
    ///
    /// The default, for sinks that keep no per-session entries (e.g. [`JsonLinesAuditSink`]),
    /// counts them in the [`AuditAggregate`] of the account, the reason `session_renewed` and
    /// the minute of the last one: bounded too, but without the session.
    ///
    /// # Errors
    /// As [`record`](Self::record).
    fn record_renewals(
        &self,
        renewals: SessionRenewals,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        let mut aggregate =
            AuditAggregate::refusal(renewals.last, renewals.account, "session_renewed");
        aggregate.count = renewals.count;
        self.record_aggregate(aggregate)
    }

    /// The records of `account` whose time falls on `date` (UTC), and its aggregates whose
    /// minute does.
    ///
    /// # Errors
    /// [`AuditError::Read`] or [`AuditError::Backend`]; an unreadable record is counted in
    /// [`RecordsRead::skipped`] instead.
    fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send;

    /// Deletes every record dated (UTC) before `date`.
    ///
    /// # Errors
    /// [`AuditError::Purge`] or [`AuditError::Backend`].
    fn purge_before(&self, date: time::Date)
    -> impl Future<Output = Result<(), AuditError>> + Send;

    /// Stores report execution `id` — replacing what is stored under it — with its finished
    /// report `file` when there is one, until `expires_at` ([`report_expiry`] of its date:
    /// never longer than the audit window). [`AuditReports`] stores every execution it
    /// makes here, so every node sharing the sink answers for it. An `expires_at` not after
    /// `now` removes it.
    ///
    /// A sink with nowhere of its own to keep them may delegate to a [`MemoryReportStore`]
    /// (single node only).
    ///
    /// # Errors
    /// [`AuditError::Backend`] (or another variant) when it cannot be stored.
    fn put_execution(
        &self,
        id: ExecutionId,
        execution: &Execution,
        file: Option<&[u8]>,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send;

    /// The execution stored under `id`; `None` when unknown or expired.
    ///
    /// # Errors
    /// [`AuditError::Backend`] (or another variant) when it cannot be read.
    fn execution(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Execution>, AuditError>> + Send;

    /// The report file stored with execution `id`; `None` when there is none (not finished,
    /// failed, unknown or expired).
    ///
    /// # Errors
    /// [`AuditError::Backend`] (or another variant) when it cannot be read.
    fn report_file(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, AuditError>> + Send;
}

/// A shared sink is a sink: the engine can write to an `Arc` that [`AuditReports`] (which
/// takes an `Arc`) reads from.
impl<T: AuditSink> AuditSink for std::sync::Arc<T> {
    fn record(&self, record: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send {
        T::record(self, record)
    }

    fn record_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        T::record_aggregate(self, aggregate)
    }

    fn record_renewals(
        &self,
        renewals: SessionRenewals,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        T::record_renewals(self, renewals)
    }

    fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
        T::records_for(self, account, date)
    }

    fn purge_before(
        &self,
        date: time::Date,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        T::purge_before(self, date)
    }

    fn put_execution(
        &self,
        id: ExecutionId,
        execution: &Execution,
        file: Option<&[u8]>,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        T::put_execution(self, id, execution, file, expires_at, now)
    }

    fn execution(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Execution>, AuditError>> + Send {
        T::execution(self, id, now)
    }

    fn report_file(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, AuditError>> + Send {
        T::report_file(self, id, now)
    }
}

#[cfg(test)]
mod tests;
