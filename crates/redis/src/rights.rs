//! [`RightsStore`] on Redis: one HASH per account, `id` → the normalised rights JSON
//! ([`PlaybackRights::to_document`]).
//!
//! A write is one script call (`put_rights.lua`) deciding the id and the capacity
//! server-side, as [`MemoryRightsStore`](playback_auth_policy::MemoryRightsStore) does
//! under its lock; reads parse the JSON back through [`PlaybackRights::from_json`], so a
//! stored value is validated again (a value that fails is
//! [`RightsStoreError::InvalidStored`], never used).

use std::sync::Arc;

use playback_auth_policy::{PlaybackRights, RightsStore, RightsStoreError, WriteMode, Written};

use crate::error::RedisStoreError;
use crate::store::RedisStore;

const MALFORMED: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed playback-rights reply",
};

fn parse(account: &str, id: &str, json: &str) -> Result<Arc<PlaybackRights>, RightsStoreError> {
    PlaybackRights::from_json(account, id, json.as_bytes())
        .map(Arc::new)
        .map_err(|source| RightsStoreError::InvalidStored {
            id: id.to_owned(),
            source,
        })
}

impl RightsStore for RedisStore {
    async fn put(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> Result<Written, RightsStoreError> {
        let json =
            serde_json::to_string(&rights.to_document()).map_err(RightsStoreError::backend)?;
        let mode_arg = match mode {
            WriteMode::Create => "create",
            WriteMode::Replace => "replace",
            WriteMode::Upsert => "upsert",
        };
        let capacity = self.settings().rights_per_account;
        let keys = [self.layout().rights(rights.account())];
        let args = [
            rights.id().to_owned(),
            json,
            mode_arg.to_owned(),
            capacity.to_string(),
        ];
        let reply: String = self.eval(&self.scripts().put_rights, &keys, &args).await?;
        let id = || rights.id().to_owned();
        match reply.as_str() {
            "created" => Ok(Written::Created),
            "replaced" => Ok(Written::Replaced),
            "exists" => Err(RightsStoreError::AlreadyExists { id: id() }),
            "missing" => Err(RightsStoreError::NotFound { id: id() }),
            "full" => Err(RightsStoreError::Full { capacity }),
            _ => Err(MALFORMED.into()),
        }
    }

    async fn get(
        &self,
        account: &str,
        id: &str,
    ) -> Result<Option<Arc<PlaybackRights>>, RightsStoreError> {
        let mut command = redis::cmd("HGET");
        command.arg(self.layout().rights(account)).arg(id);
        let json: Option<String> = self.query(command).await?;
        json.map(|json| parse(account, id, &json)).transpose()
    }

    async fn list(&self, account: &str) -> Result<Vec<Arc<PlaybackRights>>, RightsStoreError> {
        let mut command = redis::cmd("HGETALL");
        command.arg(self.layout().rights(account));
        let mut entries: Vec<(String, String)> = self.query(command).await?;
        entries.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        entries
            .iter()
            .map(|(id, json)| parse(account, id, json))
            .collect()
    }

    async fn delete(&self, account: &str, id: &str) -> Result<bool, RightsStoreError> {
        let mut command = redis::cmd("HDEL");
        command.arg(self.layout().rights(account)).arg(id);
        let deleted: i64 = self.query(command).await?;
        Ok(deleted == 1)
    }
}
