//! A stream's start, heartbeats and stop against the edge service over real HTTP, on the
//! in-memory stores and on Redis: heartbeats keep a `maxu 1` stream playing, a stop frees
//! the `climit 1` place for another device at once, a dead player's place frees after the
//! lease (the clock moved, no sleeping), and the day's report holds one renewal line for the
//! session's heartbeats and one end per stream (a stop, a lease expiry).

use std::time::Duration;

use axum::Router;
use playback_auth::claims::{ConcurrencyBehavior, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock;
use playback_auth_policy::testing::harness::{redis_url, unique_prefix};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{ACCOUNT, DAY, PLAY_TIME, Server, TestClock, VIDEO, app, settings};

impl Server {
    /// A stream request of `method` to the playback path plus `suffix` (`""`,
    /// `"/heartbeat"`, `"/stop"`) from `device`.
    async fn stream(
        &self,
        method: Method,
        suffix: &str,
        token: &str,
        device: &str,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(
                method,
                format!("{}/v1/play/{ACCOUNT}/{VIDEO}{suffix}", self.base),
            )
            .bearer_auth(token)
            .header("user-agent", "Player/1.0")
            .header("x-device-id", device)
            .header("x-session-id", "main")
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

async fn sessions_story(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    server.register(&key).await;
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, clock.now())
        .content_id(VIDEO)
        .user("viewer-1")
        .max_uses(2)
        .concurrent_streams(1)
        .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        .valid_for(Duration::from_secs(86_400))
        .build()
        .unwrap();
    let token = Signer::new(key).sign(&claims).unwrap();

    let (status, body) = server.stream(Method::GET, "", &token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["uses"], 1);
    let session = body["session"]["key"].clone();
    // Ten heartbeats a minute apart: the stream plays on, no use is counted.
    for minute in 1..=10 {
        clock.set(PLAY_TIME + 60 * minute);
        let (status, body) = server
            .stream(Method::POST, "/heartbeat", &token, "tv")
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["kind"].as_str(), &body["session"]),
            (Some("heartbeat"), &session)
        );
    }
    // The limit holds the phone back until the TV stops; then it plays at once.
    let (status, body) = server.stream(Method::GET, "", &token, "phone").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("stream_limit_reached"))
    );
    let (status, body) = server.stream(Method::POST, "/stop", &token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stopped"], session);
    let (status, body) = server
        .stream(Method::POST, "/heartbeat", &token, "tv")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("session_unknown"))
    );
    let (status, body) = server.stream(Method::GET, "", &token, "phone").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["uses"], 2);
    // The phone dies after one heartbeat; its place is free a lease (120 s) later.
    clock.set(PLAY_TIME + 660);
    assert_eq!(
        server
            .stream(Method::POST, "/heartbeat", &token, "phone")
            .await
            .0,
        StatusCode::OK
    );
    clock.set(PLAY_TIME + 660 + 120);
    let (status, body) = server
        .stream(Method::POST, "/heartbeat", &token, "phone")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("session_unknown"))
    );
    // A DELETE of the stream is a stop too (nothing active: still fine).
    let (status, body) = server.stream(Method::DELETE, "", &token, "phone").await;
    assert_eq!(
        (status, body["kind"].as_str(), &body["stopped"]),
        (StatusCode::OK, Some("stop"), &Value::Null)
    );

    // The report of the day: the TV's ten heartbeats are one renewal line, and each stream
    // has one end: the TV's stop, and the phone's lease running out (no record states it;
    // the later stop of the inactive stream ends nothing more).
    clock.set(PLAY_TIME + DAY);
    let report = server
        .daily_report(
            playback_auth::claims::NumericDate::from_secs(PLAY_TIME)
                .unwrap()
                .to_offset_date_time()
                .date(),
        )
        .await;
    let renewals: Vec<&Value> = report["aggregates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line.get("session").is_some() && line.get("count").is_some())
        .collect();
    let counts: Vec<u64> = renewals
        .iter()
        .map(|line| line["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 2, "{renewals:?}");
    assert!(counts.contains(&10) && counts.contains(&1), "{counts:?}");
    let ends: Vec<(i64, &str)> = report["aggregates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| Some((line["ended_at"].as_i64()?, line["cause"].as_str()?)))
        .collect();
    assert_eq!(
        ends,
        [
            (PLAY_TIME + 600, "stopped"),
            (PLAY_TIME + 660 + 120, "lease_expired")
        ]
    );
    let reasons: Vec<Option<&str>> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            None,
            Some("stream_limit_reached"),
            Some("session_stopped"),
            Some("session_unknown"),
            None,
            Some("session_unknown"),
            Some("session_stopped"),
        ]
    );
}

#[tokio::test]
async fn start_heartbeat_and_stop_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    sessions_story(app::memory_app(settings(&clock)).unwrap(), &clock).await;
}

#[tokio::test]
async fn start_heartbeat_and_stop_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let store = RedisStore::builder(url)
        .key_prefix(unique_prefix("edge-sessions"))
        .build()
        .unwrap();
    sessions_story(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}
