use std::io::Write as _;

use time::macros::date;

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "playback-auth-policy-unit-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn day_file_names_round_trip() {
    let day = date!(2026 - 03 - 07);
    assert_eq!(file_name(day), "audit-2026-03-07.jsonl");
    assert_eq!(date_of_file(&file_name(day)), Some(day));
    assert_eq!(date_of_file("audit-2026-13-07.jsonl"), None);
    assert_eq!(date_of_file("audit-2026-03-07.json"), None);
    assert_eq!(date_of_file("notes.txt"), None);
}

#[test]
fn opening_a_torn_file_starts_a_fresh_line() {
    let dir = temp_dir("torn-open");
    let path = dir.join("f.jsonl");
    fs::write(&path, b"{\"complete\":1}\n{\"torn").unwrap();
    let mut file = open_for_append(&path).unwrap();
    file.write_all(b"{\"next\":2}\n").unwrap();
    assert_eq!(
        fs::read(&path).unwrap(),
        b"{\"complete\":1}\n{\"torn\n{\"next\":2}\n"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn opening_a_clean_or_empty_file_adds_nothing() {
    let dir = temp_dir("clean-open");
    let clean = dir.join("clean.jsonl");
    fs::write(&clean, b"{}\n").unwrap();
    drop(open_for_append(&clean).unwrap());
    assert_eq!(fs::read(&clean).unwrap(), b"{}\n");

    let empty = dir.join("empty.jsonl");
    drop(open_for_append(&empty).unwrap());
    assert_eq!(fs::read(&empty).unwrap(), b"");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_parsable_last_line_without_newline_still_counts_as_torn() {
    let dir = temp_dir("unterminated");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    let day = date!(2023 - 11 - 14);
    let record = AuditRecord::new(
        playback_auth_claims::NumericDate::from_secs(1_700_000_000).unwrap(),
        "a",
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        "ua",
        "c",
        crate::audit::AuditDecision::Allow,
    );
    fs::write(sink.path_for(day), serde_json::to_vec(&record).unwrap()).unwrap();
    let read = sink.read_day("a", day).unwrap();
    assert!(read.records.is_empty());
    assert_eq!(read.skipped, 1);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_day_reads_as_empty() {
    let dir = temp_dir("missing-day");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    assert_eq!(
        sink.read_day("a", date!(2020 - 01 - 01)).unwrap(),
        RecordsRead::default()
    );
    fs::remove_dir_all(&dir).unwrap();
}

fn refusal(secs: i64, reason: &str) -> AuditAggregate {
    AuditAggregate::refusal(
        playback_auth_claims::NumericDate::from_secs(secs).unwrap(),
        "acct-1",
        reason,
    )
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn aggregates_are_written_once_per_minute_and_merged_when_read() {
    let dir = temp_dir("aggregates");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    // 2023-11-14T22:13:20Z: 40 refusals in its minute, then one in the next minute.
    block_on(async {
        for i in 0..40 {
            sink.record_aggregate(refusal(1_700_000_000 + i, "token_missing"))
                .await
                .unwrap();
        }
        // Nothing written while the minute lasts.
        assert!(!sink.path_for(date!(2023 - 11 - 14)).exists());
        sink.record_aggregate(refusal(1_700_000_040, "token_missing"))
            .await
            .unwrap();
    });
    let day = sink.path_for(date!(2023 - 11 - 14));
    assert_eq!(fs::read_to_string(&day).unwrap().lines().count(), 1);

    // A read writes what is pending; a later refusal of a written minute adds a line, and
    // the reader merges the two lines of that minute.
    block_on(async {
        let read = sink
            .records_for("acct-1", date!(2023 - 11 - 14))
            .await
            .unwrap();
        assert_eq!(
            read.aggregates.iter().map(|a| a.count).collect::<Vec<_>>(),
            [40, 1]
        );
        sink.record_aggregate(refusal(1_700_000_041, "token_missing"))
            .await
            .unwrap();
        let read = sink
            .records_for("acct-1", date!(2023 - 11 - 14))
            .await
            .unwrap();
        assert_eq!(
            read.aggregates.iter().map(|a| a.count).collect::<Vec<_>>(),
            [40, 2]
        );
        assert_eq!(read.skipped, 0);
        assert!(read.records.is_empty());
        assert!(
            sink.records_for("acct-2", date!(2023 - 11 - 14))
                .await
                .unwrap()
                .aggregates
                .is_empty()
        );
    });
    assert_eq!(fs::read_to_string(&day).unwrap().lines().count(), 3);
    fs::remove_dir_all(&dir).unwrap();
}

/// Lines of a day land in the order their minutes were written out; the reader still lists
/// the aggregates by minute, then reason, as every sink does.
#[test]
fn aggregates_are_listed_by_minute_then_reason_whatever_the_file_order() {
    let dir = temp_dir("aggregates-order");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    block_on(async {
        // The later minute is written to the file first, then an earlier one, and a reason
        // that sorts first comes last.
        sink.record_aggregate(refusal(1_700_000_040, "token_missing"))
            .await
            .unwrap();
        sink.flush_aggregates().unwrap();
        sink.record_aggregate(refusal(1_700_000_000, "token_missing"))
            .await
            .unwrap();
        sink.flush_aggregates().unwrap();
        sink.record_aggregate(refusal(1_700_000_001, "invalid_signature"))
            .await
            .unwrap();
        let read = sink
            .records_for("acct-1", date!(2023 - 11 - 14))
            .await
            .unwrap();
        let rows: Vec<_> = read
            .aggregates
            .iter()
            .map(|a| (a.minute.as_secs(), a.reason.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (1_699_999_980, "invalid_signature"),
                (1_699_999_980, "token_missing"),
                (1_700_000_040, "token_missing"),
            ]
        );
    });
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pending_aggregates_are_written_on_drop() {
    let dir = temp_dir("aggregates-drop");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    block_on(sink.record_aggregate(refusal(1_700_000_000, "conflicting_tokens"))).unwrap();
    drop(sink);
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    let read = block_on(sink.records_for("acct-1", date!(2023 - 11 - 14))).unwrap();
    assert_eq!(read.aggregates.len(), 1);
    assert_eq!(read.aggregates[0].reason, "conflicting_tokens");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn records_are_capped_before_they_are_written() {
    let dir = temp_dir("capped");
    let sink = JsonLinesAuditSink::open(&dir).unwrap();
    let mut record = AuditRecord::new(
        playback_auth_claims::NumericDate::from_secs(1_700_000_000).unwrap(),
        "acct-1",
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        "ua",
        "video-7",
        super::super::AuditDecision::Allow,
    );
    // Set directly, past the setters' caps.
    record.user_agent = "U".repeat(50_000);
    block_on(sink.record(record)).unwrap();
    let written = fs::read(sink.path_for(date!(2023 - 11 - 14))).unwrap();
    assert!(written.len() < 1024, "{} bytes", written.len());
    fs::remove_dir_all(&dir).unwrap();
}
