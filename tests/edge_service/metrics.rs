//! The edge example's metrics listener over real HTTP: after a few decisions (allowed, denied
//! with a policy code, an invalid token, no token) a scrape of `GET /metrics` in the
//! Prometheus text format holds the decision counters, the verification and store histograms
//! with the right labels and counts.
//!
//! A recorder is installed once per process and every test of this binary decides requests,
//! so the service under test runs in a process of its own: this test binary run again
//! (`std::env::current_exe()`) with `--exact metrics::metrics_worker` and
//! `EDGE_METRICS_WORKER` set; without it `metrics_worker` does nothing. The worker prints its
//! two addresses on one line and serves until its standard input closes (at most two minutes).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::Algorithm;
use playback_auth::sign::Signer;
use reqwest::StatusCode;
use tokio::net::TcpListener;

use crate::head::register_key;
use crate::server::Timeouts;
use crate::{ACCOUNT, PLAY_TIME, Server, TestClock, app, metrics_exporter, settings};

const WORKER_ENV: &str = "EDGE_METRICS_WORKER";
/// What the worker's address line starts with (libtest prints lines of its own).
const ADDRESSES: &str = "edge-metrics-addresses ";

/// The service with the Prometheus recorder installed, for the parent test (see the module).
#[test]
#[allow(clippy::print_stdout)] // the addresses, for the parent
fn metrics_worker() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let handle = metrics_exporter::install().unwrap();
        let clock = TestClock::at(PLAY_TIME);
        let app = app::memory_app(settings(&clock)).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!(
            "{ADDRESSES}http://{} http://{}",
            listener.local_addr().unwrap(),
            metrics.local_addr().unwrap()
        );
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        });
        let stop = async {
            let _ = tokio::time::timeout(Duration::from_secs(120), stdin_closed).await;
        };
        let service =
            crate::server::serve(listener, app, Timeouts::default(), std::future::pending());
        let metrics = metrics_exporter::serve(metrics, handle, Timeouts::default(), stop);
        tokio::select! {
            () = service => {}
            () = metrics => {}
        }
    });
}

/// The worker process, killed (by its own child handle) if it is still running when dropped.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        for _ in 0..100 {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the worker; its service's and its metrics listener's base URLs.
async fn start_worker() -> (Worker, String, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "metrics::metrics_worker",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(WORKER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let worker = Worker(child);
    // Read the worker's output to its end (libtest writes its summary last), handing over the
    // address line when it comes.
    let (found, addresses) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addresses) = line.strip_prefix(ADDRESSES) {
                let _ = found.send(addresses.to_owned());
            }
        }
    });
    let line = tokio::task::spawn_blocking(move || addresses.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the metrics worker printed no addresses within 60 s");
    let (service, metrics) = line.split_once(' ').unwrap();
    (worker, service.to_owned(), metrics.to_owned())
}

/// A scrape: every sample, keyed by its name and its labels (sorted, `k="v"` joined by `,`).
fn parse(text: &str) -> BTreeMap<(String, String), f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => {
                    let mut labels: Vec<&str> = labels.trim_end_matches('}').split(',').collect();
                    labels.sort_unstable();
                    (name, labels.join(","))
                }
                None => (series, String::new()),
            };
            ((name.to_owned(), labels), value.parse().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_after_a_few_decisions_finds_counters_and_histograms_with_their_labels() {
    // Off the public listener, and on loopback unless configured otherwise.
    assert!(metrics_exporter::DEFAULT_METRICS_BIND.starts_with("127.0.0.1:"));
    let (_worker, base, metrics_base) = start_worker().await;
    let server = Server::at(base);
    let key = register_key(&server, ACCOUNT, Algorithm::Es256).await;
    let claims = PlaybackRestrictionClaims::builder(
        ACCOUNT,
        playback_auth::claims::NumericDate::from_secs(PLAY_TIME).unwrap(),
    )
    .max_uses(1)
    .valid_for(Duration::from_secs(3600))
    .build()
    .unwrap();
    let token = Signer::new(key).sign(&claims).unwrap();

    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server.play(&token, "tv").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "max_uses_reached");
    let (status, body) = server.play("x.y.z", "tv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_base64");
    let no_token = server
        .http
        .get(format!(
            "{}/v1/play/{ACCOUNT}/{}",
            server.base,
            crate::VIDEO
        ))
        .header("user-agent", "Player/1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);

    let scrape = server
        .http
        .get(format!("{metrics_base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    let content_type = scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = scrape.text().await.unwrap();
    assert!(
        text.contains("# TYPE playback_auth_decisions_total counter"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE playback_auth_verify_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE playback_auth_store_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# HELP playback_auth_decisions_total "),
        "{text}"
    );

    let samples = parse(&text);
    let sample = |name: &str, labels: &str| {
        samples
            .get(&(name.to_owned(), labels.to_owned()))
            .copied()
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in the scrape:\n{text}"))
    };
    let decisions = "playback_auth_decisions_total";
    assert_eq!(sample(decisions, r#"code="ok",outcome="allowed""#), 1.0);
    assert_eq!(
        sample(decisions, r#"code="max_uses_reached",outcome="denied""#),
        1.0
    );
    assert_eq!(
        sample(decisions, r#"code="invalid_base64",outcome="denied""#),
        1.0
    );
    assert_eq!(
        sample(decisions, r#"code="token_missing",outcome="denied""#),
        1.0
    );
    let decision_series = samples.keys().filter(|(name, _)| name == decisions).count();
    assert_eq!(decision_series, 4, "{text}");

    // Two tokens verified (ES256), one that did not; every sample under the top bucket.
    let verify = "playback_auth_verify_seconds";
    assert_eq!(sample(&format!("{verify}_count"), r#"alg="ES256""#), 2.0);
    assert_eq!(
        sample(&format!("{verify}_bucket"), r#"alg="ES256",le="+Inf""#),
        2.0
    );
    assert_eq!(sample(&format!("{verify}_count"), r#"alg="invalid""#), 1.0);
    assert!(sample(&format!("{verify}_sum"), r#"alg="ES256""#) > 0.0);

    // Per operation: four key reads (one per request), two decisions on a verified token
    // (revocation check, the store's operation, the audit record), two refusals counted in
    // an aggregate (the invalid token, the missing one).
    let store = "playback_auth_store_seconds_count";
    assert_eq!(sample(store, r#"op="registry""#), 4.0);
    assert_eq!(sample(store, r#"op="revocations""#), 2.0);
    assert_eq!(sample(store, r#"op="apply""#), 2.0);
    assert_eq!(sample(store, r#"op="audit""#), 2.0);
    assert_eq!(sample(store, r#"op="audit_aggregate""#), 2.0);
}
