//! `AdminApi`: the builder that assembles the router over an authorizer and its reports.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditReports, AuditSink, Authorizer, KeyRegistry, PolicyStore, RevocationStore,
};
use playback_auth_verify::{Clock, SystemClock};
use tower::ServiceExt as _;

use crate::error::ApiError;
use crate::layers;
use crate::report_links::{ReportLinkSecret, ReportLinks};
use crate::routes::{audit, blacklist, keys, revocations, users};
use crate::token::AdminToken;

/// The default delay between a report query and the start of its generation.
pub const DEFAULT_REPORT_DELAY: Duration = Duration::from_millis(100);

/// The default largest request body, in bytes (a PEM RSA-8192 public key is under 2 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// Builds the admin router over an [`Authorizer`] (keys, revocations, sessions, devices)
/// and the [`AuditReports`] reading the same audit sink.
///
/// `S`, `R`, `A` and `K` are the authorizer's policy store, revocation store, audit sink and
/// key registry; `AS` is the sink the reports read (the same store as `A`, e.g. an
/// `Arc<MemoryAuditSink>` shared by both, or two clones of a `RedisStore`).
///
/// See the crate documentation for the routes and an example.
pub struct AdminApi<S, R, A, K, AS> {
    authorizer: Arc<Authorizer<S, R, A, K>>,
    reports: Arc<AuditReports<AS>>,
    admin_token: AdminToken,
    clock: Arc<dyn Clock>,
    report_delay: Duration,
    max_body_bytes: usize,
    report_link_secret: Option<ReportLinkSecret>,
    public_base_url: String,
}

impl<S, R, A, K, AS> fmt::Debug for AdminApi<S, R, A, K, AS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminApi")
            .field("admin_token", &self.admin_token)
            .field("clock", &self.clock)
            .field("report_delay", &self.report_delay)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("public_base_url", &self.public_base_url)
            .finish_non_exhaustive()
    }
}

impl<S, R, A, K, AS> AdminApi<S, R, A, K, AS>
where
    S: PolicyStore,
    R: RevocationStore,
    A: AuditSink,
    K: KeyRegistry,
    AS: AuditSink,
{
    /// An API over `authorizer` and `reports`, accepting requests that carry `admin_token`;
    /// system clock, [`DEFAULT_REPORT_DELAY`], [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new(
        authorizer: Arc<Authorizer<S, R, A, K>>,
        reports: Arc<AuditReports<AS>>,
        admin_token: AdminToken,
    ) -> Self {
        Self {
            authorizer,
            reports,
            admin_token,
            clock: Arc::new(SystemClock),
            report_delay: DEFAULT_REPORT_DELAY,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            report_link_secret: None,
            public_base_url: String::new(),
        }
    }

    /// Where "now" (token verification, registration times, revocation expiry) and
    /// "today" (report dates, UTC) come from.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long after a report query its generation starts; until then its status is
    /// `processing`.
    #[must_use]
    pub fn report_delay(mut self, delay: Duration) -> Self {
        self.report_delay = delay;
        self
    }

    /// The largest request body accepted; a larger one is `413 body_too_large`.
    #[must_use]
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The public address report links start with, e.g. `https://admin.example.com` (a
    /// trailing `/` is dropped): the service cannot tell its own address behind a load
    /// balancer. Default: none, so `signedURL` is an absolute path (`/v1/audit/…`).
    #[must_use]
    pub fn public_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.public_base_url = base_url.into();
        self
    }

    /// The secret report links are signed with. Default: one derived from the admin token,
    /// so every node with the same token accepts every node's links; set the same secret
    /// on every node otherwise.
    #[must_use]
    pub fn report_link_secret(mut self, secret: ReportLinkSecret) -> Self {
        self.report_link_secret = Some(secret);
        self
    }

    /// The router: every route of the crate documentation, behind the admin token (the
    /// report download checks its signed link instead), with JSON errors and one log event
    /// per request.
    pub fn router(self) -> Router {
        let secret = self
            .report_link_secret
            .unwrap_or_else(|| ReportLinkSecret::derived_from(&self.admin_token));
        let token = Arc::new(self.admin_token);
        let shared = Arc::new(Shared::<Stores<S, R, A, K, AS>> {
            authorizer: self.authorizer,
            reports: self.reports,
            clock: self.clock,
            report_delay: self.report_delay,
            links: ReportLinks::new(secret, &self.public_base_url),
        });
        let api = routes::<Stores<S, R, A, K, AS>>()
            .method_not_allowed_fallback(method_not_allowed)
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.max_body_bytes))
            .layer(middleware::from_fn_with_state(token, layers::require_admin))
            // Added after the admin layer, so outside it: the signed link is the credential.
            .merge(audit::download_routes::<Stores<S, R, A, K, AS>>())
            .layer(middleware::from_fn(layers::log_request))
            .with_state(shared);
        // Mounted in a service's own router (`route_service("/v1/accounts/{*rest}", …)`), a
        // request arrives carrying the outer route's `MatchedPath`, which axum would prefix
        // to ours: the log would read `/v1/accounts/{*rest}/v1/accounts/{account}/keys`.
        // The API's routes are absolute paths, so the outer template is dropped on entry.
        Router::new().fallback_service(api.map_request(layers::forget_outer_route))
    }
}

fn routes<B: Backend>() -> Router<Arc<Shared<B>>> {
    Router::new()
        .route(
            "/v1/accounts/{account}/keys",
            post(keys::create::<B>).get(keys::list::<B>),
        )
        .route(
            "/v1/accounts/{account}/keys/{id}",
            get(keys::get::<B>).delete(keys::delete::<B>),
        )
        .route(
            "/v1/accounts/{account}/blacklist",
            get(blacklist::list::<B>),
        )
        .route(
            "/v1/accounts/{account}/blacklist/tokens/{token}",
            get(blacklist::check::<B>)
                .put(blacklist::add::<B>)
                .delete(blacklist::remove::<B>),
        )
        .route(
            "/v1/accounts/{account}/revocations/jti/{jti}",
            put(revocations::revoke_jti::<B>).delete(revocations::remove_jti::<B>),
        )
        .route(
            "/v1/accounts/{account}/revocations/users/{uid}",
            put(revocations::revoke_user::<B>).delete(revocations::remove_user::<B>),
        )
        .route(
            "/v1/accounts/{account}/revocations/viewers/{viewer}",
            put(revocations::revoke_viewer::<B>).delete(revocations::remove_viewer::<B>),
        )
        .route(
            "/v1/audit/accounts/{account}/query/{date}",
            post(audit::query::<B>),
        )
        .route(
            "/v1/audit/accounts/{account}/executions/{id}/status",
            get(audit::status::<B>),
        )
        .route(
            "/v1/audit/accounts/{account}/executions/{id}/report",
            get(audit::report::<B>),
        )
        .route(
            "/v1/accounts/{account}/users/{uid}/sessions",
            get(users::sessions::<B>),
        )
        .route(
            "/v1/accounts/{account}/users/{uid}/sessions/{session}",
            delete(users::end_session::<B>),
        )
        .route(
            "/v1/accounts/{account}/users/{uid}/devices",
            get(users::devices::<B>),
        )
        .route(
            "/v1/accounts/{account}/users/{uid}/devices/{device}",
            delete(users::remove_device::<B>),
        )
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The store types behind one API, named once so handlers take one type parameter.
pub(crate) trait Backend: Send + Sync + 'static {
    type Store: PolicyStore;
    type Revocations: RevocationStore;
    type Audit: AuditSink;
    type Registry: KeyRegistry;
    type ReportSink: AuditSink;
}

/// Names the five store types without owning any of them (and stays `Send + Sync`).
type StoreTypes<S, R, A, K, AS> = fn() -> (S, R, A, K, AS);

pub(crate) struct Stores<S, R, A, K, AS>(PhantomData<StoreTypes<S, R, A, K, AS>>);

/// The authorizer type of a backend.
type AuthorizerOf<B> = Authorizer<
    <B as Backend>::Store,
    <B as Backend>::Revocations,
    <B as Backend>::Audit,
    <B as Backend>::Registry,
>;

impl<S, R, A, K, AS> Backend for Stores<S, R, A, K, AS>
where
    S: PolicyStore,
    R: RevocationStore,
    A: AuditSink,
    K: KeyRegistry,
    AS: AuditSink,
{
    type Store = S;
    type Revocations = R;
    type Audit = A;
    type Registry = K;
    type ReportSink = AS;
}

/// What every handler reads: the router's state.
pub(crate) struct Shared<B: Backend> {
    pub(crate) authorizer: Arc<AuthorizerOf<B>>,
    pub(crate) reports: Arc<AuditReports<B::ReportSink>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) report_delay: Duration,
    pub(crate) links: ReportLinks,
}

impl<B: Backend> Shared<B> {
    pub(crate) fn now(&self) -> NumericDate {
        self.clock.now()
    }
}
