//! The in-memory audit sink records and reads back by account and UTC day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr};

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditDecision, AuditRecord, AuditSink, MemoryAuditSink, RecordsRead, TokenDigest,
};
use time::macros::date;

/// 2023-11-14T22:13:20Z.
const T: i64 = 1_700_000_000;

fn record(secs: i64, account: &str, decision: AuditDecision) -> AuditRecord {
    AuditRecord::new(
        NumericDate::from_secs(secs).unwrap(),
        account,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        "Player/1.0",
        "video-7",
        decision,
    )
}

#[tokio::test]
async fn records_are_read_back_by_account_and_day() {
    let sink = MemoryAuditSink::new();
    let allowed = record(T, "acct-1", AuditDecision::Allow)
        .with_uid("viewer-42")
        .with_session("session-1")
        .with_device("device-a")
        .with_token_digest(TokenDigest::of_token("h.p.s"));
    let denied = record(T + 60, "acct-1", AuditDecision::Deny).with_reason("max_uses_reached");
    let other_account = record(T + 1, "acct-2", AuditDecision::Allow);
    let next_day = record(T + 2 * 3600, "acct-1", AuditDecision::Allow);
    for rec in [&allowed, &other_account, &denied, &next_day] {
        sink.record(rec.clone()).await.unwrap();
    }

    assert_eq!(
        sink.records_for("acct-1", date!(2023 - 11 - 14))
            .await
            .unwrap(),
        RecordsRead {
            records: vec![allowed, denied],
            aggregates: vec![],
            renewals: vec![],
            skipped: 0
        }
    );
    assert_eq!(
        sink.records_for("acct-1", date!(2023 - 11 - 15))
            .await
            .unwrap()
            .records,
        vec![next_day]
    );
    assert_eq!(
        sink.records_for("acct-2", date!(2023 - 11 - 14))
            .await
            .unwrap()
            .records,
        vec![other_account]
    );
    assert!(
        sink.records_for("acct-3", date!(2023 - 11 - 14))
            .await
            .unwrap()
            .records
            .is_empty()
    );
    assert_eq!(sink.len(), 4);
}
