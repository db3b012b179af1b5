//! The check a server runs before it accepts connections: does the layer see the peer address?
//!
//! Serving an axum `Router` with `into_make_service()` (or `axum::serve(listener, router)`)
//! instead of `into_make_service_with_connect_info::<SocketAddr>()` type-checks: the router is
//! the same type either way, and the difference is only in what each connection's requests
//! carry. Without a peer address every playback request is answered
//! `500 client_ip_unavailable`, so [`check_peer_address`] sends one probe through the very
//! make-service that will serve, before it serves.

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use http::{Method, Request, Response};
use tower_service::Service;

use crate::error::PeerAddressCheckError;
use crate::route::ContentRoute;

/// The address the probe "connection" comes from (TEST-NET-1, RFC 5737: never a real client).
const PROBE_PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 9);

/// Marks the probe request. A request extension, so only code in this process can set it: a
/// client cannot send one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddressProbe;

/// The layer's answer to a probe, in the response's extensions: the peer address it found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddressProbeAnswer(pub(crate) Option<IpAddr>);

/// Checks, before serving, that [`PlaybackAuthLayer`](crate::PlaybackAuthLayer) will see each
/// request's peer address through `make_service`: the value handed to the server (e.g.
/// `router.into_make_service_with_connect_info::<SocketAddr>()`, or a per-connection service
/// factory of your own).
///
/// One connection from a test address (192.0.2.1) is made with `make_service`, and one request
/// to `route` (its captures filled with `probe`) is sent on it, marked as a probe: the layer
/// answers it without authorizing anything, with the peer address it found. Nothing is
/// verified, counted, stored or audited.
///
/// ```
/// use std::net::SocketAddr;
/// use std::sync::Arc;
///
/// use axum::{Router, routing::get};
/// use playback_auth_policy::{Authorizer, MemoryStores};
/// use playback_auth_tower::{ContentRoute, PeerAddressCheckError, PlaybackAuthLayer, check_peer_address};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let authorizer = Arc::new(Authorizer::new(MemoryStores::new()));
/// let route = ContentRoute::new("/v1/play/{account}/{content}")?;
/// let app = Router::new()
///     .route(route.path(), get(|| async { "playing" }))
///     .layer(PlaybackAuthLayer::new(authorizer, route.clone()));
///
/// // Served without the peer address: refused before the first client.
/// let wrong = app.clone().into_make_service();
/// let error = check_peer_address(wrong, &route).await.unwrap_err();
/// assert!(matches!(error, PeerAddressCheckError::Missing));
///
/// // The way to serve it.
/// let make_service = app.into_make_service_with_connect_info::<SocketAddr>();
/// check_peer_address(make_service.clone(), &route).await?;
/// // axum::serve(listener, make_service).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// [`PeerAddressCheckError::Missing`] when the layer found no peer address (the fix: serve
/// with `into_make_service_with_connect_info::<SocketAddr>()`, or configure
/// [`PlaybackAuthLayerBuilder::peer_ip`](crate::PlaybackAuthLayerBuilder::peer_ip));
/// [`PeerAddressCheckError::NotAnswered`] when the probe did not reach a playback layer (the
/// layer is not on this route, or a middleware in front of it answered);
/// [`PeerAddressCheckError::Service`] when the make-service or the service failed.
pub async fn check_peer_address<M, Svc, B>(
    mut make_service: M,
    route: &ContentRoute,
) -> Result<(), PeerAddressCheckError>
where
    M: Service<SocketAddr, Response = Svc>,
    M::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    Svc: Service<Request<String>, Response = Response<B>>,
    Svc::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let service_error = |error: Box<dyn std::error::Error + Send + Sync>| {
        PeerAddressCheckError::Service { source: error }
    };
    poll_fn(|cx| make_service.poll_ready(cx))
        .await
        .map_err(|e| service_error(e.into()))?;
    let mut service = make_service
        .call(PROBE_PEER)
        .await
        .map_err(|e| service_error(e.into()))?;
    let path = route.probe_path();
    let mut request = Request::new(String::new());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = path
        .parse()
        .map_err(|_| PeerAddressCheckError::NotAnswered { path: path.clone() })?;
    request.extensions_mut().insert(PeerAddressProbe);
    poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(|e| service_error(e.into()))?;
    let response = service
        .call(request)
        .await
        .map_err(|e| service_error(e.into()))?;
    match response.extensions().get::<PeerAddressProbeAnswer>() {
        Some(PeerAddressProbeAnswer(Some(_))) => Ok(()),
        Some(PeerAddressProbeAnswer(None)) => Err(PeerAddressCheckError::Missing),
        None => Err(PeerAddressCheckError::NotAnswered { path }),
    }
}
