//! Errors of the policy crate: one enum per concern.
//!
//! Policy outcomes are not errors: they are [`Decision`](crate::Decision)s. These enums are
//! for faults (a store that cannot be reached) and for misuse of the records APIs.

/// Why a [`PolicyStore`](crate::PolicyStore) could not apply a plan or answer a query.
///
/// The engine turns any of these into [`DenyReason::StoreUnavailable`](crate::DenyReason)
/// (fail closed, the default) or a degraded allow (fail open).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (connection, timeout, server error); the cause is kept.
    #[error("state store backend failed")]
    Backend {
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The shard that owns the state holds its maximum number of live entries.
    #[error("state store is full: a shard holds its maximum of {capacity} entries")]
    CapacityExceeded {
        /// The per-shard entry cap.
        capacity: usize,
    },
    /// The backend answered with something the store cannot interpret.
    #[error("state store returned an unexpected reply: {detail}")]
    InvalidReply {
        /// What was unexpected (never stored values or token material).
        detail: &'static str,
    },
}

impl StoreError {
    /// Wraps a backend's error, keeping it as the source.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }
}

/// Why a revocation could not be stored or read.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    /// The account's revocation list of this kind already holds its capacity of live
    /// entries; remove one, or wait for one to expire with its token.
    #[error("the {kind} revocation list of the account is full ({capacity} entries)")]
    ListFull {
        /// Which list is full.
        kind: crate::revocation::RevocationKind,
        /// Its capacity.
        capacity: usize,
    },
    /// The revocation backend failed (e.g. the connection to Redis).
    #[error("revocation store unavailable")]
    Backend {
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl RevocationError {
    /// Wraps a backend's error, keeping it as the source.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }
}

/// Why an audit record could not be written, read or purged.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The record could not be encoded as JSON.
    #[error("could not encode the audit record")]
    Encode(#[source] serde_json::Error),
    /// Appending to the audit log failed.
    #[error("could not write the audit log")]
    Write(#[source] std::io::Error),
    /// Reading the audit log failed.
    #[error("could not read the audit log")]
    Read(#[source] std::io::Error),
    /// Deleting old records failed.
    #[error("could not purge the audit log")]
    Purge(#[source] std::io::Error),
    /// The audit backend failed (e.g. a remote log service).
    #[error("audit sink unavailable")]
    Backend {
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl AuditError {
    /// Wraps a backend's error, keeping it as the source.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }
}

/// Why a daily audit report cannot be requested.
///
/// Equality compares the cause; two [`Sink`](Self::Sink) errors are equal only when they
/// are the same error.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReportError {
    /// The requested date is today (UTC): its records are not complete yet.
    #[error("no report for today: the day is not over")]
    DateIsToday,
    /// The requested date is after today (UTC).
    #[error("no report for a date in the future")]
    DateInFuture,
    /// The requested date is more than 30 days ago: its records have been purged.
    #[error("no report before {oldest}: records are kept for 30 days")]
    DateTooOld {
        /// The oldest date a report may be requested for.
        oldest: time::Date,
    },
    /// Too many reports are waiting to be generated.
    #[error("too many report executions pending ({capacity})")]
    TooManyPending {
        /// How many requests may wait at once.
        capacity: usize,
    },
    /// The execution could not be stored in the audit sink (or no id could be drawn).
    #[error("the report execution could not be stored")]
    Sink(#[source] std::sync::Arc<AuditError>),
}

impl PartialEq for ReportError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::DateIsToday, Self::DateIsToday) | (Self::DateInFuture, Self::DateInFuture) => {
                true
            }
            (Self::DateTooOld { oldest: a }, Self::DateTooOld { oldest: b }) => a == b,
            (Self::TooManyPending { capacity: a }, Self::TooManyPending { capacity: b }) => a == b,
            (Self::Sink(a), Self::Sink(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for ReportError {}

/// Why [`Authorizer::verify_token`](crate::Authorizer::verify_token) found no valid token.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The account's keys could not be read.
    #[error("the account's keys could not be read")]
    Registry(#[source] RegistryError),
    /// The token failed verification with the account's keys.
    #[error("invalid token: {0}")]
    Invalid(#[source] playback_auth_verify::VerifyError),
    /// The token failed verification because the account has no registered key at all:
    /// nothing can be valid for it (the authorizer stores nothing for such requests).
    #[error("invalid token for an account without keys: {0}")]
    UnregisteredAccount(#[source] playback_auth_verify::VerifyError),
}

/// Why a public key could not be registered, read or removed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The value is not a supported public key (`public_key.txt` or PEM).
    #[error("invalid public key")]
    InvalidKey(#[source] playback_auth_keys::KeyError),
    /// The key id is empty, too long, or has control or whitespace characters.
    #[error("invalid key id: {reason}")]
    InvalidId {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The account already has a key with this id.
    #[error("key id {id:?} is already registered")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// The account already has this key, under another id.
    #[error("this key is already registered as {id:?}")]
    KeyAlreadyRegistered {
        /// The id it is registered under.
        id: String,
    },
    /// The account already has as many keys as the registry holds per account.
    #[error("the account already has {capacity} keys")]
    RegistryFull {
        /// Keys per account.
        capacity: usize,
    },
    /// The registry backend failed (e.g. the connection to Redis).
    #[error("key registry unavailable")]
    Backend {
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl RegistryError {
    /// Wraps a backend's error, keeping it as the source.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }
}
