//! Refusal aggregates batched in process: a request refused before a decision (a token that
//! does not verify) costs no Redis round trip of its own.
//!
//! [`AuditSink::record_aggregate`](playback_auth_policy::AuditSink::record_aggregate) merges
//! the refusal into the pending aggregate of its account, reason and minute; a background
//! task writes what is pending every
//! [`audit_batch_interval`](crate::RedisStoreBuilder::audit_batch_interval) (one script call
//! per aggregate), so a flood of invalid tokens costs Redis one call per account, reason,
//! minute and interval, whatever its size. Reading a day back
//! ([`records_for`](playback_auth_policy::AuditSink::records_for)) and
//! [`RedisStore::flush_audit`] write the pending aggregates first. A crash loses the counts
//! of at most one interval.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use playback_auth_policy::{AuditAggregate, AuditError};

use crate::store::RedisStore;

/// The most aggregates kept pending; one more writes the batch at once.
const MAX_PENDING: usize = 10_000;

/// An aggregate's place in the batch: account, minute, reason (written in this order).
type Key = (String, i64, String);

/// The pending aggregates, in the order they are written.
#[derive(Debug, Default)]
pub(crate) struct AggregateBatch {
    pending: Mutex<BTreeMap<Key, AuditAggregate>>,
    flusher: AtomicBool,
}

fn key(aggregate: &AuditAggregate) -> Key {
    (
        aggregate.account.clone(),
        aggregate.minute.as_secs(),
        aggregate.reason.clone(),
    )
}

impl AggregateBatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, AuditAggregate>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Merges `aggregate` into the batch; `false` when the batch is full.
    fn add(&self, aggregate: &AuditAggregate) -> bool {
        let mut pending = self.lock();
        if let Some(existing) = pending.get_mut(&key(aggregate)) {
            existing.merge(aggregate);
            return true;
        }
        if pending.len() >= MAX_PENDING {
            return false;
        }
        pending.insert(key(aggregate), aggregate.clone());
        true
    }

    fn take(&self) -> Vec<AuditAggregate> {
        std::mem::take(&mut *self.lock()).into_values().collect()
    }
}

impl RedisStore {
    /// Adds `aggregate` to the batch, starting the flusher on first use.
    pub(crate) async fn batch_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> Result<(), AuditError> {
        let batch = self.aggregate_batch();
        if !batch.add(&aggregate) {
            self.flush_audit().await?;
            if !batch.add(&aggregate) {
                return self.write_aggregate(aggregate).await;
            }
        }
        if !batch.flusher.swap(true, Ordering::SeqCst) {
            let store = self.downgrade();
            let interval = self
                .settings()
                .audit_batch_interval
                .unwrap_or(RedisStore::DEFAULT_AUDIT_BATCH_INTERVAL);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(interval).await;
                    let Some(store) = RedisStore::upgrade(&store) else {
                        return;
                    };
                    if store.flush_audit().await.is_err() {
                        metrics::counter!(playback_auth_policy::metrics::REDIS_ERRORS_TOTAL, "kind" => "other")
                            .increment(1);
                    }
                }
            });
        }
        Ok(())
    }

    /// Writes the refusal aggregates batched in this process (see
    /// [`audit_batch_interval`](crate::RedisStoreBuilder::audit_batch_interval)) now: for a
    /// graceful shutdown, or a test. Aggregates that could not be written stay pending.
    ///
    /// # Errors
    /// The first write that failed.
    pub async fn flush_audit(&self) -> Result<(), AuditError> {
        let batch = self.aggregate_batch();
        let mut pending = batch.take().into_iter();
        while let Some(aggregate) = pending.next() {
            if let Err(error) = self.write_aggregate(aggregate.clone()).await {
                for kept in std::iter::once(aggregate).chain(pending) {
                    batch.add(&kept);
                }
                return Err(error);
            }
        }
        Ok(())
    }
}
