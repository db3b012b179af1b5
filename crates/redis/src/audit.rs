//! [`AuditSink`] on Redis: 16 capped streams per account and UTC day (one per audit shard,
//! each in the slot of its shard's decisions, so the decision script writes a decision's
//! record in the same call), and one capped HASH of aggregates beside them.
//!
//! A record is one stream entry (field `r`: the record's JSON line; field `t`: the server's
//! `TIME` of the append) appended with `XADD … MAXLEN ~ N`, so one shard of one account's day
//! holds at most about
//! [`audit_records_per_day`](crate::RedisStoreBuilder::audit_records_per_day) records. A
//! day's report reads the 16 streams and merges them in append order. Each
//! stream expires on its own once its day is past the retention window
//! ([`RETENTION_DAYS`] days, plus the expiry margin), and every stream is listed in an
//! index (ZSETs scored by day, one of 16 shards per account, each in a slot of its own) so
//! [`purge_before`](AuditSink::purge_before) finds them without scanning the keyspace. [`AuditReports`](playback_auth_policy::AuditReports) reads
//! its daily reports back through [`records_for`](AuditSink::records_for).
//!
//! Aggregates (refusals counted per reason and minute) live in one HASH per account and day
//! in the stream's slot: field `MINUTE|REASON`, value `COUNT|FIRST|LAST`, merged by one
//! script call. At most
//! [`audit_aggregates_per_day`](crate::RedisStoreBuilder::audit_aggregates_per_day) fields
//! are kept; past it a new reason or minute only adds to the field `~dropped`. The HASH
//! expires and is purged with its day's stream.
//!
//! Report executions ([`put_execution`](AuditSink::put_execution)) are one HASH each, keyed
//! by the execution id in a slot of its own: field `execution` (its JSON: account, date,
//! status) and, once completed, field `file` (the report's JSON Lines). They are written
//! whole in one `MULTI` with their expiry (`PEXPIRE`, counted from the caller's `now`), so
//! a finished report is never kept past the audit window, and every node sharing the store
//! answers for every execution.

use std::time::Duration;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditAggregate, AuditError, AuditRecord, AuditSink, Execution, ExecutionId, RETENTION_DAYS,
    RecordsRead, SessionRenewals,
};

use crate::error::RedisStoreError;
use crate::policy::{millis_arg, parse_time, time_arg};
use crate::store::RedisStore;

/// Entries read per `XRANGE` page.
const PAGE: usize = 1000;
/// The stream field holding the record.
const FIELD: &str = "r";

/// The stream field holding the server's time of the append (`SECONDS.MICROSECONDS`).
const TIME_FIELD: &str = "t";

/// The report HASH's field holding the execution's JSON.
const EXECUTION_FIELD: &str = "execution";
/// The report HASH's field holding the finished report file.
const FILE_FIELD: &str = "file";

/// The HASH field counting refusals dropped because the day's HASH was full.
const DROPPED_FIELD: &str = "~dropped";

/// A record's JSON line cut before its `"decision"` member, and the tail it has when
/// allowed (`"decision":"allow","reason":…}`): the apply script writes the head with that
/// tail, or with a refusal's (`"decision":"deny","reason":"CODE"}`). `None` if `record`
/// (built as allowed) does not end with those two members.
pub(crate) fn record_parts(record: &AuditRecord) -> Option<(String, String)> {
    let line = serde_json::to_string(record).ok()?;
    let at = line.rfind(",\"decision\":\"allow\",\"reason\":")? + 1;
    let (head, tail) = line.split_at(at);
    Some((head.to_owned(), tail.to_owned()))
}

/// The TTL of the audit stream `record` goes to, from `record`'s time.
pub(crate) fn stream_ttl(record: &AuditRecord, margin: Duration) -> Duration {
    retention_left(record) + margin
}

/// How long after `record`'s time its day's stream must live: until the day leaves the
/// retention window (the end of `date + RETENTION_DAYS`).
fn retention_left(record: &AuditRecord) -> Duration {
    retention_after(record.date(), record.time)
}

/// How long after `time` the keys of `date` must live.
pub(crate) fn retention_after(date: time::Date, time: NumericDate) -> Duration {
    let keep_through = date
        .checked_add(time::Duration::days(i64::from(RETENTION_DAYS) + 1))
        .unwrap_or(time::Date::MAX);
    let deadline = keep_through.midnight().assume_utc().unix_timestamp();
    // Exact: whole seconds far inside f64's integer range.
    let left = deadline as f64 - time.as_secs_f64();
    Duration::try_from_secs_f64(left.max(0.0)).unwrap_or(Duration::ZERO)
}

/// A record read back, with when Redis appended it.
struct Stamped {
    /// Microseconds since the epoch, from the entry's `t` field (or its id's milliseconds).
    written: u128,
    record: AuditRecord,
}

/// When an entry was appended, in microseconds: its `t` field (`SECONDS.MICROSECONDS`, the
/// server's `TIME`), else the milliseconds of its id (`MS-SEQ`), else 0.
fn written_micros(stamp: Option<&str>, id: &str) -> u128 {
    let from_stamp = stamp.and_then(|stamp| {
        let (secs, micros) = stamp.split_once('.')?;
        Some(secs.parse::<u128>().ok()? * 1_000_000 + micros.parse::<u128>().ok()?)
    });
    from_stamp.unwrap_or_else(|| {
        id.split_once('-')
            .and_then(|(ms, _)| ms.parse::<u128>().ok())
            .map_or(0, |ms| ms * 1000)
    })
}

/// The records of an account's day's streams (each in its own append order) merged into one
/// list in the order they were appended: each stream's order is kept, and between streams
/// the earliest append comes first (ties: the lower shard).
fn merge_written(streams: Vec<Vec<Stamped>>) -> Vec<AuditRecord> {
    let total = streams.iter().map(Vec::len).sum();
    let mut heads: Vec<std::iter::Peekable<std::vec::IntoIter<Stamped>>> = streams
        .into_iter()
        .map(|stream| stream.into_iter().peekable())
        .collect();
    let mut merged = Vec::with_capacity(total);
    loop {
        let next = heads
            .iter_mut()
            .enumerate()
            .filter_map(|(shard, head)| head.peek().map(|entry| (entry.written, shard)))
            .min();
        let Some(entry) = next.and_then(|(_, shard)| heads.get_mut(shard)?.next()) else {
            return merged;
        };
        merged.push(entry.record);
    }
}

/// The HASH field of an aggregate: `MINUTE|REASON`.
fn aggregate_field(aggregate: &AuditAggregate) -> String {
    format!("{}|{}", aggregate.minute.as_secs(), aggregate.reason)
}

/// An aggregate of `account` from its HASH field and value; `None` when either is malformed.
fn parse_aggregate(account: &str, field: &str, value: &str) -> Option<AuditAggregate> {
    let (minute, reason) = field.split_once('|')?;
    let mut parts = value.split('|');
    let count = parts.next()?.parse::<u64>().ok()?;
    let first = parse_time(parts.next()?)?;
    let last = parse_time(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some(AuditAggregate {
        account: account.to_owned(),
        reason: reason.to_owned(),
        minute: NumericDate::from_secs(minute.parse().ok()?)?,
        count,
        first,
        last,
    })
}

impl RedisStore {
    /// Appends to `pipe` the commands that list `key` (of `account`) in the audit index
    /// under `date` and forget the index entries that have expired by now: one definition
    /// for the records' pipeline and the aggregates' own. The commands touch the account's
    /// index shard only (one slot), never `key`'s slot.
    fn add_to_audit_index(
        &self,
        pipe: &mut redis::Pipeline,
        account: &str,
        key: &str,
        date: time::Date,
    ) {
        let index = self.layout().audit_index(account);
        let day = date.to_julian_day();
        let oldest_kept = day - i32::from(RETENTION_DAYS) - 1;
        pipe.cmd("ZADD")
            .arg(&index)
            .arg(day)
            .arg(key)
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&index)
            .arg("-inf")
            .arg(format!("({oldest_kept}"))
            .ignore();
    }

    /// Lists the stream `key` in the audit index under `date` unless this process already
    /// did (the records written by the apply script do not touch the index: one pipeline per
    /// stream and process, not one per record).
    pub(crate) async fn index_audit_stream_once(
        &self,
        account: &str,
        key: String,
        date: time::Date,
    ) -> Result<(), AuditError> {
        if !self.mark_indexed(&key) {
            return Ok(());
        }
        let indexed = self.index_audit_key(account, key.clone(), date).await;
        if indexed.is_err() {
            self.unmark_indexed(&key);
        }
        indexed
    }

    /// Lists `key` in the audit index under `date`, and forgets index entries that have
    /// expired by now.
    pub(crate) async fn index_audit_key(
        &self,
        account: &str,
        key: String,
        date: time::Date,
    ) -> Result<(), AuditError> {
        let mut pipe = redis::pipe();
        self.add_to_audit_index(&mut pipe, account, &key, date);
        let mut connection = self.connection();
        self.run(async move { pipe.query_async::<()>(&mut connection).await })
            .await?;
        Ok(())
    }

    /// Merges `aggregate` into the stored one of its account, reason and minute: one script
    /// call (and one index pipeline when the day's HASH is new).
    pub(crate) async fn write_aggregate(
        &self,
        aggregate: AuditAggregate,
    ) -> Result<(), AuditError> {
        let aggregate = aggregate.capped();
        let date = aggregate.date();
        let key = self.layout().audit_aggregates(&aggregate.account, date);
        let ttl = retention_after(date, aggregate.last) + self.settings().expiry_margin;
        let args = [
            aggregate_field(&aggregate),
            aggregate.count.to_string(),
            time_arg(aggregate.first),
            time_arg(aggregate.last),
            millis_arg(ttl),
            self.settings().audit_aggregates_per_day.to_string(),
        ];
        let created: i64 = self
            .eval(
                &self.scripts().audit_aggregate,
                std::slice::from_ref(&key),
                &args,
            )
            .await?;
        if created == 1 {
            self.index_audit_key(&aggregate.account, key, date).await?;
        }
        Ok(())
    }

    /// The aggregates of `account` on `date`, in minute order.
    async fn aggregates_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> Result<Vec<AuditAggregate>, AuditError> {
        let key = self.layout().audit_aggregates(account, date);
        let mut connection = self.connection();
        let fields: Vec<(String, String)> = self
            .run(async move {
                redis::cmd("HGETALL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        let mut aggregates: Vec<AuditAggregate> = fields
            .iter()
            .filter(|(field, _)| field != DROPPED_FIELD)
            .filter_map(|(field, value)| parse_aggregate(account, field, value))
            .collect();
        aggregates
            .sort_by(|a, b| (a.minute.as_secs(), &a.reason).cmp(&(b.minute.as_secs(), &b.reason)));
        Ok(aggregates)
    }
    /// Every entry of the stream `key`, page by page: the records, and how many entries
    /// were not a record.
    async fn read_stream(&self, key: String) -> Result<(Vec<Stamped>, usize), AuditError> {
        let mut records = Vec::new();
        let mut skipped = 0;
        let mut start = "-".to_owned();
        loop {
            let key = key.clone();
            let from = start.clone();
            let mut connection = self.connection();
            let page: Vec<(String, Vec<String>)> = self
                .run(async move {
                    redis::cmd("XRANGE")
                        .arg(key)
                        .arg(from)
                        .arg("+")
                        .arg("COUNT")
                        .arg(PAGE)
                        .query_async(&mut connection)
                        .await
                })
                .await?;
            let full_page = page.len() == PAGE;
            for (id, fields) in page {
                start = format!("({id}");
                let field = |wanted: &str| {
                    fields.chunks_exact(2).find_map(|pair| match pair {
                        [name, value] if name == wanted => Some(value),
                        _ => None,
                    })
                };
                let line = field(FIELD);
                match line.map(|line| serde_json::from_str::<AuditRecord>(line)) {
                    Some(Ok(record)) => records.push(Stamped {
                        written: written_micros(field(TIME_FIELD).map(String::as_str), &id),
                        record,
                    }),
                    _ => skipped += 1,
                }
            }
            if !full_page {
                return Ok((records, skipped));
            }
        }
    }

    /// Deletes the streams and aggregates listed in the index shard `index` under a day
    /// before `date`, then their index entries.
    async fn purge_shard_before(&self, index: String, date: time::Date) -> Result<(), AuditError> {
        let before = format!("({}", date.to_julian_day());
        let mut range = redis::cmd("ZRANGEBYSCORE");
        range.arg(&index).arg("-inf").arg(&before);
        let keys: Vec<String> = self.query(range).await?;
        for chunk in keys.chunks(PAGE) {
            let mut unlink = redis::cmd("UNLINK");
            unlink.arg(chunk);
            self.query::<()>(unlink).await?;
        }
        let mut forget = redis::cmd("ZREMRANGEBYSCORE");
        forget.arg(&index).arg("-inf").arg(&before);
        self.query::<()>(forget).await?;
        Ok(())
    }
}

impl AuditSink for RedisStore {
    async fn put_execution(
        &self,
        id: ExecutionId,
        execution: &Execution,
        file: Option<&[u8]>,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), AuditError> {
        let key = self.layout().report_execution(id);
        let json = serde_json::to_string(execution).map_err(AuditError::Encode)?;
        // Never past `expires_at`: the time left, in whole milliseconds rounded down.
        let left = expires_at.as_secs_f64() - now.as_secs_f64();
        let ttl = Duration::try_from_secs_f64(left.max(0.0)).unwrap_or(Duration::ZERO);
        let ttl_ms = ttl.as_millis();
        let mut pipe = redis::pipe();
        // Written whole: a reader sees the old execution or the new one with its file.
        pipe.atomic().cmd("DEL").arg(&key).ignore();
        if ttl_ms > 0 {
            let mut hset = redis::cmd("HSET");
            hset.arg(&key).arg(EXECUTION_FIELD).arg(json);
            if let Some(file) = file {
                hset.arg(FILE_FIELD).arg(file);
            }
            pipe.add_command(hset)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(ttl_ms)
                .ignore();
        }
        let mut connection = self.connection();
        self.run(async move { pipe.query_async::<()>(&mut connection).await })
            .await?;
        Ok(())
    }

    async fn execution(
        &self,
        id: ExecutionId,
        _now: NumericDate,
    ) -> Result<Option<Execution>, AuditError> {
        let key = self.layout().report_execution(id);
        let mut connection = self.connection();
        let json: Option<String> = self
            .run(async move {
                redis::cmd("HGET")
                    .arg(key)
                    .arg(EXECUTION_FIELD)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|_| {
                AuditError::from(RedisStoreError::UnexpectedReply {
                    detail: "a report execution that is not an execution's JSON",
                })
            })
        })
        .transpose()
    }

    async fn report_file(
        &self,
        id: ExecutionId,
        _now: NumericDate,
    ) -> Result<Option<Vec<u8>>, AuditError> {
        let key = self.layout().report_execution(id);
        let mut connection = self.connection();
        let file: Option<Vec<u8>> = self
            .run(async move {
                redis::cmd("HGET")
                    .arg(key)
                    .arg(FILE_FIELD)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(file)
    }

    async fn record_aggregate(&self, aggregate: AuditAggregate) -> Result<(), AuditError> {
        match self.settings().audit_batch_interval {
            Some(_) => self.batch_aggregate(aggregate).await,
            None => self.write_aggregate(aggregate).await,
        }
    }

    async fn record_renewals(&self, renewals: SessionRenewals) -> Result<(), AuditError> {
        self.merge_renewals(renewals).await
    }

    async fn record(&self, record: AuditRecord) -> Result<(), AuditError> {
        let record = record.capped();
        let date = record.date();
        let line = serde_json::to_string(&record).map_err(AuditError::Encode)?;
        let shard = crate::key_layout::record_shard(record.uid.as_deref());
        let stream = self.layout().audit_stream(&record.account, shard, date);
        let ttl = retention_left(&record) + self.settings().expiry_margin;
        let cap = self.settings().audit_records_per_day;
        let args = [line, cap.to_string(), millis_arg(ttl)];
        // Two calls, one slot each (the stream's, the index shard's), sent at once: one
        // round trip of latency, and nothing that a cluster would refuse as cross-slot.
        let append = self.eval::<String>(
            &self.scripts().audit_append,
            std::slice::from_ref(&stream),
            &args,
        );
        let index = self.index_audit_key(&record.account, stream.clone(), date);
        let (append, index) = tokio::join!(append, index);
        append?;
        index
    }

    async fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> Result<RecordsRead, AuditError> {
        // This node's batched refusals first: a report reads what was counted.
        self.flush_audit().await?;
        let mut read = RecordsRead::default();
        // Every shard's stream of the day (a fixed set of keys, one slot each); one stream
        // holds its records in write order, the merge orders them all by record time.
        let mut streams = Vec::new();
        for key in self.layout().audit_streams(account, date) {
            let (records, skipped) = self.read_stream(key).await?;
            read.skipped += skipped;
            streams.push(records);
        }
        read.records = merge_written(streams)
            .into_iter()
            .filter(|record| record.account == account)
            .collect();
        read.aggregates = self.aggregates_for(account, date).await?;
        read.renewals = self.renewals_for(account, date).await?;
        Ok(read)
    }

    async fn purge_before(&self, date: time::Date) -> Result<(), AuditError> {
        // Batched refusals first, so the purge covers them too.
        self.flush_audit().await?;
        // Shard by shard: each command names the shard's key only, or is an `UNLINK` that
        // the cluster client splits into one command per slot of its keys.
        for index in self.layout().audit_index_shards() {
            self.purge_shard_before(index, date).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use playback_auth_policy::AuditDecision;

    use super::*;

    fn stamped(written: u128, content: &str) -> Stamped {
        let time = NumericDate::from_secs(1_700_000_000).unwrap();
        let ip = std::net::IpAddr::from([192, 0, 2, 1]);
        Stamped {
            written,
            record: AuditRecord::new(time, "acct", ip, "ua", content, AuditDecision::Allow),
        }
    }

    fn contents(records: &[AuditRecord]) -> Vec<&str> {
        records.iter().map(|r| r.content.as_str()).collect()
    }

    #[test]
    fn streams_merge_by_append_time_keeping_each_streams_order() {
        let merged = merge_written(vec![
            vec![stamped(10, "a1"), stamped(30, "a2"), stamped(25, "a3")],
            vec![],
            vec![stamped(10, "c1"), stamped(20, "c2"), stamped(40, "c3")],
        ]);
        // a3's stamp is earlier than a2's (a clock step back): it still follows a2.
        assert_eq!(contents(&merged), ["a1", "c1", "c2", "a2", "a3", "c3"]);
        assert!(merge_written(vec![vec![], vec![]]).is_empty());
    }

    #[test]
    fn the_append_time_comes_from_the_stamp_else_the_entry_id() {
        assert_eq!(
            written_micros(Some("1700000000.000042"), "1-0"),
            1_700_000_000_000_042
        );
        assert_eq!(
            written_micros(None, "1700000000123-4"),
            1_700_000_000_123_000
        );
        assert_eq!(written_micros(Some("garbage"), "12-0"), 12_000);
        assert_eq!(written_micros(None, "not-an-id"), 0);
    }
}
