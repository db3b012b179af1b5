//! Revocation: refusing tokens before they expire.
//!
//! Four kinds of revocation, all scoped to an account:
//!
//! - a **token**, by the [`TokenDigest`] of its whole encoded form (the revocation list a
//!   publisher manages: revoke, check, list, remove; a bounded number of entries per account);
//! - a **`jti`**, every token carrying that token id;
//! - a **`uid`**, every token of that user issued (`iat`) before a cutoff time;
//! - an **`aws:viewer-id`**, every private-channel token of that viewer whose
//!   `aws:viewer-session-version` is at or below a version ("disconnect the viewer").
//!
//! Every entry expires on its own, so nothing needs a sweeper: each revocation carries the
//! instant it is kept until — the revoked tokens' expiry plus the verifier's leeway, which
//! the [`Authorizer`](crate::Authorizer)'s revocation methods compute from its one
//! configuration — and then frees its place in the list. A store keeps no leeway of its own.
//! The policy engine asks [`RevocationStore::check`] once per decision.
//!
//! ```
//! use playback_auth_claims::NumericDate;
//! use playback_auth_policy::{MemoryRevocationStore, RevocationStore, TokenDigest};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryRevocationStore::new();
//! let now = NumericDate::from_secs(1_700_000_000).unwrap();
//! let keep_until = NumericDate::from_secs(1_700_003_630).unwrap(); // exp + 30 s leeway
//! let digest = TokenDigest::of_token("header.payload.signature");
//!
//! store.revoke_token("acct-1", digest, keep_until, now).await?;
//! assert!(store.is_revoked("acct-1", digest, now).await?);
//! assert!(!store.is_revoked("acct-2", digest, now).await?);
//! assert_eq!(store.list("acct-1", now).await?.len(), 1);
//! # Ok::<(), playback_auth_policy::RevocationError>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::hash::Hash;

use playback_auth_claims::{ClaimSet, NumericDate, PlaybackClaims, Uid, ViewerId};

use crate::context::VerifiedToken;
use crate::digest::TokenDigest;
use crate::error::RevocationError;

/// How many entries each revocation list of an account holds by default (the reference
/// service allows 100 revoked tokens per account).
pub const DEFAULT_REVOCATION_CAPACITY: usize = 100;

/// What [`RevocationStore::check`] found for a token.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationStatus {
    /// No revocation applies to the token.
    NotRevoked,
    /// The token is revoked: by its digest, its `jti`, or its `uid` issued before a cutoff.
    Revoked,
    /// The token's `aws:viewer-id` was disconnected at or above its
    /// `aws:viewer-session-version`.
    ViewerDisconnected,
}

impl RevocationStatus {
    /// Whether the token must be refused.
    pub fn is_refused(self) -> bool {
        !matches!(self, Self::NotRevoked)
    }
}

/// An entry of an account's token revocation list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RevokedToken {
    /// Digest of the revoked encoded token.
    pub digest: TokenDigest,
    /// Until when the entry is kept (the token's expiry plus the leeway); it frees its place
    /// then.
    pub kept_until: NumericDate,
}

/// Which revocation list of an account an error is about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationKind {
    /// Tokens revoked by digest.
    Token,
    /// Token ids (`jti`).
    Jti,
    /// Users (`uid`) revoked before a cutoff.
    Uid,
    /// Disconnected viewers (`aws:viewer-id`).
    Viewer,
}

impl fmt::Display for RevocationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::Jti => "jti",
            Self::Uid => "uid",
            Self::Viewer => "viewer",
        })
    }
}

/// Where revocations are kept: an account's lists of revoked tokens, token ids, users and
/// viewers.
///
/// Every method takes `now`; a store never reads a clock. The futures are `Send`, so a
/// networked backend (e.g. Redis, where [`check`](Self::check) is one script call) can
/// implement the trait without boxing.
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes the token whose whole encoded form has `digest`, keeping the entry until
    /// `keep_until` (the token's expiry plus the verifier's leeway). Revoking a token already
    /// in the list keeps the later instant. An entry whose `keep_until` has passed is not
    /// stored (the token cannot be used anyway).
    ///
    /// # Errors
    /// [`RevocationError::ListFull`] when the account's token list holds its capacity of
    /// live entries; [`RevocationError::Backend`] when the store cannot be reached.
    fn revoke_token(
        &self,
        account: &str,
        digest: TokenDigest,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send;

    /// Whether the token with `digest` is in the account's token revocation list.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn is_revoked(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send;

    /// The account's live token revocation list, in no particular order.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn list(
        &self,
        account: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<RevokedToken>, RevocationError>> + Send;

    /// Removes the token with `digest` from the account's list; `true` if a live entry was
    /// removed.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn unrevoke(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send;

    /// Revokes every token of the account carrying `jti`, until `keep_until` (the latest
    /// `exp` of those tokens plus the leeway).
    ///
    /// # Errors
    /// [`RevocationError::ListFull`] when the account's `jti` list is full;
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn revoke_jti(
        &self,
        account: &str,
        jti: &str,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send;

    /// Removes a `jti` revocation; `true` if a live entry was removed.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn unrevoke_jti(
        &self,
        account: &str,
        jti: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send;

    /// Revokes every token of `uid` in the account issued (`iat`) strictly before `cutoff`.
    /// A later cutoff for the same user replaces an earlier one.
    ///
    /// The entry is kept until `keep_until`: every such token has expired by `cutoff` plus
    /// the 30-day maximum token lifetime plus the leeway, which is what
    /// [`Authorizer::revoke_uid_before`](crate::Authorizer::revoke_uid_before) passes. (A
    /// token without `exp`, which the default verifier refuses, is no longer covered after
    /// that.)
    ///
    /// # Errors
    /// [`RevocationError::ListFull`] when the account's user list is full;
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn revoke_uid_before(
        &self,
        account: &str,
        uid: &Uid,
        cutoff: NumericDate,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send;

    /// Removes a user's revocation; `true` if a live entry was removed.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn unrevoke_uid(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send;

    /// Disconnects a viewer: every private-channel token of the account with this
    /// `aws:viewer-id` and an `aws:viewer-session-version` at or below
    /// `at_or_below_version` is refused (a token with a viewer id and no version is refused
    /// too), until `keep_until` (the latest `exp` of those tokens plus the leeway).
    /// Disconnecting again keeps the higher version and the later instant.
    ///
    /// # Errors
    /// [`RevocationError::ListFull`] when the account's viewer list is full;
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn disconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        at_or_below_version: i64,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send;

    /// Removes a viewer's disconnection; `true` if a live entry was removed.
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn reconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send;

    /// The one check the policy engine makes per decision: whether any revocation of the
    /// account applies to `token` (its digest, its `jti`, its `uid` and `iat`, its viewer id
    /// and session version). [`RevocationStatus::Revoked`] wins over
    /// [`RevocationStatus::ViewerDisconnected`].
    ///
    /// # Errors
    /// [`RevocationError::Backend`] when the store cannot be reached.
    fn check(
        &self,
        account: &str,
        token: &VerifiedToken,
        now: NumericDate,
    ) -> impl Future<Output = Result<RevocationStatus, RevocationError>> + Send;
}

/// The entries of an account's revocation lists that could apply to a token, and the rule
/// that decides from the live ones found: the one definition of "does a revocation apply?"
/// that every [`RevocationStore`] shares.
///
/// A store looks up the token's [`digest`](Self::digest) in the token list, its
/// [`jti`](Self::jti), [`uid`](Self::uid) and [`viewer_id`](Self::viewer_id) (each when the
/// token has one) in the other three lists, fills a [`FoundRevocations`] with what is live
/// at `now`, and returns [`status`](Self::status).
///
/// ```
/// use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
/// use playback_auth_policy::{FoundRevocations, RevocationLookup, RevocationStatus, VerifiedToken};
///
/// let iat = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PlaybackRestrictionClaims::builder("acct-1", iat)
///     .valid_for(std::time::Duration::from_secs(3600))
///     .user("viewer-42")
///     .build()
///     .unwrap();
/// let token = VerifiedToken::new(PlaybackClaims::Restriction(claims), "h.p.s");
/// let lookup = RevocationLookup::new(&token);
/// assert_eq!(lookup.uid().map(|uid| uid.as_str()), Some("viewer-42"));
///
/// // The user is revoked for tokens issued before a cutoff after this one's `iat`.
/// let mut found = FoundRevocations::default();
/// found.uid_cutoff = Some(NumericDate::from_secs(1_700_000_001).unwrap());
/// assert_eq!(lookup.status(&found), RevocationStatus::Revoked);
/// assert_eq!(lookup.status(&FoundRevocations::default()), RevocationStatus::NotRevoked);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RevocationLookup<'a> {
    token: &'a VerifiedToken,
}

/// The live revocation entries a store found for a [`RevocationLookup`] (absent and expired
/// entries are left out).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FoundRevocations {
    /// The token's digest is in the token list.
    pub token: bool,
    /// The token's `jti` is in the `jti` list.
    pub jti: bool,
    /// The cutoff the token's `uid` is revoked before.
    pub uid_cutoff: Option<NumericDate>,
    /// The session version the token's `aws:viewer-id` is disconnected at or below.
    pub viewer_version: Option<i64>,
}

impl<'a> RevocationLookup<'a> {
    /// What to look up for `token`.
    pub fn new(token: &'a VerifiedToken) -> Self {
        Self { token }
    }

    /// The digest of the whole encoded token: its key in the token list.
    pub fn digest(&self) -> TokenDigest {
        self.token.digest
    }

    /// The token's `jti`, if it has one: its key in the `jti` list.
    pub fn jti(&self) -> Option<&'a str> {
        self.token.claims.jti()
    }

    /// The `uid` of a restriction token that has one: its key in the user list.
    pub fn uid(&self) -> Option<&'a Uid> {
        match &self.token.claims {
            PlaybackClaims::Restriction(claims) => claims.uid.as_ref(),
            _ => None,
        }
    }

    /// The `aws:viewer-id` of a private-channel token that has one: its key in the viewer
    /// list.
    pub fn viewer_id(&self) -> Option<&'a ViewerId> {
        match &self.token.claims {
            PlaybackClaims::Channel(claims) => claims.viewer_id.as_ref(),
            _ => None,
        }
    }

    /// Whether the live entries `found` refuse the token: its digest or its `jti` revoked,
    /// or its `uid` revoked with a cutoff after its `iat`, is [`RevocationStatus::Revoked`];
    /// its viewer disconnected at or above its `aws:viewer-session-version` (or it has no
    /// version) is [`RevocationStatus::ViewerDisconnected`]. Revoked wins.
    pub fn status(&self, found: &FoundRevocations) -> RevocationStatus {
        if found.token || (found.jti && self.jti().is_some()) {
            return RevocationStatus::Revoked;
        }
        match &self.token.claims {
            PlaybackClaims::Restriction(claims) => {
                if claims.uid.is_some()
                    && let Some(cutoff) = found.uid_cutoff
                    && claims.iat < cutoff
                {
                    return RevocationStatus::Revoked;
                }
            }
            PlaybackClaims::Channel(claims) => {
                if claims.viewer_id.is_some()
                    && let Some(version) = found.viewer_version
                    && claims.viewer_session_version.unwrap_or(i64::MIN) <= version
                {
                    return RevocationStatus::ViewerDisconnected;
                }
            }
            _ => {}
        }
        RevocationStatus::NotRevoked
    }
}

mod memory;
pub use memory::MemoryRevocationStore;
