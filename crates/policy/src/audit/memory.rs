//! `MemoryAuditSink`: audit records kept in memory, for tests and development.

use std::collections::BTreeMap;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{AuditRecord, AuditSink, RecordsRead};
use crate::error::AuditError;

/// An [`AuditSink`] that keeps records in memory, grouped by UTC day.
///
/// Memory grows with every record until [`AuditSink::purge_before`] drops old days; use it
/// in tests and development, and [`JsonLinesAuditSink`](super::JsonLinesAuditSink) or a
/// backend of your own in production.
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    days: Mutex<BTreeMap<time::Date, Vec<AuditRecord>>>,
}

impl MemoryAuditSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored record, oldest day first, each day in the order written.
    pub fn all_records(&self) -> Vec<AuditRecord> {
        self.days().values().flatten().cloned().collect()
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        self.days().values().map(Vec::len).sum()
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.days().values().all(Vec::is_empty)
    }

    fn days(&self) -> MutexGuard<'_, BTreeMap<time::Date, Vec<AuditRecord>>> {
        // No method panics while holding the lock, so a poisoned map is still consistent.
        self.days.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AuditSink for MemoryAuditSink {
    fn record(&self, record: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send {
        self.days().entry(record.date()).or_default().push(record);
        ready(Ok(()))
    }

    fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
        let records = self
            .days()
            .get(&date)
            .map(|records| {
                records
                    .iter()
                    .filter(|record| record.account == account)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        ready(Ok(RecordsRead {
            records,
            skipped: 0,
        }))
    }

    fn purge_before(
        &self,
        date: time::Date,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        let mut days = self.days();
        let kept = days.split_off(&date);
        *days = kept;
        ready(Ok(()))
    }
}
