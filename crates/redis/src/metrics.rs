//! `playback_auth_redis_errors_total{kind}` (see `playback_auth_policy::metrics`): every
//! failed Redis operation, counted where every operation goes through
//! ([`RedisStore::run`](crate::RedisStore)).

use playback_auth_policy::metrics::REDIS_ERRORS_TOTAL;

use crate::error::RedisStoreError;

/// Counts `error` by kind: `timeout` (no answer within the store's timeout, or the client's own
/// I/O timeout), `connection` (refused, dropped or broken), `other` (an error reply, a
/// protocol error). Static labels: no allocation.
pub(crate) fn count_error(error: &RedisStoreError) {
    match kind(error) {
        Kind::Timeout => metrics::counter!(REDIS_ERRORS_TOTAL, "kind" => "timeout").increment(1),
        Kind::Connection => {
            metrics::counter!(REDIS_ERRORS_TOTAL, "kind" => "connection").increment(1);
        }
        Kind::Other => metrics::counter!(REDIS_ERRORS_TOTAL, "kind" => "other").increment(1),
    }
}

enum Kind {
    Timeout,
    Connection,
    Other,
}

fn kind(error: &RedisStoreError) -> Kind {
    match error {
        RedisStoreError::Timeout { .. } => Kind::Timeout,
        RedisStoreError::Redis(error) if error.is_timeout() => Kind::Timeout,
        RedisStoreError::Redis(error)
            if error.is_io_error()
                || error.is_connection_dropped()
                || error.is_connection_refusal() =>
        {
            Kind::Connection
        }
        _ => Kind::Other,
    }
}
