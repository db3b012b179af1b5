//! The names of the metrics this crate emits through the [`metrics`](https://docs.rs/metrics)
//! facade. The whole table of `playback-auth`'s metrics, and how to export them, is in
//! `playback_auth_policy::metrics`; this crate installs no recorder.

/// Counter: a lookup in a cache found a usable entry. Label `cache`: here `"token"` (the
/// [`VerifiedTokenCache`](crate::VerifiedTokenCache)); the policy crate's caches use the same
/// name with their own label value.
pub const CACHE_HITS_TOTAL: &str = "playback_auth_cache_hits_total";

/// Counter: a lookup in a cache found no usable entry (absent, expired, or its key is gone).
/// Label `cache`, as for [`CACHE_HITS_TOTAL`].
pub const CACHE_MISSES_TOTAL: &str = "playback_auth_cache_misses_total";

/// Counts one lookup in the verified-token cache (static labels: no allocation).
pub(crate) fn token_cache_lookup(hit: bool) {
    if hit {
        metrics::counter!(CACHE_HITS_TOTAL, "cache" => "token").increment(1);
    } else {
        metrics::counter!(CACHE_MISSES_TOTAL, "cache" => "token").increment(1);
    }
}
