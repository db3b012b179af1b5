//! The fleet-wide set of accounts that have registered keys, kept in memory next to the
//! fleet cache so a lookup for any other account (a made-up name in a garbage token) is
//! answered "no keys" without a Redis command and without taking a cache entry.
//!
//! In Redis: one SET (`PREFIX:{accounts}:registered`, a single slot of its own on a
//! cluster) of account names. Registering a key adds the account to it and publishes an
//! `a|MICROS|ACCOUNT` invalidation *before* the registration script runs, and nothing ever
//! removes an account inline (deleting an account's last key leaves it in the SET), so the
//! SET is a superset of the accounts with keys once the backfill (`backfill.rs`) has added
//! the accounts that registered keys before the SET existed and written the completion
//! marker (`PREFIX:{accounts}:complete`). Each store reads it (`SMEMBERS`) after every
//! (re)subscription, with the subscription already listening, and adds every account
//! announced since; the read happens only while the marker exists (without it the store
//! starts the backfill in the background and checks again at each ping). Until that read
//! has succeeded, or while the cache is not trusted, or once the SET holds more accounts
//! than the limit, lookups go the per-account way (through the fleet cache).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use crate::store::{RedisStore, RedisStoreBuilder};

/// The default most accounts the in-memory set holds:
/// [`RedisStoreBuilder::registered_accounts_limit`].
pub(crate) const DEFAULT_REGISTERED_ACCOUNTS_LIMIT: usize = 100_000;

#[derive(Debug, Default)]
struct State {
    members: HashSet<String>,
    /// The SET has been read, marked complete, since the subscription (re)started.
    loaded: bool,
    /// More accounts than the limit: not kept until the next subscription.
    oversize: bool,
}

/// This store's copy of the registered-accounts SET.
#[derive(Debug)]
pub(crate) struct RegisteredAccounts {
    limit: usize,
    state: Mutex<State>,
}

impl RegisteredAccounts {
    /// An empty, not yet loaded set holding at most `limit` accounts.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a set that is still a valid set.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The subscription is (re)starting: announcements may have been missed, forget all.
    pub(crate) fn reset(&self) {
        *self.state() = State::default();
    }

    /// Whether the SET still needs reading on this subscription.
    pub(crate) fn needs_load(&self) -> bool {
        let state = self.state();
        !state.loaded && !state.oversize
    }

    /// `account` has (or is about to have) keys.
    pub(crate) fn add(&self, account: &str) {
        let mut state = self.state();
        if state.oversize || state.members.contains(account) {
            return;
        }
        state.members.insert(account.to_owned());
        self.check_size(&mut state);
    }

    /// The SET as read, merged with what was announced since the subscription started.
    pub(crate) fn load(&self, members: Vec<String>) {
        let mut state = self.state();
        if state.oversize {
            return;
        }
        state.members.extend(members);
        state.loaded = true;
        self.check_size(&mut state);
    }

    fn check_size(&self, state: &mut State) {
        if state.members.len() > self.limit {
            *state = Self::oversize();
        }
    }

    fn oversize() -> State {
        State {
            oversize: true,
            ..State::default()
        }
    }

    /// The most accounts kept.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The SET holds more accounts than the limit: not kept until the next subscription.
    pub(crate) fn too_many(&self) {
        *self.state() = Self::oversize();
    }

    /// Whether `account` certainly has no keys: the SET is loaded, within the limit, and
    /// does not hold it. The caller checks that the fleet cache is trusted.
    pub(crate) fn certainly_absent(&self, account: &str) -> bool {
        let state = self.state();
        state.loaded && !state.oversize && !state.members.contains(account)
    }
}

impl RedisStoreBuilder {
    /// The most accounts with registered keys a store keeps in memory (default 100,000;
    /// the limit is per store, and only applies with the fleet cache on). While the fleet
    /// has no more, a lookup for any other account — a made-up name in a garbage token — is
    /// answered "no keys" from memory, with no Redis command and no cache entry; past it
    /// every account is looked up as before (one `HGETALL` per account not cached). `0`
    /// turns the set off.
    pub fn registered_accounts_limit(mut self, limit: usize) -> Self {
        self.cache.accounts_limit = limit;
        self
    }
}

impl RedisStore {
    /// Whether lookups for accounts without registered keys are answered from memory now:
    /// the fleet cache is trusted and this store's copy of the registered-accounts SET is
    /// read, marked complete by the backfill
    /// ([`RedisStore::backfill_registered_accounts`]), and within
    /// [`RedisStoreBuilder::registered_accounts_limit`]. `None` without a cache or with the
    /// limit `0`.
    pub fn registered_accounts_trusted(&self) -> Option<bool> {
        let cache = self.cache()?;
        let accounts = self.registered_accounts()?;
        let state = accounts.state();
        Some(cache.is_trusted() && state.loaded && !state.oversize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_only_once_loaded_and_within_the_limit() {
        let accounts = RegisteredAccounts::new(2);
        accounts.add("early");
        assert!(!accounts.certainly_absent("made-up"), "not loaded yet");
        accounts.load(vec!["stored".to_owned()]);
        assert!(accounts.certainly_absent("made-up"));
        assert!(
            !accounts.certainly_absent("early"),
            "announced before the read"
        );
        assert!(!accounts.certainly_absent("stored"));
        accounts.add("third");
        assert!(!accounts.certainly_absent("made-up"), "past the limit");
        assert!(!accounts.needs_load());
        accounts.reset();
        assert!(accounts.needs_load());
        accounts.load(Vec::new());
        assert!(accounts.certainly_absent("early"));
        accounts.too_many();
        assert!(!accounts.certainly_absent("early"));
        assert!(!accounts.needs_load());
    }
}
