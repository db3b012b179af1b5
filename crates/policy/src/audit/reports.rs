//! Daily audit reports: requested at once, generated later, polled by id, kept in the sink.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use playback_auth_claims::NumericDate;

use super::{
    AuditAggregate, AuditRecord, AuditSink, Execution, ExecutionId, ExecutionStatus, SessionEnd,
    SessionRenewals, session_ends,
};
use crate::PolicyConfig;
use crate::error::{AuditError, ReportError};

/// How many days of records are kept, and how far back a report may be requested.
pub const RETENTION_DAYS: u16 = 30;

/// How many report requests may wait for generation on one node by default.
pub const DEFAULT_MAX_EXECUTIONS: usize = 1024;

/// The oldest date a report may be requested for on `today` (UTC): [`RETENTION_DAYS`] days
/// back. Records dated before it are purged by [`AuditReports::purge_expired`].
///
/// ```
/// use playback_auth_policy::oldest_reportable_date;
/// use time::macros::date;
///
/// assert_eq!(oldest_reportable_date(date!(2026 - 03 - 31)), date!(2026 - 03 - 01));
/// ```
pub fn oldest_reportable_date(today: time::Date) -> time::Date {
    today
        .checked_sub(time::Duration::days(i64::from(RETENTION_DAYS)))
        .unwrap_or(time::Date::MIN)
}

/// The audit records of one account on one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The account.
    pub account: String,
    /// The UTC date.
    pub date: time::Date,
    /// The account's records of that day, in the order they were written.
    pub records: Vec<AuditRecord>,
    /// The account's refusals of that day counted per reason and minute (requests refused
    /// before a decision, see [`AuditAggregate`]).
    pub aggregates: Vec<AuditAggregate>,
    /// The account's accepted heartbeats of that day, one entry per session (see
    /// [`SessionRenewals`]).
    pub renewals: Vec<SessionRenewals>,
    /// Every stream session end that falls on that day, by time: the stops and evictions
    /// its records state, and the lease expiries no record states (see
    /// [`AuditReports::with_lease`] for how they are derived and which day lists them).
    pub ends: Vec<SessionEnd>,
    /// Stored lines of that day that could not be read (see
    /// [`RecordsRead::skipped`](super::RecordsRead::skipped)).
    pub skipped: usize,
}

impl Report {
    /// The report file: JSON Lines, one [`AuditRecord`] per line in the order written, then
    /// one line per [`AuditAggregate`] (they have `reason`, `minute` and `count` where
    /// records have `decision`), then one line per [`SessionRenewals`] (`session`, `count`,
    /// `first`, `last`, `ips`), then one line per [`SessionEnd`] in time order:
    ///
    /// ```json
    /// {"session":"5f1c…","uid":"viewer-42","ended_at":1700006120,"cause":"lease_expired"}
    /// ```
    ///
    /// (`uid` is `null` when the token had no user; `cause` is `stopped`, `evicted` or
    /// `lease_expired`, see [`SessionEndCause`](super::SessionEndCause)). Every line ends
    /// with `\n`.
    ///
    /// # Errors
    /// [`AuditError::Encode`] (not expected: records and aggregates always encode).
    pub fn to_json_lines(&self) -> Result<Vec<u8>, AuditError> {
        let mut file = Vec::new();
        for record in &self.records {
            serde_json::to_writer(&mut file, record).map_err(AuditError::Encode)?;
            file.push(b'\n');
        }
        for aggregate in &self.aggregates {
            serde_json::to_writer(&mut file, aggregate).map_err(AuditError::Encode)?;
            file.push(b'\n');
        }
        for renewals in &self.renewals {
            serde_json::to_writer(&mut file, renewals).map_err(AuditError::Encode)?;
            file.push(b'\n');
        }
        for end in &self.ends {
            serde_json::to_writer(&mut file, end).map_err(AuditError::Encode)?;
            file.push(b'\n');
        }
        Ok(file)
    }
}

/// When an execution for `date` and its report file leave the store: when the date leaves
/// the audit window (the end of `date` + [`RETENTION_DAYS`] days, UTC), so a report is never
/// kept longer than the records it was made from.
pub fn report_expiry(date: time::Date) -> NumericDate {
    let keep_through = date
        .checked_add(time::Duration::days(i64::from(RETENTION_DAYS) + 1))
        .unwrap_or(time::Date::MAX);
    let deadline = keep_through.midnight().assume_utc().unix_timestamp();
    NumericDate::from_secs(deadline).unwrap_or(NumericDate::MAX)
}

/// An execution this node was asked for and has not generated yet.
#[derive(Debug, Clone)]
struct Pending {
    id: ExecutionId,
    account: String,
    date: time::Date,
    /// When it was requested, by the caller's clock…
    requested_at: NumericDate,
    /// …and by the monotonic clock, so the finished execution's "now" is the request's
    /// plus the time generation took (its expiry then stays where the request put it).
    queued: Instant,
}

/// Daily audit reports over an [`AuditSink`], with the execution model of the reference
/// service: [`request`](Self::request) validates the date, stores a new execution with
/// status [`Processing`](ExecutionStatus::Processing) in the sink and returns its id at
/// once; the report is generated when [`run_pending`](Self::run_pending) is awaited on the
/// node that took the request (right away, from a spawned task, or on a schedule), and the
/// execution becomes [`Completed`](ExecutionStatus::Completed), with its report file
/// ([`Report::to_json_lines`]) stored beside it, or [`Failed`](ExecutionStatus::Failed).
///
/// Executions and files live in the sink ([`AuditSink::put_execution`]), so every node
/// sharing the sink answers [`execution`](Self::execution) and
/// [`report_file`](Self::report_file) for every execution; they expire when their date
/// leaves the audit window ([`report_expiry`]). Ids are 128 random bits.
///
/// A date may be requested when it is before today (UTC) and at most [`RETENTION_DAYS`]
/// days back. At most [`DEFAULT_MAX_EXECUTIONS`] requests wait for generation on one node
/// (configurable); past that a request is refused.
///
/// ```
/// use std::sync::Arc;
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{AuditReports, ExecutionStatus, MemoryAuditSink, ReportError};
/// use time::macros::date;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let reports = AuditReports::new(Arc::new(MemoryAuditSink::new()));
/// // 2026-03-31T12:00:00Z
/// let now = NumericDate::from_secs(1_774_958_400).unwrap();
/// assert_eq!(
///     reports.request("acct-1", date!(2026 - 03 - 31), now).await,
///     Err(ReportError::DateIsToday)
/// );
///
/// let id = reports.request("acct-1", date!(2026 - 03 - 30), now).await.unwrap();
/// let status = |e: Option<playback_auth_policy::Execution>| e.unwrap().status;
/// assert_eq!(status(reports.execution(id, now).await?), ExecutionStatus::Processing);
/// assert_eq!(reports.run_pending().await, 1);
/// assert_eq!(status(reports.execution(id, now).await?), ExecutionStatus::Completed);
/// assert_eq!(reports.report_file(id, now).await?, Some(Vec::new()));
/// # Ok::<(), playback_auth_policy::AuditError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct AuditReports<S> {
    sink: Arc<S>,
    pending: Mutex<VecDeque<Pending>>,
    max_executions: usize,
    lease: Duration,
}

impl<S: AuditSink> AuditReports<S> {
    /// Reports over `sink`.
    pub fn new(sink: Arc<S>) -> Self {
        Self {
            sink,
            pending: Mutex::new(VecDeque::new()),
            max_executions: DEFAULT_MAX_EXECUTIONS,
            lease: PolicyConfig::DEFAULT_LEASE,
        }
    }

    /// Sets the stream session lease the engine writing the sink uses (its
    /// [`PolicyConfig::lease`]; default [`PolicyConfig::DEFAULT_LEASE`], 120 s), from which
    /// reports derive the ends no record states.
    ///
    /// A session ends by a stop (a `session_stopped` record), an eviction (a
    /// `session_ended_evicted` record) or, when the player just disappears, when its lease
    /// runs out: `lease` after its last allowed start or heartbeat (the `last` of its
    /// [`SessionRenewals`]). A report lists every end as a [`SessionEnd`]; a lease expiry
    /// only once it is past when the report is generated, so a session still within its
    /// lease then has no end yet.
    ///
    /// Day boundary: an end is in the report of the UTC day it falls on. A session whose
    /// last heartbeat is just before midnight (23:59:30 with a 120 s lease) ends the next
    /// day (00:01:30), so its end is in the next day's report, although its start and
    /// renewals are in this day's; to find it, generating a report also reads the day
    /// before (as many days as the lease spans). If the player goes on past midnight, the
    /// next day's renewals continue the session and no end is derived at midnight.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how many requests may wait for generation on this node at once.
    #[must_use]
    pub fn with_max_executions(mut self, max_executions: usize) -> Self {
        self.max_executions = max_executions;
        self
    }

    /// The sink the reports read.
    pub fn sink(&self) -> &Arc<S> {
        &self.sink
    }

    /// Requests the report of `account` for `date` at `now` (today is `now`'s UTC date):
    /// stores the execution as processing and queues it for [`run_pending`](Self::run_pending).
    ///
    /// # Errors
    /// [`ReportError::DateIsToday`], [`ReportError::DateInFuture`],
    /// [`ReportError::DateTooOld`] (more than [`RETENTION_DAYS`] days back),
    /// [`ReportError::TooManyPending`], or [`ReportError::Sink`] when the execution cannot
    /// be stored.
    pub async fn request(
        &self,
        account: &str,
        date: time::Date,
        now: NumericDate,
    ) -> Result<ExecutionId, ReportError> {
        let today = now.to_offset_date_time().date();
        if date == today {
            return Err(ReportError::DateIsToday);
        }
        if date > today {
            return Err(ReportError::DateInFuture);
        }
        let oldest = oldest_reportable_date(today);
        if date < oldest {
            return Err(ReportError::DateTooOld { oldest });
        }
        if self.pending().len() >= self.max_executions {
            return Err(ReportError::TooManyPending {
                capacity: self.max_executions,
            });
        }
        let sink_error = |error| ReportError::Sink(Arc::new(error));
        let id = ExecutionId::random().map_err(sink_error)?;
        let execution = Execution {
            account: account.to_owned(),
            date,
            status: ExecutionStatus::Processing,
        };
        self.sink
            .put_execution(id, &execution, None, report_expiry(date), now)
            .await
            .map_err(sink_error)?;
        let mut pending = self.pending();
        if pending.len() >= self.max_executions {
            // Filled while the execution was being stored: it stays `processing` until it
            // expires, and the caller is told to come back.
            return Err(ReportError::TooManyPending {
                capacity: self.max_executions,
            });
        }
        pending.push_back(Pending {
            id,
            account: account.to_owned(),
            date,
            requested_at: now,
            queued: Instant::now(),
        });
        Ok(id)
    }

    /// An execution as the sink holds it; `None` for an unknown or expired id. An API
    /// serving several accounts checks [`Execution::account`] before answering one account
    /// about an id.
    ///
    /// # Errors
    /// The sink's [`AuditSink::execution`] error.
    pub async fn execution(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> Result<Option<Execution>, AuditError> {
        self.sink.execution(id, now).await
    }

    /// The report file (JSON Lines, [`Report::to_json_lines`]) of a completed execution;
    /// `None` while processing, after a failure, or for an unknown or expired id.
    ///
    /// # Errors
    /// The sink's [`AuditSink::report_file`] error.
    pub async fn report_file(
        &self,
        id: ExecutionId,
        now: NumericDate,
    ) -> Result<Option<Vec<u8>>, AuditError> {
        self.sink.report_file(id, now).await
    }

    /// Generates every report this node was asked for and has not started, one after
    /// another; returns how many were generated (completed or failed). Safe to run from
    /// several tasks at once: each execution is generated once.
    pub async fn run_pending(&self) -> usize {
        let mut generated = 0;
        while let Some(job) = self.claim_next() {
            let now = job.requested_at.saturating_add(job.queued.elapsed());
            let outcome = self
                .generate(&job.account, job.date, now)
                .await
                .and_then(|report| report.to_json_lines());
            let (status, file) = match outcome {
                Ok(file) => (ExecutionStatus::Completed, Some(file)),
                Err(error) => (
                    ExecutionStatus::Failed {
                        reason: error.to_string(),
                    },
                    None,
                ),
            };
            let execution = Execution {
                account: job.account,
                date: job.date,
                status,
            };
            // Nowhere to report a store failure here: the execution stays `processing` in
            // the store until it expires, and the publisher queries again.
            let _ = self
                .sink
                .put_execution(
                    job.id,
                    &execution,
                    file.as_deref(),
                    report_expiry(job.date),
                    now,
                )
                .await;
            generated += 1;
        }
        generated
    }

    /// The report of `account` for `date`, generated at `now`: the day's records,
    /// aggregates and renewals, and its session ends (see [`with_lease`](Self::with_lease)).
    ///
    /// # Errors
    /// The sink's [`AuditSink::records_for`] error, for the date or a day before it read for
    /// the ends.
    pub async fn generate(
        &self,
        account: &str,
        date: time::Date,
        now: NumericDate,
    ) -> Result<Report, AuditError> {
        let lookback = session_ends::lookback_days(self.lease);
        let mut days = Vec::with_capacity(usize::from(lookback) + 1);
        for back in (1..=lookback).rev() {
            let Some(day) = date.checked_sub(time::Duration::days(i64::from(back))) else {
                continue;
            };
            days.push(self.sink.records_for(account, day).await?);
        }
        days.push(self.sink.records_for(account, date).await?);
        let ends = session_ends::session_ends(&days, date, self.lease, now);
        let read = days.pop().unwrap_or_default();
        Ok(Report {
            account: account.to_owned(),
            date,
            records: read.records,
            aggregates: read.aggregates,
            renewals: read.renewals,
            ends,
            skipped: read.skipped,
        })
    }

    /// Deletes the sink's records older than [`RETENTION_DAYS`] days before `today`.
    ///
    /// # Errors
    /// The sink's [`AuditSink::purge_before`] error.
    pub async fn purge_expired(&self, today: time::Date) -> Result<(), AuditError> {
        self.sink.purge_before(oldest_reportable_date(today)).await
    }

    /// Takes the oldest request not yet started.
    fn claim_next(&self) -> Option<Pending> {
        self.pending().pop_front()
    }

    fn pending(&self) -> MutexGuard<'_, VecDeque<Pending>> {
        // No method panics while holding the lock, so the queue is still consistent.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
