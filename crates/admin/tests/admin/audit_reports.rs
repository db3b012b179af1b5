//! Daily audit reports as the vendor's Authentication API serves them: query on one node,
//! `processing` → `completed` on another (executions live in the store), the report as a
//! signed link (`signedURL`, `expirationTime`) to a JSON Lines file downloaded without the
//! admin bearer; tampered, expired and foreign links refused; refused dates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use crate::common::{Backend, Config, DAY, Harness, Reply, TestKey, at, ip, request};
use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use playback_auth_keys::Algorithm;
use playback_auth_policy::{AuditDecision, AuditRecord};
use serde_json::json;

fn query(account: &str, date: &str) -> String {
    format!("/v1/audit/accounts/{account}/query/{date}")
}

fn execution(account: &str, id: &str, what: &str) -> String {
    format!("/v1/audit/accounts/{account}/executions/{id}/{what}")
}

/// Polls the status on `router` (bounded) until it is no longer `processing`.
async fn wait_finished(h: &Harness, router: &Router, id: &str) -> Reply {
    for _ in 0..200 {
        let reply = h.get_on(router, &execution("acct-1", id, "status")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        if reply.json["status"] != "processing" {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("report {id} still processing after 5 s");
}

/// `GET` the link's path and query on `router`, with no admin bearer.
async fn download(h: &Harness, router: &Router, path_and_query: &str) -> Reply {
    let request = Request::get(path_and_query).body(Body::empty()).unwrap();
    h.raw_on(router, request).await
}

const BASE: &str = "https://admin.example.test";

async fn query_on_one_node_report_and_download_on_another(backend: Backend) {
    let config = Config {
        report_delay: Duration::from_millis(300),
        public_base_url: Some(format!("{BASE}/")),
        ..Config::default()
    };
    let h = backend.harness("query_report_download", &config);
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

    // The query on this node…
    let queried = h.post(&query("acct-1", "2023-11-13"), &json!(null)).await;
    assert_eq!(queried.status, StatusCode::ACCEPTED, "{}", queried.text);
    let id = queried.json["executionID"].as_str().unwrap().to_owned();
    // 128 random bits.
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    // …status and report on the other.
    let other = &h.other_node;
    let status = h.get_on(other, &execution("acct-1", &id, "status")).await;
    assert_eq!(
        status.json,
        json!({ "executionID": id, "status": "processing" })
    );
    h.get_on(other, &execution("acct-1", &id, "report"))
        .await
        .assert_error(StatusCode::CONFLICT, "report_not_ready");
    let finished = wait_finished(&h, other, &id).await;
    assert_eq!(
        finished.json,
        json!({ "executionID": id, "status": "completed" })
    );

    let report = h.get_on(other, &execution("acct-1", &id, "report")).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let fields: Vec<&String> = report.json.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["signedURL", "expirationTime"]);
    // Valid 15 minutes from now.
    assert_eq!(
        report.json["expirationTime"],
        json!(h.now().as_secs() + 900)
    );
    let url = report.json["signedURL"].as_str().unwrap();
    let link = url
        .strip_prefix(BASE)
        .expect("the configured public base URL");
    assert!(
        link.starts_with(&format!("/v1/audit/accounts/acct-1/executions/{id}/file?")),
        "{link}"
    );

    // The download needs no bearer, on either node.
    for router in [&h.router, other] {
        let file = download(&h, router, link).await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.text);
        assert_eq!(file.headers["content-type"], "application/x-ndjson");
        assert_eq!(
            file.headers["content-disposition"],
            "attachment; filename=\"audit-acct-1-2023-11-13.jsonl\""
        );
        assert_eq!(file.headers["cache-control"], "private, no-store");
        let records: Vec<serde_json::Value> = file
            .text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
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
        assert!(
            records.iter().all(|record| record["account"] == "acct-1"
                && record["time"] == json!(yesterday.as_secs()))
        );
        // Records identify the token by digest only.
        assert!(!file.text.contains(&token));
    }

    // Tampered: another expiry, a changed signature, another account, another execution.
    let (path, query_string) = link.split_once('?').unwrap();
    let signature = query_string.split_once("signature=").unwrap().1;
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    let other_id = if id.starts_with('0') { "1" } else { "0" }.to_owned() + &id[1..];
    for tampered in [
        link.replace(
            &format!("expires={}", h.now().as_secs() + 900),
            &format!("expires={}", h.now().as_secs() + 90_000),
        ),
        link.replace(signature, &flipped),
        link.replace("/accounts/acct-1/", "/accounts/acct-2/"),
        link.replace(&id, &other_id),
        path.to_owned(),
        format!("{path}?expires=1&signature=zz"),
    ] {
        assert_ne!(tampered, link);
        download(&h, other, &tampered)
            .await
            .assert_error(StatusCode::FORBIDDEN, "report_link_invalid");
    }
    // Expired: at its expiration time, on either node.
    h.clock.set(900);
    for router in [&h.router, other] {
        download(&h, router, link)
            .await
            .assert_error(StatusCode::FORBIDDEN, "report_link_expired");
    }
    // A new link works again.
    let again = h.get(&execution("acct-1", &id, "report")).await;
    let fresh = again.json["signedURL"]
        .as_str()
        .unwrap()
        .strip_prefix(BASE)
        .unwrap()
        .to_owned();
    assert_eq!(download(&h, other, &fresh).await.status, StatusCode::OK);
}

/// Without a configured base URL, the link is an absolute path; other methods on the
/// download route are 405, and the admin bearer is not what opens it.
async fn links_without_a_base_url_are_paths(backend: Backend) {
    let h = backend.harness(
        "links_without_base",
        &Config {
            report_delay: Duration::from_millis(0),
            ..Config::default()
        },
    );
    let queried = h.post(&query("acct-1", "2023-11-13"), &json!(null)).await;
    let id = queried.json["executionID"].as_str().unwrap().to_owned();
    wait_finished(&h, &h.router, &id).await;
    let report = h.get(&execution("acct-1", &id, "report")).await;
    let link = report.json["signedURL"].as_str().unwrap().to_owned();
    assert!(link.starts_with("/v1/audit/accounts/acct-1/"), "{link}");
    let file = download(&h, &h.router, &link).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.text.is_empty(), "no records that day");
    // The bearer alone does not open a file.
    let path = link.split_once('?').unwrap().0;
    h.get(path)
        .await
        .assert_error(StatusCode::FORBIDDEN, "report_link_invalid");
    h.send(http::Method::DELETE, &link, None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

/// A report lists the end of a session no record ended one lease after its start, with the
/// lease of the engine behind the API (300 s here, not the default 120 s).
async fn a_session_end_is_derived_with_the_engines_lease(backend: Backend) {
    let config = Config {
        report_delay: Duration::from_millis(0),
        lease: Duration::from_secs(300),
        ..Config::default()
    };
    let h = backend.harness("session_end_lease", &config);
    let start = at(-DAY);
    h.record(
        AuditRecord::new(
            start,
            "acct-1",
            ip(1),
            "Player/1",
            "video-7",
            AuditDecision::Allow,
        )
        .with_uid("viewer-1")
        .with_session("s-1"),
    )
    .await;
    let queried = h.post(&query("acct-1", "2023-11-13"), &json!(null)).await;
    let id = queried.json["executionID"].as_str().unwrap().to_owned();
    wait_finished(&h, &h.router, &id).await;
    let report = h.get(&execution("acct-1", &id, "report")).await;
    let link = report.json["signedURL"].as_str().unwrap().to_owned();
    let file = download(&h, &h.router, &link).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text);
    let last: serde_json::Value = serde_json::from_str(file.text.lines().last().unwrap()).unwrap();
    assert_eq!(
        last,
        json!({
            "session": "s-1",
            "uid": "viewer-1",
            "ended_at": start.as_secs() + 300,
            "cause": "lease_expired",
        })
    );
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
        h.get(&execution("acct-1", &"0".repeat(32), what))
            .await
            .assert_error(StatusCode::NOT_FOUND, "execution_not_found");
        for bad in [
            "abc",
            "-1",
            "+1",
            "1.5",
            "99999999999999999999999",
            &id.to_uppercase(),
        ] {
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

/// Another account's execution is `404` on the report route and on a link made for it.
async fn another_accounts_execution_is_not_found_through_a_link(backend: Backend) {
    let h = backend.harness(
        "foreign_link",
        &Config {
            report_delay: Duration::from_millis(0),
            ..Config::default()
        },
    );
    let queried = h.post(&query("acct-2", "2023-11-13"), &json!(null)).await;
    let id = queried.json["executionID"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let status = h.get(&execution("acct-2", &id, "status")).await;
        if status.json["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let report = h.get(&execution("acct-2", &id, "report")).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    h.get_on(&h.other_node, &execution("acct-1", &id, "report"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "execution_not_found");
}

on_every_backend!(
    too_many_pending_is_429,
    query_on_one_node_report_and_download_on_another,
    links_without_a_base_url_are_paths,
    another_accounts_execution_is_not_found_through_a_link,
    refused_dates,
    a_session_end_is_derived_with_the_engines_lease,
    unknown_and_foreign_executions_are_not_found,
);
