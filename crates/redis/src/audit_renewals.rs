//! [`SessionRenewals`] on Redis: per account and UTC day, one HASH per audit shard, in the
//! slot of that shard's sessions and stream (`PREFIX:{p:ACCOUNT:SHARD}:audit-renewals:DATE`)
//! — field the session key, value `COUNT|FIRST|LAST|MORE_IPS|IP,IP,…|UID`. An accepted
//! heartbeat is counted by the same call of `scripts/heartbeat.lua` that renews its session
//! (one round trip, on a cluster too); a heartbeat counted on its own (no session, or
//! [`audit_in_decision`](crate::RedisStoreBuilder::audit_in_decision) off) goes to its
//! user's shard. A session's heartbeats cost one field per day, whatever their number; at
//! most [`audit_records_per_day`](crate::RedisStoreBuilder::audit_records_per_day) sessions
//! are kept per HASH (past it, heartbeats only add to the field `~dropped`). A day's report
//! reads the sixteen HASHes and merges a session's entries. Each HASH expires, and is
//! purged, with its day's streams.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::net::IpAddr;
use std::time::Duration;

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    AuditError, MAX_RENEWAL_IPS, Partition, PolicyStore, SessionRenewal, SessionRenewals,
    StoreError,
};

use crate::audit::retention_after;
use crate::key_layout::record_shard;
use crate::policy::{millis_arg, parse_time, time_arg};
use crate::store::RedisStore;

/// The HASH field counting heartbeats dropped because the day's HASH was full.
const DROPPED_FIELD: &str = "~dropped";

/// The renewals of `session` of `account` from a HASH value; `None` when malformed.
fn parse_renewals(account: &str, session: &str, value: &str) -> Option<SessionRenewals> {
    let mut parts = value.splitn(6, '|');
    let count = parts.next()?.parse::<u64>().ok()?;
    let first = parse_time(parts.next()?)?;
    let last = parse_time(parts.next()?)?;
    let more_ips = parts.next()? == "1";
    let ips = parts
        .next()?
        .split(',')
        .filter(|ip| !ip.is_empty())
        .map(str::parse::<IpAddr>)
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    let uid = parts.next()?;
    let mut renewals = SessionRenewals::heartbeat(first, account, session, IpAddr::from([0; 4]));
    renewals.count = count;
    renewals.last = last;
    renewals.ips = ips;
    renewals.more_ips = more_ips;
    if !uid.is_empty() {
        renewals = renewals.with_uid(uid);
    }
    Some(renewals)
}

impl RedisStore {
    /// The renewals `ARGV` of `scripts/heartbeat.lua` (6 on) for `renewals`, and the UTC day
    /// they belong to.
    fn renewals_args(&self, renewals: &SessionRenewals) -> (time::Date, [String; 10]) {
        let date = renewals.date();
        let ttl = retention_after(date, renewals.last) + self.settings().expiry_margin;
        let ips: Vec<String> = renewals.ips.iter().map(IpAddr::to_string).collect();
        let args = [
            renewals.session.clone(),
            renewals.count.to_string(),
            time_arg(renewals.first),
            time_arg(renewals.last),
            if renewals.more_ips { "1" } else { "0" }.to_owned(),
            ips.join(","),
            renewals.uid.clone().unwrap_or_default(),
            millis_arg(ttl),
            self.settings().audit_records_per_day.to_string(),
            MAX_RENEWAL_IPS.to_string(),
        ];
        (date, args)
    }

    /// [`AuditSink::record_renewals`](playback_auth_policy::AuditSink::record_renewals): the
    /// heartbeats counted on their own, in their user's shard (shard 0 without a user).
    pub(crate) async fn merge_renewals(&self, renewals: SessionRenewals) -> Result<(), AuditError> {
        let renewals = renewals.capped();
        let (date, renewal_args) = self.renewals_args(&renewals);
        let shard = record_shard(renewals.uid.as_deref());
        let key = self.layout().audit_renewals(&renewals.account, shard, date);
        let mut args = vec!["renewals".to_owned(), String::new(), String::new()];
        args.extend([String::new(), String::new()]);
        args.extend(renewal_args);
        let created: i64 = self
            .eval(&self.scripts().heartbeat, std::slice::from_ref(&key), &args)
            .await?;
        if created == 1 {
            self.index_audit_key(&renewals.account, key, date).await?;
        }
        Ok(())
    }

    /// [`Stores::renew_recorded`](playback_auth_policy::Stores::renew_recorded): the
    /// renewal and, when it renewed, the heartbeat counted in the renewals HASH of the
    /// partition's shard, in one call of the heartbeat script (when
    /// [`audit_in_decision`](crate::RedisStoreBuilder::audit_in_decision) is on).
    pub(crate) async fn renew_with_renewals(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
        renewals: impl FnOnce() -> SessionRenewals,
    ) -> Result<(SessionRenewal, bool), StoreError> {
        if !self.audit_in_decision() {
            return Ok((
                self.renew_session(partition, session_key, lease, now)
                    .await?,
                false,
            ));
        }
        let renewals = renewals().capped();
        let (date, renewal_args) = self.renewals_args(&renewals);
        let key = self.layout().partition_audit_renewals(partition, date);
        let lease_until = now.saturating_add(lease);
        let renewal = self
            .renew_in_script(
                partition,
                session_key,
                now,
                lease_until,
                Some((&key, renewal_args)),
            )
            .await?;
        let recorded = matches!(renewal, SessionRenewal::Renewed { .. });
        if recorded {
            // Only the first heartbeat of the HASH in this process costs this round trip;
            // the HASH expires by itself even if it never makes it into the index.
            let _indexed = self
                .index_audit_stream_once(&renewals.account, key, date)
                .await;
        }
        Ok((renewal, recorded))
    }

    /// The renewals of `account` on `date`, by session key: the sixteen HASHes of the day,
    /// a session's entries (one per shard it was counted in) merged.
    pub(crate) async fn renewals_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> Result<Vec<SessionRenewals>, AuditError> {
        let mut by_session: BTreeMap<String, SessionRenewals> = BTreeMap::new();
        for key in self.layout().audit_renewals_all(account, date) {
            let fields = self.hgetall(key).await?;
            let read = fields
                .iter()
                .filter(|(field, _)| field != DROPPED_FIELD)
                .filter_map(|(session, value)| parse_renewals(account, session, value));
            for renewals in read {
                match by_session.entry(renewals.session.clone()) {
                    Entry::Vacant(entry) => {
                        entry.insert(renewals);
                    }
                    Entry::Occupied(mut entry) => entry.get_mut().merge(&renewals),
                }
            }
        }
        Ok(by_session.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_read_back_and_malformed_ones_are_skipped() {
        let read = parse_renewals(
            "acct-1",
            "s-1",
            "3|1700000060|1700000180|0|192.0.2.1,::1|viewer|x",
        )
        .unwrap();
        assert_eq!(read.count, 3);
        assert_eq!(read.ips.len(), 2);
        assert_eq!(read.uid.as_deref(), Some("viewer|x"));
        assert!(read.ip_changed());
        assert!(parse_renewals("acct-1", "s-1", "3|1700000060").is_none());
        assert!(parse_renewals("acct-1", "s-1", "x|1|2|0||").is_none());
        assert!(parse_renewals("acct-1", "s-1", "1|1|2|0|not-an-ip|").is_none());
    }
}
