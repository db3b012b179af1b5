//! `AdminApi`: the builder that assembles the router over an authorizer and its reports.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use playback_auth_claims::NumericDate;
use playback_auth_policy::{AuditReports, Authorizer, DEFAULT_MAX_EXECUTIONS, Stores};
use tower::ServiceExt as _;

use crate::error::ApiError;
use crate::layers;
use crate::report_links::{ReportLinkSecret, ReportLinks};
use crate::routes::{audit, blacklist, keys, revocations, rights, users};
use crate::token::AdminToken;

/// The default delay between a report query and the start of its generation.
pub const DEFAULT_REPORT_DELAY: Duration = Duration::from_millis(100);

/// The default largest request body, in bytes (a PEM RSA-8192 public key is under 2 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// Builds the admin router over an [`Authorizer`] (keys, revocations, sessions, devices)
/// and [`AuditReports`] over the authorizer's own audit sink.
///
/// `B` is the authorizer's [`Stores`]; "now" (registration times, revocations, report dates)
/// comes from the authorizer's clock. See the crate documentation for the routes and an
/// example.
pub struct AdminApi<B> {
    authorizer: Arc<Authorizer<B>>,
    admin_token: AdminToken,
    max_executions: usize,
    report_delay: Duration,
    max_body_bytes: usize,
    report_link_secret: Option<ReportLinkSecret>,
    public_base_url: String,
}

impl<B> fmt::Debug for AdminApi<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminApi")
            .field("admin_token", &self.admin_token)
            .field("max_executions", &self.max_executions)
            .field("report_delay", &self.report_delay)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("public_base_url", &self.public_base_url)
            .finish_non_exhaustive()
    }
}

impl<B: Stores> AdminApi<B> {
    /// An API over `authorizer`, accepting requests that carry `admin_token`;
    /// [`DEFAULT_REPORT_DELAY`], [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new(authorizer: Arc<Authorizer<B>>, admin_token: AdminToken) -> Self {
        Self {
            authorizer,
            admin_token,
            max_executions: DEFAULT_MAX_EXECUTIONS,
            report_delay: DEFAULT_REPORT_DELAY,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            report_link_secret: None,
            public_base_url: String::new(),
        }
    }

    /// How many report executions are kept at once (default [`DEFAULT_MAX_EXECUTIONS`]); the
    /// oldest finished one makes room for a new query.
    #[must_use]
    pub fn max_executions(mut self, max: usize) -> Self {
        self.max_executions = max;
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
        // The reports read the sink the engine writes to: a clone of the same handle.
        let sink = Arc::new(self.authorizer.stores().audit().clone());
        // Reports derive lease expiries with the engine's own lease.
        let lease = self.authorizer.engine().config().lease;
        let reports = Arc::new(
            AuditReports::new(sink)
                .with_max_executions(self.max_executions)
                .with_lease(lease),
        );
        let shared = Arc::new(Shared::<B> {
            authorizer: self.authorizer,
            reports,
            report_delay: self.report_delay,
            links: ReportLinks::new(secret, &self.public_base_url),
        });
        let api = routes::<B>()
            .method_not_allowed_fallback(method_not_allowed)
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.max_body_bytes))
            .layer(middleware::from_fn_with_state(token, layers::require_admin))
            // Added after the admin layer, so outside it: the signed link is the credential.
            .merge(audit::download_routes::<B>())
            .layer(middleware::from_fn(layers::log_request))
            .with_state(shared);
        // Mounted in a service's own router (`route_service("/v1/accounts/{*rest}", …)`), a
        // request arrives carrying the outer route's `MatchedPath`, which axum would prefix
        // to ours: the log would read `/v1/accounts/{*rest}/v1/accounts/{account}/keys`.
        // The API's routes are absolute paths, so the outer template is dropped on entry.
        Router::new().fallback_service(api.map_request(layers::forget_outer_route))
    }
}

fn routes<B: Stores>() -> Router<Arc<Shared<B>>> {
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
            "/v1/accounts/{account}/playback_rights",
            post(rights::create::<B>).get(rights::list::<B>),
        )
        .route(
            "/v1/accounts/{account}/playback_rights/{id}",
            get(rights::get::<B>)
                .put(rights::replace::<B>)
                .delete(rights::delete::<B>),
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

/// What every handler reads: the router's state.
pub(crate) struct Shared<B: Stores> {
    pub(crate) authorizer: Arc<Authorizer<B>>,
    pub(crate) reports: Arc<AuditReports<B::Audit>>,
    pub(crate) report_delay: Duration,
    pub(crate) links: ReportLinks,
}

impl<B: Stores> Shared<B> {
    pub(crate) fn now(&self) -> NumericDate {
        self.authorizer.now()
    }
}
