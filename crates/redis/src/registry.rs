//! [`KeyRegistry`] on Redis: one HASH per account.
//!
//! Fields: `i:ID` → `seq|record JSON` (the [`KeyRecord`] in its wire shape, `seq` giving the
//! registration order) and `v:PUBLIC_KEY_TXT` → `ID` (so "this key is already registered"
//! is one lookup). Registering is one script call (`register_key.lua`) that checks the
//! duplicate id, the duplicate key and the capacity in that order, as
//! [`MemoryKeyRegistry`](playback_auth_policy::MemoryKeyRegistry) does.

use playback_auth_claims::NumericDate;
use playback_auth_keys::KeySet;
use playback_auth_policy::cache::{CacheError, CacheKind};
use playback_auth_policy::{KeyRecord, KeyRegistry, RegistryError};

use crate::cache::StoreCache;
use crate::cache::{account_message, message};
use crate::error::RedisStoreError;
use crate::store::RedisStore;

const MALFORMED: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed key registry entry",
};

/// A stored record: `seq|JSON`.
fn parse_record(entry: &str) -> Result<(u64, KeyRecord), RedisStoreError> {
    let (seq, json) = entry.split_once('|').ok_or(MALFORMED)?;
    let seq = seq.parse().map_err(|_| MALFORMED)?;
    let record = serde_json::from_str(json).map_err(|_| MALFORMED)?;
    Ok((seq, record))
}

impl RedisStore {
    /// The account's records, oldest registration first.
    async fn records(&self, account: &str) -> Result<Vec<KeyRecord>, RegistryError> {
        let key = self.layout().key_registry(account);
        let mut connection = self.connection();
        let entries: Vec<(String, String)> = self
            .run(async move {
                redis::cmd("HGETALL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        let mut records = Vec::new();
        for (field, entry) in entries {
            if field.starts_with("i:") {
                records.push(parse_record(&entry)?);
            }
        }
        records.sort_by_key(|(seq, _)| *seq);
        Ok(records.into_iter().map(|(_, record)| record).collect())
    }
}

impl KeyRegistry for RedisStore {
    async fn register(
        &self,
        account: &str,
        value: &str,
        id: Option<String>,
        now: NumericDate,
    ) -> Result<KeyRecord, RegistryError> {
        let (record, _key) = KeyRecord::prepare(value, id, now)?;
        let json = serde_json::to_string(&record).map_err(|_| MALFORMED)?;
        let capacity = self.settings().keys_per_account;
        self.add_registered_account(account).await?;
        let keys = [self.layout().key_registry(account)];
        let args = [
            record.id.clone(),
            record.value.clone(),
            json,
            capacity.to_string(),
            self.layout().invalidation_channel(),
            message(CacheKind::Registry, account),
        ];
        let reply: Vec<String> = self
            .eval(&self.scripts().register_key, &keys, &args)
            .await?;
        self.invalidate_local(CacheKind::Registry, account);
        let mut parts = reply.into_iter();
        match parts.next().as_deref() {
            Some("ok") => Ok(record),
            Some("duplicate_id") => Err(RegistryError::DuplicateId { id: record.id }),
            Some("key_registered") => Err(RegistryError::KeyAlreadyRegistered {
                id: parts.next().ok_or(MALFORMED)?,
            }),
            Some("full") => Err(RegistryError::RegistryFull { capacity }),
            _ => Err(MALFORMED.into()),
        }
    }

    async fn list(&self, account: &str) -> Result<Vec<KeyRecord>, RegistryError> {
        self.records(account).await
    }

    async fn get(&self, account: &str, id: &str) -> Result<Option<KeyRecord>, RegistryError> {
        let key = self.layout().key_registry(account);
        let field = format!("i:{id}");
        let mut connection = self.connection();
        let entry: Option<String> = self
            .run(async move {
                redis::cmd("HGET")
                    .arg(key)
                    .arg(field)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        match entry {
            Some(entry) => Ok(Some(parse_record(&entry)?.1)),
            None => Ok(None),
        }
    }

    async fn delete(&self, account: &str, id: &str) -> Result<bool, RegistryError> {
        let keys = [self.layout().key_registry(account)];
        let args = [
            id.to_owned(),
            self.layout().invalidation_channel(),
            message(CacheKind::Registry, account),
        ];
        let deleted: i64 = self.eval(&self.scripts().delete_key, &keys, &args).await?;
        self.invalidate_local(CacheKind::Registry, account);
        Ok(deleted == 1)
    }

    async fn key_set(&self, account: &str) -> Result<KeySet, RegistryError> {
        let Some(cache) = self.cache() else {
            return self.read_key_set(account).await;
        };
        if self.certainly_unregistered(cache, account) {
            return Ok(KeySet::new());
        }
        cache
            .registry(account, || self.read_key_set(account))
            .await
            .map_err(|error| match error {
                CacheError::Load(error) => error,
                CacheError::Untrusted { bound } => RedisStoreError::CacheUntrusted { bound }.into(),
                _ => RedisStoreError::UnexpectedReply {
                    detail: "unknown cache error",
                }
                .into(),
            })
    }
}

impl RedisStore {
    /// Drops `account`'s `kind` entry from this process's cache right after changing it
    /// (the invalidation published for the other nodes comes back later).
    pub(crate) fn invalidate_local(&self, kind: CacheKind, account: &str) {
        if let Some(cache) = self.cache() {
            cache.invalidate_local(kind, account);
        }
    }

    /// Adds `account` to the registered-accounts SET (and this store's copy) before a key
    /// of it is registered: the SET stays a superset of the accounts with keys.
    pub(crate) async fn add_registered_account(
        &self,
        account: &str,
    ) -> Result<(), RedisStoreError> {
        let keys = [self.layout().registered_accounts()];
        let args = [
            account.to_owned(),
            self.layout().invalidation_channel(),
            account_message(account),
        ];
        let _added: i64 = self.eval(&self.scripts().add_account, &keys, &args).await?;
        if let Some(accounts) = self.registered_accounts() {
            accounts.add(account);
        }
        Ok(())
    }

    /// Whether `account` has no keys by this store's trusted copy of the registered
    /// accounts: answered from memory, with no Redis command and no cache entry.
    fn certainly_unregistered(&self, cache: &StoreCache, account: &str) -> bool {
        let absent = cache.is_trusted()
            && self
                .registered_accounts()
                .is_some_and(|accounts| accounts.certainly_absent(account));
        if absent {
            metrics::counter!(playback_auth_policy::metrics::CACHE_HITS_TOTAL, "cache" => "registry").increment(1);
        }
        absent
    }

    /// The account's keys, read from Redis.
    async fn read_key_set(&self, account: &str) -> Result<KeySet, RegistryError> {
        let mut set = KeySet::new();
        for record in self.records(account).await? {
            let key = record.public_key()?;
            set.insert(key, Some(record.id));
        }
        Ok(set)
    }
}
