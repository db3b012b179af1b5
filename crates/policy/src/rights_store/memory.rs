//! [`MemoryRightsStore`]: the in-memory [`RightsStore`].

use std::collections::{BTreeMap, HashMap};
use std::future::{Future, ready};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{DEFAULT_RIGHTS_PER_ACCOUNT, RightsStore, RightsStoreError, WriteMode, Written};
use crate::rights::PlaybackRights;

type Accounts = HashMap<String, BTreeMap<String, Arc<PlaybackRights>>>;

/// The in-memory [`RightsStore`]: each account's rights by id, behind one read-write lock
/// (reads, one per playback decision, do not block each other). Rights are kept validated
/// and shared (`Arc`), so a read costs no parse and no copy.
#[derive(Debug)]
pub struct MemoryRightsStore {
    accounts: RwLock<Accounts>,
    rights_per_account: usize,
}

impl Default for MemoryRightsStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRightsStore {
    /// An empty store allowing [`DEFAULT_RIGHTS_PER_ACCOUNT`] rights per account.
    pub fn new() -> Self {
        Self {
            accounts: RwLock::new(HashMap::new()),
            rights_per_account: DEFAULT_RIGHTS_PER_ACCOUNT,
        }
    }

    /// Sets how many rights objects an account may hold.
    #[must_use]
    pub fn with_rights_per_account(mut self, rights_per_account: usize) -> Self {
        self.rights_per_account = rights_per_account;
        self
    }

    fn read(&self) -> RwLockReadGuard<'_, Accounts> {
        // No method panics while holding the lock, so a poisoned map is still consistent.
        self.accounts.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Accounts> {
        self.accounts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn put_now(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> Result<Written, RightsStoreError> {
        let mut accounts = self.write();
        let held = accounts.get(rights.account());
        let exists = held.is_some_and(|held| held.contains_key(rights.id()));
        let written = super::check_write(
            rights.id(),
            mode,
            exists,
            held.map_or(0, BTreeMap::len),
            self.rights_per_account,
        )?;
        accounts
            .entry(rights.account().to_owned())
            .or_default()
            .insert(rights.id().to_owned(), Arc::new(rights.clone()));
        Ok(written)
    }
}

impl RightsStore for MemoryRightsStore {
    fn put(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> impl Future<Output = Result<Written, RightsStoreError>> + Send {
        ready(self.put_now(rights, mode))
    }

    fn get(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<PlaybackRights>>, RightsStoreError>> + Send {
        let found = self
            .read()
            .get(account)
            .and_then(|held| held.get(id))
            .cloned();
        ready(Ok(found))
    }

    fn list(
        &self,
        account: &str,
    ) -> impl Future<Output = Result<Vec<Arc<PlaybackRights>>, RightsStoreError>> + Send {
        let listed = self
            .read()
            .get(account)
            .map(|held| held.values().cloned().collect())
            .unwrap_or_default();
        ready(Ok(listed))
    }

    fn delete(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, RightsStoreError>> + Send {
        let mut accounts = self.write();
        let deleted = accounts
            .get_mut(account)
            .is_some_and(|held| held.remove(id).is_some());
        if accounts.get(account).is_some_and(BTreeMap::is_empty) {
            accounts.remove(account);
        }
        ready(Ok(deleted))
    }
}

#[cfg(test)]
mod tests;
