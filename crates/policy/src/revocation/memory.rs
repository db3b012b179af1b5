//! [`MemoryRevocationStore`]: the in-memory [`RevocationStore`].

use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::{Future, ready};
use std::hash::Hash;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use playback_auth_claims::{NumericDate, Uid, ViewerId};

use super::{
    DEFAULT_REVOCATION_CAPACITY, FoundRevocations, RevocationKind, RevocationLookup,
    RevocationStatus, RevocationStore, RevokedToken,
};
use crate::context::VerifiedToken;
use crate::digest::TokenDigest;
use crate::error::RevocationError;

/// A value kept until `until` (exclusive).
#[derive(Debug, Clone, Copy)]
struct Kept<T> {
    value: T,
    until: NumericDate,
}

impl<T> Kept<T> {
    fn is_live(&self, now: NumericDate) -> bool {
        now < self.until
    }
}

/// One account's revocations.
#[derive(Debug, Default)]
struct AccountRevocations {
    /// Digest → token expiry.
    tokens: HashMap<TokenDigest, Kept<NumericDate>>,
    /// `jti` → latest token expiry.
    jtis: HashMap<String, Kept<NumericDate>>,
    /// `uid` → cutoff (tokens issued before it are revoked).
    uids: HashMap<Uid, Kept<NumericDate>>,
    /// `aws:viewer-id` → highest disconnected session version.
    viewers: HashMap<String, Kept<i64>>,
}

impl AccountRevocations {
    fn is_empty(&self) -> bool {
        self.tokens.is_empty()
            && self.jtis.is_empty()
            && self.uids.is_empty()
            && self.viewers.is_empty()
    }

    fn check(&self, token: &VerifiedToken, now: NumericDate) -> RevocationStatus {
        let lookup = RevocationLookup::new(token);
        let live = |kept: &Kept<_>| kept.is_live(now);
        let found = FoundRevocations {
            token: self.tokens.get(&lookup.digest()).is_some_and(live),
            jti: lookup
                .jti()
                .is_some_and(|jti| self.jtis.get(jti).is_some_and(live)),
            uid_cutoff: lookup
                .uid()
                .and_then(|uid| self.uids.get(uid))
                .filter(|kept| kept.is_live(now))
                .map(|kept| kept.value),
            viewer_version: lookup
                .viewer_id()
                .and_then(|viewer| self.viewers.get(viewer.as_str()))
                .filter(|kept| kept.is_live(now))
                .map(|kept| kept.value),
        };
        lookup.status(&found)
    }
}

/// Adds `kept` under `key`, or merges it into a live entry already there, dropping expired
/// entries first so they free their places.
fn insert_bounded<K: Hash + Eq, T: Copy>(
    map: &mut HashMap<K, Kept<T>>,
    key: K,
    kept: Kept<T>,
    now: NumericDate,
    limit: (RevocationKind, usize),
    merge: impl FnOnce(T, T) -> T,
) -> Result<(), RevocationError> {
    map.retain(|_, entry| entry.is_live(now));
    if !kept.is_live(now) {
        return Ok(());
    }
    if let Some(entry) = map.get_mut(&key) {
        entry.value = merge(entry.value, kept.value);
        entry.until = later(entry.until, kept.until);
        return Ok(());
    }
    let (kind, capacity) = limit;
    if map.len() >= capacity {
        return Err(RevocationError::ListFull { kind, capacity });
    }
    map.insert(key, kept);
    Ok(())
}

/// Removes `key`; whether a live entry was removed.
fn remove_live<K, Q, T>(map: &mut HashMap<K, Kept<T>>, key: &Q, now: NumericDate) -> bool
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ?Sized,
{
    map.remove(key).is_some_and(|entry| entry.is_live(now))
}

fn later(a: NumericDate, b: NumericDate) -> NumericDate {
    if b > a { b } else { a }
}

/// The in-memory [`RevocationStore`]: per-account lists behind one read-write lock (checks
/// only read, so they run concurrently; revocations are rare administrative writes).
///
/// Memory is bounded: each of an account's four lists holds at most
/// [`capacity`](Self::with_capacity) live entries, and expired entries are dropped whenever
/// the account is written to (or by [`purge_expired`](Self::purge_expired)).
#[derive(Debug)]
pub struct MemoryRevocationStore {
    accounts: RwLock<HashMap<String, AccountRevocations>>,
    capacity: usize,
}

impl Default for MemoryRevocationStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRevocationStore {
    /// An empty store holding [`DEFAULT_REVOCATION_CAPACITY`] entries per list and account.
    pub fn new() -> Self {
        Self {
            accounts: RwLock::new(HashMap::new()),
            capacity: DEFAULT_REVOCATION_CAPACITY,
        }
    }

    /// Sets how many live entries each list of an account may hold.
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// How many live entries each list of an account may hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops every expired entry of every account, and accounts left empty.
    pub fn purge_expired(&self, now: NumericDate) {
        self.write().retain(|_, account| {
            account.tokens.retain(|_, entry| entry.is_live(now));
            account.jtis.retain(|_, entry| entry.is_live(now));
            account.uids.retain(|_, entry| entry.is_live(now));
            account.viewers.retain(|_, entry| entry.is_live(now));
            !account.is_empty()
        });
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, AccountRevocations>> {
        // No method panics while holding the lock, so a poisoned map is still consistent.
        self.accounts.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, AccountRevocations>> {
        self.accounts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the account's revocations, creating them if needed and dropping
    /// them when left empty.
    fn update<R>(&self, account: &str, change: impl FnOnce(&mut AccountRevocations) -> R) -> R {
        let mut accounts = self.write();
        let entries = accounts.entry(account.to_owned()).or_default();
        let result = change(entries);
        if entries.is_empty() {
            accounts.remove(account);
        }
        result
    }

    /// Runs `change` on the account's revocations if it has any.
    fn update_existing(
        &self,
        account: &str,
        change: impl FnOnce(&mut AccountRevocations) -> bool,
    ) -> bool {
        let mut accounts = self.write();
        let Some(entries) = accounts.get_mut(account) else {
            return false;
        };
        let result = change(entries);
        if entries.is_empty() {
            accounts.remove(account);
        }
        result
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke_token(
        &self,
        account: &str,
        digest: TokenDigest,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send {
        let kept = Kept {
            value: keep_until,
            until: keep_until,
        };
        let limit = (RevocationKind::Token, self.capacity);
        ready(self.update(account, |entries| {
            insert_bounded(&mut entries.tokens, digest, kept, now, limit, later)
        }))
    }

    fn is_revoked(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send {
        let revoked = self.read().get(account).is_some_and(|entries| {
            entries
                .tokens
                .get(&digest)
                .is_some_and(|entry| entry.is_live(now))
        });
        ready(Ok(revoked))
    }

    fn list(
        &self,
        account: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<RevokedToken>, RevocationError>> + Send {
        let listed = self
            .read()
            .get(account)
            .map(|entries| {
                entries
                    .tokens
                    .iter()
                    .filter(|(_, entry)| entry.is_live(now))
                    .map(|(digest, entry)| RevokedToken {
                        digest: *digest,
                        kept_until: entry.until,
                    })
                    .collect()
            })
            .unwrap_or_default();
        ready(Ok(listed))
    }

    fn unrevoke(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send {
        ready(Ok(self.update_existing(account, |entries| {
            remove_live(&mut entries.tokens, &digest, now)
        })))
    }

    fn revoke_jti(
        &self,
        account: &str,
        jti: &str,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send {
        let kept = Kept {
            value: keep_until,
            until: keep_until,
        };
        let limit = (RevocationKind::Jti, self.capacity);
        ready(self.update(account, |entries| {
            insert_bounded(&mut entries.jtis, jti.to_owned(), kept, now, limit, later)
        }))
    }

    fn unrevoke_jti(
        &self,
        account: &str,
        jti: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send {
        ready(Ok(self.update_existing(account, |entries| {
            remove_live(&mut entries.jtis, jti, now)
        })))
    }

    fn revoke_uid_before(
        &self,
        account: &str,
        uid: &Uid,
        cutoff: NumericDate,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send {
        let kept = Kept {
            value: cutoff,
            until: keep_until,
        };
        let limit = (RevocationKind::Uid, self.capacity);
        ready(self.update(account, |entries| {
            insert_bounded(&mut entries.uids, uid.clone(), kept, now, limit, later)
        }))
    }

    fn unrevoke_uid(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send {
        ready(Ok(self.update_existing(account, |entries| {
            remove_live(&mut entries.uids, uid, now)
        })))
    }

    fn disconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        at_or_below_version: i64,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send {
        let kept = Kept {
            value: at_or_below_version,
            until: keep_until,
        };
        let limit = (RevocationKind::Viewer, self.capacity);
        let viewer = viewer_id.as_str().to_owned();
        ready(self.update(account, |entries| {
            insert_bounded(&mut entries.viewers, viewer, kept, now, limit, i64::max)
        }))
    }

    fn reconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, RevocationError>> + Send {
        ready(Ok(self.update_existing(account, |entries| {
            remove_live(&mut entries.viewers, viewer_id.as_str(), now)
        })))
    }

    fn check(
        &self,
        account: &str,
        token: &VerifiedToken,
        now: NumericDate,
    ) -> impl Future<Output = Result<RevocationStatus, RevocationError>> + Send {
        let status = self
            .read()
            .get(account)
            .map_or(RevocationStatus::NotRevoked, |entries| {
                entries.check(token, now)
            });
        ready(Ok(status))
    }
}

#[cfg(test)]
mod tests;
