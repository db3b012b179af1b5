//! Daily audit reports: requested at once, generated later, polled by id.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{AuditAggregate, AuditRecord, AuditSink};
use crate::error::{AuditError, ReportError};

/// How many days of records are kept, and how far back a report may be requested.
pub const RETENTION_DAYS: u16 = 30;

/// How many report executions [`AuditReports`] keeps by default.
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

/// Identifies one report execution of an [`AuditReports`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId(u64);

impl ExecutionId {
    /// The id as a number (e.g. to put in a URL).
    pub fn get(self) -> u64 {
        self.0
    }

    /// An id from a number given back by a caller.
    pub fn from_u64(id: u64) -> Self {
        Self(id)
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a report execution is.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum ExecutionStatus {
    /// Requested, not finished yet (`"processing"`).
    Processing,
    /// The report is ready (`"completed"`): see [`AuditReports::report`].
    Completed,
    /// The sink failed while reading the records (`"failed"`).
    Failed {
        /// What the sink reported.
        reason: Arc<AuditError>,
    },
}

impl ExecutionStatus {
    /// The wire value: `"processing"`, `"completed"` or `"failed"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed { .. } => "failed",
        }
    }
}

/// Compares the state only; two failures are equal whatever their reasons.
impl PartialEq for ExecutionStatus {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// Stored lines of that day that could not be read (see
    /// [`RecordsRead::skipped`](super::RecordsRead::skipped)).
    pub skipped: usize,
}

#[derive(Debug)]
enum State {
    Queued,
    Running,
    Completed(Arc<Report>),
    Failed(Arc<AuditError>),
}

#[derive(Debug)]
struct Execution {
    account: String,
    date: time::Date,
    state: State,
}

impl Execution {
    fn is_finished(&self) -> bool {
        matches!(self.state, State::Completed(_) | State::Failed(_))
    }
}

#[derive(Debug, Default)]
struct Executions {
    next_id: u64,
    by_id: BTreeMap<u64, Execution>,
}

/// Daily audit reports over an [`AuditSink`], with the execution model of the reference
/// service: [`request`](Self::request) validates the date and returns an id at once with
/// status [`Processing`](ExecutionStatus::Processing); the report is generated when
/// [`run_pending`](Self::run_pending) is awaited (call it right away, from a spawned task,
/// or on a schedule), and its status becomes [`Completed`](ExecutionStatus::Completed) or
/// [`Failed`](ExecutionStatus::Failed).
///
/// A date may be requested when it is before `today` (UTC) and at most [`RETENTION_DAYS`]
/// days back. At most [`DEFAULT_MAX_EXECUTIONS`] executions are kept (configurable): a new
/// request drops the oldest finished one, and is refused when all of them are unfinished.
///
/// ```
/// use std::sync::Arc;
/// use playback_auth_policy::{AuditReports, ExecutionStatus, MemoryAuditSink, ReportError};
/// use time::macros::date;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let reports = AuditReports::new(Arc::new(MemoryAuditSink::new()));
/// let today = date!(2026 - 03 - 31);
/// assert_eq!(reports.request("acct-1", today, today), Err(ReportError::DateIsToday));
///
/// let id = reports.request("acct-1", date!(2026 - 03 - 30), today).unwrap();
/// assert_eq!(reports.status(id), Some(ExecutionStatus::Processing));
/// assert_eq!(reports.run_pending().await, 1);
/// assert_eq!(reports.status(id), Some(ExecutionStatus::Completed));
/// assert!(reports.report(id).unwrap().records.is_empty());
/// # });
/// ```
#[derive(Debug)]
pub struct AuditReports<S> {
    sink: Arc<S>,
    executions: Mutex<Executions>,
    max_executions: usize,
}

impl<S: AuditSink> AuditReports<S> {
    /// Reports over `sink`.
    pub fn new(sink: Arc<S>) -> Self {
        Self {
            sink,
            executions: Mutex::new(Executions::default()),
            max_executions: DEFAULT_MAX_EXECUTIONS,
        }
    }

    /// Sets how many executions are kept at once.
    #[must_use]
    pub fn with_max_executions(mut self, max_executions: usize) -> Self {
        self.max_executions = max_executions;
        self
    }

    /// The sink the reports read.
    pub fn sink(&self) -> &Arc<S> {
        &self.sink
    }

    /// Requests the report of `account` for `date`, given the current UTC date `today`.
    ///
    /// # Errors
    /// [`ReportError::DateIsToday`], [`ReportError::DateInFuture`],
    /// [`ReportError::DateTooOld`] (more than [`RETENTION_DAYS`] days back), or
    /// [`ReportError::TooManyPending`].
    pub fn request(
        &self,
        account: &str,
        date: time::Date,
        today: time::Date,
    ) -> Result<ExecutionId, ReportError> {
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
        let mut executions = self.executions();
        if executions.by_id.len() >= self.max_executions {
            let oldest_finished = executions
                .by_id
                .iter()
                .find(|(_, execution)| execution.is_finished())
                .map(|(id, _)| *id);
            match oldest_finished {
                Some(id) => {
                    executions.by_id.remove(&id);
                }
                None => {
                    return Err(ReportError::TooManyPending {
                        capacity: self.max_executions,
                    });
                }
            }
        }
        let id = executions.next_id;
        executions.next_id = id.wrapping_add(1);
        executions.by_id.insert(
            id,
            Execution {
                account: account.to_owned(),
                date,
                state: State::Queued,
            },
        );
        Ok(ExecutionId(id))
    }

    /// The status of an execution; `None` for an unknown (or dropped) id.
    pub fn status(&self, id: ExecutionId) -> Option<ExecutionStatus> {
        self.executions()
            .by_id
            .get(&id.0)
            .map(|execution| match &execution.state {
                State::Queued | State::Running => ExecutionStatus::Processing,
                State::Completed(_) => ExecutionStatus::Completed,
                State::Failed(reason) => ExecutionStatus::Failed {
                    reason: Arc::clone(reason),
                },
            })
    }

    /// The account an execution was requested for; `None` for an unknown (or dropped) id.
    /// Ids are numbered across accounts: an API serving several accounts checks this before
    /// answering one account about an id.
    pub fn account(&self, id: ExecutionId) -> Option<String> {
        self.executions()
            .by_id
            .get(&id.0)
            .map(|execution| execution.account.clone())
    }

    /// The report of a completed execution; `None` while processing, after a failure, or
    /// for an unknown id.
    pub fn report(&self, id: ExecutionId) -> Option<Arc<Report>> {
        match &self.executions().by_id.get(&id.0)?.state {
            State::Completed(report) => Some(Arc::clone(report)),
            _ => None,
        }
    }

    /// Forgets an execution and its report; whether it was known.
    pub fn remove(&self, id: ExecutionId) -> bool {
        self.executions().by_id.remove(&id.0).is_some()
    }

    /// Generates every requested report not yet started, one after another; returns how
    /// many were generated (completed or failed). Safe to run from several tasks at once:
    /// each execution is generated once.
    pub async fn run_pending(&self) -> usize {
        let mut generated = 0;
        while let Some((id, account, date)) = self.claim_next() {
            let state = match self.sink.records_for(&account, date).await {
                Ok(read) => State::Completed(Arc::new(Report {
                    account,
                    date,
                    records: read.records,
                    aggregates: read.aggregates,
                    skipped: read.skipped,
                })),
                Err(error) => State::Failed(Arc::new(error)),
            };
            if let Some(execution) = self.executions().by_id.get_mut(&id) {
                execution.state = state;
            }
            generated += 1;
        }
        generated
    }

    /// Deletes the sink's records older than [`RETENTION_DAYS`] days before `today`.
    ///
    /// # Errors
    /// The sink's [`AuditSink::purge_before`] error.
    pub async fn purge_expired(&self, today: time::Date) -> Result<(), AuditError> {
        self.sink.purge_before(oldest_reportable_date(today)).await
    }

    /// Marks the oldest queued execution as running and returns what it needs.
    fn claim_next(&self) -> Option<(u64, String, time::Date)> {
        let mut executions = self.executions();
        let (id, execution) = executions
            .by_id
            .iter_mut()
            .find(|(_, execution)| matches!(execution.state, State::Queued))?;
        execution.state = State::Running;
        Some((*id, execution.account.clone(), execution.date))
    }

    fn executions(&self) -> MutexGuard<'_, Executions> {
        // No method panics while holding the lock, so the map is still consistent.
        self.executions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
