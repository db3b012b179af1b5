//! Issue 12, items 4 and 8, over real HTTP: a flood of forged, missing and conflicting tokens
//! with 30 KB user agents, for made-up accounts and a real one, leaves a bounded audit trail
//! — nothing for the made-up accounts, one aggregate per reason and minute for the real one,
//! capped records for the valid plays — on the in-memory stores and on Redis; ids that are not
//! short visible ASCII are answered `400 invalid_id`; the next day's report carries the
//! aggregates.

use std::sync::Arc;

use playback_auth::policy::{MAX_AUDIT_USER_AGENT_LEN, MemoryAuditSink};

use super::*;

/// Requests of each kind in the flood.
const FLOOD: usize = 150;
/// The flood's user agent: 30 KB, 120 times the audit cap. (The 100 KB heads are now
/// refused by the edge server itself, `431 headers_too_large`, before the application: see
/// `oversized_requests.rs`.)
const HUGE_UA_LEN: usize = 30 * 1024;
/// Valid plays with the same user agent: each one a (capped) record.
const VALID_PLAYS: usize = 3;

/// A GET of the playback route of `account` from the flood's user agent.
fn play_request(server: &Server, account: &str, user_agent: &str) -> reqwest::RequestBuilder {
    server
        .http
        .get(format!("{}/v1/play/{account}/{VIDEO}", server.base))
        .header("user-agent", user_agent)
}

async fn status_and_body(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Registers a key for `ACCOUNT`, floods the service, plays validly, and checks the answers.
async fn flood(server: &Server, clock: &TestClock) {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    server.register(&key).await;

    let sign = |key: &PrivateKey, account: &str| {
        let claims = PlaybackRestrictionClaims::builder(account, clock.now())
            .valid_for(Duration::from_secs(3600))
            .build()
            .unwrap();
        Signer::new(key.clone()).sign(&claims).unwrap()
    };
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let forged_stranger = sign(&forger, "made-up");
    let forged = sign(&forger, ACCOUNT);
    let other_forged = sign(&forger, "other");
    let huge = "A".repeat(HUGE_UA_LEN);

    for i in 0..FLOOD {
        let device = format!("device-{i}");
        // A made-up account: refused, nothing stored.
        let (status, body) = status_and_body(
            play_request(server, &format!("made-up-{i}"), &huge)
                .bearer_auth(&forged_stranger)
                .header("x-device-id", &device),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        // The real account: a forged token, no token, two tokens.
        let (status, body) = status_and_body(
            play_request(server, ACCOUNT, &huge)
                .bearer_auth(&forged)
                .header("x-device-id", &device),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "invalid_signature");
        let (status, body) = status_and_body(play_request(server, ACCOUNT, &huge)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "token_missing");
        let (status, body) = status_and_body(
            server
                .http
                .get(format!(
                    "{}/v1/play/{ACCOUNT}/{VIDEO}?token={other_forged}",
                    server.base
                ))
                .header("user-agent", &huge)
                .bearer_auth(&forged),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "conflicting_tokens");
    }

    let valid = sign(&key, ACCOUNT);
    for i in 0..VALID_PLAYS {
        let (status, body) = status_and_body(
            play_request(server, ACCOUNT, &huge)
                .bearer_auth(&valid)
                .header("x-device-id", format!("device-{i}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// Ids that are not 1 to 128 bytes of visible ASCII are refused before anything is looked up.
async fn invalid_ids_are_400(server: &Server) {
    let too_long = "x".repeat(129);
    let cases: [(String, Vec<(&str, &str)>); 5] = [
        (format!("/v1/play/{ACCOUNT}/{too_long}"), vec![]),
        // `vidéo`, percent-encoded: valid UTF-8, not ASCII.
        (format!("/v1/play/{ACCOUNT}/vid%C3%A9o"), vec![]),
        (format!("/v1/play/{ACCOUNT}/a%20b"), vec![]),
        (
            format!("/v1/play/{ACCOUNT}/{VIDEO}"),
            vec![("x-device-id", too_long.as_str())],
        ),
        (
            format!("/v1/play/{ACCOUNT}/{VIDEO}"),
            vec![("x-session-id", "two words")],
        ),
    ];
    for (path, headers) in cases {
        let mut request = server
            .http
            .get(format!("{}{path}", server.base))
            .bearer_auth("x.y.z");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_id", "{path}: {body}");
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    }
    // 128 bytes is still an id (for a made-up account: refused, and nothing stored).
    let (status, body) = status_and_body(
        server
            .http
            .get(format!(
                "{}/v1/play/made-up/{}",
                server.base,
                "x".repeat(128)
            ))
            .bearer_auth("x.y.z"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

/// The next day's report holds the valid plays and one aggregate per reason.
async fn report_has_the_aggregates(server: &Server, clock: &TestClock) {
    let day = clock.now().to_offset_date_time().date();
    clock.set(PLAY_TIME + DAY);
    let report = server.daily_report(day).await;
    assert_eq!(report["records"].as_array().unwrap().len(), VALID_PLAYS);
    let mut aggregates: Vec<(String, u64)> = report["aggregates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|aggregate| {
            assert_eq!(aggregate["account"], ACCOUNT);
            assert_eq!(aggregate["first"], PLAY_TIME);
            assert_eq!(aggregate["last"], PLAY_TIME);
            (
                aggregate["reason"].as_str().unwrap().to_owned(),
                aggregate["count"].as_u64().unwrap(),
            )
        })
        .collect();
    aggregates.sort();
    let flood = u64::try_from(FLOOD).unwrap();
    assert_eq!(
        aggregates,
        [
            ("conflicting_tokens".to_owned(), flood),
            ("invalid_signature".to_owned(), flood),
            ("token_missing".to_owned(), flood),
        ]
    );
}

#[tokio::test]
async fn a_forged_token_flood_holds_bounded_audit_state_in_memory() {
    let clock = TestClock::at(PLAY_TIME);
    let sink = Arc::new(MemoryAuditSink::new());
    let app = app::memory_app_with_audit(settings(&clock), Arc::clone(&sink)).unwrap();
    let server = Server::start(app).await;

    flood(&server, &clock).await;
    invalid_ids_are_400(&server).await;

    let stats = sink.stats();
    eprintln!(
        "in-memory audit after {} flood requests of {HUGE_UA_LEN} B user agents: {stats:?}",
        4 * FLOOD
    );
    // The valid plays only, each capped; the refusals as three aggregates (one minute); no
    // record or aggregate for the made-up accounts.
    assert_eq!(stats.records, VALID_PLAYS);
    assert_eq!(stats.aggregates, 3);
    assert_eq!((stats.evicted_records, stats.evicted_aggregates), (0, 0));
    assert!(sink.all_records().iter().all(|record| {
        record.account == ACCOUNT && record.user_agent.len() == MAX_AUDIT_USER_AGENT_LEN
    }));
    assert!(sink.all_aggregates().iter().all(|a| a.account == ACCOUNT));
    // What 600 requests × 30 KB made the sink hold: a few KB.
    assert!(stats.bytes < 8 * 1024, "{stats:?}");

    report_has_the_aggregates(&server, &clock).await;
}

#[tokio::test]
async fn a_forged_token_flood_holds_bounded_audit_state_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-flood");
    let store = RedisStore::builder(url.as_str())
        .key_prefix(prefix.as_str())
        .build()
        .unwrap();
    let server = Server::start(app::redis_app(store.clone(), settings(&clock)).unwrap()).await;

    flood(&server, &clock).await;
    invalid_ids_are_400(&server).await;
    // The refusals are batched in process (one write per interval): write them now.
    store.flush_audit().await.unwrap();

    // Every key the service holds, and the bytes Redis reports for them.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        keys.iter().all(|key| !key.contains("made-up")),
        "nothing for made-up accounts: {keys:?}"
    );
    let audit_keys: Vec<&String> = keys.iter().filter(|key| key.contains("audit")).collect();
    let mut bytes = 0;
    for key in &audit_keys {
        let usage: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(key.as_str())
            .query_async(&mut redis)
            .await
            .unwrap();
        bytes += usage.unwrap_or(0);
    }
    let day = clock.now().to_offset_date_time().date();
    // The day's audit shard streams the valid plays went to (one per user or token shard).
    let streams: Vec<&String> = keys
        .iter()
        .filter(|key| key.ends_with(&format!(":audit:{day}")))
        .collect();
    assert!((1..=16).contains(&streams.len()), "{streams:?}");
    let mut records: u64 = 0;
    for stream in &streams {
        let len: u64 = redis::cmd("XLEN")
            .arg(stream.as_str())
            .query_async(&mut redis)
            .await
            .unwrap();
        records += len;
    }
    let aggregates_key = keys
        .iter()
        .find(|key| key.ends_with(":audit-aggregates"))
        .unwrap();
    let aggregates: u64 = redis::cmd("HLEN")
        .arg(aggregates_key.as_str())
        .query_async(&mut redis)
        .await
        .unwrap();
    eprintln!(
        "Redis audit after {} flood requests of {HUGE_UA_LEN} B user agents: {} keys \
         ({audit_keys:?}), {records} stream entries, {aggregates} aggregates, {bytes} bytes",
        4 * FLOOD,
        keys.len()
    );
    // The streams, the aggregates and the index: nothing else for the audit trail.
    assert_eq!(audit_keys.len(), streams.len() + 2, "{audit_keys:?}");
    assert_eq!(records, u64::try_from(VALID_PLAYS).unwrap());
    assert_eq!(aggregates, 3);
    assert!(bytes < 16 * 1024, "{bytes} bytes");

    report_has_the_aggregates(&server, &clock).await;
}
