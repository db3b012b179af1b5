//! The edge service's application, shared by `examples/edge_service/main.rs` and the
//! end-to-end tests in `tests/edge_service/`, so the tests drive exactly what the example
//! serves.
//!
//! - `GET /v1/play/{account}/{content}`: a demo playback endpoint behind
//!   [`PlaybackAuthLayer`] (a stream's start); it answers with what the authorizer decided.
//! - `POST /v1/play/{account}/{content}/heartbeat`: the stream's heartbeat (renews its
//!   session's lease, counts no use); `POST /v1/play/{account}/{content}/stop` or `DELETE
//!   /v1/play/{account}/{content}`: the stream's stop (frees its place at once).
//! - everything under `/v1/accounts/…` and `/v1/audit/…`: the publisher's API
//!   ([`AdminApi`]), behind the admin bearer token.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use playback_auth::admin::{AdminApi, AdminToken};
use playback_auth::policy::{
    Authorizer, Decision, GeoLookup, MemoryAuditSink, MemoryStores, RequestKind, SessionChange,
    Stores,
};
#[cfg(feature = "redis")]
use playback_auth::redis::RedisStore;
use playback_auth::tower::{ContentRoute, PlaybackAuthLayer, RouteError};
use playback_auth::verify::Clock;
use serde_json::{Value, json};

/// The playback route; the layer reads the account and content id from it.
pub(crate) const PLAY_ROUTE: &str = "/v1/play/{account}/{content}";
/// A playing stream's heartbeat (`POST`).
pub(crate) const HEARTBEAT_ROUTE: &str = "/v1/play/{account}/{content}/heartbeat";
/// A stream's stop (`POST`; `DELETE` on the playback route stops too).
pub(crate) const STOP_ROUTE: &str = "/v1/play/{account}/{content}/stop";

/// What the service is configured with, whichever store it runs on.
#[derive(Clone)]
pub(crate) struct EdgeSettings<C> {
    /// The bearer credential of the admin API.
    pub(crate) admin_token: AdminToken,
    /// Where "now" comes from, for the layer and the admin API alike.
    pub(crate) clock: C,
    /// How long after a report query its generation starts.
    pub(crate) report_delay: Duration,
    /// Playback requests authorized at once; more are answered `503 overloaded`.
    pub(crate) max_in_flight: usize,
    /// The public address report links start with; `None`: links are absolute paths.
    pub(crate) public_base_url: Option<String>,
    /// Where client countries come from, for the playback rights' geography rules; `None`:
    /// no lookup (geography rules see no country).
    pub(crate) geo: Option<Arc<dyn GeoLookup>>,
}

/// The service on the in-memory stores (the embedded default).
pub(crate) fn memory_app<C: Clock + Clone + 'static>(
    settings: EdgeSettings<C>,
) -> Result<Router, RouteError> {
    // The sink's default bounds: 10,000 records and 10,000 refusal aggregates, oldest evicted.
    memory_app_with_audit(settings, Arc::new(MemoryAuditSink::new()))
}

/// The service on the in-memory stores, auditing to `sink` (which the caller may watch).
pub(crate) fn memory_app_with_audit<C: Clock + Clone + 'static>(
    settings: EdgeSettings<C>,
    sink: Arc<MemoryAuditSink>,
) -> Result<Router, RouteError> {
    app(MemoryStores::new().with_audit(sink), settings)
}

/// The service with every store (sessions, devices, counters, revocations, keys, audit) on
/// one Redis.
#[cfg(feature = "redis")]
pub(crate) fn redis_app<C: Clock + Clone + 'static>(
    store: RedisStore,
    settings: EdgeSettings<C>,
) -> Result<Router, RouteError> {
    app(store, settings)
}

/// The service over `stores`: one authorizer, configured once (its clock is the layer's and
/// the admin API's), shared by the playback layer and the publisher's API.
fn app<B: Stores>(
    stores: B,
    settings: EdgeSettings<impl Clock + 'static>,
) -> Result<Router, RouteError> {
    let mut builder = Authorizer::builder(stores).clock(settings.clock);
    if let Some(geo) = settings.geo {
        builder = builder.shared_geo_lookup(geo);
    }
    let authorizer = Arc::new(builder.build());
    let layer = PlaybackAuthLayer::builder(Arc::clone(&authorizer), ContentRoute::new(PLAY_ROUTE)?)
        .heartbeat_route(ContentRoute::new(HEARTBEAT_ROUTE)?)
        .stop_route(ContentRoute::new(STOP_ROUTE)?)
        .max_in_flight(settings.max_in_flight)
        .build();
    let mut admin =
        AdminApi::new(authorizer, settings.admin_token).report_delay(settings.report_delay);
    if let Some(base_url) = settings.public_base_url {
        admin = admin.public_base_url(base_url);
    }
    let admin = admin.router();
    Ok(Router::new()
        // The layer wraps the GET handler only (and HEAD, which axum routes to it and the
        // layer checks without changing state): a request with another method is answered
        // 405 by the router and never reaches the authorizer (it would count a use).
        // A stream's heartbeat and stop: the same layer tells them apart by route and method.
        .route(
            PLAY_ROUTE,
            get(play).delete(stream).route_layer(layer.clone()),
        )
        .route(HEARTBEAT_ROUTE, post(stream).route_layer(layer.clone()))
        .route(STOP_ROUTE, post(stream).route_layer(layer))
        // The admin API owns its two prefixes, with its own credential check, 404 and 405;
        // merged instead, its fallback would answer every unknown path with 401.
        .route_service("/v1/accounts/{*rest}", admin.clone().into_service::<Body>())
        .route_service("/v1/audit/{*rest}", admin.into_service::<Body>())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(request_limits)))
}

/// The longest request target (path and query) accepted, in bytes; longer is
/// `414 uri_too_long`. A token is at most 8 KiB, so a URL carrying one fits.
pub(crate) const MAX_URI_BYTES: usize = 16 * 1024;
/// The most header bytes (names and values) accepted; more is `431 headers_too_large`.
/// hyper refuses a request head over its buffer ([`crate::server`] sets 64 KiB) before the
/// application sees it, with a bare status: these limits are lower, so the usual overlong
/// request gets the service's JSON answer.
pub(crate) const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Refuses, in JSON, requests whose target or headers are larger than the service reads.
async fn request_limits(request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        return error(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            &format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        );
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers > MAX_HEADER_BYTES {
        return error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            &format!("the request headers are larger than {MAX_HEADER_BYTES} bytes"),
        );
    }
    next.run(request).await
}

/// The service's error shape: `{"error": code, "message": one line}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// A known path with a method it does not serve (e.g. `POST` on the playback route).
async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept the method",
    )
}

/// Any other path.
async fn not_found() -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_found", "message": "no route matches this path" })),
    )
}

/// The demo playback endpoint: only reached when the layer allowed the request, with the
/// decision in the request's extensions.
async fn play(
    Path((account, content)): Path<(String, String)>,
    Extension(decision): Extension<Decision>,
) -> Json<Value> {
    let allowed = decision.allowed();
    let session = allowed
        .and_then(|allowed| allowed.session.as_ref())
        .map(|change| {
            let how = match change {
                SessionChange::Admitted { .. } => "admitted",
                SessionChange::Renewed { .. } => "renewed",
            };
            json!({ "key": change.session(), "change": how })
        });
    Json(json!({
        "decision": "allow",
        "account": account,
        "content": content,
        "session": session,
        "evicted": allowed.map(|allowed| allowed.evicted.clone()).unwrap_or_default(),
        "deviceRegistered": allowed.is_some_and(|allowed| allowed.device_registered),
        "uses": allowed.and_then(|allowed| allowed.uses),
        "degraded": allowed.is_some_and(|allowed| allowed.degraded),
    }))
}

/// A stream's heartbeat or stop, once the layer allowed it: what it renewed or ended.
async fn stream(
    Extension(kind): Extension<RequestKind>,
    Extension(decision): Extension<Decision>,
) -> Json<Value> {
    let allowed = decision.allowed();
    let session = allowed
        .and_then(|allowed| allowed.session.as_ref())
        .map(SessionChange::session);
    Json(json!({
        "decision": "allow",
        "kind": kind.as_str(),
        "session": session,
        "stopped": allowed.and_then(|allowed| allowed.stopped.as_deref()),
        "degraded": allowed.is_some_and(|allowed| allowed.degraded),
    }))
}
