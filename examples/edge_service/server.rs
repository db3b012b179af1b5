//! The edge service's HTTP server: hyper's HTTP/1 connection with the timeouts a public edge
//! needs, and a graceful shutdown with a deadline. Shared by `main.rs` and the end-to-end
//! tests, so the tests hold exactly what the example serves against slow clients.
//!
//! `axum::serve` sets no timer on hyper's connections, so none of hyper's timeouts apply and a
//! client that stops mid-headers or mid-body holds its connection forever; and its graceful
//! shutdown waits for every connection without a bound. This loop is the same thing with
//! those settings.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower_http::timeout::TimeoutBody;
use tracing::{debug, info, warn};

/// How long the server waits for slow, stuck and idle clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// How long a connection may take to deliver a request's head (request line and headers),
    /// counted from when it is ready for one: from the accept, and after each response. It
    /// is therefore also the keep-alive idle timeout (hyper starts its header timer when a
    /// kept-alive connection goes idle). Past it the connection is closed.
    pub(crate) header_read: Duration,
    /// The longest pause allowed between two pieces of a request body. Past it, reading the
    /// body fails: the handler answers `400` and the connection is closed.
    pub(crate) body_read: Duration,
    /// After the shutdown signal, how long requests in flight may take to finish (idle
    /// connections close at once). Past it the remaining connections are dropped.
    pub(crate) shutdown_grace: Duration,
}

impl Timeouts {
    /// `HEADER_READ_TIMEOUT_MS` (default 10 s).
    pub(crate) const DEFAULT_HEADER_READ: Duration = Duration::from_secs(10);
    /// `BODY_READ_TIMEOUT_MS` (default 10 s).
    pub(crate) const DEFAULT_BODY_READ: Duration = Duration::from_secs(10);
    /// `SHUTDOWN_GRACE_MS` (default 10 s).
    pub(crate) const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Self::DEFAULT_HEADER_READ,
            body_read: Self::DEFAULT_BODY_READ,
            shutdown_grace: Self::DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then shuts down gracefully within
/// `timeouts.shutdown_grace`. The peer address reaches the handlers (and the playback layer)
/// as axum's `ConnectInfo<SocketAddr>`.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        // A request head over this is refused by hyper with a bare 431/414; the application
        // answers smaller overlong heads in JSON (`app::MAX_HEADER_BYTES`, `MAX_URI_BYTES`).
        .max_buf_size(64 * 1024)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connections so the set does not grow with the server's age.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: the next accept may work.
                        warn!(error = %err, "accept failed");
                        continue;
                    }
                };
                let service = TowerToHyperService::new(connection_service(&app, peer, timeouts));
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(err) = connection.await {
                        // Header timeouts, resets, malformed requests: the client's doing.
                        debug!(error = %err, %peer, "connection ended with an error");
                    }
                });
            }
        }
    }
    info!(
        connections = graceful.count(),
        "shutting down: no new connections"
    );
    drop(listener);
    if tokio::time::timeout(timeouts.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        while connections.try_join_next().is_some() {}
        warn!(
            remaining = connections.len(),
            grace_ms = u64::try_from(timeouts.shutdown_grace.as_millis()).unwrap_or(u64::MAX),
            "shutdown grace elapsed: dropping the remaining connections"
        );
    }
    connections.shutdown().await;
}

/// The router for one connection: the peer address in every request's extensions, and the
/// body read under the body timeout.
fn connection_service(
    app: &Router,
    peer: SocketAddr,
    timeouts: Timeouts,
) -> impl tower::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    let body_read = timeouts.body_read;
    tower::ServiceExt::map_request(app.clone(), move |request: hyper::Request<Incoming>| {
        let mut request = request.map(|body| Body::new(TimeoutBody::new(body_read, body)));
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    })
}
