//! The Redis key layout: every key name the store uses, built in one place (not key material:
//! that is the `playback-auth-keys` crate).
//!
//! Every key is `PREFIX:{TAG}:NAME`. A decision's keys are
//! `PREFIX:{p:ACCOUNT:SHARD}:u:UID:NAME` (a user partition) or
//! `PREFIX:{p:ACCOUNT:SHARD}:t:TOKEN_ID:NAME` (a token partition): the hash tag (`{…}`) is
//! the account's *audit shard* of the partition — one of [`AUDIT_SHARDS`], a stable hash of
//! the uid or token id — so every key of one decision hashes to one Redis Cluster slot, and
//! so does that shard's audit stream of the day (`PREFIX:{p:ACCOUNT:SHARD}:audit:DATE`): the
//! decision script writes its record in the same call, on a cluster too, and a day's report
//! for an account reads exactly [`AUDIT_SHARDS`] streams. The rest of the name still holds
//! the whole uid or token id, so no two partitions share a key. Every part is base64url (no
//! padding), so a `{`, `}` or `:` in an account, uid or token id cannot end the tag early or
//! make two partitions share a key.

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

    /// `{p:ACCOUNT:SHARD}`: the account (base64url) and the partition's audit shard.
    pub(crate) fn partition_tag(partition: &Partition) -> String {
        shard_tag(partition_account(partition), partition_shard(partition))
    }

    /// `u:UID` or `t:TOKEN_ID` (base64url): the partition inside its shard.
    fn partition_id(partition: &Partition) -> String {
        match partition {
            Partition::User { uid, .. } => format!("u:{}", encode(uid.as_str())),
            Partition::Token { token_id, .. } => format!("t:{}", encode(token_id)),
        }
    }

    fn partition_key(&self, partition: &Partition, name: &str) -> String {
        format!(
            "{}:{}:{}:{name}",
            self.prefix,
            Self::partition_tag(partition),
            Self::partition_id(partition)
        )
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

    /// The audit stream of shard `shard` (below [`AUDIT_SHARDS`]) of an account and UTC
    /// day, in the slot of the decisions of that shard's partitions.
    pub(crate) fn audit_stream(&self, account: &str, shard: u32, date: time::Date) -> String {
        format!("{}:{}:audit:{date}", self.prefix, shard_tag(account, shard))
    }

    /// The audit stream of `partition`'s shard for a UTC day: the decision's slot.
    pub(crate) fn partition_audit_stream(&self, partition: &Partition, date: time::Date) -> String {
        self.audit_stream(
            partition_account(partition),
            partition_shard(partition),
            date,
        )
    }

    /// Every audit stream of an account and UTC day, shard 0 first: the fixed, known set a
    /// day's report reads.
    pub(crate) fn audit_streams(&self, account: &str, date: time::Date) -> Vec<String> {
        (0..AUDIT_SHARDS)
            .map(|shard| self.audit_stream(account, shard, date))
            .collect()
    }

    /// The session renewals (HASH) of shard `shard` (below [`AUDIT_SHARDS`]) of an account
    /// and UTC day, in the slot of that shard's stream and decisions: a heartbeat's script
    /// counts it in the same call as the renewal.
    pub(crate) fn audit_renewals(&self, account: &str, shard: u32, date: time::Date) -> String {
        format!(
            "{}:{}:audit-renewals:{date}",
            self.prefix,
            shard_tag(account, shard)
        )
    }

    /// The session renewals of `partition`'s shard for a UTC day: the heartbeat's slot.
    pub(crate) fn partition_audit_renewals(
        &self,
        partition: &Partition,
        date: time::Date,
    ) -> String {
        self.audit_renewals(
            partition_account(partition),
            partition_shard(partition),
            date,
        )
    }

    /// Every renewals HASH of an account and UTC day, shard 0 first: the fixed, known set a
    /// day's report reads.
    pub(crate) fn audit_renewals_all(&self, account: &str, date: time::Date) -> Vec<String> {
        (0..AUDIT_SHARDS)
            .map(|shard| self.audit_renewals(account, shard, date))
            .collect()
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

/// How many audit streams (and decision slot groups) one account has per day.
pub(crate) const AUDIT_SHARDS: u32 = 16;

/// `{p:ACCOUNT:SHARD}`.
fn shard_tag(account: &str, shard: u32) -> String {
    format!("{{p:{}:{shard:02}}}", encode(account))
}

fn partition_account(partition: &Partition) -> &str {
    match partition {
        Partition::User { account, .. } | Partition::Token { account, .. } => account,
    }
}

/// The audit shard of a partition: FNV-1a of `u:UID` or `t:TOKEN_ID`, modulo
/// [`AUDIT_SHARDS`] (stable across processes and versions).
pub(crate) fn partition_shard(partition: &Partition) -> u32 {
    let id = match partition {
        Partition::User { uid, .. } => format!("u:{}", uid.as_str()),
        Partition::Token { token_id, .. } => format!("t:{token_id}"),
    };
    fnv1a(&id) % AUDIT_SHARDS
}

/// The audit shard of a record written outside a decision script: its user's, or shard 0
/// when it has no user.
pub(crate) fn record_shard(uid: Option<&str>) -> u32 {
    uid.map_or(0, |uid| fnv1a(&format!("u:{uid}")) % AUDIT_SHARDS)
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// How many keys the audit index is split into.
pub(crate) const AUDIT_INDEX_SHARDS: u32 = 16;

/// The index shard of `account`: FNV-1a of its bytes, modulo [`AUDIT_INDEX_SHARDS`] (stable
/// across processes and versions, unlike the standard library's hasher).
fn audit_index_shard(account: &str) -> u32 {
    fnv1a(account) % AUDIT_INDEX_SHARDS
}

#[cfg(test)]
mod tests;
