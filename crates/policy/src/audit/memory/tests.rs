use std::net::{IpAddr, Ipv4Addr};

use playback_auth_claims::NumericDate;
use time::macros::date;

use super::*;
use crate::audit::AuditDecision;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(1_700_000_000 + secs).unwrap()
}

fn record(secs: i64, content: &str) -> AuditRecord {
    AuditRecord::new(
        at(secs),
        "acct-1",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "ua",
        content,
        AuditDecision::Allow,
    )
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn the_oldest_record_is_evicted_first_across_days() {
    let sink = MemoryAuditSink::new().with_max_records(3);
    block_on(async {
        // 2023-11-14T22:13:20Z, then the next day (+2 h), then back on the first day.
        for (secs, content) in [(0, "a"), (7_200, "b"), (1, "c"), (7_201, "d")] {
            sink.record(record(secs, content)).await.unwrap();
        }
    });
    let kept: Vec<_> = sink.all_records().into_iter().map(|r| r.content).collect();
    // "a" was the first record of the earliest day.
    assert_eq!(kept, ["c", "b", "d"]);
    let stats = sink.stats();
    assert_eq!((stats.records, stats.evicted_records), (3, 1));
    assert_eq!(
        stats.bytes,
        sink.all_records()
            .iter()
            .map(AuditRecord::heap_size)
            .sum::<usize>()
    );
}

#[test]
fn the_oldest_minute_is_evicted_first_and_merging_takes_no_room() {
    let sink = MemoryAuditSink::new().with_max_aggregates(2);
    block_on(async {
        for secs in [120, 0, 0, 60, 61] {
            sink.record_aggregate(AuditAggregate::refusal(at(secs), "acct-1", "token_missing"))
                .await
                .unwrap();
        }
    });
    let kept: Vec<_> = sink
        .all_aggregates()
        .into_iter()
        .map(|a| (a.first, a.count))
        .collect();
    // Minutes of at(0) (evicted, with its two refusals), at(60) and at(120).
    assert_eq!(kept, [(at(60), 2), (at(120), 1)]);
    let stats = sink.stats();
    assert_eq!((stats.aggregates, stats.evicted_aggregates), (2, 1));
}

#[test]
fn a_zero_bound_keeps_nothing() {
    let sink = MemoryAuditSink::new()
        .with_max_records(0)
        .with_max_aggregates(0);
    block_on(async {
        sink.record(record(0, "a")).await.unwrap();
        sink.record_aggregate(AuditAggregate::refusal(at(0), "acct-1", "x"))
            .await
            .unwrap();
    });
    assert_eq!(
        sink.stats(),
        AuditSinkStats {
            evicted_records: 1,
            evicted_aggregates: 1,
            ..AuditSinkStats::default()
        }
    );
}

#[test]
fn purging_frees_what_it_drops() {
    let sink = MemoryAuditSink::new();
    block_on(async {
        sink.record(record(0, "a")).await.unwrap();
        sink.record(record(7_200, "b")).await.unwrap();
        sink.record_aggregate(AuditAggregate::refusal(at(0), "acct-1", "x"))
            .await
            .unwrap();
        sink.purge_before(date!(2023 - 11 - 15)).await.unwrap();
    });
    let stats = sink.stats();
    assert_eq!((stats.records, stats.aggregates), (1, 0));
    assert_eq!(stats.bytes, sink.all_records()[0].heap_size());
}
