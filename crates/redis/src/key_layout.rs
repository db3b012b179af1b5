//! The Redis key layout: every key name the store uses, built in one place (not key material:
//! that is the `playback-auth-keys` crate).
//!
//! Every key is `PREFIX:{TAG}:NAME`. The hash tag (`{…}`) names the partition, so every key
//! of one decision hashes to one Redis Cluster slot; the parts inside the tag are base64url
//! (no padding), so a `{`, `}` or `:` in an account, uid or token id cannot end the tag early
//! or make two partitions share a key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use playback_auth_claims::Uid;
use playback_auth_policy::{DecisionPlan, ExecutionId, Partition};

/// The key names of one partition's state (see the crate docs for the layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyLayout {
    prefix: String,
}

/// The keys of one decision, in the order the apply script expects them: the token's
/// three (when the plan has a token part), the session's two, the device's one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanKeys {
    pub(crate) keys: Vec<String>,
}

fn encode(part: &str) -> String {
    URL_SAFE_NO_PAD.encode(part.as_bytes())
}

impl KeyLayout {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// `{u:ACCOUNT:UID}` or `{t:ACCOUNT:TOKEN_ID}`, each part base64url.
    pub(crate) fn partition_tag(partition: &Partition) -> String {
        match partition {
            Partition::User { account, uid } => {
                format!("{{u:{}:{}}}", encode(account), encode(uid.as_str()))
            }
            Partition::Token { account, token_id } => {
                format!("{{t:{}:{}}}", encode(account), encode(token_id))
            }
        }
    }

    fn partition_key(&self, partition: &Partition, name: &str) -> String {
        format!("{}:{}:{name}", self.prefix, Self::partition_tag(partition))
    }

    fn user_partition(account: &str, uid: &Uid) -> Partition {
        Partition::User {
            account: account.to_owned(),
            uid: uid.clone(),
        }
    }

    /// Active sessions of a partition (HASH).
    pub(crate) fn sessions(&self, partition: &Partition) -> String {
        self.partition_key(partition, "sessions")
    }

    /// Evicted or ended sessions, remembered until their lease would have ended (HASH).
    pub(crate) fn evicted(&self, partition: &Partition) -> String {
        self.partition_key(partition, "evicted")
    }

    /// Registered devices (HASH).
    pub(crate) fn devices(&self, partition: &Partition) -> String {
        self.partition_key(partition, "devices")
    }

    /// One token's counters (HASH), recorded IPs (SET) and consumed single-use ids (SET).
    pub(crate) fn token(&self, partition: &Partition, token_id: &str) -> [String; 3] {
        let base = self.partition_key(partition, &format!("token:{}", encode(token_id)));
        [
            format!("{base}:uses"),
            format!("{base}:ips"),
            format!("{base}:single-use"),
        ]
    }

    pub(crate) fn user_sessions(&self, account: &str, uid: &Uid) -> [String; 2] {
        let partition = Self::user_partition(account, uid);
        [self.sessions(&partition), self.evicted(&partition)]
    }

    pub(crate) fn user_devices(&self, account: &str, uid: &Uid) -> String {
        self.devices(&Self::user_partition(account, uid))
    }

    /// Every key `plan` reads or writes, in the order the apply script takes them.
    pub(crate) fn plan_keys(&self, plan: &DecisionPlan) -> PlanKeys {
        let mut keys = Vec::with_capacity(6);
        if let Some(token) = &plan.token {
            keys.extend(self.token(&plan.partition, &token.token_id));
        }
        if plan.session.is_some() {
            keys.push(self.sessions(&plan.partition));
            keys.push(self.evicted(&plan.partition));
        }
        if plan.device.is_some() {
            keys.push(self.devices(&plan.partition));
        }
        PlanKeys { keys }
    }

    /// An account's revocation lists, all four kinds in one HASH.
    pub(crate) fn revocations(&self, account: &str) -> String {
        format!("{}:{{r:{}}}:revocations", self.prefix, encode(account))
    }

    /// An account's registered keys (HASH).
    pub(crate) fn key_registry(&self, account: &str) -> String {
        format!("{}:{{k:{}}}:keys", self.prefix, encode(account))
    }

    /// An account's playback rights (HASH: id → rights JSON).
    pub(crate) fn rights(&self, account: &str) -> String {
        format!("{}:{{g:{}}}:rights", self.prefix, encode(account))
    }

    /// The audit stream of an account and UTC day.
    pub(crate) fn audit_stream(&self, account: &str, date: time::Date) -> String {
        format!("{}:{{a:{}:{date}}}:audit", self.prefix, encode(account))
    }

    /// The session renewals of an account and UTC day (HASH), in the slot of its stream.
    pub(crate) fn audit_renewals(&self, account: &str, date: time::Date) -> String {
        format!(
            "{}:{{a:{}:{date}}}:audit-renewals",
            self.prefix,
            encode(account)
        )
    }

    /// The audit aggregates of an account and UTC day (HASH), in the slot of its stream.
    pub(crate) fn audit_aggregates(&self, account: &str, date: time::Date) -> String {
        format!(
            "{}:{{a:{}:{date}}}:audit-aggregates",
            self.prefix,
            encode(account)
        )
    }

    /// A report execution and its finished file (HASH), in a slot of its own.
    pub(crate) fn report_execution(&self, id: ExecutionId) -> String {
        format!("{}:{{e:{id}}}:report", self.prefix)
    }

    /// The audit index shard listing `account`'s audit streams and aggregate HASHes,
    /// scored by their day (ZSET), so purging finds them without a scan. The index is split
    /// into [`AUDIT_INDEX_SHARDS`] keys, each in a slot of its own, so the index writes of a
    /// busy fleet spread over a cluster instead of all landing on one node.
    pub(crate) fn audit_index(&self, account: &str) -> String {
        self.audit_index_shard(audit_index_shard(account))
    }

    /// The accounts that have registered keys (SET of account names), in a slot of its own
    /// (see `accounts.rs`).
    pub(crate) fn registered_accounts(&self) -> String {
        format!("{}:{{accounts}}:registered", self.prefix)
    }

    /// Present once every account with a registry key is in the registered-accounts SET
    /// (written by the backfill, `backfill.rs`); same slot as the SET.
    pub(crate) fn registered_accounts_complete(&self) -> String {
        format!("{}:{{accounts}}:complete", self.prefix)
    }

    /// The `SCAN … MATCH` pattern of every account's key registry (the prefix's glob
    /// characters escaped).
    pub(crate) fn key_registry_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.prefix.len() + 12);
        for c in self.prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(":{k:*}:keys");
        pattern
    }

    /// The account whose key registry is `key` (`None` for any other key).
    pub(crate) fn key_registry_account(&self, key: &str) -> Option<String> {
        let encoded = key
            .strip_prefix(self.prefix.as_str())?
            .strip_prefix(":{k:")?
            .strip_suffix("}:keys")?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// The pub/sub channel of cache invalidations (a channel, not a key: no slot).
    pub(crate) fn invalidation_channel(&self) -> String {
        format!("{}:invalidations", self.prefix)
    }

    /// Every shard of the audit index (what `purge_before` reads): a fixed, known set.
    pub(crate) fn audit_index_shards(&self) -> impl Iterator<Item = String> + '_ {
        (0..AUDIT_INDEX_SHARDS).map(|shard| self.audit_index_shard(shard))
    }

    fn audit_index_shard(&self, shard: u32) -> String {
        format!("{}:{{x:{shard:02}}}:audit-index", self.prefix)
    }
}

/// How many keys the audit index is split into.
pub(crate) const AUDIT_INDEX_SHARDS: u32 = 16;

/// The index shard of `account`: FNV-1a of its bytes, modulo [`AUDIT_INDEX_SHARDS`] (stable
/// across processes and versions, unlike the standard library's hasher).
fn audit_index_shard(account: &str) -> u32 {
    let hash = account.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash % AUDIT_INDEX_SHARDS
}

#[cfg(test)]
mod tests;
