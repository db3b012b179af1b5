//! The service: authorize, then call the inner service or answer for it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN, VARY};
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response};
use playback_auth_policy::metrics::LOAD_SHED_TOTAL;
use playback_auth_policy::{Authorizer, Decision, RequestContext, Stores, VerifiedToken};
use tower_service::Service;

use crate::context::request_context;
use crate::layer::Settings;
use crate::rejection::Rejection;
use crate::startup::{PeerAddressProbe, PeerAddressProbeAnswer};
use crate::token;

/// The future a [`PlaybackAuth`] service returns.
pub type ResponseFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

/// The service made by [`PlaybackAuthLayer`](crate::PlaybackAuthLayer): authorizes each
/// request, then calls the inner service with the [`Decision`], the [`VerifiedToken`] and
/// the [`RequestContext`] in the request's extensions, or answers the denial itself.
pub struct PlaybackAuth<Svc, B> {
    inner: Svc,
    authorizer: Arc<Authorizer<B>>,
    settings: Arc<Settings>,
}

impl<Svc, B> PlaybackAuth<Svc, B> {
    pub(crate) fn new(inner: Svc, authorizer: Arc<Authorizer<B>>, settings: Arc<Settings>) -> Self {
        Self {
            inner,
            authorizer,
            settings,
        }
    }

    /// The wrapped service.
    pub fn inner(&self) -> &Svc {
        &self.inner
    }
}

impl<Svc: Clone, B> Clone for PlaybackAuth<Svc, B> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            authorizer: Arc::clone(&self.authorizer),
            settings: Arc::clone(&self.settings),
        }
    }
}

impl<Svc: fmt::Debug, B> fmt::Debug for PlaybackAuth<Svc, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaybackAuth")
            .field("inner", &self.inner)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<Svc, B, ReqB, ResB> Service<Request<ReqB>> for PlaybackAuth<Svc, B>
where
    Svc: Service<Request<ReqB>, Response = Response<ResB>> + Clone + Send + 'static,
    Svc::Future: Send,
    B: Stores,
    ReqB: Send + 'static,
    ResB: From<String> + Send + 'static,
{
    type Response = Response<ResB>;
    type Error = Svc::Error;
    type Future = ResponseFuture<ResB, Svc::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        // The clone that was polled ready serves this request; the fresh clone stays behind.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let authorizer = Arc::clone(&self.authorizer);
        let settings = Arc::clone(&self.settings);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            if parts.extensions.get::<PeerAddressProbe>().is_some() {
                return Ok(probe_answer(&settings, &parts));
            }
            let grant = match admit_and_authorize(&authorizer, &settings, &parts).await {
                Ok(grant) => grant,
                Err(rejection) => {
                    let code = rejection.code();
                    let response = rejection.into_response(settings.denial_body);
                    tracing::info!(
                        code,
                        status = response.status().as_u16(),
                        "playback request denied"
                    );
                    return Ok(response);
                }
            };
            tracing::debug!(
                code = "allowed",
                account = %grant.context.account,
                content = %grant.context.content_id,
                degraded = grant.decision.allowed().is_some_and(|a| a.degraded),
                "playback request allowed"
            );
            let cors = grant.allow_origin(&parts);
            parts.extensions.insert(grant.decision);
            parts.extensions.insert(grant.context);
            if let Some(token) = grant.token {
                parts.extensions.insert(token);
            }
            let mut response = inner.call(Request::from_parts(parts, body)).await?;
            if let Some(origin) = cors {
                let headers = response.headers_mut();
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.append(VARY, HeaderValue::from_static("origin"));
            }
            Ok(response)
        })
    }
}

/// The answer to [`check_peer_address`](crate::check_peer_address)'s probe: the peer address
/// found, as a response extension; nothing is authorized, counted or stored.
fn probe_answer<B: From<String>>(settings: &Settings, parts: &Parts) -> Response<B> {
    let mut response = Response::new(B::from(String::new()));
    *response.status_mut() = http::StatusCode::NO_CONTENT;
    response
        .extensions_mut()
        .insert(PeerAddressProbeAnswer(settings.peer_ip(parts)));
    response
}

/// An allowed request: what the inner service is handed.
struct Grant {
    decision: Decision,
    token: Option<VerifiedToken>,
    context: RequestContext,
}

impl Grant {
    /// `Access-Control-Allow-Origin` for a token carrying `aws:access-control-allow-origin`:
    /// `*` when the claim is `*`, else the request's own `Origin` (the engine allowed it).
    fn allow_origin(&self, parts: &Parts) -> Option<HeaderValue> {
        let claims = self.token.as_ref()?.claims.as_channel()?;
        let allowed = claims.allowed_origins.as_ref()?;
        if allowed.is_any() {
            return Some(HeaderValue::from_static("*"));
        }
        parts.headers.get(ORIGIN).cloned()
    }
}

/// Authorizes the request if the layer has room for it; sheds it otherwise.
async fn admit_and_authorize<B>(
    authorizer: &Arc<Authorizer<B>>,
    settings: &Settings,
    parts: &Parts,
) -> Result<Grant, Rejection>
where
    B: Stores,
{
    // Shed before any work: a request that would only wait behind the others is told to come
    // back, rather than answered late (or `store_unavailable`) after its store call starved.
    let Ok(_admitted) = settings.in_flight.try_acquire() else {
        metrics::counter!(LOAD_SHED_TOTAL).increment(1);
        return Err(Rejection::Overloaded {
            retry_after_secs: whole_seconds(settings.retry_after),
        });
    };
    authorize(authorizer, settings, parts).await
}

/// `duration` in whole seconds, rounded up, at least one (the unit of `Retry-After`).
fn whole_seconds(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
}

async fn authorize<B>(
    authorizer: &Arc<Authorizer<B>>,
    settings: &Settings,
    parts: &Parts,
) -> Result<Grant, Rejection>
where
    B: Stores,
{
    let ids = settings
        .route
        .matches(parts.uri.path())
        .ok_or(Rejection::RouteNotMatched)?;
    let token = match token::extract(parts, &settings.token_query_params) {
        Ok(token) => token,
        Err(rejection) => {
            // Refused before a decision: counted per account, reason and minute when the
            // request is otherwise readable (see `Authorizer::count_refusal`).
            if rejection.is_counted_refusal()
                && let Ok(context) = request_context(settings, parts, ids)
            {
                authorizer.count_refusal(&context, rejection.code()).await;
            }
            return Err(rejection);
        }
    };
    let mut context = request_context(settings, parts, ids)?;
    if let Some(resolver) = &settings.content_tags {
        context.content_tags = resolver
            .content_tags(&context.account, &context.content_id)
            .await
            .map_err(|error| {
                // The catalogue's own error goes to the log, never to the client.
                tracing::warn!(
                    error = &error as &(dyn std::error::Error + 'static),
                    "content tags resolver failed"
                );
                Rejection::ContentTagsUnavailable
            })?;
    }
    if let Some(channel_of) = &settings.content_channel {
        context.content_channel = channel_of(&context.account, &context.content_id);
    }
    let pool = &settings.verify_pool;
    // HEAD changes nothing: a player probing the URL spends no use and takes no stream.
    let answer = if parts.method == Method::HEAD {
        authorizer.check_verified_on(pool, &token, &context).await
    } else {
        authorizer
            .authorize_verified_on(pool, &token, &context)
            .await
    };
    match answer {
        (Decision::Deny(reason), _) => Err(Rejection::Denied(reason)),
        (decision, token) => Ok(Grant {
            decision,
            token,
            context,
        }),
    }
}
