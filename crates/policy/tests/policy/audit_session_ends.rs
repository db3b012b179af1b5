//! Session ends in daily reports, with real tokens through the authorizer (60 s heartbeat ×
//! 2, lease 120 s): a player that disappears ends one lease after its last heartbeat (or its
//! start), a stop and an eviction end as their records say, and a session still within its
//! lease when the report is generated has no end yet.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::Arc;

use crate::common::{ACCOUNT, at};
use crate::stream_heartbeats::{Player, ctx, player};
use playback_auth_claims::{ConcurrencyBehavior, NumericDate};
use playback_auth_policy::{
    AuditReports, ExecutionStatus, MemoryAuditSink, Report, RequestKind, SessionEndCause,
};

/// Reports over the player's sink, with the engine's lease.
fn reports(p: &Player) -> AuditReports<Arc<MemoryAuditSink>> {
    let lease = p.authorizer.engine().config().lease;
    AuditReports::new(Arc::new(Arc::clone(p.audit()))).with_lease(lease)
}

/// The report of `at(0)`'s day, generated at `now`.
async fn report(p: &Player, now: NumericDate) -> Report {
    let date = at(0).to_offset_date_time().date();
    reports(p).generate(ACCOUNT, date, now).await.unwrap()
}

/// A day later: every lease has run out.
fn later() -> NumericDate {
    at(2 * 86_400)
}

/// `(session, ended_at, cause)` of each end.
fn ends(report: &Report) -> Vec<(&str, NumericDate, SessionEndCause)> {
    report
        .ends
        .iter()
        .map(|end| (end.session.as_str(), end.ended_at, end.cause))
        .collect()
}

/// The session key the records hold for the stream started at 0.
fn session_key(p: &Player) -> String {
    p.audit().all_records()[0].session.clone().unwrap()
}

/// Sends a request of `kind` for the TV's stream `s1` at `at(secs)`: whether it was allowed.
async fn tv(p: &Player, kind: RequestKind, token: &str, secs: i64) -> bool {
    p.send(kind, token, &ctx(secs, "tv", "s1"))
        .await
        .is_allowed()
}

/// Asserts that the report generated at `now` lists exactly these ends of the TV's stream.
async fn assert_tv_ends(p: &Player, now: NumericDate, expected: &[(i64, SessionEndCause)]) {
    let key = session_key(p);
    let expected: Vec<_> = expected
        .iter()
        .map(|&(secs, cause)| (key.as_str(), at(secs), cause))
        .collect();
    assert_eq!(ends(&report(p, now).await), expected);
}

#[tokio::test]
async fn a_player_that_disappears_after_3_heartbeats_ends_one_lease_after_the_last() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    for secs in [60, 120, 180] {
        assert!(tv(&p, RequestKind::Heartbeat, &token, secs).await);
    }
    let key = session_key(&p);
    let report = report(&p, later()).await;
    assert_eq!(
        ends(&report),
        [(key.as_str(), at(300), SessionEndCause::LeaseExpired)]
    );
    assert_eq!(report.ends[0].uid.as_deref(), Some("viewer-1"));

    // The report file ends with the end's line, in the documented shape.
    let reports = reports(&p);
    let date = at(0).to_offset_date_time().date();
    let id = reports.request(ACCOUNT, date, later()).await.unwrap();
    assert_eq!(reports.run_pending().await, 1);
    let execution = reports.execution(id, later()).await.unwrap().unwrap();
    assert_eq!(execution.status, ExecutionStatus::Completed);
    let file = reports.report_file(id, later()).await.unwrap().unwrap();
    let lines = crate::audit_reports::lines(&file);
    assert_eq!(
        lines.last().unwrap(),
        &serde_json::json!({
            "session": key,
            "uid": "viewer-1",
            "ended_at": at(300).as_secs(),
            "cause": "lease_expired",
        })
    );
}

#[tokio::test]
async fn a_stopped_session_has_one_stopped_end_and_no_lease_end() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    let beat = p
        .send(RequestKind::Heartbeat, &token, &ctx(60, "tv", "s1"))
        .await;
    assert!(beat.is_allowed());
    let stop = p
        .send(RequestKind::Stop, &token, &ctx(90, "tv", "s1"))
        .await;
    assert!(stop.is_allowed());
    // A second stop is idempotent: it ends nothing more.
    let again = p
        .send(RequestKind::Stop, &token, &ctx(100, "tv", "s1"))
        .await;
    assert!(again.is_allowed());
    let key = session_key(&p);
    assert_eq!(
        ends(&report(&p, later()).await),
        [(key.as_str(), at(90), SessionEndCause::Stopped)]
    );
}

#[tokio::test]
async fn an_evicted_session_has_an_evicted_end() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::EvictOldest).await;
    let tv_key = session_key(&p);
    let phone = p
        .send(RequestKind::Start, &token, &ctx(10, "phone", "s2"))
        .await;
    assert_eq!(
        phone.allowed().unwrap().evicted,
        std::slice::from_ref(&tv_key)
    );
    // The evicted stream's refused heartbeat ends nothing more.
    assert!(!tv(&p, RequestKind::Heartbeat, &token, 60).await);
    let report = report(&p, later()).await;
    let tv_ends: Vec<_> = ends(&report)
        .into_iter()
        .filter(|(session, ..)| *session == tv_key)
        .collect();
    assert_eq!(
        tv_ends,
        [(tv_key.as_str(), at(10), SessionEndCause::Evicted)]
    );
    // The phone's stream, never renewed, ran out one lease after its start.
    assert_eq!(report.ends.len(), 2);
    assert_eq!(
        (report.ends[1].ended_at, report.ends[1].cause),
        (at(130), SessionEndCause::LeaseExpired)
    );
}

#[tokio::test]
async fn a_session_within_its_lease_when_the_report_is_generated_has_no_end_yet() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    assert!(tv(&p, RequestKind::Heartbeat, &token, 60).await);
    assert!(report(&p, at(179)).await.ends.is_empty());
    assert_tv_ends(&p, at(180), &[(180, SessionEndCause::LeaseExpired)]).await;
}

#[tokio::test]
async fn a_start_without_heartbeats_ends_one_lease_after_the_start() {
    let p = player().await;
    p.one_stream(ConcurrencyBehavior::BlockNew).await;
    assert_tv_ends(&p, later(), &[(120, SessionEndCause::LeaseExpired)]).await;
}

#[tokio::test]
async fn a_session_restarted_after_its_lease_ran_out_has_two_ends() {
    let p = player().await;
    let token = p.one_stream(ConcurrencyBehavior::BlockNew).await;
    // The player dies; the same stream starts again long after its lease ran out.
    assert!(tv(&p, RequestKind::Start, &token, 1000).await);
    let expired = SessionEndCause::LeaseExpired;
    assert_tv_ends(&p, later(), &[(120, expired), (1120, expired)]).await;
}

/// `at(0)` is 2023-11-14T22:13:20Z: the next UTC day starts at `at(6400)`.
const MIDNIGHT: i64 = 6400;

#[tokio::test]
async fn an_end_just_after_midnight_is_in_the_next_days_report() {
    let p = player().await;
    let token = p.token("viewer-1", |b| {
        b.concurrent_streams(2)
            .valid_for(std::time::Duration::from_secs(86_400))
    });
    // Stream `s1` beats until a minute before midnight and dies; `s2` plays on past it.
    for (session, last) in [("s1", MIDNIGHT - 30), ("s2", MIDNIGHT + 90)] {
        let start = p
            .send(
                RequestKind::Start,
                &token,
                &ctx(MIDNIGHT - 300, "tv", session),
            )
            .await;
        assert!(start.is_allowed());
        for secs in (MIDNIGHT - 240..=last).step_by(60) {
            let beat = p
                .send(RequestKind::Heartbeat, &token, &ctx(secs, "tv", session))
                .await;
            assert!(beat.is_allowed(), "{session} at {secs}");
        }
    }
    let day = at(0).to_offset_date_time().date();
    let next_day = at(MIDNIGHT).to_offset_date_time().date();
    let reports = reports(&p);
    let first = reports.generate(ACCOUNT, day, later()).await.unwrap();
    assert!(first.ends.is_empty(), "{:?}", first.ends);
    let second = reports.generate(ACCOUNT, next_day, later()).await.unwrap();
    let times: Vec<_> = second
        .ends
        .iter()
        .map(|end| (end.ended_at, end.cause))
        .collect();
    // s1: its last heartbeat (MIDNIGHT − 60) plus the lease; s2: its last (MIDNIGHT + 60).
    assert_eq!(
        times,
        [
            (at(MIDNIGHT + 60), SessionEndCause::LeaseExpired),
            (at(MIDNIGHT + 180), SessionEndCause::LeaseExpired),
        ]
    );
}
