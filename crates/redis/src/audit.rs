//! [`AuditSink`] on Redis: one capped stream per account and UTC day.
//!
//! A record is one stream entry (field `r`: the record's JSON line) appended with
//! `XADD … MAXLEN ~ N`, so one day of one account holds at most about
//! [`audit_records_per_day`](crate::RedisStoreBuilder::audit_records_per_day) records. Each
//! stream expires on its own once its day is past the retention window
//! ([`RETENTION_DAYS`] days, plus the expiry margin), and every stream is listed in one
//! index (a ZSET scored by day) so [`purge_before`](AuditSink::purge_before) finds them
//! without scanning the keyspace. [`AuditReports`](playback_auth_policy::AuditReports) reads
//! its daily reports back through [`records_for`](AuditSink::records_for).

use std::time::Duration;

use playback_auth_policy::{AuditError, AuditRecord, AuditSink, RETENTION_DAYS, RecordsRead};

use crate::policy::millis_arg;
use crate::store::RedisStore;

/// Entries read per `XRANGE` page.
const PAGE: usize = 1000;
/// The stream field holding the record.
const FIELD: &str = "r";

/// How long after `record`'s time its day's stream must live: until the day leaves the
/// retention window (the end of `date + RETENTION_DAYS`).
fn retention_left(record: &AuditRecord) -> Duration {
    let keep_through = record
        .date()
        .checked_add(time::Duration::days(i64::from(RETENTION_DAYS) + 1))
        .unwrap_or(time::Date::MAX);
    let deadline = keep_through.midnight().assume_utc().unix_timestamp();
    // Exact: whole seconds far inside f64's integer range.
    let left = deadline as f64 - record.time.as_secs_f64();
    Duration::try_from_secs_f64(left.max(0.0)).unwrap_or(Duration::ZERO)
}

impl AuditSink for RedisStore {
    async fn record(&self, record: AuditRecord) -> Result<(), AuditError> {
        let date = record.date();
        let line = serde_json::to_string(&record).map_err(AuditError::Encode)?;
        let stream = self.layout().audit_stream(&record.account, date);
        let index = self.layout().audit_index();
        let ttl = retention_left(&record) + self.settings().expiry_margin;
        let day = date.to_julian_day();
        let oldest_kept = day - i32::from(RETENTION_DAYS) - 1;
        let cap = self.settings().audit_records_per_day;
        let mut pipe = redis::pipe();
        pipe.cmd("XADD")
            .arg(&stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(cap)
            .arg("*")
            .arg(FIELD)
            .arg(line)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&stream)
            .arg(millis_arg(ttl))
            .ignore()
            .cmd("ZADD")
            .arg(&index)
            .arg(day)
            .arg(&stream)
            .ignore()
            // The index forgets streams that have expired by now.
            .cmd("ZREMRANGEBYSCORE")
            .arg(&index)
            .arg("-inf")
            .arg(format!("({oldest_kept}"))
            .ignore();
        let mut connection = self.connection();
        self.run(async move { pipe.query_async::<()>(&mut connection).await })
            .await?;
        Ok(())
    }

    async fn records_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> Result<RecordsRead, AuditError> {
        let stream = self.layout().audit_stream(account, date);
        let mut read = RecordsRead::default();
        let mut start = "-".to_owned();
        loop {
            let key = stream.clone();
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
                let line = fields.chunks_exact(2).find_map(|pair| match pair {
                    [name, value] if name == FIELD => Some(value),
                    _ => None,
                });
                match line.map(|line| serde_json::from_str::<AuditRecord>(line)) {
                    Some(Ok(record)) if record.account == account => read.records.push(record),
                    Some(Ok(_)) => {}
                    _ => read.skipped += 1,
                }
            }
            if !full_page {
                return Ok(read);
            }
        }
    }

    async fn purge_before(&self, date: time::Date) -> Result<(), AuditError> {
        let index = self.layout().audit_index();
        let before = format!("({}", date.to_julian_day());
        let mut connection = self.connection();
        let (range_index, range_before) = (index.clone(), before.clone());
        let streams: Vec<String> = self
            .run(async move {
                redis::cmd("ZRANGEBYSCORE")
                    .arg(range_index)
                    .arg("-inf")
                    .arg(range_before)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        // One key per command: streams of different accounts live in different slots.
        for chunk in streams.chunks(PAGE) {
            let mut pipe = redis::pipe();
            for stream in chunk {
                pipe.cmd("UNLINK").arg(stream).ignore();
            }
            let mut connection = self.connection();
            self.run(async move { pipe.query_async::<()>(&mut connection).await })
                .await?;
        }
        let mut connection = self.connection();
        self.run(async move {
            redis::cmd("ZREMRANGEBYSCORE")
                .arg(index)
                .arg("-inf")
                .arg(before)
                .query_async::<()>(&mut connection)
                .await
        })
        .await?;
        Ok(())
    }
}
