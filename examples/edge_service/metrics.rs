//! The edge service's metrics in the Prometheus text format, on a listener of their own
//! (`METRICS_BIND`), apart from the playback and admin routes: a scraper needs no route on the
//! public listener, and the public listener exposes no metrics.
//!
//! The libraries emit through the `metrics` facade and install nothing; this installs
//! `metrics-exporter-prometheus`'s recorder for the process and serves what it holds at
//! `GET /metrics`. Shared by `main.rs` and the end-to-end tests.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};
use playback_auth::policy::metrics::{LATENCY_BUCKETS, describe};
use tokio::net::TcpListener;

use crate::server::{self, Timeouts};

/// Where the metrics listener binds unless `METRICS_BIND` says otherwise: loopback only.
pub(crate) const DEFAULT_METRICS_BIND: &str = "127.0.0.1:9464";

/// How often the recorder drains its histogram samples into their buckets between scrapes.
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

/// Installs the Prometheus recorder for the whole process (histograms rendered with
/// [`LATENCY_BUCKETS`]) and describes every metric; the handle renders what it holds.
///
/// # Errors
/// When a recorder is installed already (once per process).
pub(crate) fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)?
        .install_recorder()?;
    describe();
    Ok(handle)
}

/// `GET /metrics`: everything recorded so far, in the Prometheus text format.
fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let text = handle.render();
            async move {
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    text,
                )
            }
        }),
    )
}

/// Serves `handle`'s metrics on `listener` (with the service's connection timeouts) until
/// `shutdown` resolves, draining histogram samples every few seconds meanwhile.
pub(crate) async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let upkeep = tokio::spawn({
        let handle = handle.clone();
        async move {
            let mut every = tokio::time::interval(UPKEEP_PERIOD);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        }
    });
    server::serve(listener, router(handle), timeouts, shutdown).await;
    upkeep.abort();
}
