//! The stack every test drives: in-memory registry, stores and audit behind an
//! `Authorizer`, tokens minted with `Signer`, a fixed clock, and an axum app whose handler
//! echoes what the layer put in the request's extensions.
#![allow(dead_code)] // each test file uses a different subset
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // helpers fail the calling test

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Extension};
use axum::http::request::Builder;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use playback_auth_claims::{
    ClaimsBuilder, NumericDate, PlaybackRestrictionClaims, PrivateChannelClaims,
};
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::{
    Authorizer, Decision, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    MemoryRevocationStore, MemoryRightsStore, PolicyStore, RequestContext, StoreSet, Stores,
    VerifiedToken,
};
use playback_auth_sign::Signer;
use playback_auth_tower::{ContentRoute, PlaybackAuthLayer, PlaybackAuthLayerBuilder};
use playback_auth_verify::{Clock, FixedClock};
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) const T0: i64 = 1_700_000_000;
pub(crate) const ACCOUNT: &str = "acct-1";
pub(crate) const CONTENT: &str = "video-7";
pub(crate) const UA: &str = "Player/1.0";
pub(crate) const ROUTE: &str = "/v1/play/{account}/{content}";
pub(crate) const PLAY: &str = "/v1/play/acct-1/video-7";
pub(crate) const CHANNEL_ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

pub(crate) fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(T0 + secs).unwrap()
}

pub(crate) fn peer(last: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)), 40_000)
}

/// In-memory stores around state store `S`.
pub(crate) type TestStores<S = MemoryPolicyStore> =
    StoreSet<S, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry>;
pub(crate) type Auth<S = MemoryPolicyStore> = Authorizer<TestStores<S>>;
pub(crate) type Layer<S = MemoryPolicyStore> = PlaybackAuthLayer<TestStores<S>>;

/// The account's keys: ES256 for restriction tokens, ES384 for private-channel tokens.
pub(crate) struct Keys {
    pub(crate) es256: PrivateKey,
    pub(crate) es384: PrivateKey,
}

impl Keys {
    /// A restriction token for `ACCOUNT`, issued at `at(-10)`, valid for an hour.
    pub(crate) fn restriction(
        &self,
        build: impl FnOnce(
            ClaimsBuilder<PlaybackRestrictionClaims>,
        ) -> ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> String {
        let builder = PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
            .valid_for(Duration::from_secs(3600));
        Signer::new(self.es256.clone())
            .sign(&build(builder).build().unwrap())
            .unwrap()
    }

    /// A private-channel (ES384) token, issued at `at(-10)`, valid for an hour.
    pub(crate) fn channel(
        &self,
        build: impl FnOnce(ClaimsBuilder<PrivateChannelClaims>) -> ClaimsBuilder<PrivateChannelClaims>,
    ) -> String {
        let builder = PrivateChannelClaims::builder(CHANNEL_ARN, at(-10))
            .valid_for(Duration::from_secs(3600));
        Signer::new(self.es384.clone())
            .sign(&build(builder).build().unwrap())
            .unwrap()
    }
}

/// Fresh keys for the account.
pub(crate) fn new_keys() -> Keys {
    Keys {
        es256: PrivateKey::generate(Algorithm::Es256).unwrap(),
        es384: PrivateKey::generate(Algorithm::Es384).unwrap(),
    }
}

/// An authorizer on `store` and fresh in-memory revocations, audit and registry, reading
/// "now" from `clock`, with both of `keys` registered for the account.
pub(crate) async fn authorizer_with<S: PolicyStore>(
    store: S,
    clock: impl Clock + 'static,
    keys: &Keys,
) -> Arc<Auth<S>> {
    let stores = StoreSet {
        policy: store,
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    };
    let authorizer = Authorizer::builder(stores).clock(clock).build();
    for key in [&keys.es256, &keys.es384] {
        let value = key.public_key().to_public_key_txt();
        authorizer
            .stores()
            .registry()
            .register(ACCOUNT, &value, None, at(-60))
            .await
            .unwrap();
    }
    Arc::new(authorizer)
}

/// An authorizer on `store` (see [`authorizer_with`]) whose clock is stopped at `at(0)`.
pub(crate) async fn authorizer_on<S: PolicyStore>(store: S) -> (Arc<Auth<S>>, Keys) {
    let keys = new_keys();
    (authorizer_with(store, FixedClock(at(0)), &keys).await, keys)
}

pub(crate) async fn authorizer() -> (Arc<Auth>, Keys) {
    authorizer_on(MemoryPolicyStore::new()).await
}

/// The layer's builder with the test route and a catalogue that maps `CONTENT` to
/// `CHANNEL_ARN` (so the channel tokens of these tests play it).
pub(crate) fn builder<S: PolicyStore>(
    authorizer: &Arc<Auth<S>>,
) -> PlaybackAuthLayerBuilder<TestStores<S>> {
    PlaybackAuthLayer::builder(Arc::clone(authorizer), ContentRoute::new(ROUTE).unwrap())
        .content_channel(|_account: &str, content: &str| {
            (content == CONTENT).then(|| CHANNEL_ARN.to_owned())
        })
}

/// An app serving the playback route and a catch-all behind `layer`; both handlers echo
/// what the layer handed them.
pub(crate) fn app<S: PolicyStore>(layer: Layer<S>) -> Router {
    Router::new()
        .route(ROUTE, get(echo))
        .route("/{*rest}", get(echo))
        .layer(layer)
}

/// The handler: the decision, context and token the layer put in the extensions.
pub(crate) async fn echo(
    Extension(decision): Extension<Decision>,
    Extension(ctx): Extension<RequestContext>,
    token: Option<Extension<VerifiedToken>>,
) -> impl IntoResponse {
    let allowed = decision.allowed().cloned().unwrap_or_default();
    let body = json!({
        "allowed": decision.is_allowed(),
        "session": allowed.session.as_ref().map(|s| s.session().to_owned()),
        "account": ctx.account,
        "content": ctx.content_id,
        "user_agent": ctx.user_agent,
        "client_ip": ctx.client_ip.to_string(),
        "device": ctx.device_id,
        "session_id": ctx.session_id,
        "origin": ctx.origin,
        "tags": ctx.content_tags,
        "now": ctx.now.as_secs(),
        "uid": token.as_ref().and_then(|t| t.uid().map(ToString::to_string)),
        "token_digest": token.map(|t| t.digest.to_hex()),
    });
    ([(header::VARY, "accept-encoding")], Json(body))
}

/// A GET request from `peer(1)` with the test user agent.
pub(crate) fn request(uri: &str) -> Builder {
    Request::builder()
        .uri(uri)
        .header(header::USER_AGENT, UA)
        .extension(ConnectInfo(peer(1)))
}

/// A GET of the playback route with `token` as a bearer token.
pub(crate) fn play(token: &str) -> Builder {
    request(PLAY).header(header::AUTHORIZATION, format!("Bearer {token}"))
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Reply {
    /// Asserts a denial: the status, `application/json`, and a body of exactly
    /// `{"error": code, "message": one non-empty line}`.
    #[track_caller]
    pub(crate) fn assert_denied(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_json_denial(&self.headers, &self.body, code);
    }

    /// Asserts the handler answered, and returns what it echoed.
    #[track_caller]
    pub(crate) fn assert_allowed(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        assert_eq!(self.body["allowed"], true);
        &self.body
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// The JSON shape of every denial, and no key material or token in it.
#[track_caller]
pub(crate) fn assert_json_denial(headers: &HeaderMap, body: &Value, code: &str) {
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 2, "exactly error and message: {body}");
    assert_eq!(object["error"], code);
    assert_safe_message(&object["message"]);
}

/// A denial's message: one non-empty line, and no token in it.
#[track_caller]
pub(crate) fn assert_safe_message(message: &Value) {
    let message = message.as_str().unwrap();
    assert!(
        !message.is_empty() && !message.contains('\n'),
        "{message:?}"
    );
    assert!(
        !message.contains("eyJ"),
        "no token in the message: {message}"
    );
}

/// Sends one request through `app` (no network).
pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends `request` with an empty body.
pub(crate) async fn get_reply(app: &Router, request: Builder) -> Reply {
    send(app, request.body(Body::empty()).unwrap()).await
}
