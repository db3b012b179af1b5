//! Daily audit reports: query, `processing` → `completed`, the report, and refused dates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use crate::common::{Backend, Config, DAY, Harness, Reply, TestKey, at, ip, request};
use http::StatusCode;
use playback_auth_keys::Algorithm;
use playback_auth_policy::{AuditDecision, AuditRecord};
use serde_json::json;

fn query(account: &str, date: &str) -> String {
    format!("/v1/audit/accounts/{account}/query/{date}")
}

fn execution(account: &str, id: &str, what: &str) -> String {
    format!("/v1/audit/accounts/{account}/executions/{id}/{what}")
}

/// Polls the status (bounded) until it is no longer `processing`.
async fn wait_finished(h: &Harness, id: &str) -> Reply {
    for _ in 0..200 {
        let reply = h.get(&execution("acct-1", id, "status")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        if reply.json["status"] != "processing" {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("report {id} still processing after 5 s");
}

async fn processing_then_completed_with_yesterdays_records(backend: Backend) {
    let config = Config {
        report_delay: Duration::from_millis(300),
        ..Config::default()
    };
    let h = backend.harness("processing_then_completed", &config);
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;

    // Yesterday (2023-11-13): one allowed and one denied decision, plus a record of another
    // account; today: one decision that must not be in yesterday's report.
    let yesterday = at(-DAY);
    let token = key.token(yesterday, |claims| claims.max_uses(1));
    assert!(h.authorize(&token, &request(yesterday)).await.is_allowed());
    assert!(!h.authorize(&token, &request(yesterday)).await.is_allowed());
    h.record(AuditRecord::new(
        yesterday,
        "acct-2",
        ip(9),
        "Other/1",
        "video-9",
        AuditDecision::Allow,
    ))
    .await;
    let today_token = key.token(h.now(), |claims| claims);
    assert!(
        h.authorize(&today_token, &request(h.now()))
            .await
            .is_allowed()
    );

    let queried = h.post(&query("acct-1", "2023-11-13"), &json!(null)).await;
    assert_eq!(queried.status, StatusCode::ACCEPTED, "{}", queried.text);
    let id = queried.json["executionID"].as_str().unwrap().to_owned();

    let status = h.get(&execution("acct-1", &id, "status")).await;
    assert_eq!(
        status.json,
        json!({ "executionID": id, "status": "processing" })
    );
    h.get(&execution("acct-1", &id, "report"))
        .await
        .assert_error(StatusCode::CONFLICT, "report_not_ready");

    let finished = wait_finished(&h, &id).await;
    assert_eq!(
        finished.json,
        json!({ "executionID": id, "status": "completed" })
    );

    let report = h.get(&execution("acct-1", &id, "report")).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.json["account"], "acct-1");
    assert_eq!(report.json["date"], "2023-11-13");
    assert_eq!(report.json["skipped"], 0);
    let records = report.json["records"].as_array().unwrap();
    let decisions: Vec<_> = records
        .iter()
        .map(|record| (record["decision"].clone(), record["reason"].clone()))
        .collect();
    assert_eq!(
        decisions,
        [
            (json!("allow"), json!(null)),
            (json!("deny"), json!("max_uses_reached")),
        ]
    );
    assert!(records.iter().all(
        |record| record["account"] == "acct-1" && record["time"] == json!(yesterday.as_secs())
    ));
    // Records identify the token by digest only.
    assert!(!report.text.contains(&token));
}

async fn refused_dates(backend: Backend) {
    let h = backend.harness("refused_dates", &Config::default());
    let cases = [
        ("2023-11-14", "date_is_today"),
        ("2023-11-15", "date_in_future"),
        ("2099-01-01", "date_in_future"),
        ("2023-10-14", "date_too_old"),
        ("2023-11-13T00:00:00Z", "invalid_date"),
        ("2023-13-01", "invalid_date"),
        ("2023-02-30", "invalid_date"),
        ("yesterday", "invalid_date"),
        ("2023-1-13", "invalid_date"),
        ("+2023-11-1", "invalid_date"),
    ];
    for (date, code) in cases {
        h.post(&query("acct-1", date), &json!(null))
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
    }
    // Thirty days back is the oldest accepted.
    let oldest = h.post(&query("acct-1", "2023-10-15"), &json!(null)).await;
    assert_eq!(oldest.status, StatusCode::ACCEPTED, "{}", oldest.text);

    // "Today" is the clock's: a day later, 2023-11-14 may be queried.
    h.clock.set(DAY);
    let next_day = h.post(&query("acct-1", "2023-11-14"), &json!(null)).await;
    assert_eq!(next_day.status, StatusCode::ACCEPTED, "{}", next_day.text);
}

async fn unknown_and_foreign_executions_are_not_found(backend: Backend) {
    let h = backend.harness("unknown_and_foreign_executions", &Config::default());
    let queried = h.post(&query("acct-1", "2023-11-13"), &json!(null)).await;
    let id = queried.json["executionID"].as_str().unwrap().to_owned();
    for what in ["status", "report"] {
        h.get(&execution("acct-2", &id, what))
            .await
            .assert_error(StatusCode::NOT_FOUND, "execution_not_found");
        h.get(&execution("acct-1", "999999", what))
            .await
            .assert_error(StatusCode::NOT_FOUND, "execution_not_found");
        for bad in ["abc", "-1", "+1", "1.5", "99999999999999999999999"] {
            h.get(&execution("acct-1", bad, what))
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_execution_id");
        }
    }
    // Still the owner's.
    assert_eq!(
        h.get(&execution("acct-1", &id, "status")).await.status,
        StatusCode::OK
    );
}

async fn too_many_pending_is_429(backend: Backend) {
    let config = Config {
        // Nothing finishes during the test.
        report_delay: Duration::from_secs(3600),
        max_executions: 2,
        ..Config::default()
    };
    let h = backend.harness("too_many_pending_is_429", &config);
    for date in ["2023-11-12", "2023-11-13"] {
        let reply = h.post(&query("acct-1", date), &json!(null)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    h.post(&query("acct-1", "2023-11-11"), &json!(null))
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_pending");
}

on_every_backend!(
    too_many_pending_is_429,
    processing_then_completed_with_yesterdays_records,
    refused_dates,
    unknown_and_foreign_executions_are_not_found,
);
