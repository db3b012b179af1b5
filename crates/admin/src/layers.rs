//! Middleware around every route: admin authentication and the request log.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::AUTHORIZATION;

use crate::error::ApiError;
use crate::token::AdminToken;

/// Lets a request through only with `Authorization: Bearer <admin token>`; otherwise
/// `401 admin_unauthorized` with `WWW-Authenticate: Bearer`. Runs before routing decides
/// 404 or 405, so an unauthenticated caller learns nothing about the routes.
pub(crate) async fn require_admin(
    State(token): State<Arc<AdminToken>>,
    request: Request,
    next: Next,
) -> Response {
    let authorized = request
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|value| token.authorizes(value.as_bytes()));
    if authorized {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

/// Drops the `MatchedPath` of a router the API is mounted in, so the API's own route
/// template is the one its log (and its handlers) see.
pub(crate) fn forget_outer_route(mut request: Request) -> Request {
    request.extensions_mut().remove::<MatchedPath>();
    request
}

/// One event per request: method, route template (never the path itself, which may hold
/// a token), status and duration.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        %method,
        route = route.as_deref().unwrap_or("<unmatched>"),
        status,
        elapsed_us,
        "admin request"
    );
    response
}
