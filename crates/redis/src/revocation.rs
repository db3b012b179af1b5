//! [`RevocationStore`] on Redis: one HASH per account holding its four lists.
//!
//! Fields are `t:DIGEST_HEX`, `j:JTI`, `u:UID` and `v:VIEWER_ID`, each `until|value`
//! (`value`: the token's expiry, the cutoff, or the disconnected session version). Adding an
//! entry is one script call (`revoke.lua`: drop expired entries, merge or check the
//! capacity, write); the per-decision [`check`](RevocationStore::check) is one `HMGET`.
//! Entries are kept until the `keep_until` the caller passes (expiry + leeway), exactly as
//! [`MemoryRevocationStore`](playback_auth_policy::MemoryRevocationStore); the HASH's TTL
//! follows its latest entry.

use std::collections::HashMap;
use std::sync::Arc;

use playback_auth_claims::{NumericDate, Uid, ViewerId};
use playback_auth_policy::cache::{CacheError, CacheKind};
use playback_auth_policy::{
    FoundRevocations, RevocationError, RevocationKind, RevocationLookup, RevocationStatus,
    RevocationStore, RevokedToken, TokenDigest, VerifiedToken,
};

use crate::cache::{RevocationEntries, message};
use crate::error::RedisStoreError;
use crate::policy::{millis_arg, parse_time, time_arg};
use crate::store::RedisStore;

const TOKEN: &str = "t:";
const JTI: &str = "j:";
const UID: &str = "u:";
const VIEWER: &str = "v:";

const MALFORMED: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed revocation entry",
};

/// A stored entry: `until|value`.
fn split_entry(entry: &str) -> Result<(NumericDate, &str), RedisStoreError> {
    let (until, value) = entry.split_once('|').ok_or(MALFORMED)?;
    Ok((parse_time(until).ok_or(MALFORMED)?, value))
}

/// The value of a live entry, `None` for an absent or expired one.
fn live_value(entry: Option<&str>, now: NumericDate) -> Result<Option<&str>, RedisStoreError> {
    let Some(entry) = entry else { return Ok(None) };
    let (until, value) = split_entry(entry)?;
    Ok((now < until).then_some(value))
}

enum Merge {
    Later,
    Max,
}

impl RedisStore {
    #[allow(clippy::too_many_arguments)] // one call site per list kind, all private
    async fn add_revocation(
        &self,
        account: &str,
        kind: RevocationKind,
        field: String,
        value: String,
        until: NumericDate,
        merge: Merge,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let prefix = match kind {
            RevocationKind::Jti => JTI,
            RevocationKind::Uid => UID,
            RevocationKind::Viewer => VIEWER,
            _ => TOKEN,
        };
        let capacity = self.settings().revocation_capacity;
        let args = [
            time_arg(now),
            prefix.to_owned(),
            field,
            value,
            time_arg(until),
            capacity.to_string(),
            match merge {
                Merge::Later => "later",
                Merge::Max => "max",
            }
            .to_owned(),
            millis_arg(self.settings().expiry_margin),
            self.layout().invalidation_channel(),
            message(CacheKind::Revocations, account),
        ];
        let keys = [self.layout().revocations(account)];
        let reply: String = self.eval(&self.scripts().revoke, &keys, &args).await?;
        self.invalidate_local(CacheKind::Revocations, account);
        match reply.as_str() {
            "ok" => Ok(()),
            "full" => Err(RevocationError::ListFull { kind, capacity }),
            _ => Err(RedisStoreError::UnexpectedReply {
                detail: "malformed reply of the revoke script",
            }
            .into()),
        }
    }

    async fn remove_revocation(
        &self,
        account: &str,
        field: String,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        let keys = [self.layout().revocations(account)];
        let args = [
            time_arg(now),
            field,
            self.layout().invalidation_channel(),
            message(CacheKind::Revocations, account),
        ];
        let removed: i64 = self.eval(&self.scripts().unrevoke, &keys, &args).await?;
        self.invalidate_local(CacheKind::Revocations, account);
        Ok(removed == 1)
    }
}

impl RedisStore {
    /// An account's whole revocation HASH, for the cache.
    async fn read_revocations(&self, key: String) -> Result<RevocationEntries, RedisStoreError> {
        let entries: HashMap<String, String> = self.hgetall(key).await?.into_iter().collect();
        Ok(Arc::new(entries))
    }
}

impl RevocationStore for RedisStore {
    async fn revoke_token(
        &self,
        account: &str,
        digest: TokenDigest,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let field = format!("{TOKEN}{}", digest.to_hex());
        self.add_revocation(
            account,
            RevocationKind::Token,
            field,
            time_arg(keep_until),
            keep_until,
            Merge::Later,
            now,
        )
        .await
    }

    async fn is_revoked(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        let key = self.layout().revocations(account);
        let field = format!("{TOKEN}{}", digest.to_hex());
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
        Ok(live_value(entry.as_deref(), now)?.is_some())
    }

    async fn list(
        &self,
        account: &str,
        now: NumericDate,
    ) -> Result<Vec<RevokedToken>, RevocationError> {
        let key = self.layout().revocations(account);
        let mut connection = self.connection();
        let entries: Vec<(String, String)> = self
            .run(async move {
                redis::cmd("HGETALL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        let mut listed = Vec::new();
        for (field, entry) in entries {
            let Some(hex) = field.strip_prefix(TOKEN) else {
                continue;
            };
            let Some(value) = live_value(Some(&entry), now)? else {
                continue;
            };
            listed.push(RevokedToken {
                digest: TokenDigest::from_hex(hex).ok_or(MALFORMED)?,
                kept_until: parse_time(value).ok_or(MALFORMED)?,
            });
        }
        Ok(listed)
    }

    async fn unrevoke(
        &self,
        account: &str,
        digest: TokenDigest,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        self.remove_revocation(account, format!("{TOKEN}{}", digest.to_hex()), now)
            .await
    }

    async fn revoke_jti(
        &self,
        account: &str,
        jti: &str,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        self.add_revocation(
            account,
            RevocationKind::Jti,
            format!("{JTI}{jti}"),
            time_arg(keep_until),
            keep_until,
            Merge::Later,
            now,
        )
        .await
    }

    async fn unrevoke_jti(
        &self,
        account: &str,
        jti: &str,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        self.remove_revocation(account, format!("{JTI}{jti}"), now)
            .await
    }

    async fn revoke_uid_before(
        &self,
        account: &str,
        uid: &Uid,
        cutoff: NumericDate,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        self.add_revocation(
            account,
            RevocationKind::Uid,
            format!("{UID}{}", uid.as_str()),
            time_arg(cutoff),
            keep_until,
            Merge::Later,
            now,
        )
        .await
    }

    async fn unrevoke_uid(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        self.remove_revocation(account, format!("{UID}{}", uid.as_str()), now)
            .await
    }

    async fn disconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        at_or_below_version: i64,
        keep_until: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        self.add_revocation(
            account,
            RevocationKind::Viewer,
            format!("{VIEWER}{}", viewer_id.as_str()),
            at_or_below_version.to_string(),
            keep_until,
            Merge::Max,
            now,
        )
        .await
    }

    async fn reconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        now: NumericDate,
    ) -> Result<bool, RevocationError> {
        self.remove_revocation(account, format!("{VIEWER}{}", viewer_id.as_str()), now)
            .await
    }

    async fn check(
        &self,
        account: &str,
        token: &VerifiedToken,
        now: NumericDate,
    ) -> Result<RevocationStatus, RevocationError> {
        // One HMGET: the digest, the jti, the uid and the viewer id of the token. A field
        // the token has no value for is asked under a name no entry can have.
        const NONE: &str = "-";
        let lookup = RevocationLookup::new(token);
        let field = |prefix: &str, value: Option<&str>| {
            value.map_or_else(|| NONE.to_owned(), |value| format!("{prefix}{value}"))
        };
        let key = self.layout().revocations(account);
        let fields = [
            format!("{TOKEN}{}", lookup.digest().to_hex()),
            field(JTI, lookup.jti()),
            field(UID, lookup.uid().map(Uid::as_str)),
            field(VIEWER, lookup.viewer_id().map(ViewerId::as_str)),
        ];
        let entries: Vec<Option<String>> = match self.cache() {
            // The whole (small, capped) list from the cache, looked up here.
            Some(cache) => {
                let all = cache
                    .revocations(account, || self.read_revocations(key))
                    .await
                    .map_err(|error| match error {
                        CacheError::Load(error) => error,
                        CacheError::Untrusted { bound } => {
                            RedisStoreError::CacheUntrusted { bound }
                        }
                        _ => MALFORMED,
                    })?;
                fields.iter().map(|field| all.get(field).cloned()).collect()
            }
            None => {
                let mut connection = self.connection();
                self.run(async move {
                    redis::cmd("HMGET")
                        .arg(key)
                        .arg(&fields)
                        .query_async(&mut connection)
                        .await
                })
                .await?
            }
        };
        let [digest_entry, jti_entry, uid_entry, viewer_entry] =
            <[Option<String>; 4]>::try_from(entries).map_err(|_| MALFORMED)?;
        let mut found = FoundRevocations::default();
        found.token = live_value(digest_entry.as_deref(), now)?.is_some();
        found.jti = live_value(jti_entry.as_deref(), now)?.is_some();
        found.uid_cutoff = live_value(uid_entry.as_deref(), now)?
            .map(|cutoff| parse_time(cutoff).ok_or(MALFORMED))
            .transpose()?;
        found.viewer_version = live_value(viewer_entry.as_deref(), now)?
            .map(|version| version.parse::<i64>().map_err(|_| MALFORMED))
            .transpose()?;
        Ok(lookup.status(&found))
    }
}
