//! The edge service end to end, over real HTTP on a loopback port, on the in-memory stores
//! and on Redis: register a key through the admin API, mint a token, play, hit the stream
//! limit, blacklist the token and take it off again, and read yesterday's audit report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "../../examples/edge_service/app.rs"]
mod app;
mod metrics;
#[path = "../../examples/edge_service/metrics.rs"]
mod metrics_exporter;
mod security;
#[path = "../../examples/edge_service/server.rs"]
mod server;

mod blacklist;
mod cpu_burst;
mod head;
mod oversized_requests;
mod playback_rights;
mod slow_clients;
mod stream_sessions;
mod wrapped_key;

mod audit_flood;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Router;
use playback_auth::admin::AdminToken;
use playback_auth::claims::{ConcurrencyBehavior, NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock;
use playback_auth_policy::testing::harness::{redis_url, unique_prefix};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use app::EdgeSettings;

const ADMIN: &str = "edge-e2e-admin-token-0123456789";
const ACCOUNT: &str = "acct-e2e";
const VIDEO: &str = "video-7";
/// 2026-09-21T12:26:40Z: the plays happen on this day; the report is read the next day.
const PLAY_TIME: i64 = 1_790_000_000;
const DAY: i64 = 86_400;

/// A clock the test moves; the service reads it for the layer and the admin API alike.
#[derive(Debug, Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn at(secs: i64) -> Self {
        Self(Arc::new(AtomicI64::new(secs)))
    }

    fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::SeqCst)).unwrap()
    }
}

fn settings(clock: &TestClock) -> EdgeSettings<TestClock> {
    EdgeSettings {
        admin_token: AdminToken::new(ADMIN).unwrap(),
        clock: clock.clone(),
        // Long enough that the status read right after the query still says `processing`.
        report_delay: Duration::from_millis(800),
        max_in_flight: playback_auth::tower::DEFAULT_MAX_IN_FLIGHT,
        public_base_url: None,
        geo: None,
    }
}

/// A server on a free loopback port; stops when dropped.
struct Server {
    base: String,
    http: reqwest::Client,
    _stop: Option<oneshot::Sender<()>>,
}

impl Server {
    async fn start(app: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server::serve(
            listener,
            app,
            server::Timeouts::default(),
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            base,
            http: reqwest::Client::new(),
            _stop: Some(stop),
        }
    }

    /// A client of a server started elsewhere, at `base`.
    fn at(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::new(),
            _stop: None,
        }
    }

    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN)
    }

    /// An admin request without a body: its status, and its JSON body (`Null` when empty).
    async fn call(&self, method: reqwest::Method, path: &str) -> (StatusCode, Value) {
        let response = self.admin(method, path).send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, body)
    }

    /// Registers `key`'s public half for `ACCOUNT` through the admin API; the key record.
    async fn register(&self, key: &PrivateKey) -> Value {
        let registered = self
            .admin(
                reqwest::Method::POST,
                &format!("/v1/accounts/{ACCOUNT}/keys"),
            )
            .json(&json!({ "value": key.public_key().to_public_key_txt() }))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), StatusCode::CREATED);
        registered.json().await.unwrap()
    }

    /// The report of `ACCOUNT` for `day` through the admin API: queried, `processing` at
    /// first, polled until `completed`, then downloaded through its signed link (no admin
    /// bearer): `{"records": […], "aggregates": […]}` from the JSON Lines file.
    async fn daily_report(&self, day: impl std::fmt::Display) -> Value {
        let (status, execution) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/audit/accounts/{ACCOUNT}/query/{day}"),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{execution}");
        let id = execution["executionID"].as_str().unwrap().to_owned();
        let status_path = format!("/v1/audit/accounts/{ACCOUNT}/executions/{id}/status");
        let (_, mut status) = self.call(reqwest::Method::GET, &status_path).await;
        assert_eq!(status["status"], "processing");
        for _ in 0..200 {
            if status["status"] != "processing" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
            status = self.call(reqwest::Method::GET, &status_path).await.1;
        }
        assert_eq!(status["status"], "completed", "{status}");

        let (status, link) = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/audit/accounts/{ACCOUNT}/executions/{id}/report"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{link}");
        let url = link["signedURL"].as_str().unwrap();
        assert!(link["expirationTime"].is_i64(), "{link}");
        let file = self
            .http
            .get(format!("{}{url}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), StatusCode::OK);
        assert_eq!(
            file.headers()["content-type"].to_str().unwrap(),
            "application/x-ndjson"
        );
        let text = file.text().await.unwrap();
        // Records carry a `decision`; aggregates (refusals counted per minute) a `count`.
        let (records, aggregates): (Vec<Value>, Vec<Value>) = text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .partition(|line| line.get("decision").is_some());
        json!({ "records": records, "aggregates": aggregates })
    }

    async fn play(&self, token: &str, session: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/v1/play/{ACCOUNT}/{VIDEO}", self.base))
            .bearer_auth(token)
            .header("user-agent", "Player/1.0")
            .header("x-session-id", session)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

/// The whole story against one running service.
async fn story(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;

    // The admin API refuses a request without its credential.
    let anonymous = server
        .http
        .get(format!("{}/v1/accounts/{ACCOUNT}/keys", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"], "admin_unauthorized");
    // A path that is neither playback nor admin is a plain 404, not an admin 401.
    let stray = server
        .http
        .get(format!("{}/favicon.ico", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), StatusCode::NOT_FOUND);
    let body: Value = stray.json().await.unwrap();
    assert_eq!(body["error"], "not_found");

    // Register the publisher's public key through the admin API.
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let record = server.register(&key).await;
    assert_eq!(record["type"], "public");
    assert_eq!(record["algorithm"], "ec");

    // Mint a token: two concurrent streams, a third is refused.
    let now = clock.now();
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, now)
        .content_id(VIDEO)
        .user("viewer-1")
        .concurrent_streams(2)
        .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        .valid_for(Duration::from_secs(3 * 86_400))
        .build()
        .unwrap();
    let token = Signer::new(key).sign(&claims).unwrap();

    // Another method on the playback route is refused by the router before the layer: it
    // admits no session (the two plays below still fit under climit 2) and is not audited.
    let posted = server
        .http
        .post(format!("{}/v1/play/{ACCOUNT}/{VIDEO}", server.base))
        .bearer_auth(&token)
        .header("x-session-id", "sneaky")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);

    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "allow");
    assert_eq!(body["session"]["change"], "admitted");
    let (status, body) = server.play(&token, "phone").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server.play(&token, "laptop").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "stream_limit_reached");

    // Blacklist the token: refused as a token problem.
    let path = format!("/v1/accounts/{ACCOUNT}/blacklist/tokens/{token}");
    assert_eq!(
        server.call(reqwest::Method::PUT, &path).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.call(reqwest::Method::GET, &path).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "token_revoked");

    // Take it off the list: the running session renews.
    assert_eq!(
        server.call(reqwest::Method::DELETE, &path).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.call(reqwest::Method::GET, &path).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["change"], "renewed");

    // The next day, the report of the plays' day: processing, then completed, with every
    // decision in it.
    clock.set(PLAY_TIME + DAY);
    let day = now.to_offset_date_time().date();
    let report = server.daily_report(day).await;
    let decisions: Vec<(String, Option<String>)> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            (
                record["decision"].as_str().unwrap().to_owned(),
                record["reason"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let allow = || ("allow".to_owned(), None);
    let deny = |code: &str| ("deny".to_owned(), Some(code.to_owned()));
    assert_eq!(
        decisions,
        vec![
            allow(),
            allow(),
            deny("stream_limit_reached"),
            deny("token_revoked"),
            allow(),
        ]
    );
}

#[tokio::test]
async fn the_story_on_the_in_memory_stores() {
    let clock = TestClock::at(PLAY_TIME);
    story(app::memory_app(settings(&clock)).unwrap(), &clock).await;
}

#[tokio::test]
async fn the_story_on_redis() {
    let Some(url) = redis_url() else {
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    let prefix = unique_prefix("edge-e2e");
    let store = RedisStore::builder(url).key_prefix(prefix).build().unwrap();
    story(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}

/// The same story on the Redis Cluster of `REDIS_CLUSTER_URLS`, picked from the environment
/// as the example picks it.
#[tokio::test]
async fn the_story_on_a_redis_cluster() {
    let endpoint = playback_auth::redis::RedisEndpoint::from_env();
    let Some(endpoint) = endpoint.filter(playback_auth::redis::RedisEndpoint::is_cluster) else {
        playback_auth_policy::testing::harness::unavailable("REDIS_CLUSTER_URLS is not set");
        return;
    };
    let clock = TestClock::at(PLAY_TIME);
    // The first operation also opens the connections to every master and loads the scripts:
    // on a loaded two-vCPU CI machine that can outlast the 250 ms default, and this story is
    // not about timeouts (tests/redis/failover.rs is).
    let store = RedisStore::builder_for(endpoint)
        .key_prefix(unique_prefix("edge-e2e-cluster"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(store.is_cluster());
    store.ping().await.unwrap();
    story(app::redis_app(store, settings(&clock)).unwrap(), &clock).await;
}
