//! What a fleet operator can graph: the metrics `playback-auth` emits through the
//! [`metrics`](https://docs.rs/metrics) facade, the ecosystem's convention.
//!
//! The library **never installs a recorder**: until the application installs one (e.g.
//! `metrics-exporter-prometheus`, as `examples/edge_service` does), every call below is a
//! no-op of the facade. Label values are static strings; no label allocates per request.
//!
//! | name | kind | labels | what it counts or measures | emitted by |
//! |---|---|---|---|---|
//! | [`DECISIONS_TOTAL`] `playback_auth_decisions_total` | counter | `outcome` = `allowed` \| `denied`; `code` = the stable deny code ([`DenyReason::code`](crate::DenyReason::code), or a refusal's code such as `token_missing`), `ok` when allowed (a degraded allow too) | every decision the [`Authorizer`](crate::Authorizer) answers: `authorize*`, `check_verified_on` (a `HEAD`), and refusals counted with [`Authorizer::count_refusal`](crate::Authorizer::count_refusal) | policy |
//! | [`VERIFY_SECONDS`] `playback_auth_verify_seconds` | histogram (seconds) | `alg` = `RS256` \| `ES256` \| `ES384`, or `invalid` for a token that failed verification | the CPU part of one verification (structure, signature, time and claim rules), on whatever thread it ran | policy |
//! | [`STORE_SECONDS`] `playback_auth_store_seconds` | histogram (seconds) | `op` = `registry` (an account's keys read) \| `revocations` (the revocation check) \| `apply` (the decision's one atomic store operation) \| `audit` (a decision's audit record) \| `audit_aggregate` (a refusal counted) \| `rights` (playback rights read after a rights-cache miss) \| `renew_session` (a heartbeat's lease renewal, and its count in the session's renewals when the store does both in one call) \| `stop_session` (a stop) \| `audit_renewals` (a heartbeat counted in its session's renewals on its own) | how long a decision waited for one store operation, on any backend (memory, Redis, a cache in front of them) | policy |
//! | [`CACHE_HITS_TOTAL`] `playback_auth_cache_hits_total` | counter | `cache` = `token` \| `registry` \| `revocations` \| `rights` | a cache lookup that found a usable entry; `token` is the verifier's [`VerifiedTokenCache`](playback_auth_verify::VerifiedTokenCache) | verify (`token`), the stores' caches |
//! | [`CACHE_MISSES_TOTAL`] `playback_auth_cache_misses_total` | counter | `cache`, as above | a cache lookup that did not | as above |
//! | [`CACHE_INVALIDATION_LAG_SECONDS`] `playback_auth_cache_invalidation_lag_seconds` | histogram (seconds) | — | from a change to its invalidation reaching a node's cache | the stores' caches |
//! | [`CACHE_TRUSTED`] `playback_auth_cache_trusted` | gauge | — | `1` while a node's cache receives invalidations within its staleness bound, `0` while it is not trusted | the stores' caches |
//! | [`REDIS_ERRORS_TOTAL`] `playback_auth_redis_errors_total` | counter | `kind` = `timeout` \| `connection` \| `other` | a Redis operation that failed: no answer within the store's timeout; a refused, dropped or broken connection; anything else (an error reply) | redis |
//! | [`LOAD_SHED_TOTAL`] `playback_auth_load_shed_total` | counter | — | a playback request answered `503 overloaded` because the layer was authorizing its limit of requests (`max_in_flight`) | tower |
//!
//! Histograms are recorded in seconds; [`LATENCY_BUCKETS`] are bucket bounds that suit them
//! (for an exporter that renders histograms with buckets), and [`describe`] gives every metric
//! its help text and unit once a recorder is installed.
//!
//! ```
//! use playback_auth_policy::metrics;
//!
//! assert_eq!(metrics::DECISIONS_TOTAL, "playback_auth_decisions_total");
//! // No recorder installed: describing (and every emission) is a no-op.
//! metrics::describe();
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::{LazyLock, RwLock};
use std::time::{Duration, Instant};

use ::metrics::{Key, KeyName, Label, Level, Metadata, SharedString, Unit};
use playback_auth_keys::Algorithm;

use crate::decision::Decision;

pub use playback_auth_verify::metrics::{CACHE_HITS_TOTAL, CACHE_MISSES_TOTAL};

/// Counter of decisions, by `outcome` and `code` (see the [module](self) table).
pub const DECISIONS_TOTAL: &str = "playback_auth_decisions_total";
/// Histogram of verification times in seconds, by `alg`.
pub const VERIFY_SECONDS: &str = "playback_auth_verify_seconds";
/// Histogram of store operation times in seconds, by `op`.
pub const STORE_SECONDS: &str = "playback_auth_store_seconds";
/// Histogram of cache invalidation lag in seconds (emitted by the stores' caches).
pub const CACHE_INVALIDATION_LAG_SECONDS: &str = "playback_auth_cache_invalidation_lag_seconds";
/// Gauge: 1 while a cache is trusted, 0 while it is not (emitted by the stores' caches).
pub const CACHE_TRUSTED: &str = "playback_auth_cache_trusted";
/// Counter of failed Redis operations, by `kind` (emitted by `playback-auth-redis`).
pub const REDIS_ERRORS_TOTAL: &str = "playback_auth_redis_errors_total";
/// Counter of playback requests shed for overload (emitted by `playback-auth-tower`).
pub const LOAD_SHED_TOTAL: &str = "playback_auth_load_shed_total";

/// Histogram bucket bounds, in seconds, for [`VERIFY_SECONDS`], [`STORE_SECONDS`] and
/// [`CACHE_INVALIDATION_LAG_SECONDS`]: 50 µs to 2.5 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5,
];

/// How a metric of the table is recorded.
#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Every metric of the table: name, kind, unit, help text.
const DESCRIPTIONS: [(&str, Kind, Option<Unit>, &str); 9] = [
    (
        DECISIONS_TOTAL,
        Kind::Counter,
        Some(Unit::Count),
        "Playback decisions by outcome (allowed, denied) and stable code (ok when allowed).",
    ),
    (
        VERIFY_SECONDS,
        Kind::Histogram,
        Some(Unit::Seconds),
        "Token verification time by alg (invalid: the token failed verification).",
    ),
    (
        STORE_SECONDS,
        Kind::Histogram,
        Some(Unit::Seconds),
        "Time a decision waited for one store operation, by op.",
    ),
    (
        CACHE_HITS_TOTAL,
        Kind::Counter,
        Some(Unit::Count),
        "Cache lookups that found a usable entry, by cache.",
    ),
    (
        CACHE_MISSES_TOTAL,
        Kind::Counter,
        Some(Unit::Count),
        "Cache lookups that found no usable entry, by cache.",
    ),
    (
        CACHE_INVALIDATION_LAG_SECONDS,
        Kind::Histogram,
        Some(Unit::Seconds),
        "Time from a change to its invalidation reaching this node's cache.",
    ),
    (
        CACHE_TRUSTED,
        Kind::Gauge,
        None,
        "1 while this node's cache receives invalidations within its staleness bound, else 0.",
    ),
    (
        REDIS_ERRORS_TOTAL,
        Kind::Counter,
        Some(Unit::Count),
        "Failed Redis operations by kind (timeout, connection, other).",
    ),
    (
        LOAD_SHED_TOTAL,
        Kind::Counter,
        Some(Unit::Count),
        "Playback requests answered 503 overloaded at the in-flight limit.",
    ),
];

/// Gives every metric of the table its unit and help text on the recorder installed now (a
/// no-op without one). Call once, after installing the recorder.
pub fn describe() {
    ::metrics::with_recorder(|recorder| {
        for (name, kind, unit, help) in DESCRIPTIONS {
            let (name, help) = (KeyName::from_const_str(name), SharedString::const_str(help));
            match kind {
                Kind::Counter => recorder.describe_counter(name, unit, help),
                Kind::Gauge => recorder.describe_gauge(name, unit, help),
                Kind::Histogram => recorder.describe_histogram(name, unit, help),
            }
        }
    });
}

/// The metadata of every emission of this crate.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

static ALLOWED: [Label; 2] = [
    Label::from_static_parts("outcome", "allowed"),
    Label::from_static_parts("code", "ok"),
];

/// Most distinct deny codes given a static label set; past it (never, with the library's own
/// codes) the labels are built per call instead.
const MAX_INTERNED_CODES: usize = 256;

/// The label sets of the deny codes met so far, made once per code and kept for the process's
/// life: codes are `&'static str` from a fixed set, so this stays small.
static DENIED: LazyLock<RwLock<HashMap<&'static str, &'static [Label]>>> =
    LazyLock::new(RwLock::default);

/// Counts a decision the authorizer answered.
pub(crate) fn decision(decision: &Decision) {
    match decision {
        Decision::Allow(_) => increment(&Key::from_static_parts(DECISIONS_TOTAL, &ALLOWED)),
        Decision::Deny(reason) => refusal(reason.code()),
    }
}

/// Counts a denial with `code`.
pub(crate) fn refusal(code: &'static str) {
    increment(&denied_key(code));
}

fn denied_key(code: &'static str) -> Key {
    let known = DENIED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(code)
        .copied();
    if let Some(labels) = known {
        return Key::from_static_parts(DECISIONS_TOTAL, labels);
    }
    let labels = [
        Label::from_static_parts("outcome", "denied"),
        Label::from_static_parts("code", code),
    ];
    let mut interned = DENIED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(labels) = interned.get(code) {
        return Key::from_static_parts(DECISIONS_TOTAL, labels);
    }
    if interned.len() >= MAX_INTERNED_CODES {
        return Key::from_parts(DECISIONS_TOTAL, labels.to_vec());
    }
    // Once per distinct code (bounded above): the label set lives as long as the process.
    let labels: &'static [Label] = Box::leak(Box::new(labels));
    interned.insert(code, labels);
    Key::from_static_parts(DECISIONS_TOTAL, labels)
}

fn increment(key: &Key) {
    ::metrics::with_recorder(|recorder| recorder.register_counter(key, &METADATA).increment(1));
}

fn record(key: &Key, elapsed: Duration) {
    ::metrics::with_recorder(|recorder| {
        recorder
            .register_histogram(key, &METADATA)
            .record(elapsed.as_secs_f64());
    });
}

static RS256: [Label; 1] = [Label::from_static_parts("alg", "RS256")];
static ES256: [Label; 1] = [Label::from_static_parts("alg", "ES256")];
static ES384: [Label; 1] = [Label::from_static_parts("alg", "ES384")];
static INVALID: [Label; 1] = [Label::from_static_parts("alg", "invalid")];

/// Records one verification's time: `alg` of the verified token, `None` when it failed.
pub(crate) fn verified(alg: Option<Algorithm>, elapsed: Duration) {
    let labels: &'static [Label] = match alg {
        Some(Algorithm::Rs256) => &RS256,
        Some(Algorithm::Es256) => &ES256,
        Some(Algorithm::Es384) => &ES384,
        None => &INVALID,
    };
    record(&Key::from_static_parts(VERIFY_SECONDS, labels), elapsed);
}

/// The store operations [`STORE_SECONDS`] is labelled with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StoreOp {
    /// An account's keys read from the key registry.
    Registry,
    /// The revocation check.
    Revocations,
    /// The decision's atomic store operation.
    Apply,
    /// A decision's audit record.
    Audit,
    /// A refusal counted in an audit aggregate.
    AuditAggregate,
    /// Playback rights read from the rights store (a rights-cache miss).
    Rights,
    /// A heartbeat's lease renewal.
    RenewSession,
    /// A stream's stop.
    StopSession,
    /// A heartbeat counted in its session's renewals.
    AuditRenewals,
}

static REGISTRY: [Label; 1] = [Label::from_static_parts("op", "registry")];
static REVOCATIONS: [Label; 1] = [Label::from_static_parts("op", "revocations")];
static APPLY: [Label; 1] = [Label::from_static_parts("op", "apply")];
static AUDIT: [Label; 1] = [Label::from_static_parts("op", "audit")];
static AUDIT_AGGREGATE: [Label; 1] = [Label::from_static_parts("op", "audit_aggregate")];
static RIGHTS: [Label; 1] = [Label::from_static_parts("op", "rights")];
static RENEW_SESSION: [Label; 1] = [Label::from_static_parts("op", "renew_session")];
static STOP_SESSION: [Label; 1] = [Label::from_static_parts("op", "stop_session")];
static AUDIT_RENEWALS: [Label; 1] = [Label::from_static_parts("op", "audit_renewals")];

impl StoreOp {
    fn labels(self) -> &'static [Label] {
        match self {
            Self::Registry => &REGISTRY,
            Self::Revocations => &REVOCATIONS,
            Self::Apply => &APPLY,
            Self::Audit => &AUDIT,
            Self::AuditAggregate => &AUDIT_AGGREGATE,
            Self::Rights => &RIGHTS,
            Self::RenewSession => &RENEW_SESSION,
            Self::StopSession => &STOP_SESSION,
            Self::AuditRenewals => &AUDIT_RENEWALS,
        }
    }
}

static RIGHTS_CACHE: [Label; 1] = [Label::from_static_parts("cache", "rights")];

/// Counts one lookup in the [`RightsCache`](crate::RightsCache): [`CACHE_HITS_TOTAL`] or
/// [`CACHE_MISSES_TOTAL`] with `cache = "rights"`.
pub(crate) fn rights_cache_lookup(hit: bool) {
    let name = if hit {
        CACHE_HITS_TOTAL
    } else {
        CACHE_MISSES_TOTAL
    };
    increment(&Key::from_static_parts(name, &RIGHTS_CACHE));
}

/// Awaits `operation`, recording how long it took as [`STORE_SECONDS`] for `op`.
pub(crate) async fn timed<F: Future>(op: StoreOp, operation: F) -> F::Output {
    let started = Instant::now();
    let output = operation.await;
    record(
        &Key::from_static_parts(STORE_SECONDS, op.labels()),
        started.elapsed(),
    );
    output
}
