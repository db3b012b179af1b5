//! The [`AuditSink`] suite: records read back by account and UTC day in the order written,
//! capped before they are stored, refusals merged into one aggregate per account, reason and
//! minute, both purged by day, and the session ends a report reads from them.
//!
//! Each check takes a factory making a fresh, empty sink;
//! [`audit_sink_conformance!`](crate::audit_sink_conformance) runs them all.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use time::macros::date;

use crate::audit::{
    AuditAggregate, AuditDecision, AuditRecord, AuditReports, AuditSink, MAX_AUDIT_USER_AGENT_LEN,
    SessionEndCause,
};
use crate::digest::TokenDigest;

use super::{ACCOUNT, at, ip};

/// `at(0)` is 2023-11-14T22:13:20Z: that day ends at `at(6400)`.
const NEXT_DAY: i64 = 6400;
const DAY: i64 = 24 * 60 * 60;

fn record(account: &str, secs: i64, decision: AuditDecision) -> AuditRecord {
    AuditRecord::new(at(secs), account, ip(1), "Player/1.0", "video-7", decision)
        .with_uid("viewer-1")
        .with_token_digest(TokenDigest::of_token("h.p.s"))
        .with_reason("stream_limit_reached")
}

fn refusal(secs: i64, account: &str, reason: &str) -> AuditAggregate {
    AuditAggregate::refusal(at(secs), account, reason)
}

async fn write<S: AuditSink>(sink: &S, record: AuditRecord) {
    sink.record(record).await.expect("record");
}

async fn write_aggregate<S: AuditSink>(sink: &S, aggregate: AuditAggregate) {
    sink.record_aggregate(aggregate)
        .await
        .expect("record_aggregate");
}

/// Records come back by account and UTC day of their time, in the order written, and no
/// other account's or day's.
pub async fn records_are_read_by_account_and_utc_day_in_order<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    let written = [
        record(ACCOUNT, 2, AuditDecision::Allow),
        record("acct-2", 1, AuditDecision::Deny),
        record(ACCOUNT, 0, AuditDecision::Deny),
        record(ACCOUNT, NEXT_DAY - 1, AuditDecision::Allow),
        record(ACCOUNT, NEXT_DAY, AuditDecision::Allow),
    ];
    for r in &written {
        write(&sink, r.clone()).await;
    }
    let day = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .expect("records_for");
    // In the order written, not by time.
    assert_eq!(
        day.records,
        [written[0].clone(), written[2].clone(), written[3].clone()]
    );
    assert!(day.aggregates.is_empty());
    assert_eq!(day.skipped, 0);
    let next = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 15))
        .await
        .expect("records_for");
    assert_eq!(next.records, [written[4].clone()]);
    let other = sink
        .records_for("acct-2", date!(2023 - 11 - 14))
        .await
        .expect("records_for");
    assert_eq!(other.records, [written[1].clone()]);
    let before = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 13))
        .await
        .expect("records_for");
    assert!(before.records.is_empty());
}

/// A record's request-supplied text is capped before it is stored, whatever the sink is
/// handed (fields set directly, past the setters' caps).
pub async fn records_are_capped_before_they_are_stored<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    let mut long = record(ACCOUNT, 0, AuditDecision::Allow);
    long.user_agent = "U".repeat(100_000);
    write(&sink, long.clone()).await;
    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .expect("records_for");
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.records[0].user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
    assert_eq!(read.records[0], long.capped());
}

/// Refusals merge into one aggregate per account, reason and UTC minute (counts added,
/// first and last widened), listed by minute, then reason — not in the order written — with
/// the day's records.
pub async fn refusals_merge_per_account_reason_and_minute<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    // at(-20) starts a minute: at(-20)..at(40) is one minute, at(40) the next.
    // Written out of order (the later minute first, then a reason that sorts before the
    // one already written), so a sink that lists in the order written fails.
    write_aggregate(&sink, refusal(40, ACCOUNT, "token_missing")).await;
    for secs in [5, 0, 39] {
        write_aggregate(&sink, refusal(secs, ACCOUNT, "token_missing")).await;
    }
    write_aggregate(&sink, refusal(1, ACCOUNT, "invalid_signature")).await;
    write_aggregate(&sink, refusal(1, "acct-2", "token_missing")).await;
    let merged = AuditAggregate {
        count: 10,
        ..refusal(41, ACCOUNT, "token_missing")
    };
    write_aggregate(&sink, merged).await;
    write(&sink, record(ACCOUNT, 3, AuditDecision::Deny)).await;

    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 14))
        .await
        .expect("records_for");
    assert_eq!(read.records.len(), 1);
    let rows: Vec<_> = read
        .aggregates
        .iter()
        .map(|a| (a.minute, a.reason.as_str(), a.count, a.first, a.last))
        .collect();
    assert_eq!(
        rows,
        [
            (at(-20), "invalid_signature", 1, at(1), at(1)),
            (at(-20), "token_missing", 3, at(0), at(39)),
            (at(40), "token_missing", 11, at(40), at(41)),
        ]
    );
    assert!(read.aggregates.iter().all(|a| a.account == ACCOUNT));
    let other = sink
        .records_for("acct-2", date!(2023 - 11 - 14))
        .await
        .expect("records_for");
    assert_eq!(other.aggregates.len(), 1);
    assert!(other.records.is_empty());
}

/// Aggregates are read back by the UTC day of their minute.
pub async fn aggregates_are_read_by_utc_day<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    write_aggregate(&sink, refusal(NEXT_DAY - 1, ACCOUNT, "token_missing")).await;
    write_aggregate(&sink, refusal(NEXT_DAY, ACCOUNT, "token_missing")).await;
    for day in [date!(2023 - 11 - 14), date!(2023 - 11 - 15)] {
        let read = sink.records_for(ACCOUNT, day).await.expect("records_for");
        assert_eq!(read.aggregates.len(), 1, "{day}");
        assert_eq!(read.aggregates[0].count, 1, "{day}");
    }
}

/// `purge_before` drops every record and aggregate of every account dated before the date,
/// and keeps the rest.
pub async fn purge_drops_the_days_before_the_date<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    for (account, secs) in [
        (ACCOUNT, 0),
        ("acct-2", 0),
        (ACCOUNT, NEXT_DAY),
        (ACCOUNT, NEXT_DAY + DAY),
    ] {
        write(&sink, record(account, secs, AuditDecision::Allow)).await;
        write_aggregate(&sink, refusal(secs, account, "token_missing")).await;
    }
    sink.purge_before(date!(2023 - 11 - 15))
        .await
        .expect("purge");
    for (account, day, expected) in [
        (ACCOUNT, date!(2023 - 11 - 14), 0),
        ("acct-2", date!(2023 - 11 - 14), 0),
        (ACCOUNT, date!(2023 - 11 - 15), 1),
        (ACCOUNT, date!(2023 - 11 - 16), 1),
    ] {
        let read = sink.records_for(account, day).await.expect("records_for");
        assert_eq!(read.records.len(), expected, "{account} {day}");
        assert_eq!(read.aggregates.len(), expected, "{account} {day}");
    }
    sink.purge_before(date!(2023 - 11 - 17))
        .await
        .expect("purge");
    let read = sink
        .records_for(ACCOUNT, date!(2023 - 11 - 16))
        .await
        .expect("records_for");
    assert!(read.records.is_empty());
    assert!(read.aggregates.is_empty());
}

/// A report lists every session end that falls on its day, read from the sink: stops and
/// evictions as their records state them, and for a start no record ended, a lease expiry
/// `lease` after it, once past at generation — in the next day's report when it falls after
/// midnight (so generation reads the day before too). A refusal ends nothing.
pub async fn reports_list_session_ends_across_days<S, F, Fut>(new_sink: F)
where
    S: AuditSink,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let sink = new_sink().await;
    let event = |session: &str, secs: i64, decision: AuditDecision, reason: Option<&str>| {
        let record = AuditRecord::new(at(secs), ACCOUNT, ip(1), "Player/1.0", "video-7", decision)
            .with_uid("viewer-1")
            .with_session(session);
        match reason {
            Some(reason) => record.with_reason(reason),
            None => record,
        }
    };
    let allow = AuditDecision::Allow;
    for record in [
        event("a", 100, allow, None),
        event("a", 200, allow, Some("session_stopped")),
        event("b", 300, allow, None),
        event("d", 500, allow, None),
        event("d", 600, allow, Some("session_ended_evicted")),
        event("f", 700, AuditDecision::Deny, Some("session_unknown")),
        // Just before midnight: `c` ends after it; `e` starts again after it, within its
        // lease, so it goes on.
        event("c", NEXT_DAY - 30, allow, None),
        event("e", NEXT_DAY - 10, allow, None),
        event("e", NEXT_DAY + 60, allow, None),
    ] {
        write(&sink, record).await;
    }
    let reports = AuditReports::new(Arc::new(sink)).with_lease(Duration::from_secs(120));
    let ends = |report: crate::audit::Report| {
        report
            .ends
            .into_iter()
            .map(|end| (end.session, end.ended_at, end.cause, end.uid))
            .collect::<Vec<_>>()
    };
    let viewer = Some("viewer-1".to_owned());
    let first = reports
        .generate(ACCOUNT, date!(2023 - 11 - 14), at(NEXT_DAY + DAY / 2))
        .await
        .expect("generate");
    assert_eq!(
        ends(first),
        [
            (
                "a".to_owned(),
                at(200),
                SessionEndCause::Stopped,
                viewer.clone()
            ),
            (
                "b".to_owned(),
                at(420),
                SessionEndCause::LeaseExpired,
                viewer.clone()
            ),
            (
                "d".to_owned(),
                at(600),
                SessionEndCause::Evicted,
                viewer.clone()
            ),
        ]
    );
    // Generated while `e` is still within its lease: only `c` has ended.
    let early = reports
        .generate(ACCOUNT, date!(2023 - 11 - 15), at(NEXT_DAY + 150))
        .await
        .expect("generate");
    assert_eq!(
        ends(early),
        [(
            "c".to_owned(),
            at(NEXT_DAY + 90),
            SessionEndCause::LeaseExpired,
            viewer.clone()
        )]
    );
    let next = reports
        .generate(ACCOUNT, date!(2023 - 11 - 15), at(NEXT_DAY + DAY))
        .await
        .expect("generate");
    assert_eq!(
        ends(next),
        [
            (
                "c".to_owned(),
                at(NEXT_DAY + 90),
                SessionEndCause::LeaseExpired,
                viewer.clone()
            ),
            (
                "e".to_owned(),
                at(NEXT_DAY + 180),
                SessionEndCause::LeaseExpired,
                viewer
            ),
        ]
    );
}

/// Stamps out one `#[tokio::test]` per check of [`testing::audit`](crate::testing::audit),
/// each calling it with `$factory`: an expression for a closure that returns a future of a
/// fresh, empty sink. Needs `tokio` (`macros`, `rt-multi-thread`); once per module.
///
/// ```
/// use std::sync::Arc;
/// use playback_auth_policy::MemoryAuditSink;
///
/// playback_auth_policy::audit_sink_conformance!(|| async { Arc::new(MemoryAuditSink::new()) });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! audit_sink_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            audit, $factory;
            records_are_read_by_account_and_utc_day_in_order,
            records_are_capped_before_they_are_stored,
            refusals_merge_per_account_reason_and_minute,
            aggregates_are_read_by_utc_day,
            purge_drops_the_days_before_the_date,
            reports_list_session_ends_across_days
        );
    };
}
