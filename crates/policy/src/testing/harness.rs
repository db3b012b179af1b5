//! What every test of a networked backend shares: where the server is, what to do when it
//! is not there, and key prefixes no other test uses.
//!
//! A test that needs Redis asks [`redis_url`]: without `REDIS_URL` it prints a skip note and
//! gets `None` — or panics under `CI=true`, where a skipped backend test would pass
//! silently. `scripts/with-redis.sh` starts a private server and sets `REDIS_URL`.
//!
//! ```
//! use playback_auth_policy::testing::harness;
//!
//! let a = harness::unique_prefix("revocation");
//! let b = harness::unique_prefix("revocation");
//! assert!(a.starts_with("pa-test:revocation-"));
//! assert_ne!(a, b);
//! ```

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Whether the tests run in CI (`CI` is `true` or `1`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// Says why a test cannot run: a panic under `CI=true`, a visible skip note otherwise.
///
/// # Panics
/// Under `CI=true`.
// The skip note is for the person running the tests: it must show in the test output.
#[allow(clippy::print_stderr)]
pub fn unavailable(what: &str) {
    if in_ci() {
        panic!(
            "{what}, and CI=true: backend tests must not be skipped in CI. Run them through \
             scripts/with-redis.sh (e.g. `scripts/with-redis.sh cargo test -p playback-auth-redis`)."
        );
    }
    eprintln!(
        "SKIPPED: {what}; run through scripts/with-redis.sh to run this test \
         (it starts a private redis-server and sets REDIS_URL)."
    );
}

/// `REDIS_URL`, or `None` after a skip note.
///
/// # Panics
/// Under `CI=true` when `REDIS_URL` is unset or empty.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            unavailable("REDIS_URL is not set");
            None
        }
    }
}

/// `label` and a random-looking suffix: unique per call, per process and per run.
pub fn unique(label: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{label}-{:016x}", hasher.finish())
}

/// A key prefix no other test uses (`pa-test:LABEL-…`), so a store under it starts empty
/// and tests share one server in parallel.
pub fn unique_prefix(label: &str) -> String {
    format!("pa-test:{}", unique(label))
}
