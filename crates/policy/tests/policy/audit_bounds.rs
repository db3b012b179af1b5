//! What anonymous clients can make the audit trail hold: a flood of forged tokens with huge
//! user agents, for made-up and real accounts, leaves one aggregate per account, reason and
//! minute, nothing at all for accounts without keys, and records within their caps.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::{ACCOUNT, CONTENT, at, ip};
use playback_auth_claims::PlaybackRestrictionClaims;
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::{
    AuditReports, Authorizer, KeyRegistry, MAX_AUDIT_ID_LEN, MAX_AUDIT_USER_AGENT_LEN,
    MemoryAuditSink, MemoryStores, RequestContext, Stores, TRUNCATION_MARKER,
};
use playback_auth_sign::Signer;
use time::macros::date;

async fn authorizer(key: &PrivateKey, sink: &Arc<MemoryAuditSink>) -> Authorizer<MemoryStores> {
    let authorizer = Authorizer::new(MemoryStores::new().with_audit(Arc::clone(sink)));
    authorizer
        .stores()
        .registry()
        .register(ACCOUNT, &key.public_key().to_public_key_txt(), None, at(0))
        .await
        .unwrap();
    authorizer
}

fn token(key: &PrivateKey, account: &str) -> String {
    let claims = PlaybackRestrictionClaims::builder(account, at(0))
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap();
    Signer::new(key.clone()).sign(&claims).unwrap()
}

#[tokio::test]
async fn a_forged_token_flood_is_held_in_bounded_memory() {
    const FLOOD: usize = 300;
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let sink = Arc::new(MemoryAuditSink::new());
    let authorizer = authorizer(&key, &sink).await;
    let user_agent = "A".repeat(100_000);
    let forged_stranger = token(&forger, "made-up");
    let forged = token(&forger, ACCOUNT);

    // 2023-11-14T22:13:20Z + i s: spread over six minutes of one day.
    for i in 0..FLOOD {
        let now = at(i64::try_from(i).unwrap());
        let made_up = format!("made-up-{i}");
        let ctx = RequestContext::new(&made_up, CONTENT, &user_agent, ip(1), now)
            .with_device_id("d".repeat(10_000));
        let decision = authorizer.authorize(&forged_stranger, &ctx).await;
        assert!(!decision.is_allowed());
        let ctx = RequestContext::new(ACCOUNT, CONTENT, &user_agent, ip(1), now);
        let decision = authorizer.authorize(&forged, &ctx).await;
        assert!(!decision.is_allowed());
    }

    let engine = authorizer.engine();
    // Nothing for the made-up accounts: only counted.
    assert_eq!(
        engine.unregistered_refusals(),
        u64::try_from(FLOOD).unwrap()
    );
    let stats = sink.stats();
    assert_eq!(stats.records, 0);
    // 300 s starting at :20 of a minute: six minutes, one aggregate each.
    assert_eq!(stats.aggregates, 6);
    let aggregates = sink.all_aggregates();
    assert!(aggregates.iter().all(|a| a.account == ACCOUNT));
    assert!(aggregates.iter().all(|a| a.reason == "invalid_signature"));
    assert_eq!(
        aggregates.iter().map(|a| a.count).sum::<u64>(),
        u64::try_from(FLOOD).unwrap()
    );
    assert_eq!(aggregates[0].count, 40); // :20 to :59
    assert_eq!(aggregates[0].first, at(0));
    assert_eq!(aggregates[0].last, at(39));
    // Six aggregates of a few hundred bytes, against 300 × 100 KB of user agents sent.
    assert!(stats.bytes < 4 * 1024, "{stats:?}");

    // Valid tokens with the same user agent: one record each, every field within its cap.
    for i in 0..10 {
        let ctx = RequestContext::new(ACCOUNT, CONTENT, &user_agent, ip(1), at(400 + i))
            .with_device_id("d".repeat(10_000));
        assert!(
            authorizer
                .authorize(&token(&key, ACCOUNT), &ctx)
                .await
                .is_allowed()
        );
    }
    let stats = sink.stats();
    assert_eq!(stats.records, 10);
    let records = sink.all_records();
    assert!(records.iter().all(|r| {
        r.user_agent.len() == MAX_AUDIT_USER_AGENT_LEN
            && r.user_agent.ends_with(TRUNCATION_MARKER)
            && r.device
                .as_ref()
                .is_some_and(|d| d.len() == MAX_AUDIT_ID_LEN)
    }));
    assert!(stats.bytes < 10 * 1024 + 4 * 1024, "{stats:?}");
}

#[tokio::test]
async fn the_memory_sink_evicts_its_oldest_records_past_its_bound() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let sink = Arc::new(MemoryAuditSink::new().with_max_records(5));
    let authorizer = authorizer(&key, &sink).await;
    for i in 0..8 {
        let ctx = RequestContext::new(ACCOUNT, format!("video-{i}"), "ua", ip(1), at(i));
        assert!(
            authorizer
                .authorize(&token(&key, ACCOUNT), &ctx)
                .await
                .is_allowed()
        );
    }
    let stats = sink.stats();
    assert_eq!((stats.records, stats.evicted_records), (5, 3));
    let kept: Vec<_> = sink.all_records().into_iter().map(|r| r.content).collect();
    assert_eq!(
        kept,
        ["video-3", "video-4", "video-5", "video-6", "video-7"]
    );
}

#[tokio::test]
async fn refusals_counted_outside_the_engine_are_aggregated_for_registered_accounts_only() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let sink = Arc::new(MemoryAuditSink::new());
    let authorizer = authorizer(&key, &sink).await;
    for i in 0..3 {
        let ctx = RequestContext::new(ACCOUNT, CONTENT, "ua", ip(1), at(i));
        authorizer.count_refusal(&ctx, "token_missing").await;
        let stranger = RequestContext::new("nobody", CONTENT, "ua", ip(1), at(i));
        authorizer.count_refusal(&stranger, "token_missing").await;
    }
    authorizer
        .count_refusal(
            &RequestContext::new(ACCOUNT, CONTENT, "ua", ip(1), at(4)),
            "conflicting_tokens",
        )
        .await;
    let aggregates = sink.all_aggregates();
    let counts: Vec<_> = aggregates
        .iter()
        .map(|a| (a.account.as_str(), a.reason.as_str(), a.count))
        .collect();
    assert_eq!(
        counts,
        [
            (ACCOUNT, "conflicting_tokens", 1),
            (ACCOUNT, "token_missing", 3)
        ]
    );
    assert_eq!(authorizer.engine().unregistered_refusals(), 3);
}

#[tokio::test]
async fn daily_reports_include_the_aggregates() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let sink = Arc::new(MemoryAuditSink::new());
    let authorizer = authorizer(&key, &sink).await;
    let ctx = RequestContext::new(ACCOUNT, CONTENT, "ua", ip(1), at(0));
    for _ in 0..4 {
        let _ = authorizer.authorize(&token(&forger, ACCOUNT), &ctx).await;
    }
    assert!(
        authorizer
            .authorize(&token(&key, ACCOUNT), &ctx)
            .await
            .is_allowed()
    );

    let reports = AuditReports::new(Arc::clone(&sink));
    // at(0) is 2023-11-14T22:13:20Z.
    let next_day = at(86_400);
    let id = reports
        .request(ACCOUNT, date!(2023 - 11 - 14), next_day)
        .await
        .unwrap();
    reports.run_pending().await;
    let file = reports.report_file(id, next_day).await.unwrap().unwrap();
    let lines = crate::audit_reports::lines(&file);
    // The record, then the aggregate (the refusals counted per reason and minute).
    assert_eq!(lines.len(), 2);
    assert!(lines[0].get("decision").is_some());
    assert_eq!(lines[1]["reason"], "invalid_signature");
    assert_eq!(lines[1]["count"], 4);
}
