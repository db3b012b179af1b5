//! The one-call authorizer on Redis: `Authorizer::authorize` with `RedisStore` as policy
//! store, revocation store, key registry and audit sink, per algorithm, on a key prefix of
//! its own for each run.
//!
//! - criterion group `authorize_redis/<alg>`: `authorize` (one request in flight) and
//!   `authorize_16_in_flight` (16 distinct users at once: time per decision);
//! - decision latency p50/p99 with 1 and with 16 requests in flight, measured here over a
//!   fixed number of decisions (criterion's per-iteration timing has no percentiles), for the
//!   whole `authorize` and for the **store path alone** (`PolicyEngine::decide` on an already
//!   verified token, so signature CPU does not hide Redis: revocations from the fleet cache,
//!   one decision-script call that also writes the audit record);
//! - round trips per decision: `INFO commandstats` deltas around N decisions (decision-script
//!   calls and every command Redis ran, in-script ones included) and `redis-cli MONITOR`
//!   (the commands the client sent, i.e. network round trips).
//!
//! Everything measured is printed and written to `target/criterion/authorize_redis/latency.json`
//! for `benches/ratios.py`. Needs `REDIS_URL` (standalone rows); `REDIS_CLUSTER_URLS` (a
//! comma-separated seed list) adds cluster rows (latency only: `MONITOR` and `INFO` are
//! per node). Without `REDIS_URL` the bench prints why it is skipped and exits 0:
//!
//! ```text
//! scripts/with-redis.sh cargo bench --bench authorize_redis -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::json;

use playback_auth::claims::NumericDate;
use playback_auth::policy::{Authorizer, KeyRegistry, RequestContext, VerifiedToken};
use playback_auth::redis::{RedisStore, RedisStoreBuilder};

use common::{ACCOUNT, authorizer_token, request};

/// Requests in flight for the concurrent measurements, each for its own user.
const IN_FLIGHT: usize = 16;
/// Decisions timed for each latency distribution.
const LATENCY_SAMPLES: usize = 2_000;
/// Decisions counted for the round-trip measurement.
const COUNTED_DECISIONS: u64 = 200;

type RedisAuthorizer = Authorizer<RedisStore>;

/// Everything one algorithm's measurements need: the authorizer and one token per user.
struct Setup {
    label: &'static str,
    authorizer: Arc<RedisAuthorizer>,
    /// `(token, request)` of user `i`; limits the bench never reaches, so every decision
    /// takes the full allow path (stream renewal, known device, one more use).
    users: Vec<(String, RequestContext)>,
    /// User `i`'s token, verified once: the store-path rows decide on it directly.
    verified: Vec<VerifiedToken>,
}

/// The store on a cluster from its comma-separated seed URLs (`REDIS_CLUSTER_URLS`).
fn cluster_store(seeds: &str) -> Option<RedisStoreBuilder> {
    let seeds: Vec<&str> = seeds
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!seeds.is_empty()).then(|| RedisStore::cluster_builder(seeds))
}

async fn setup(
    builder: RedisStoreBuilder,
    prefix: &str,
    fixture: &common::Fixture,
    now: NumericDate,
) -> Setup {
    let store = builder
        .key_prefix(format!("{prefix}-{}", fixture.label))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    store.ping().await.expect("Redis answers PING");
    // The fleet cache serves keys and revocations once its subscription is up.
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.cache_trusted() == Some(false) {
        assert!(Instant::now() < deadline, "the cache never subscribed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let value = fixture.private.public_key().to_public_key_txt();
    store.register(ACCOUNT, &value, None, now).await.unwrap();
    let authorizer = Authorizer::new(store);
    let users: Vec<(String, RequestContext)> = (0..IN_FLIGHT)
        .map(|i| {
            (
                authorizer_token(&fixture.private, &format!("user-{i}"), now),
                request(&format!("tv-{i}"), now),
            )
        })
        .collect();
    let mut verified = Vec::with_capacity(IN_FLIGHT);
    for (token, ctx) in &users {
        verified.push(
            authorizer
                .verify_token(ACCOUNT, token, ctx.now)
                .await
                .unwrap(),
        );
    }
    let setup = Setup {
        label: fixture.label,
        authorizer: Arc::new(authorizer),
        users,
        verified,
    };
    // Every user's first decision admits a session and registers a device; measured ones
    // renew. Each must be allowed before anything is timed.
    for (token, ctx) in &setup.users {
        let decision = setup.authorizer.authorize(token, ctx).await;
        assert!(decision.is_allowed(), "{}: {decision:?}", setup.label);
    }
    setup
}

/// Latencies of `samples` decisions with `in_flight` users deciding at once, each user's
/// requests one after the other: whole authorizes, or the store path alone (`store_path`:
/// the engine's decision on the already verified token).
async fn latencies(
    setup: &Setup,
    in_flight: usize,
    samples: usize,
    store_path: bool,
) -> (Vec<Duration>, Duration) {
    let per_user = samples.div_ceil(in_flight);
    let start = Instant::now();
    let tasks: Vec<_> = setup.users[..in_flight]
        .iter()
        .cloned()
        .zip(setup.verified.iter().cloned())
        .map(|((token, ctx), verified)| {
            let authorizer = Arc::clone(&setup.authorizer);
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_user);
                for _ in 0..per_user {
                    let begun = Instant::now();
                    let decision = if store_path {
                        authorizer.engine().decide(&verified, &ctx).await
                    } else {
                        authorizer.authorize(&token, &ctx).await
                    };
                    times.push(begun.elapsed());
                    assert!(decision.is_allowed(), "{decision:?}");
                }
                times
            })
        })
        .collect();
    let mut all = Vec::with_capacity(per_user * in_flight);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let wall = start.elapsed();
    all.sort_unstable();
    (all, wall)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn redis_cli() -> PathBuf {
    std::env::var("REDIS_SERVER_BIN")
        .map(|server| PathBuf::from(server).with_file_name("redis-cli"))
        .ok()
        .filter(|cli| cli.exists())
        .unwrap_or_else(|| PathBuf::from("redis-cli"))
}

fn cli(url: &str) -> Command {
    let mut command = Command::new(redis_cli());
    command.args(["-u", url]);
    command
}

/// Calls per command since the server started (`INFO commandstats`).
fn command_calls(url: &str) -> BTreeMap<String, u64> {
    let output = cli(url).args(["INFO", "commandstats"]).output().unwrap();
    assert!(
        output.status.success(),
        "redis-cli INFO commandstats failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.trim().strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|kv| kv.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

/// `redis-cli MONITOR` writing to a file, for the commands clients send.
struct Monitor {
    child: Child,
    out: PathBuf,
}

impl Monitor {
    fn start(url: &str, prefix: &str) -> Self {
        let out = std::env::temp_dir().join(format!("{prefix}-monitor.txt"));
        let child = cli(url)
            .arg("MONITOR")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let monitor = Self { child, out };
        monitor.wait_for(|text| text.starts_with("OK"));
        monitor
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn wait_for(&self, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.text()) {
            assert!(Instant::now() < deadline, "MONITOR output incomplete");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Commands sent by clients (MONITOR tags the ones scripts run `[0 lua]`), by name, once
    /// at least `expected` have arrived.
    fn client_commands(mut self, expected: u64) -> BTreeMap<String, u64> {
        let client_lines = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|line| line.contains(" [") && !line.contains(" lua] "))
                // The cache subscription's liveness pings: its own connection, no decision's.
                .filter(|line| !line.ends_with("] \"PING\""))
                .filter_map(|line| Some(line.split('"').nth(1)?.to_lowercase()))
                .collect()
        };
        self.wait_for(|text| client_lines(text).len() as u64 >= expected);
        std::thread::sleep(Duration::from_millis(200));
        let text = self.text();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
        let mut counts = BTreeMap::new();
        for name in client_lines(&text) {
            *counts.entry(name).or_insert(0) += 1;
        }
        counts
    }
}

/// The commands of `after - before`, without the bench's own `INFO`/`MONITOR`/`CONFIG`.
fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "info" | "monitor" | "ping" | "client|setinfo" | "hello"
            ) && !name.starts_with("config")
        })
        .map(|(name, calls)| (name.clone(), calls - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, calls)| *calls > 0)
        .collect()
}

/// Script calls and commands per decision over `COUNTED_DECISIONS` decisions of one user:
/// whole authorizes, or the store path alone.
async fn round_trips(
    url: &str,
    prefix: &str,
    setup: &Setup,
    store_path: bool,
) -> serde_json::Value {
    let (token, ctx) = &setup.users[0];
    let before = command_calls(url);
    let monitor = Monitor::start(url, prefix);
    for _ in 0..COUNTED_DECISIONS {
        let decision = if store_path {
            setup
                .authorizer
                .engine()
                .decide(&setup.verified[0], ctx)
                .await
        } else {
            setup.authorizer.authorize(token, ctx).await
        };
        assert!(decision.is_allowed());
    }
    let after = command_calls(url);
    let sent = monitor.client_commands(COUNTED_DECISIONS);
    let ran = delta(&before, &after);
    let sent: BTreeMap<String, u64> = sent
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "info" | "monitor"))
        .collect();
    let per = |n: u64| n as f64 / COUNTED_DECISIONS as f64;
    let scripts = ["evalsha", "eval", "fcall"]
        .iter()
        .map(|name| ran.get(*name).copied().unwrap_or(0))
        .sum::<u64>();
    let ran_total: u64 = ran.values().sum();
    let sent_total: u64 = sent.values().sum();
    println!(
        "authorize_redis/{}{}: per decision {:.2} script calls, {:.2} commands sent by the \
         client, {:.2} commands run by Redis (in-script ones included)",
        setup.label,
        if store_path { "/store-path" } else { "" },
        per(scripts),
        per(sent_total),
        per(ran_total)
    );
    println!("  sent by the client over {COUNTED_DECISIONS} decisions: {sent:?}");
    println!("  run by Redis over {COUNTED_DECISIONS} decisions: {ran:?}");
    json!({
        "decisions": COUNTED_DECISIONS,
        "script_calls_per_decision": per(scripts),
        "client_commands_per_decision": per(sent_total),
        "redis_commands_per_decision": per(ran_total),
        "client_commands": sent,
        "redis_commands": ran,
    })
}

/// Best effort: the run's keys go away with it (a `with-redis.sh` server goes away anyway).
fn clean_up(url: &str, prefix: &str) {
    let Ok(output) = cli(url)
        .args(["--scan", "--pattern", &format!("{prefix}-*")])
        .output()
    else {
        return;
    };
    for key in String::from_utf8_lossy(&output.stdout).lines() {
        let _ = cli(url).args(["DEL", key]).output();
    }
}

fn main() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        println!(
            "authorize_redis: skipped, REDIS_URL is not set \
             (run `scripts/with-redis.sh cargo bench --bench authorize_redis`)"
        );
        return;
    };
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now_secs = common::issued_at();
    let now = NumericDate::from_secs(now_secs).unwrap();
    let prefix = format!("bench-authorize-{now_secs}-{}", std::process::id());
    let mut report = serde_json::Map::new();
    let mut targets = vec![("standalone", RedisStore::builder(url.as_str()))];
    if let Ok(seeds) = std::env::var("REDIS_CLUSTER_URLS")
        && let Some(builder) = cluster_store(&seeds)
    {
        targets.push(("cluster", builder));
    }
    for (target, builder) in targets {
        let mut target_report = serde_json::Map::new();
        for fixture in common::fixtures(now_secs) {
            let setup = runtime.block_on(setup(
                builder.clone(),
                &format!("{prefix}-{target}"),
                &fixture,
                now,
            ));
            // Standalone groups keep their names (`benches/ratios.py` reads them).
            let group_name = match target {
                "standalone" => format!("authorize_redis/{}", setup.label),
                _ => format!("authorize_redis/{target}/{}", setup.label),
            };
            let mut group = criterion.benchmark_group(group_name);
            let (token, ctx) = &setup.users[0];
            group.bench_function("authorize", |b| {
                b.iter(|| {
                    runtime.block_on(setup.authorizer.authorize(std::hint::black_box(token), ctx))
                });
            });
            group.bench_function("authorize_16_in_flight", |b| {
                b.iter_custom(|iters| {
                    let samples = usize::try_from(iters).unwrap().max(IN_FLIGHT);
                    runtime
                        .block_on(latencies(&setup, IN_FLIGHT, samples, false))
                        .1
                });
            });
            group.finish();

            let mut entry = serde_json::Map::new();
            for (store_path, in_flight) in
                [(false, 1), (false, IN_FLIGHT), (true, 1), (true, IN_FLIGHT)]
            {
                let (sorted, wall) =
                    runtime.block_on(latencies(&setup, in_flight, LATENCY_SAMPLES, store_path));
                let (p50, p99) = (percentile(&sorted, 50), percentile(&sorted, 99));
                let throughput = sorted.len() as f64 / wall.as_secs_f64();
                let path = if store_path {
                    "store path"
                } else {
                    "authorize"
                };
                println!(
                    "authorize_redis/{target}/{}: {path}, {in_flight:>2} in flight: p50 {:.0} µs, \
                 p99 {:.0} µs, {throughput:.0} decisions/s ({} decisions)",
                    setup.label,
                    micros(p50),
                    micros(p99),
                    sorted.len()
                );
                let name = if store_path {
                    "store_path_in_flight"
                } else {
                    "in_flight"
                };
                entry.insert(
                    format!("{name}_{in_flight}"),
                    json!({
                        "samples": sorted.len(),
                        "p50_us": micros(p50),
                        "p99_us": micros(p99),
                        "decisions_per_s": throughput,
                    }),
                );
            }
            if setup.label == "ES256" && target == "standalone" {
                // MONITOR and INFO on the one server (on a cluster they would be per node).
                let counted = runtime.block_on(round_trips(&url, &prefix, &setup, false));
                target_report.insert("round_trips".to_owned(), counted);
                let counted = runtime.block_on(round_trips(&url, &prefix, &setup, true));
                target_report.insert("store_path_round_trips".to_owned(), counted);
            }
            println!(
                "authorize_redis/{target}/{}: cache {:?}",
                setup.label,
                setup.authorizer.stores().cache_stats()
            );
            target_report.insert(setup.label.to_owned(), serde_json::Value::Object(entry));
        }
        // Standalone rows at the top (what `benches/ratios.py` reads), cluster rows nested.
        if target == "standalone" {
            report.extend(target_report);
        } else {
            report.insert(target.to_owned(), serde_json::Value::Object(target_report));
        }
    }
    criterion.final_summary();
    clean_up(&url, &prefix);

    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("criterion")
        .join("authorize_redis");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latency.json");
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(report)).unwrap();
    std::fs::write(&path, text).unwrap();
    println!("authorize_redis: wrote {}", path.display());
}
