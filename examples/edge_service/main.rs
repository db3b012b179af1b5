//! A playback edge in one process: a demo playback endpoint behind the `playback-auth` tower
//! layer, and the publisher's API (keys, token blacklist, audit reports, sessions, devices)
//! beside it.
//!
//! ```text
//! ADMIN_TOKEN=… cargo run --example edge_service --features tower,admin            # in memory
//! REDIS_URL=redis://127.0.0.1:6379/ ADMIN_TOKEN=… cargo run --example edge_service --features tower,admin,redis
//! REDIS_CLUSTER_URLS=redis://10.0.0.1:7000,redis://10.0.0.2:7000 ADMIN_TOKEN=… cargo run --example edge_service --features tower,admin,redis
//! GEOIP_DB=/var/lib/GeoIP/country.mmdb ADMIN_TOKEN=… cargo run --example edge_service --features tower,admin,geoip
//! ```
//!
//! Environment:
//! - `BIND` — the listening address (default `127.0.0.1:8080`);
//! - `ADMIN_TOKEN` — the admin API's bearer credential, at least 16 bytes; when unset, a
//!   random one is made and printed once on stderr;
//! - `REDIS_URL` — keep every store in Redis instead of memory; `REDIS_CLUSTER_URLS` (seed
//!   nodes, comma-separated `redis://host:port`) — keep them on a Redis Cluster instead (it
//!   wins when both are set); `REDIS_KEY_PREFIX` (default `playback-auth`) namespaces the
//!   keys;
//! - `REPORT_DELAY_MS` — how long after a report query its generation starts (default 1000);
//! - `PUBLIC_BASE_URL` — the address publishers reach the service at (e.g.
//!   `https://edge.example.com`), which the audit report's `signedURL` starts with; when
//!   unset, the link is a path (the service cannot tell its address behind a load balancer);
//! - `HEADER_READ_TIMEOUT_MS` — how long a connection may take to send a request's head,
//!   idle keep-alive time included (default 10000): the header-read and keep-alive idle
//!   timeout;
//! - `BODY_READ_TIMEOUT_MS` — the longest pause within a request body (default 10000);
//! - `SHUTDOWN_GRACE_MS` — how long requests in flight may finish after Ctrl-C/SIGTERM
//!   (default 10000);
//! - `MAX_IN_FLIGHT` — playback requests authorized at once; more are answered
//!   `503 overloaded` with `Retry-After` (default 256);
//! - `METRICS_BIND` — where the metrics listener serves `GET /metrics` in the Prometheus
//!   text format (default `127.0.0.1:9464`; `off`: no listener, no recorder);
//! - `RUST_LOG` — log filter (default `info`).
//!
//! Ctrl-C (or SIGTERM) stops accepting connections, closes idle ones and lets requests in
//! flight finish within `SHUTDOWN_GRACE_MS`; connections still open then are dropped.
// Printing the generated admin token is this example's job.
#![allow(clippy::print_stderr)]

mod app;
mod metrics;
mod server;

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use metrics_exporter_prometheus::PrometheusHandle;
use playback_auth::admin::AdminToken;
use playback_auth::policy::GeoLookup;
#[cfg(feature = "redis")]
use playback_auth::redis::RedisStore;
use playback_auth::verify::SystemClock;
use tokio::net::TcpListener;
use tracing::{error, info};

use app::EdgeSettings;
use playback_auth::tower::DEFAULT_MAX_IN_FLIGHT;
use server::Timeouts;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // Colours for a terminal, plain text for a log file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            error!(error = %err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!(error = %err, "edge service failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
        .parse()?;
    let settings = EdgeSettings {
        admin_token: admin_token()?,
        clock: SystemClock,
        report_delay: millis("REPORT_DELAY_MS", Duration::from_secs(1))?,
        max_in_flight: match std::env::var("MAX_IN_FLIGHT") {
            Ok(max) => max.parse()?,
            Err(_) => DEFAULT_MAX_IN_FLIGHT,
        },
        public_base_url: std::env::var("PUBLIC_BASE_URL").ok(),
        geo: geo_lookup()?,
    };
    let timeouts = Timeouts {
        header_read: millis("HEADER_READ_TIMEOUT_MS", Timeouts::DEFAULT_HEADER_READ)?,
        body_read: millis("BODY_READ_TIMEOUT_MS", Timeouts::DEFAULT_BODY_READ)?,
        shutdown_grace: millis("SHUTDOWN_GRACE_MS", Timeouts::DEFAULT_SHUTDOWN_GRACE)?,
    };
    let metrics = metrics_listener().await?;
    let redis_set = ["REDIS_CLUSTER_URLS", "REDIS_URL"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()));
    // The Redis store, kept to write the refusal counts batched in this process on shutdown.
    #[cfg(feature = "redis")]
    let mut redis_store: Option<RedisStore> = None;
    let app = match redis_set {
        #[cfg(feature = "redis")]
        true => {
            let builder =
                RedisStore::builder_from_env().ok_or("no Redis URL in the environment")?;
            let prefix =
                std::env::var("REDIS_KEY_PREFIX").unwrap_or_else(|_| "playback-auth".to_owned());
            let cluster = builder.endpoint().is_cluster();
            info!(store = "redis", cluster, key_prefix = %prefix, "stores on Redis");
            let store = builder.key_prefix(prefix).build()?;
            // Building is lazy; opening the connections now (every master's, on a cluster)
            // keeps that out of the first requests' time budget. A Redis that is down is not
            // fatal: requests fail closed until it answers.
            if let Err(err) = store.ping().await {
                tracing::warn!(error = %err, "Redis did not answer at startup; requests fail closed until it does");
            }
            redis_store = Some(store.clone());
            app::redis_app(store, settings)?
        }
        #[cfg(not(feature = "redis"))]
        true => {
            return Err(
                "REDIS_URL or REDIS_CLUSTER_URLS is set, but this build has no Redis \
                        support: build with `--features tower,admin,redis`"
                    .into(),
            );
        }
        false => {
            info!(
                store = "memory",
                "stores in memory (set REDIS_URL or REDIS_CLUSTER_URLS to use Redis)"
            );
            app::memory_app(settings)?
        }
    };

    let listener = TcpListener::bind(bind).await?;
    info!(address = %listener.local_addr()?, ?timeouts, "listening");
    // The metrics listener stops when the service does (its stop sender is dropped).
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics = metrics.map(|(listener, handle)| {
        tokio::spawn(metrics::serve(listener, handle, timeouts, async {
            let _ = metrics_stopped.await;
        }))
    });
    server::serve(listener, app, timeouts, shutdown_signal()).await;
    // Refusals of tokens that failed verification are counted in process and written once a
    // second: write the last second's now, so a graceful stop loses none.
    #[cfg(feature = "redis")]
    if let Some(store) = redis_store
        && let Err(err) = store.flush_audit().await
    {
        error!(error = %err, "batched refusal counts could not be written at shutdown");
    }
    drop(stop_metrics);
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    info!("stopped");
    Ok(())
}

/// The metrics listener on `METRICS_BIND` (default [`metrics::DEFAULT_METRICS_BIND`]) with
/// the Prometheus recorder installed; `None` when `METRICS_BIND=off`.
async fn metrics_listener()
-> Result<Option<(TcpListener, PrometheusHandle)>, Box<dyn std::error::Error>> {
    let bind =
        std::env::var("METRICS_BIND").unwrap_or_else(|_| metrics::DEFAULT_METRICS_BIND.to_owned());
    if bind == "off" {
        info!("metrics off (METRICS_BIND=off)");
        return Ok(None);
    }
    let bind: SocketAddr = bind.parse().map_err(|err| format!("METRICS_BIND: {err}"))?;
    let handle = metrics::install()?;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|err| format!("METRICS_BIND {bind}: {err}"))?;
    info!(address = %listener.local_addr()?, "metrics listening (GET /metrics)");
    Ok(Some((listener, handle)))
}

/// The country database named by `GEOIP_DB` (a MaxMind-format `.mmdb` file, read into memory
/// once), or `None` when unset.
fn geo_lookup() -> Result<Option<Arc<dyn GeoLookup>>, Box<dyn std::error::Error>> {
    let Ok(path) = std::env::var("GEOIP_DB") else {
        return Ok(None);
    };
    #[cfg(feature = "geoip")]
    {
        let lookup = playback_auth::policy::MaxMindGeoLookup::open(&path)
            .map_err(|err| format!("GEOIP_DB {path}: {err}"))?;
        info!(database = %path, "client countries from a country database");
        Ok(Some(Arc::new(lookup)))
    }
    #[cfg(not(feature = "geoip"))]
    {
        Err(format!(
            "GEOIP_DB is set ({path}), but this build has no country database support: \
             build with `--features tower,admin,geoip`"
        )
        .into())
    }
}

/// A duration in milliseconds from the environment variable `name`, or `default`.
fn millis(name: &str, default: Duration) -> Result<Duration, Box<dyn std::error::Error>> {
    match std::env::var(name) {
        Ok(ms) => Ok(Duration::from_millis(
            ms.parse().map_err(|err| format!("{name}: {err}"))?,
        )),
        Err(_) => Ok(default),
    }
}

/// The admin credential from `ADMIN_TOKEN`, or a random one printed once.
fn admin_token() -> Result<AdminToken, Box<dyn std::error::Error>> {
    if let Ok(token) = std::env::var("ADMIN_TOKEN") {
        return Ok(AdminToken::new(token)?);
    }
    let mut bytes = [0_u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|err| format!("no randomness for the admin token: {err}"))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    eprintln!("ADMIN_TOKEN was not set; this run's admin token is: {token}");
    Ok(AdminToken::new(token)?)
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => info!("Ctrl-C: shutting down"),
        () = terminate => info!("SIGTERM: shutting down"),
    }
}
