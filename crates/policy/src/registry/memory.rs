//! [`MemoryKeyRegistry`]: the in-memory [`KeyRegistry`].

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use playback_auth_claims::NumericDate;
use playback_auth_keys::{KeyEntry, KeySet, PublicKey};

use super::{DEFAULT_KEYS_PER_ACCOUNT, KeyRecord, KeyRegistry};
use crate::error::RegistryError;

#[derive(Debug, Clone)]
struct Registered {
    record: KeyRecord,
    key: PublicKey,
}

/// One account's keys, and the [`KeySet`] built from them once per change: reading the key
/// set happens on every verification and must cost no more than an `Arc` clone.
#[derive(Debug, Default)]
struct AccountKeys {
    registered: Vec<Registered>,
    key_set: KeySet,
}

impl AccountKeys {
    fn rebuild_key_set(&mut self) {
        self.key_set = self
            .registered
            .iter()
            .map(|registered| {
                KeyEntry::new(registered.key.clone(), Some(registered.record.id.clone()))
            })
            .collect();
    }
}

/// The in-memory [`KeyRegistry`]: each account's keys in registration order, behind one
/// read-write lock (reading the key set, once per verification, does not block other
/// readers).
#[derive(Debug)]
pub struct MemoryKeyRegistry {
    accounts: RwLock<HashMap<String, AccountKeys>>,
    keys_per_account: usize,
}

impl Default for MemoryKeyRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryKeyRegistry {
    /// An empty registry allowing [`DEFAULT_KEYS_PER_ACCOUNT`] keys per account.
    pub fn new() -> Self {
        Self {
            accounts: RwLock::new(HashMap::new()),
            keys_per_account: DEFAULT_KEYS_PER_ACCOUNT,
        }
    }

    /// Sets how many keys an account may register.
    #[must_use]
    pub fn with_keys_per_account(mut self, keys_per_account: usize) -> Self {
        self.keys_per_account = keys_per_account;
        self
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, AccountKeys>> {
        // No method panics while holding the lock, so a poisoned map is still consistent.
        self.accounts.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, AccountKeys>> {
        self.accounts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn register_now(
        &self,
        account: &str,
        value: &str,
        id: Option<String>,
        now: NumericDate,
    ) -> Result<KeyRecord, RegistryError> {
        let (record, key) = KeyRecord::prepare(value, id, now)?;
        let mut accounts = self.write();
        let account_keys = accounts.entry(account.to_owned()).or_default();
        let keys = &mut account_keys.registered;
        if keys
            .iter()
            .any(|registered| registered.record.id == record.id)
        {
            return Err(RegistryError::DuplicateId { id: record.id });
        }
        if let Some(registered) = keys.iter().find(|registered| registered.key == key) {
            return Err(RegistryError::KeyAlreadyRegistered {
                id: registered.record.id.clone(),
            });
        }
        if keys.len() >= self.keys_per_account {
            return Err(RegistryError::RegistryFull {
                capacity: self.keys_per_account,
            });
        }
        keys.push(Registered {
            record: record.clone(),
            key,
        });
        account_keys.rebuild_key_set();
        Ok(record)
    }
}

impl KeyRegistry for MemoryKeyRegistry {
    fn register(
        &self,
        account: &str,
        value: &str,
        id: Option<String>,
        now: NumericDate,
    ) -> impl Future<Output = Result<KeyRecord, RegistryError>> + Send {
        ready(self.register_now(account, value, id, now))
    }

    fn list(
        &self,
        account: &str,
    ) -> impl Future<Output = Result<Vec<KeyRecord>, RegistryError>> + Send {
        let records = self
            .read()
            .get(account)
            .map(|keys| {
                keys.registered
                    .iter()
                    .map(|registered| registered.record.clone())
                    .collect()
            })
            .unwrap_or_default();
        ready(Ok(records))
    }

    fn get(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<KeyRecord>, RegistryError>> + Send {
        let record = self.read().get(account).and_then(|keys| {
            keys.registered
                .iter()
                .find(|registered| registered.record.id == id)
                .map(|registered| registered.record.clone())
        });
        ready(Ok(record))
    }

    fn delete(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, RegistryError>> + Send {
        let mut accounts = self.write();
        let deleted = accounts.get_mut(account).is_some_and(|keys| {
            let before = keys.registered.len();
            keys.registered
                .retain(|registered| registered.record.id != id);
            let deleted = keys.registered.len() < before;
            if deleted {
                keys.rebuild_key_set();
            }
            deleted
        });
        if accounts
            .get(account)
            .is_some_and(|keys| keys.registered.is_empty())
        {
            accounts.remove(account);
        }
        ready(Ok(deleted))
    }

    fn key_set(&self, account: &str) -> impl Future<Output = Result<KeySet, RegistryError>> + Send {
        let set = self
            .read()
            .get(account)
            .map(|keys| keys.key_set.clone())
            .unwrap_or_default();
        ready(Ok(set))
    }
}

#[cfg(test)]
mod tests;
