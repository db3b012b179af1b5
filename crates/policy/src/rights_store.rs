//! The rights store: each account's [`PlaybackRights`] objects, by id.
//!
//! An account's rights are written whole ([`RightsStore::put`]: create, replace, or either),
//! read one at a time (what a playback decision needs) or listed (what the admin API
//! shows), and deleted. A store holds at most a configured number of rights per account;
//! one account's rights are invisible to every other account.
//!
//! A backend keeps the normalised JSON form ([`PlaybackRights::to_document`]) and reads it
//! back through [`PlaybackRights::from_json`], so a stored value is validated again on the
//! way out and the rights read back equal the rights written.
//!
//! ```
//! use playback_auth_policy::{MemoryRightsStore, PlaybackRights, RightsStore, WriteMode, Written};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryRightsStore::new();
//! let rights = PlaybackRights::from_json("acct-1", "eu-only", br#"{
//!     "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"] }
//! }"#)?;
//! assert_eq!(store.put(&rights, WriteMode::Create).await?, Written::Created);
//! assert_eq!(store.get("acct-1", "eu-only").await?.as_deref(), Some(&rights));
//! assert!(store.get("acct-2", "eu-only").await?.is_none());
//! assert!(store.delete("acct-1", "eu-only").await?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::future::Future;
use std::sync::Arc;

use crate::rights::{PlaybackRights, RightsError};

/// How many rights objects an account may hold in a [`MemoryRightsStore`] by default.
pub const DEFAULT_RIGHTS_PER_ACCOUNT: usize = 1_000;

/// What a [`RightsStore::put`] may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    /// Only create: rights already stored under the id are
    /// [`RightsStoreError::AlreadyExists`].
    Create,
    /// Only replace: no rights under the id is [`RightsStoreError::NotFound`].
    Replace,
    /// Create or replace.
    Upsert,
}

/// What a [`RightsStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Written {
    /// The id was free; the rights take one of the account's places.
    Created,
    /// Rights under the id were replaced whole (no new place taken).
    Replaced,
}

/// Why a rights store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RightsStoreError {
    /// [`WriteMode::Create`] and the account already has rights with this id.
    #[error("playback rights {id:?} already exist")]
    AlreadyExists {
        /// The id.
        id: String,
    },
    /// [`WriteMode::Replace`] and the account has no rights with this id.
    #[error("no playback rights {id:?}")]
    NotFound {
        /// The id.
        id: String,
    },
    /// Creating would exceed the account's places.
    #[error("the account already has {capacity} playback rights")]
    Full {
        /// Rights per account.
        capacity: usize,
    },
    /// A stored value is not valid rights any more (written by another program, or by a
    /// version with other rules): it is refused, never used half-read.
    #[error("stored playback rights {id:?} are not valid")]
    InvalidStored {
        /// The id of the stored value.
        id: String,
        /// Why it is refused.
        #[source]
        source: RightsError,
    },
    /// The backend failed (e.g. the connection to Redis).
    #[error("rights store unavailable")]
    Backend {
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl RightsStoreError {
    /// Wraps a backend's error, keeping it as the source.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }
}

/// Where accounts' playback rights are kept, by account and id.
///
/// The account of a rights object is [`PlaybackRights::account`]: a store never hands back
/// rights of an account other than the one asked for. The futures are `Send`, so a
/// networked backend can implement the trait without boxing.
pub trait RightsStore: Send + Sync + 'static {
    /// Writes `rights` under its account and id, as `mode` allows. Creating checks the
    /// account's capacity; replacing never does.
    ///
    /// # Errors
    /// [`RightsStoreError::AlreadyExists`], [`RightsStoreError::NotFound`],
    /// [`RightsStoreError::Full`] or [`RightsStoreError::Backend`].
    fn put(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> impl Future<Output = Result<Written, RightsStoreError>> + Send;

    /// The account's rights with this id.
    ///
    /// # Errors
    /// [`RightsStoreError::InvalidStored`] or [`RightsStoreError::Backend`].
    fn get(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<PlaybackRights>>, RightsStoreError>> + Send;

    /// Every rights object of the account, by id (byte order).
    ///
    /// # Errors
    /// [`RightsStoreError::InvalidStored`] or [`RightsStoreError::Backend`].
    fn list(
        &self,
        account: &str,
    ) -> impl Future<Output = Result<Vec<Arc<PlaybackRights>>, RightsStoreError>> + Send;

    /// Deletes the account's rights with this id; whether there were any.
    ///
    /// # Errors
    /// [`RightsStoreError::Backend`].
    fn delete(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, RightsStoreError>> + Send;
}

/// Decides a write against what is stored: the id first, then the capacity.
/// `exists`: the id is taken; `held`: the account's count. (The Redis script applies the
/// same rule, in the same order, server-side.)
pub(crate) fn check_write(
    id: &str,
    mode: WriteMode,
    exists: bool,
    held: usize,
    capacity: usize,
) -> Result<Written, RightsStoreError> {
    match (mode, exists) {
        (WriteMode::Create, true) => Err(RightsStoreError::AlreadyExists { id: id.to_owned() }),
        (WriteMode::Replace, false) => Err(RightsStoreError::NotFound { id: id.to_owned() }),
        (WriteMode::Replace | WriteMode::Upsert, true) => Ok(Written::Replaced),
        (WriteMode::Create | WriteMode::Upsert, false) if held >= capacity => {
            Err(RightsStoreError::Full { capacity })
        }
        (WriteMode::Create | WriteMode::Upsert, false) => Ok(Written::Created),
    }
}

mod memory;
pub use memory::MemoryRightsStore;
