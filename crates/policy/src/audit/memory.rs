//! `MemoryAuditSink`: audit records kept in memory, for tests and development.

use std::collections::{BTreeMap, VecDeque};
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::executions::delegate_to_memory_report_store;
use super::{
    AuditAggregate, AuditRecord, AuditSink, MemoryReportStore, RecordsRead, SessionRenewals,
};
use crate::error::AuditError;

/// How many records a [`MemoryAuditSink`] keeps by default: 10,000 (with every field at its
/// cap, about 12 MB).
pub const DEFAULT_MAX_AUDIT_RECORDS: usize = 10_000;

/// How many aggregates a [`MemoryAuditSink`] keeps by default: 10,000 (about 3 MB at most).
pub const DEFAULT_MAX_AUDIT_AGGREGATES: usize = 10_000;

/// What a [`MemoryAuditSink`] holds, and what it has evicted to stay within its bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditSinkStats {
    /// Records held.
    pub records: usize,
    /// Aggregates held.
    pub aggregates: usize,
    /// About how many bytes the records and aggregates hold
    /// ([`AuditRecord::heap_size`], [`AuditAggregate::heap_size`]).
    pub bytes: usize,
    /// Records dropped, oldest first, to stay within the record bound.
    pub evicted_records: u64,
    /// Aggregates dropped, oldest minute first, to stay within the aggregate bound.
    pub evicted_aggregates: u64,
}

/// An [`AuditSink`] that keeps records in memory, grouped by UTC day, within hard bounds.
///
/// It holds at most [`max_records`](Self::with_max_records) records (default
/// [`DEFAULT_MAX_AUDIT_RECORDS`]) and [`max_aggregates`](Self::with_max_aggregates)
/// aggregates (default [`DEFAULT_MAX_AUDIT_AGGREGATES`]). Past a bound, the oldest entry is
/// evicted — the first record of the earliest day, the aggregate of the earliest minute —
/// and counted ([`AuditSinkStats::evicted_records`], [`AuditSinkStats::evicted_aggregates`]).
/// With every field capped (see [`AuditRecord`]), what the sink holds is bounded whatever
/// clients send; [`stats`](Self::stats) says how much it holds. Use it in tests,
/// development and single-node deployments that can lose old records, and
/// [`JsonLinesAuditSink`](super::JsonLinesAuditSink) or a backend of your own where the
/// trail must be complete.
///
/// ```
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{AuditAggregate, AuditSink, MemoryAuditSink};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let sink = MemoryAuditSink::new().with_max_aggregates(2);
/// for minute in 0..3 {
///     let time = NumericDate::from_secs(1_700_000_000 + 60 * minute).unwrap();
///     sink.record_aggregate(AuditAggregate::refusal(time, "acct-1", "token_missing")).await?;
/// }
/// let stats = sink.stats();
/// assert_eq!((stats.aggregates, stats.evicted_aggregates), (2, 1));
/// # Ok::<(), playback_auth_policy::AuditError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryAuditSink {
    state: Mutex<State>,
    /// Report executions and files (bounded on their own).
    reports: MemoryReportStore,
    max_records: usize,
    max_aggregates: usize,
}

#[derive(Debug, Default)]
struct State {
    days: BTreeMap<time::Date, VecDeque<AuditRecord>>,
    /// Keyed by minute first, so the first entry is the oldest.
    aggregates: BTreeMap<(i64, String, String), AuditAggregate>,
    /// Heartbeats per session, keyed by day first (bounded like the aggregates).
    renewals: BTreeMap<(time::Date, String, String), SessionRenewals>,
    records: usize,
    bytes: usize,
    evicted_records: u64,
    evicted_aggregates: u64,
}

impl Default for MemoryAuditSink {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryAuditSink {
    /// An empty sink with the default bounds.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            reports: MemoryReportStore::new(),
            max_records: DEFAULT_MAX_AUDIT_RECORDS,
            max_aggregates: DEFAULT_MAX_AUDIT_AGGREGATES,
        }
    }

    /// Sets how many records are kept at most (0 keeps none).
    #[must_use]
    pub fn with_max_records(mut self, max_records: usize) -> Self {
        self.max_records = max_records;
        self
    }

    /// Sets how many aggregates are kept at most (0 keeps none).
    #[must_use]
    pub fn with_max_aggregates(mut self, max_aggregates: usize) -> Self {
        self.max_aggregates = max_aggregates;
        self
    }

    /// Every stored record, oldest day first, each day in the order written.
    pub fn all_records(&self) -> Vec<AuditRecord> {
        self.state().days.values().flatten().cloned().collect()
    }

    /// Every stored aggregate, oldest minute first.
    pub fn all_aggregates(&self) -> Vec<AuditAggregate> {
        self.state().aggregates.values().cloned().collect()
    }

    /// Every stored [`SessionRenewals`], oldest day first.
    pub fn all_renewals(&self) -> Vec<SessionRenewals> {
        self.state().renewals.values().cloned().collect()
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        self.state().records
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the sink holds and has evicted.
    pub fn stats(&self) -> AuditSinkStats {
        let state = self.state();
        AuditSinkStats {
            records: state.records,
            aggregates: state.aggregates.len(),
            bytes: state.bytes,
            evicted_records: state.evicted_records,
            evicted_aggregates: state.evicted_aggregates,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // No method panics while holding the lock, so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn merge_renewals(&mut self, renewals: SessionRenewals, max: usize) {
        let key = (
            renewals.date(),
            renewals.account.clone(),
            renewals.session.clone(),
        );
        match self.renewals.get_mut(&key) {
            Some(existing) => {
                let before = existing.heap_size();
                existing.merge(&renewals);
                self.bytes = self.bytes - before + existing.heap_size();
            }
            None => {
                self.bytes += renewals.heap_size();
                self.renewals.insert(key, renewals);
            }
        }
        while self.renewals.len() > max {
            let Some((_, evicted)) = self.renewals.pop_first() else {
                break;
            };
            self.bytes = self.bytes.saturating_sub(evicted.heap_size());
            self.evicted_aggregates += 1;
        }
    }

    fn push_record(&mut self, record: AuditRecord, max_records: usize) {
        self.records += 1;
        self.bytes += record.heap_size();
        self.days
            .entry(record.date())
            .or_default()
            .push_back(record);
        while self.records > max_records {
            let Some(mut oldest_day) = self.days.first_entry() else {
                break;
            };
            if let Some(evicted) = oldest_day.get_mut().pop_front() {
                self.records -= 1;
                self.bytes = self.bytes.saturating_sub(evicted.heap_size());
                self.evicted_records += 1;
            }
            if oldest_day.get().is_empty() {
                oldest_day.remove();
            }
        }
    }

    fn merge_aggregate(&mut self, aggregate: AuditAggregate, max_aggregates: usize) {
        let key = aggregate_key(&aggregate);
        match self.aggregates.get_mut(&key) {
            Some(existing) => existing.merge(&aggregate),
            None => {
                self.bytes += aggregate.heap_size();
                self.aggregates.insert(key, aggregate);
            }
        }
        while self.aggregates.len() > max_aggregates {
            let Some((_, evicted)) = self.aggregates.pop_first() else {
                break;
            };
            self.bytes = self.bytes.saturating_sub(evicted.heap_size());
            self.evicted_aggregates += 1;
        }
    }
}

fn aggregate_key(aggregate: &AuditAggregate) -> (i64, String, String) {
    (
        aggregate.minute.as_secs(),
        aggregate.account.clone(),
        aggregate.reason.clone(),
    )
}

impl AuditSink for MemoryAuditSink {
    delegate_to_memory_report_store!(reports);

    fn record(&self, record: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send {
        self.state().push_record(record.capped(), self.max_records);
        ready(Ok(()))
    }

    fn record_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        self.state()
            .merge_aggregate(aggregate.capped(), self.max_aggregates);
        ready(Ok(()))
    }

    fn record_renewals(
        &self,
        renewals: SessionRenewals,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        self.state()
            .merge_renewals(renewals.capped(), self.max_aggregates);
        ready(Ok(()))
    }

    fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
        let state = self.state();
        let records = state
            .days
            .get(&date)
            .map(|records| {
                records
                    .iter()
                    .filter(|record| record.account == account)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let aggregates = state
            .aggregates
            .values()
            .filter(|aggregate| aggregate.account == account && aggregate.date() == date)
            .cloned()
            .collect();
        let renewals = state
            .renewals
            .range((date, String::new(), String::new())..)
            .take_while(|((day, _, _), _)| *day == date)
            .filter(|((_, owner, _), _)| owner == account)
            .map(|(_, renewals)| renewals.clone())
            .collect();
        ready(Ok(RecordsRead {
            records,
            aggregates,
            renewals,
            skipped: 0,
        }))
    }

    fn purge_before(
        &self,
        date: time::Date,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        let mut state = self.state();
        let kept = state.days.split_off(&date);
        let purged = std::mem::replace(&mut state.days, kept);
        let purged_aggregates: Vec<_> = state
            .aggregates
            .iter()
            .filter(|(_, aggregate)| aggregate.date() < date)
            .map(|(key, _)| key.clone())
            .collect();
        for record in purged.values().flatten() {
            state.records = state.records.saturating_sub(1);
            state.bytes = state.bytes.saturating_sub(record.heap_size());
        }
        let kept_renewals = state
            .renewals
            .split_off(&(date, String::new(), String::new()));
        for renewals in std::mem::replace(&mut state.renewals, kept_renewals).values() {
            state.bytes = state.bytes.saturating_sub(renewals.heap_size());
        }
        for key in purged_aggregates {
            if let Some(aggregate) = state.aggregates.remove(&key) {
                state.bytes = state.bytes.saturating_sub(aggregate.heap_size());
            }
        }
        ready(Ok(()))
    }
}

#[cfg(test)]
mod tests;
