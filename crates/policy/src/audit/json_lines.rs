//! `JsonLinesAuditSink`: an append-only JSON Lines file per UTC day.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::future::{Future, ready};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use time::macros::format_description;

use super::executions::delegate_to_memory_report_store;
use super::{AuditAggregate, AuditRecord, AuditSink, MemoryReportStore, RecordsRead, merge_all};
use crate::error::AuditError;

const FILE_PREFIX: &str = "audit-";
const FILE_SUFFIX: &str = ".jsonl";
/// How many aggregates are held before all of them are written, whatever their minute.
const MAX_PENDING_AGGREGATES: usize = 1024;

/// How an aggregate is written: `{"aggregate":{…}}`, one line, beside the records.
#[derive(Serialize, Deserialize)]
struct AggregateLine {
    aggregate: AuditAggregate,
}

/// A line of a day file.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Record(AuditRecord),
    Aggregate(AggregateLine),
}

/// An [`AuditSink`] writing one JSON object per line to `DIR/audit-YYYY-MM-DD.jsonl`, one
/// file per UTC day.
///
/// Files are only ever appended to, and each record is written with a single `write_all`
/// of its whole line. A crash in the middle of a write can therefore only leave a torn
/// *last* line; every earlier record stays intact. When a file is opened for appending and
/// does not end with a newline, a newline is written first, so the torn line stays one bad
/// line and the next record starts on a fresh one. Readers skip and count lines that are
/// not a record ([`RecordsRead::skipped`]) instead of failing.
///
/// Purging deletes whole day files, so it never rewrites a file that is being appended to.
///
/// Aggregates ([`AuditSink::record_aggregate`]) are counted in memory while their minute
/// lasts and written as one line `{"aggregate":{…}}` when a later minute's arrives (or when
/// more than 1,024 are pending, or before a read or a purge, or on
/// [`flush_aggregates`](Self::flush_aggregates) and drop): a flood of refusals costs one line
/// per account, reason and minute. Readers merge lines of the same aggregate. A crash loses
/// at most the counts of the minute in progress.
///
/// File I/O happens on the calling thread when the returned futures are polled: appends are
/// small, but reading a large day for a report may take a while, so run report generation
/// where blocking is acceptable (e.g. under `tokio::task::spawn_blocking` or on a
/// dedicated runtime). Use one sink (one process) per directory.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{AuditDecision, AuditRecord, AuditSink, JsonLinesAuditSink};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("audit-doc-{}", std::process::id()));
/// let sink = JsonLinesAuditSink::open(&dir)?;
/// let time = NumericDate::from_secs(1_700_000_000).unwrap();
/// let record = AuditRecord::new(
///     time, "acct-1", IpAddr::V4(Ipv4Addr::LOCALHOST), "Player/1.0", "video-7",
///     AuditDecision::Allow,
/// );
/// sink.record(record.clone()).await?;
///
/// let read = sink.records_for("acct-1", record.date()).await?;
/// assert_eq!(read.records, vec![record]);
/// assert_eq!(read.skipped, 0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), playback_auth_policy::AuditError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct JsonLinesAuditSink {
    dir: PathBuf,
    sync_each_record: bool,
    /// The day file appended to last, kept open.
    writer: Mutex<Option<OpenDay>>,
    /// Aggregates not written yet, keyed by minute first (the oldest first).
    pending: Mutex<BTreeMap<(i64, String, String), AuditAggregate>>,
    /// Report executions and files, in memory: this sink serves one process.
    reports: MemoryReportStore,
}

#[derive(Debug)]
struct OpenDay {
    date: time::Date,
    file: File,
}

impl JsonLinesAuditSink {
    /// A sink writing into `dir`, created if missing.
    ///
    /// # Errors
    /// [`AuditError::Write`] when the directory cannot be created.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, AuditError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(AuditError::Write)?;
        Ok(Self {
            dir,
            sync_each_record: false,
            writer: Mutex::new(None),
            pending: Mutex::new(BTreeMap::new()),
            reports: MemoryReportStore::new(),
        })
    }

    /// Whether to `fsync` the file after each record (default off). On, a record is on disk
    /// when [`record`](AuditSink::record) returns, at the cost of a disk flush per decision;
    /// off, a power loss may lose the last records (never earlier ones).
    #[must_use]
    pub fn with_sync_each_record(mut self, sync: bool) -> Self {
        self.sync_each_record = sync;
        self
    }

    /// The directory the day files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding the records of `date`.
    pub fn path_for(&self, date: time::Date) -> PathBuf {
        self.dir.join(file_name(date))
    }

    /// Writes every aggregate still held in memory.
    ///
    /// # Errors
    /// [`AuditError::Encode`] or [`AuditError::Write`]; the aggregates not written stay held.
    pub fn flush_aggregates(&self) -> Result<(), AuditError> {
        self.flush_pending(None)
    }

    /// Writes the held aggregates of minutes before `before` (all of them for `None`).
    fn flush_pending(&self, before: Option<i64>) -> Result<(), AuditError> {
        let mut pending = self.pending();
        while let Some(entry) = pending.first_entry() {
            if before.is_some_and(|before| entry.key().0 >= before) {
                break;
            }
            let aggregate = entry.get();
            let mut line = serde_json::to_vec(&AggregateLine {
                aggregate: aggregate.clone(),
            })
            .map_err(AuditError::Encode)?;
            line.push(b'\n');
            self.append(aggregate.date(), &line)
                .map_err(AuditError::Write)?;
            entry.remove();
        }
        Ok(())
    }

    fn add_aggregate(&self, aggregate: AuditAggregate) -> Result<(), AuditError> {
        let minute = aggregate.minute.as_secs();
        {
            let mut pending = self.pending();
            let key = (minute, aggregate.account.clone(), aggregate.reason.clone());
            match pending.get_mut(&key) {
                Some(existing) => existing.merge(&aggregate),
                None => {
                    pending.insert(key, aggregate);
                }
            }
            if pending.len() > MAX_PENDING_AGGREGATES {
                drop(pending);
                return self.flush_pending(None);
            }
        }
        self.flush_pending(Some(minute))
    }

    fn pending(&self) -> MutexGuard<'_, BTreeMap<(i64, String, String), AuditAggregate>> {
        // No method panics while holding the lock: the map is consistent.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn writer(&self) -> MutexGuard<'_, Option<OpenDay>> {
        // A panic while appending leaves at worst a torn line, which the next open repairs.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, date: time::Date, line: &[u8]) -> io::Result<()> {
        let mut writer = self.writer();
        let reuse = writer.as_ref().is_some_and(|open| open.date == date);
        if !reuse {
            *writer = None;
            *writer = Some(OpenDay {
                date,
                file: open_for_append(&self.path_for(date))?,
            });
        }
        let Some(open) = writer.as_mut() else {
            return Err(io::Error::other("audit file not open"));
        };
        let written = open.file.write_all(line).and_then(|()| {
            if self.sync_each_record {
                open.file.sync_data()
            } else {
                open.file.flush()
            }
        });
        if written.is_err() {
            // The line may be half written: reopen next time, which starts a fresh line.
            *writer = None;
        }
        written
    }

    fn read_day(&self, account: &str, date: time::Date) -> io::Result<RecordsRead> {
        let file = match File::open(self.path_for(date)) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(RecordsRead::default());
            }
            Err(error) => return Err(error),
        };
        let mut reader = BufReader::new(file);
        let mut read = RecordsRead::default();
        let mut aggregates = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            // A last line without its newline was torn by a crash (or is still being
            // written): it is not a complete record even if it happens to parse.
            let complete = line.last() == Some(&b'\n');
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Line>(&line) {
                Ok(Line::Record(record)) if complete => {
                    if record.account == account {
                        read.records.push(record);
                    }
                }
                Ok(Line::Aggregate(AggregateLine { aggregate })) if complete => {
                    if aggregate.account == account {
                        aggregates.push(aggregate);
                    }
                }
                _ => read.skipped += 1,
            }
        }
        read.aggregates = merge_all(aggregates);
        Ok(read)
    }

    fn purge_days_before(&self, date: time::Date) -> io::Result<()> {
        let mut writer = self.writer();
        if writer.as_ref().is_some_and(|open| open.date < date) {
            *writer = None;
        }
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(day) = name.to_str().and_then(date_of_file) else {
                continue;
            };
            if day < date {
                match fs::remove_file(entry.path()) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Opens a day file for appending, starting a fresh line if a crash left a torn one.
fn open_for_append(path: &Path) -> io::Result<File> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)?;
    if file.metadata()?.len() > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last != *b"\n" {
            file.write_all(b"\n")?;
        }
    }
    Ok(file)
}

fn file_name(date: time::Date) -> String {
    format!(
        "{FILE_PREFIX}{:04}-{:02}-{:02}{FILE_SUFFIX}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn date_of_file(name: &str) -> Option<time::Date> {
    let day = name.strip_prefix(FILE_PREFIX)?.strip_suffix(FILE_SUFFIX)?;
    time::Date::parse(day, format_description!("[year]-[month]-[day]")).ok()
}

impl Drop for JsonLinesAuditSink {
    fn drop(&mut self) {
        // Best effort: a failing disk already failed the writes that counted.
        let _ = self.flush_pending(None);
    }
}

impl AuditSink for JsonLinesAuditSink {
    delegate_to_memory_report_store!(reports);

    fn record(&self, record: AuditRecord) -> impl Future<Output = Result<(), AuditError>> + Send {
        let record = record.capped();
        let result = serde_json::to_vec(&record)
            .map_err(AuditError::Encode)
            .and_then(|mut line| {
                line.push(b'\n');
                self.append(record.date(), &line).map_err(AuditError::Write)
            });
        ready(result)
    }

    fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
        ready(
            self.flush_pending(None)
                .and_then(|()| self.read_day(account, date).map_err(AuditError::Read)),
        )
    }

    fn record_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        ready(self.add_aggregate(aggregate.capped()))
    }

    fn purge_before(
        &self,
        date: time::Date,
    ) -> impl Future<Output = Result<(), AuditError>> + Send {
        ready(
            self.flush_pending(None)
                .and_then(|()| self.purge_days_before(date).map_err(AuditError::Purge)),
        )
    }
}

#[cfg(test)]
mod tests;
