//! The edge service's application, shared by `examples/edge_service/main.rs` and the
//! end-to-end tests in `tests/edge_service/`, so the tests drive exactly what the example
//! serves.
//!
//! - `GET /v1/play/{account}/{content}`: a demo playback endpoint behind
//!   [`PlaybackAuthLayer`]; it answers with what the authorizer decided.
//! - everything under `/v1/accounts/…` and `/v1/audit/…`: the publisher's API
//!   ([`AdminApi`]), behind the admin bearer token.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use playback_auth::admin::{AdminApi, AdminToken};
use playback_auth::keys::KeySet;
use playback_auth::policy::{
    AuditReports, AuditSink, Authorizer, Decision, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry,
    MemoryPolicyStore, MemoryRevocationStore, PolicyEngine, PolicyStore, RevocationStore,
    SessionChange,
};
use playback_auth::redis::RedisStore;
use playback_auth::tower::{ContentRoute, PlaybackAuthLayer, RouteError};
use playback_auth::verify::{Clock, Verifier};
use serde_json::{Value, json};

/// The playback route; the layer reads the account and content id from it.
pub(crate) const PLAY_ROUTE: &str = "/v1/play/{account}/{content}";

/// What the service is configured with, whichever store it runs on.
#[derive(Debug, Clone)]
pub(crate) struct EdgeSettings<C> {
    /// The bearer credential of the admin API.
    pub(crate) admin_token: AdminToken,
    /// Where "now" comes from, for the layer and the admin API alike.
    pub(crate) clock: C,
    /// How long after a report query its generation starts.
    pub(crate) report_delay: Duration,
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
    let engine = PolicyEngine::new(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        Arc::clone(&sink),
    );
    let authorizer = Authorizer::new(verifier(), MemoryKeyRegistry::new(), engine);
    app(authorizer, AuditReports::new(sink), settings)
}

/// The service with every store (sessions, devices, counters, revocations, keys, audit) on
/// one Redis.
pub(crate) fn redis_app<C: Clock + Clone + 'static>(
    store: RedisStore,
    settings: EdgeSettings<C>,
) -> Result<Router, RouteError> {
    let engine = PolicyEngine::new(store.clone(), store.clone(), store.clone());
    let reports = AuditReports::new(Arc::new(store.clone()));
    let authorizer = Authorizer::new(verifier(), store, engine);
    app(authorizer, reports, settings)
}

/// Keys come from the registry on every request; the verifier contributes its rules.
fn verifier() -> Verifier {
    Verifier::builder(KeySet::new()).build()
}

fn app<S, R, A, K, AS, C>(
    authorizer: Authorizer<S, R, A, K>,
    reports: AuditReports<AS>,
    settings: EdgeSettings<C>,
) -> Result<Router, RouteError>
where
    S: PolicyStore,
    R: RevocationStore,
    A: AuditSink,
    K: KeyRegistry,
    AS: AuditSink,
    C: Clock + Clone + 'static,
{
    let authorizer = Arc::new(authorizer);
    let layer = PlaybackAuthLayer::builder(Arc::clone(&authorizer), ContentRoute::new(PLAY_ROUTE)?)
        .clock(settings.clock.clone())
        .build();
    let admin = AdminApi::new(authorizer, Arc::new(reports), settings.admin_token)
        .clock(Arc::new(settings.clock))
        .report_delay(settings.report_delay)
        .router();
    Ok(Router::new()
        // The layer wraps the GET handler only: a request with another method is answered
        // 405 by the router and never reaches the authorizer (it would count a use).
        .route(PLAY_ROUTE, get(play).route_layer(layer))
        // The admin API owns its two prefixes, with its own credential check, 404 and 405;
        // merged instead, its fallback would answer every unknown path with 401.
        .route_service("/v1/accounts/{*rest}", admin.clone().into_service::<Body>())
        .route_service("/v1/audit/{*rest}", admin.into_service::<Body>())
        .fallback(not_found))
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
