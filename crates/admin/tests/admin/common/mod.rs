//! The admin API under test, on the in-memory stores or on Redis, behind one `Harness`.
//!
//! Every behaviour file writes its tests once as `async fn name(backend: Backend)` and
//! stamps them out for both backends with `on_every_backend!`. Redis tests need `REDIS_URL`
//! (`scripts/with-redis.sh cargo test -p playback-auth-admin`); without it they print a skip
//! note, or fail when `CI=true`.
#![allow(dead_code)] // each test file uses a different subset
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    unreachable_pub
)]

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use playback_auth_admin::{AdminApi, AdminToken};
use playback_auth_claims::{ClaimsBuilder, NumericDate, PlaybackRestrictionClaims};
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::testing::harness;
use playback_auth_policy::{
    AuditRecord, AuditSink, Authorizer, Decision, MemoryKeyRegistry, MemoryRevocationStore,
    MemoryRightsStore, MemoryStores, PolicyConfig, RequestContext, Stores,
};
use playback_auth_redis::RedisStore;
use playback_auth_sign::Signer;
use playback_auth_verify::Clock;
use serde_json::Value;
use tower::ServiceExt;

/// The test clock's start: 2023-11-14T22:13:20Z, so "today" is 2023-11-14 (UTC).
pub const T0: i64 = 1_700_000_000;
pub const DAY: i64 = 86_400;
pub const ACCOUNT: &str = "acct-1";
pub const OTHER_ACCOUNT: &str = "acct-2";
pub const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789";

pub fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(T0 + secs).unwrap()
}

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

/// A clock the test moves by hand (clones share the time).
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn set(&self, secs_after_t0: i64) {
        self.0.store(T0 + secs_after_t0, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::SeqCst)).unwrap()
    }
}

/// What a test may change about the API and its stores.
#[derive(Debug, Clone)]
pub struct Config {
    pub report_delay: Duration,
    pub revocation_capacity: usize,
    pub keys_per_account: usize,
    pub rights_per_account: usize,
    pub max_body_bytes: Option<usize>,
    pub max_executions: usize,
    /// `AdminApi::public_base_url`.
    pub public_base_url: Option<String>,
    /// The engine's session lease (`PolicyConfig::lease`), which reports use too.
    pub lease: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            report_delay: Duration::from_millis(50),
            revocation_capacity: 100,
            keys_per_account: 20,
            rights_per_account: 20,
            max_body_bytes: None,
            max_executions: playback_auth_policy::DEFAULT_MAX_EXECUTIONS,
            public_base_url: None,
            lease: PolicyConfig::DEFAULT_LEASE,
        }
    }
}

/// Which stores a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Memory,
    Redis { url: String },
}

impl Backend {
    /// Redis at `REDIS_URL`, or `None` after a skip note (a panic under `CI=true`).
    pub fn redis() -> Option<Self> {
        harness::redis_url().map(|url| Self::Redis { url })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Redis { .. } => "redis",
        }
    }

    /// A fresh API (empty stores: on Redis, a key prefix no other test uses).
    pub fn harness(&self, test: &str, config: &Config) -> Harness {
        let clock = Arc::new(TestClock(Arc::new(AtomicI64::new(T0))));
        match self {
            Self::Memory => {
                let stores = MemoryStores {
                    revocations: MemoryRevocationStore::new()
                        .with_capacity(config.revocation_capacity),
                    registry: MemoryKeyRegistry::new()
                        .with_keys_per_account(config.keys_per_account),
                    rights: MemoryRightsStore::new()
                        .with_rights_per_account(config.rights_per_account),
                    ..MemoryStores::new()
                };
                Harness::new(stores, clock, config, self.name())
            }
            Self::Redis { url } => {
                let prefix = harness::unique_prefix(test);
                let node = || {
                    RedisStore::builder(url.as_str())
                        .key_prefix(prefix.as_str())
                        // Generous: the machine is shared and tests run in parallel.
                        .timeout(Duration::from_secs(5))
                        .revocation_capacity(config.revocation_capacity)
                        .keys_per_account(config.keys_per_account)
                        .rights_per_account(config.rights_per_account)
                        .build()
                        .unwrap()
                };
                let mut harness = Harness::new(node(), Arc::clone(&clock), config, self.name());
                // A second node: its own connection and reports, the same Redis keys.
                let other = authorizer(node(), &clock, config);
                harness.other_node = admin_router(&other, config);
                harness
            }
        }
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What tests do to the stores behind the API's back: authorize playback, write audit records.
trait Probe: Send + Sync {
    fn authorize<'a>(&'a self, token: &'a str, ctx: &'a RequestContext) -> BoxFuture<'a, Decision>;
    fn record(&self, record: AuditRecord) -> BoxFuture<'_, ()>;
}

struct ProbeOf<B: Stores>(Arc<Authorizer<B>>);

impl<B: Stores> Probe for ProbeOf<B> {
    fn authorize<'a>(&'a self, token: &'a str, ctx: &'a RequestContext) -> BoxFuture<'a, Decision> {
        Box::pin(self.0.authorize(token, ctx))
    }

    fn record(&self, record: AuditRecord) -> BoxFuture<'_, ()> {
        Box::pin(async move { self.0.stores().audit().record(record).await.unwrap() })
    }
}

/// An admin router over `authorizer` and reports over `sink`, as the tests configure it.
/// An authorizer over `stores` reading the test's clock, with `config`'s lease.
fn authorizer<B: Stores>(stores: B, clock: &Arc<TestClock>, config: &Config) -> Arc<Authorizer<B>> {
    Arc::new(
        Authorizer::builder(stores)
            .clock(TestClock::clone(clock))
            .policy(PolicyConfig::default().with_lease(config.lease))
            .build(),
    )
}

/// An admin router over `authorizer`, configured as `config` says.
fn admin_router<B: Stores>(authorizer: &Arc<Authorizer<B>>, config: &Config) -> Router {
    let mut api = AdminApi::new(
        Arc::clone(authorizer),
        AdminToken::new(ADMIN_TOKEN).unwrap(),
    )
    .max_executions(config.max_executions)
    .report_delay(config.report_delay);
    if let Some(max) = config.max_body_bytes {
        api = api.max_body_bytes(max);
    }
    if let Some(base) = &config.public_base_url {
        api = api.public_base_url(base.clone());
    }
    api.router()
}

/// A response, its body read as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// The error code of a JSON error body.
    pub fn code(&self) -> &str {
        self.json["error"].as_str().unwrap_or("<no error code>")
    }

    /// Asserts the status and the error code, and that the message is one line.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.text
        );
        let message = self.json["message"].as_str().expect("a message");
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{message:?}"
        );
    }
}

pub struct Harness {
    pub router: Router,
    /// Another admin router over the same stores (on Redis: another connection and its own
    /// reports, as another node of a fleet; in memory: the same sink).
    pub other_node: Router,
    pub clock: Arc<TestClock>,
    pub backend: &'static str,
    probe: Arc<dyn Probe>,
}

impl Harness {
    fn new<B: Stores>(
        stores: B,
        clock: Arc<TestClock>,
        config: &Config,
        backend: &'static str,
    ) -> Self {
        let authorizer = authorizer(stores, &clock, config);
        let router = admin_router(&authorizer, config);
        Self {
            other_node: admin_router(&authorizer, config),
            router,
            clock,
            backend,
            probe: Arc::new(ProbeOf(authorizer)),
        }
    }

    /// Sends a request as it is (no admin token added).
    pub async fn raw(&self, request: Request<Body>) -> Reply {
        self.raw_on(&self.router, request).await
    }

    /// Sends a request as it is to `router` (e.g. [`Self::other_node`]).
    pub async fn raw_on(&self, router: &Router, request: Request<Body>) -> Reply {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json_lines = headers
            .get("content-type")
            .is_some_and(|value| value.as_bytes().starts_with(b"application/x-ndjson"));
        let json = if text.is_empty() || json_lines {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"))
        };
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// `GET path` with the admin token, on `router`.
    pub async fn get_on(&self, router: &Router, path: &str) -> Reply {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .body(Body::empty())
            .unwrap();
        self.raw_on(router, request).await
    }

    /// Sends `method path` with the admin token and, if given, a JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.raw(request.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn put(&self, path: &str) -> Reply {
        self.send(Method::PUT, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Registers `value` for `ACCOUNT` and returns the record.
    pub async fn register(&self, value: &str) -> Value {
        let reply = self
            .post(
                &format!("/v1/accounts/{ACCOUNT}/keys"),
                &serde_json::json!({ "value": value }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json
    }

    pub async fn authorize(&self, token: &str, ctx: &RequestContext) -> Decision {
        self.probe.authorize(token, ctx).await
    }

    pub async fn record(&self, record: AuditRecord) {
        self.probe.record(record).await;
    }

    pub fn now(&self) -> NumericDate {
        self.clock.now()
    }
}

/// A signing key and its `public_key.txt`.
pub struct TestKey {
    pub private: PrivateKey,
    pub signer: Signer,
}

impl TestKey {
    pub fn new(alg: Algorithm) -> Self {
        let private = PrivateKey::generate(alg).unwrap();
        Self {
            signer: Signer::new(private.clone()),
            private,
        }
    }

    pub fn public_key_txt(&self) -> String {
        self.private.public_key().to_public_key_txt()
    }

    /// A restriction token for `ACCOUNT` issued at `iat`, valid for an hour.
    pub fn token(
        &self,
        iat: NumericDate,
        build: impl FnOnce(
            ClaimsBuilder<PlaybackRestrictionClaims>,
        ) -> ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> String {
        let builder =
            PlaybackRestrictionClaims::builder(ACCOUNT, iat).valid_for(Duration::from_secs(3600));
        self.signer.sign(&build(builder).build().unwrap()).unwrap()
    }
}

/// A request for `video-7` of `ACCOUNT` from `ip(1)` at `now`.
pub fn request(now: NumericDate) -> RequestContext {
    RequestContext::new(ACCOUNT, "video-7", "Player/1.0", ip(1), now)
}

/// Stamps out `#[tokio::test]` wrappers running each `async fn name(backend: Backend)` on
/// the in-memory stores (`memory::name`) and on Redis (`redis::name`).
#[allow(unused_macros)]
macro_rules! on_every_backend {
    ($($test:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::common::Backend::Memory).await;
                }
            )+
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(backend) = $crate::common::Backend::redis() {
                        super::$test(backend).await;
                    }
                }
            )+
        }
    };
}

/// Every route, as (method, a concrete path).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/accounts/acct-1/keys"),
    ("GET", "/v1/accounts/acct-1/keys"),
    ("GET", "/v1/accounts/acct-1/keys/key-1"),
    ("DELETE", "/v1/accounts/acct-1/keys/key-1"),
    ("POST", "/v1/accounts/acct-1/playback_rights"),
    ("GET", "/v1/accounts/acct-1/playback_rights"),
    ("GET", "/v1/accounts/acct-1/playback_rights/r-1"),
    ("PUT", "/v1/accounts/acct-1/playback_rights/r-1"),
    ("DELETE", "/v1/accounts/acct-1/playback_rights/r-1"),
    ("GET", "/v1/accounts/acct-1/blacklist"),
    ("PUT", "/v1/accounts/acct-1/blacklist/tokens/a.b.c"),
    ("GET", "/v1/accounts/acct-1/blacklist/tokens/a.b.c"),
    ("DELETE", "/v1/accounts/acct-1/blacklist/tokens/a.b.c"),
    ("PUT", "/v1/accounts/acct-1/revocations/jti/j-1"),
    ("DELETE", "/v1/accounts/acct-1/revocations/jti/j-1"),
    ("PUT", "/v1/accounts/acct-1/revocations/users/v-1"),
    ("DELETE", "/v1/accounts/acct-1/revocations/users/v-1"),
    ("PUT", "/v1/accounts/acct-1/revocations/viewers/v-1"),
    ("DELETE", "/v1/accounts/acct-1/revocations/viewers/v-1"),
    ("POST", "/v1/audit/accounts/acct-1/query/2023-11-13"),
    ("GET", "/v1/audit/accounts/acct-1/executions/0/status"),
    ("GET", "/v1/audit/accounts/acct-1/executions/0/report"),
    ("GET", "/v1/accounts/acct-1/users/viewer-42/sessions"),
    ("DELETE", "/v1/accounts/acct-1/users/viewer-42/sessions/s-1"),
    ("GET", "/v1/accounts/acct-1/users/viewer-42/devices"),
    ("DELETE", "/v1/accounts/acct-1/users/viewer-42/devices/d-1"),
];
