//! [`RedisStoreError`]: what went wrong talking to Redis, or building the store.

use std::time::Duration;

/// Why a [`RedisStore`](crate::RedisStore) could not be built or could not complete an
/// operation.
///
/// The store traits of `playback-auth-policy` return their own error types
/// ([`StoreError`](playback_auth_policy::StoreError),
/// [`RevocationError`](playback_auth_policy::RevocationError), …); a Redis failure reaches
/// them as their `Backend` variant with this error as its `source`, so a caller can
/// downcast to tell a timeout from a refused connection. A reply the store cannot read is
/// [`StoreError::InvalidReply`](playback_auth_policy::StoreError::InvalidReply) for the
/// policy store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The connection URL could not be parsed.
    #[error("invalid Redis URL")]
    InvalidUrl(#[source] redis::RedisError),
    /// The key prefix is empty or contains `{` or `}` (which would break the hash tags).
    #[error("invalid key prefix: {reason}")]
    InvalidKeyPrefix {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A setting is out of range (e.g. a zero timeout).
    #[error("invalid setting: {reason}")]
    InvalidSetting {
        /// What is wrong.
        reason: &'static str,
    },
    /// The store was built outside a Tokio runtime; the connection manager needs one.
    #[error("a RedisStore must be built inside a Tokio runtime")]
    NoRuntime,
    /// Redis did not answer within the per-operation timeout (it may be down, unreachable
    /// or overloaded). A write may still have been applied by the server.
    #[error("Redis did not answer within {timeout:?}")]
    Timeout {
        /// The per-operation timeout.
        timeout: Duration,
    },
    /// The connection failed or Redis answered with an error.
    #[error("Redis command failed")]
    Redis(#[source] redis::RedisError),
    /// The fleet cache of keys and revocations could not prove it receives invalidations
    /// within its staleness bound, and is configured to fail closed
    /// ([`Untrusted::FailClosed`](playback_auth_policy::cache::Untrusted::FailClosed)).
    #[error("the cache could not receive invalidations within {bound:?}: failing closed")]
    CacheUntrusted {
        /// The staleness bound.
        bound: Duration,
    },
    /// Redis answered with something the store did not expect (e.g. keys written by
    /// another program under this store's prefix).
    #[error("unexpected reply from Redis: {detail}")]
    UnexpectedReply {
        /// What was unexpected (never stored values or token material).
        detail: &'static str,
    },
}

impl RedisStoreError {
    /// Whether the operation timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }
}

impl From<RedisStoreError> for playback_auth_policy::StoreError {
    fn from(error: RedisStoreError) -> Self {
        match error {
            RedisStoreError::UnexpectedReply { detail } => Self::InvalidReply { detail },
            other => Self::backend(other),
        }
    }
}

impl From<RedisStoreError> for playback_auth_policy::RevocationError {
    fn from(error: RedisStoreError) -> Self {
        Self::backend(error)
    }
}

impl From<RedisStoreError> for playback_auth_policy::RegistryError {
    fn from(error: RedisStoreError) -> Self {
        Self::backend(error)
    }
}

impl From<RedisStoreError> for playback_auth_policy::AuditError {
    fn from(error: RedisStoreError) -> Self {
        Self::backend(error)
    }
}

impl From<RedisStoreError> for playback_auth_policy::RightsStoreError {
    fn from(error: RedisStoreError) -> Self {
        Self::backend(error)
    }
}
