//! Report executions as a store keeps them: unguessable ids, the execution's state, and the
//! finished report file, each with an expiry — so any node sharing the store answers for
//! any execution.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use crate::error::AuditError;

/// Identifies one report execution: 128 random bits, written as 32 lowercase hex digits.
///
/// Ids are drawn from the operating system's random number generator, so one account
/// cannot guess another's (and an id still only answers for the account it was made for).
///
/// ```
/// use playback_auth_policy::ExecutionId;
///
/// let id = ExecutionId::random()?;
/// let text = id.to_string();
/// assert_eq!(text.len(), 32);
/// assert_eq!(ExecutionId::parse(&text), Some(id));
/// assert_eq!(ExecutionId::parse("42"), None);
/// # Ok::<(), playback_auth_policy::AuditError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId([u8; 16]);

impl ExecutionId {
    /// A fresh id from the operating system's random number generator.
    ///
    /// # Errors
    /// [`AuditError::Backend`] when the random number generator fails.
    pub fn random() -> Result<Self, AuditError> {
        let mut bytes = [0; 16];
        getrandom::fill(&mut bytes).map_err(AuditError::backend)?;
        Ok(Self(bytes))
    }

    /// The id of these 16 bytes (e.g. from a random source of the caller's).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The id's 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The id written as [`Display`](fmt::Display) writes it: exactly 32 lowercase hex
    /// digits; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 32 {
            return None;
        }
        let mut bytes = [0; 16];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let [high, low] = pair else { return None };
            *byte = (digit(*high)? << 4) | digit(*low)?;
        }
        Some(Self(bytes))
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExecutionId({self})")
    }
}

impl Serialize for ExecutionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ExecutionId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not an execution id"))
    }
}

/// Where an execution is, as stored: `processing`, `completed` or `failed` with the sink's
/// reason (text, so every node reads it back the same).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ExecutionStatus {
    /// Requested, not finished yet (`"processing"`).
    Processing,
    /// The report file is ready (`"completed"`).
    Completed,
    /// The sink failed while reading the records (`"failed"`).
    Failed {
        /// What the sink reported.
        reason: String,
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

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One report execution as a sink stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    /// The account the report is for: another account's id is as unknown as a made-up one.
    pub account: String,
    /// The UTC date reported on.
    #[serde(with = "date_format")]
    pub date: time::Date,
    /// Where the execution is.
    #[serde(flatten)]
    pub status: ExecutionStatus,
}

mod date_format {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]");

    pub(super) fn serialize<S: Serializer>(date: &time::Date, s: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<time::Date, D::Error> {
        let text = String::deserialize(d)?;
        time::Date::parse(&text, FORMAT).map_err(serde::de::Error::custom)
    }
}

/// How many executions a [`MemoryReportStore`] keeps by default.
pub const DEFAULT_MAX_STORED_EXECUTIONS: usize = 1024;

/// How many bytes of report files a [`MemoryReportStore`] keeps by default: 64 MiB.
pub const DEFAULT_MAX_REPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
struct Stored {
    /// Order of first storage, for eviction (oldest first).
    sequence: u64,
    execution: Execution,
    file: Option<Arc<[u8]>>,
    expires_at: NumericDate,
}

#[derive(Debug, Default)]
struct Entries {
    next_sequence: u64,
    bytes: usize,
    by_id: HashMap<ExecutionId, Stored>,
}

/// Report executions and files in memory, within bounds: what [`MemoryAuditSink`] and
/// [`JsonLinesAuditSink`] keep them in, and what a sink of your own may delegate its
/// execution methods to (single node only: another process cannot see them).
///
/// Entries are dropped once expired; past [`DEFAULT_MAX_STORED_EXECUTIONS`] executions or
/// [`DEFAULT_MAX_REPORT_BYTES`] bytes of files, the oldest are dropped first (a single
/// file larger than the byte bound is not kept, nor its execution).
///
/// [`MemoryAuditSink`]: super::MemoryAuditSink
/// [`JsonLinesAuditSink`]: super::JsonLinesAuditSink
#[derive(Debug)]
pub struct MemoryReportStore {
    entries: Mutex<Entries>,
    max_executions: usize,
    max_bytes: usize,
}

impl Default for MemoryReportStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryReportStore {
    /// An empty store with the default bounds.
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            max_executions: DEFAULT_MAX_STORED_EXECUTIONS,
            max_bytes: DEFAULT_MAX_REPORT_BYTES,
        }
    }

    /// Sets how many executions are kept at most.
    #[must_use]
    pub fn with_max_executions(mut self, max: usize) -> Self {
        self.max_executions = max;
        self
    }

    /// Sets how many bytes of report files are kept at most.
    #[must_use]
    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    /// Stores (or replaces) an execution and its file until `expires_at`; see
    /// [`AuditSink::put_execution`](super::AuditSink::put_execution).
    pub fn put(
        &self,
        id: ExecutionId,
        execution: &Execution,
        file: Option<&[u8]>,
        expires_at: NumericDate,
        now: NumericDate,
    ) {
        let mut entries = self.entries();
        entries.forget_expired(now);
        // A file over the whole bound cannot be kept; keeping the rest in its place would
        // only evict every other report for nothing.
        if expires_at <= now || file.is_some_and(|file| file.len() > self.max_bytes) {
            entries.remove(id);
            return;
        }
        let sequence = match entries.remove(id) {
            Some(sequence) => sequence,
            None => {
                let sequence = entries.next_sequence;
                entries.next_sequence = sequence.wrapping_add(1);
                sequence
            }
        };
        let file: Option<Arc<[u8]>> = file.map(Arc::from);
        entries.bytes = entries
            .bytes
            .saturating_add(file.as_ref().map_or(0, |file| file.len()));
        entries.by_id.insert(
            id,
            Stored {
                sequence,
                execution: execution.clone(),
                file,
                expires_at,
            },
        );
        while entries.by_id.len() > self.max_executions || entries.bytes > self.max_bytes {
            let Some(oldest) = entries
                .by_id
                .iter()
                .min_by_key(|(_, stored)| stored.sequence)
                .map(|(id, _)| *id)
            else {
                break;
            };
            entries.remove(oldest);
        }
    }

    /// The execution, unless unknown, expired or dropped.
    pub fn get(&self, id: ExecutionId, now: NumericDate) -> Option<Execution> {
        let entries = self.entries();
        let stored = entries.by_id.get(&id)?;
        (now < stored.expires_at).then(|| stored.execution.clone())
    }

    /// The execution's report file, once completed.
    pub fn file(&self, id: ExecutionId, now: NumericDate) -> Option<Vec<u8>> {
        let entries = self.entries();
        let stored = entries.by_id.get(&id)?;
        (now < stored.expires_at)
            .then(|| stored.file.as_ref().map(|file| file.to_vec()))
            .flatten()
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        // No method panics while holding the lock, so the map is still consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Entries {
    /// Removes an entry; its sequence number when it was there.
    fn remove(&mut self, id: ExecutionId) -> Option<u64> {
        let stored = self.by_id.remove(&id)?;
        self.bytes = self
            .bytes
            .saturating_sub(stored.file.as_ref().map_or(0, |file| file.len()));
        Some(stored.sequence)
    }

    fn forget_expired(&mut self, now: NumericDate) {
        let expired: Vec<ExecutionId> = self
            .by_id
            .iter()
            .filter(|(_, stored)| stored.expires_at <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.remove(id);
        }
    }
}

/// The three execution methods of [`AuditSink`](super::AuditSink), delegated to the
/// [`MemoryReportStore`] in field `$field` (the in-process sinks keep them there).
macro_rules! delegate_to_memory_report_store {
    ($field:ident) => {
        fn put_execution(
            &self,
            id: $crate::ExecutionId,
            execution: &$crate::Execution,
            file: Option<&[u8]>,
            expires_at: playback_auth_claims::NumericDate,
            now: playback_auth_claims::NumericDate,
        ) -> impl std::future::Future<Output = Result<(), $crate::AuditError>> + Send {
            self.$field.put(id, execution, file, expires_at, now);
            std::future::ready(Ok(()))
        }

        fn execution(
            &self,
            id: $crate::ExecutionId,
            now: playback_auth_claims::NumericDate,
        ) -> impl std::future::Future<Output = Result<Option<$crate::Execution>, $crate::AuditError>>
        + Send {
            std::future::ready(Ok(self.$field.get(id, now)))
        }

        fn report_file(
            &self,
            id: $crate::ExecutionId,
            now: playback_auth_claims::NumericDate,
        ) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, $crate::AuditError>> + Send
        {
            std::future::ready(Ok(self.$field.file(id, now)))
        }
    };
}
pub(crate) use delegate_to_memory_report_store;

#[cfg(test)]
mod tests;
