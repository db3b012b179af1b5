//! The JSON Lines audit sink: records survive a restart, and a line torn by a crash is
//! skipped without losing any complete record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditSink, JsonLinesAuditSink, TokenDigest,
};
use time::macros::date;

/// 2023-11-14T22:13:20Z.
const T: i64 = 1_700_000_000;

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "playback-auth-policy-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn record(secs: i64, account: &str, n: u32) -> AuditRecord {
    AuditRecord::new(
        NumericDate::from_secs(secs).unwrap(),
        account,
        IpAddr::V6(Ipv6Addr::LOCALHOST),
        "Player/1.0",
        format!("video-{n}"),
        AuditDecision::Deny,
    )
    .with_uid("viewer-42")
    .with_token_digest(TokenDigest::of_token(&format!("h.{n}.s")))
    .with_reason("stream_limit_reached")
}

#[tokio::test]
async fn records_are_read_back_after_reopening() {
    let dir = TempDir::new("file-sink-read-back");
    let first = record(T, "acct-1", 1);
    let second = record(T + 1, "acct-1", 2);
    let other_account = record(T + 2, "acct-2", 3);
    {
        let sink = JsonLinesAuditSink::open(&dir.0).unwrap();
        for rec in [&first, &other_account, &second] {
            sink.record(rec.clone()).await.unwrap();
        }
        let read = sink
            .records_for("acct-1", date!(2023 - 11 - 14))
            .await
            .unwrap();
        assert_eq!(read.records, vec![first.clone(), second.clone()]);
    }

    let reopened = JsonLinesAuditSink::open(&dir.0).unwrap();
    let read = reopened
        .records_for("acct-1", date!(2023 - 11 - 14))
        .await
        .unwrap();
    assert_eq!(read.records, vec![first, second]);
    assert_eq!(read.skipped, 0);
    assert!(
        reopened
            .records_for("acct-1", date!(2023 - 11 - 13))
            .await
            .unwrap()
            .records
            .is_empty()
    );

    // One line per record, each a JSON object.
    let text = fs::read_to_string(reopened.path_for(date!(2023 - 11 - 14))).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.ends_with('\n'));
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["decision"], "deny");
    assert_eq!(line["ip"], "::1");
}

#[tokio::test]
async fn a_torn_last_line_is_skipped_and_the_next_record_is_intact() {
    let dir = TempDir::new("file-sink-torn");
    let day = date!(2023 - 11 - 14);
    let complete = [record(T, "acct-1", 1), record(T + 1, "acct-1", 2)];
    let path = {
        let sink = JsonLinesAuditSink::open(&dir.0).unwrap();
        for rec in &complete {
            sink.record(rec.clone()).await.unwrap();
        }
        sink.path_for(day)
    };

    // Simulate a crash in the middle of a write: half a record, no newline.
    let torn = serde_json::to_string(&record(T + 2, "acct-1", 3)).unwrap();
    let half = torn.get(..torn.len() / 2).unwrap();
    OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(half.as_bytes())
        .unwrap();

    let sink = JsonLinesAuditSink::open(&dir.0).unwrap();
    let read = sink.records_for("acct-1", day).await.unwrap();
    assert_eq!(read.records, complete.to_vec());
    assert_eq!(read.skipped, 1);

    // After the restart, a new record is appended on its own line and read back intact.
    let after = record(T + 3, "acct-1", 4);
    sink.record(after.clone()).await.unwrap();
    let read = sink.records_for("acct-1", day).await.unwrap();
    let mut expected = complete.to_vec();
    expected.push(after);
    assert_eq!(read.records, expected);
    assert_eq!(read.skipped, 1);
}

#[tokio::test]
async fn garbled_lines_are_counted_not_fatal() {
    let dir = TempDir::new("file-sink-garbled");
    let day = date!(2023 - 11 - 14);
    let sink = JsonLinesAuditSink::open(&dir.0).unwrap();
    let first = record(T, "acct-1", 1);
    sink.record(first.clone()).await.unwrap();
    OpenOptions::new()
        .append(true)
        .open(sink.path_for(day))
        .unwrap()
        .write_all(b"not json\n\xff\xfe\n{\"time\":1}\n\n")
        .unwrap();
    let last = record(T + 1, "acct-1", 2);
    sink.record(last.clone()).await.unwrap();

    let read = sink.records_for("acct-1", day).await.unwrap();
    assert_eq!(read.records, vec![first, last]);
    assert_eq!(read.skipped, 3);
}
