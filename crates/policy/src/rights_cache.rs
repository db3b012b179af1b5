//! [`RightsCache`]: playback rights kept in process, bounded in size and in age.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use playback_auth_claims::NumericDate;

use crate::rights::PlaybackRights;

/// How many `(account, id)` entries a [`RightsCache`] holds by default.
pub const DEFAULT_RIGHTS_CACHE_CAPACITY: usize = 10_000;

/// How long a cached answer is used by default before the store is asked again: 5 s.
pub const DEFAULT_RIGHTS_CACHE_MAX_AGE: Duration = Duration::from_secs(5);

/// What the store answered for one `(account, id)`, and when.
#[derive(Debug, Clone)]
struct Entry {
    rights: Option<Arc<PlaybackRights>>,
    fetched_at: NumericDate,
}

#[derive(Debug, Default)]
struct Entries {
    by_account: HashMap<String, HashMap<String, Entry>>,
    len: usize,
}

impl Entries {
    fn remove_where(&mut self, mut drop_it: impl FnMut(&Entry) -> bool) {
        let mut removed = 0;
        self.by_account.retain(|_, ids| {
            ids.retain(|_, entry| {
                let gone = drop_it(entry);
                removed += usize::from(gone);
                !gone
            });
            !ids.is_empty()
        });
        self.len -= removed;
    }

    fn oldest(&self) -> Option<(String, String)> {
        self.by_account
            .iter()
            .flat_map(|(account, ids)| ids.iter().map(move |(id, entry)| (account, id, entry)))
            .min_by_key(|(_, _, entry)| entry.fetched_at.as_secs())
            .map(|(account, id, _)| (account.clone(), id.clone()))
    }

    fn remove(&mut self, account: &str, id: &str) {
        let Some(ids) = self.by_account.get_mut(account) else {
            return;
        };
        if ids.remove(id).is_some() {
            self.len -= 1;
        }
        if ids.is_empty() {
            self.by_account.remove(account);
        }
    }
}

/// A lookup that missed: hand it back to [`RightsCache::insert`] with the store's answer.
///
/// It remembers the cache's generation when the miss happened, so an answer read from the
/// store before an invalidation is not cached after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RightsCacheMiss {
    generation: u64,
}

/// The answer of [`RightsCache::get`].
#[derive(Debug, Clone)]
pub enum CachedRights {
    /// The store's answer, at most `max_age` old: the rights, or `None` (there are none).
    Hit(Option<Arc<PlaybackRights>>),
    /// Not cached (or expired): read the store, then [`RightsCache::insert`].
    Miss(RightsCacheMiss),
}

/// Playback rights in process, by account and id, bounded in size and in age: what a
/// decision costs no store round trip for in the steady state.
///
/// Rights change rarely (an editor saves a rights object) and are read on every request. The
/// cache keeps what the [`RightsStore`](crate::RightsStore) answered for an `(account, id)` —
/// the rights, or that there are none — for at most [`RightsCache::max_age`], measured on the
/// request's own `now` (the engine reads no clock). That is the staleness bound: a change made
/// on another node (or straight in the store) is seen by this node at most `max_age` later.
/// A change made through this node's [`Authorizer`](crate::Authorizer) (the admin API's
/// routes call [`Authorizer::put_rights`](crate::Authorizer::put_rights) and
/// [`Authorizer::delete_rights`](crate::Authorizer::delete_rights)) is seen at once: the
/// entry is dropped after the store is written.
///
/// The cache holds at most [`RightsCache::capacity`] entries; a new entry in a full cache
/// first drops the expired ones, then the oldest. Store errors are never cached.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{CachedRights, PlaybackRights, RightsCache};
///
/// let cache = RightsCache::new(100, Duration::from_secs(5));
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let rights = PlaybackRights::from_json("acct-1", "eu", br#"{"geo":{"global":"block_all"}}"#)?;
///
/// let CachedRights::Miss(miss) = cache.get("acct-1", "eu", now) else { unreachable!() };
/// cache.insert("acct-1", "eu", Some(rights.into()), now, miss);
/// assert!(matches!(cache.get("acct-1", "eu", now), CachedRights::Hit(Some(_))));
/// // Older than max_age: asked again.
/// assert!(matches!(cache.get("acct-1", "eu", now.saturating_add(Duration::from_secs(5))), CachedRights::Miss(_)));
/// # Ok::<(), playback_auth_policy::RightsError>(())
/// ```
#[derive(Debug)]
pub struct RightsCache {
    entries: Mutex<Entries>,
    capacity: usize,
    max_age: Duration,
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for RightsCache {
    fn default() -> Self {
        Self::new(DEFAULT_RIGHTS_CACHE_CAPACITY, DEFAULT_RIGHTS_CACHE_MAX_AGE)
    }
}

impl RightsCache {
    /// A cache of at most `capacity` entries, each used for less than `max_age` after it was
    /// read (whole seconds, the resolution of a request's `now`). A zero `capacity` or
    /// `max_age` caches nothing: every decision reads the store.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            capacity,
            max_age,
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// A cache that caches nothing.
    pub fn disabled() -> Self {
        Self::new(0, Duration::ZERO)
    }

    /// The most entries held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The staleness bound: how long an answer of the store is used.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The entries are consistent after every statement: a panic elsewhere leaves them
        // usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self, entry: &Entry, now: NumericDate) -> bool {
        now < entry.fetched_at.saturating_add(self.max_age)
    }

    /// The cached answer for `(account, id)` at `now`, or a miss to fill.
    pub fn get(&self, account: &str, id: &str, now: NumericDate) -> CachedRights {
        // Read the generation first: an invalidation after this point makes the miss's
        // insert a no-op.
        let generation = self.generation.load(Ordering::Acquire);
        let found = self
            .lock()
            .by_account
            .get(account)
            .and_then(|ids| ids.get(id))
            .filter(|entry| self.fresh(entry, now))
            .map(|entry| entry.rights.clone());
        match found {
            Some(rights) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                crate::metrics::rights_cache_lookup(true);
                CachedRights::Hit(rights)
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                crate::metrics::rights_cache_lookup(false);
                CachedRights::Miss(RightsCacheMiss { generation })
            }
        }
    }

    /// Caches the store's answer for `(account, id)`, read at `now` after `miss` — unless
    /// the cache was invalidated since the miss (the answer may predate the change).
    pub fn insert(
        &self,
        account: &str,
        id: &str,
        rights: Option<Arc<PlaybackRights>>,
        now: NumericDate,
        miss: RightsCacheMiss,
    ) {
        if self.capacity == 0 || self.max_age.is_zero() {
            return;
        }
        let mut entries = self.lock();
        // Checked under the lock that `invalidate` also takes.
        if self.generation.load(Ordering::Acquire) != miss.generation {
            return;
        }
        let held = entries
            .by_account
            .get(account)
            .is_some_and(|ids| ids.contains_key(id));
        if !held && entries.len >= self.capacity {
            entries.remove_where(|entry| !self.fresh(entry, now));
            if entries.len >= self.capacity
                && let Some((old_account, old_id)) = entries.oldest()
            {
                entries.remove(&old_account, &old_id);
            }
        }
        let entry = Entry {
            rights,
            fetched_at: now,
        };
        let ids = entries.by_account.entry(account.to_owned()).or_default();
        if ids.insert(id.to_owned(), entry).is_none() {
            entries.len += 1;
        }
    }

    /// Drops the entry of `(account, id)`: the next decision reads the store. Answers read
    /// before this call and not cached yet are not cached.
    pub fn invalidate(&self, account: &str, id: &str) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(account, id);
    }

    /// Drops every entry.
    pub fn clear(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        *entries = Entries::default();
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many lookups were answered from the cache.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many lookups had to read the store.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
