//! [`SessionRenewals`] on Redis: one HASH per account and UTC day in the slot of the day's
//! audit stream — field the session key, value `COUNT|FIRST|LAST|MORE_IPS|IP,IP,…|UID` —
//! merged by one call of `scripts/audit_renewals.lua`. A session's heartbeats cost one field
//! per day, whatever their number; at most
//! [`audit_records_per_day`](crate::RedisStoreBuilder::audit_records_per_day) sessions are
//! kept per account and day (past it, heartbeats only add to the field `~dropped`). The HASH
//! expires, and is purged, with its day's stream.

use std::net::IpAddr;

use playback_auth_policy::{AuditError, MAX_RENEWAL_IPS, SessionRenewals};

use crate::audit::retention_after;
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
    /// [`AuditSink::record_renewals`](playback_auth_policy::AuditSink::record_renewals).
    pub(crate) async fn merge_renewals(&self, renewals: SessionRenewals) -> Result<(), AuditError> {
        let renewals = renewals.capped();
        let date = renewals.date();
        let key = self.layout().audit_renewals(&renewals.account, date);
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
        let created: i64 = self
            .eval(
                &self.scripts().audit_renewals,
                std::slice::from_ref(&key),
                &args,
            )
            .await?;
        if created == 1 {
            self.index_audit_key(&renewals.account, key, date).await?;
        }
        Ok(())
    }

    /// The renewals of `account` on `date`, by session key.
    pub(crate) async fn renewals_for(
        &self,
        account: &str,
        date: time::Date,
    ) -> Result<Vec<SessionRenewals>, AuditError> {
        let key = self.layout().audit_renewals(account, date);
        let mut connection = self.connection();
        let fields: Vec<(String, String)> = self
            .run(async move {
                redis::cmd("HGETALL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        let mut renewals: Vec<SessionRenewals> = fields
            .iter()
            .filter(|(field, _)| field != DROPPED_FIELD)
            .filter_map(|(session, value)| parse_renewals(account, session, value))
            .collect();
        renewals.sort_by(|a, b| a.session.cmp(&b.session));
        Ok(renewals)
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
