//! [`PolicyStore`] on Redis: one `EVALSHA` of `scripts/apply.lua` per decision.

use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};
use playback_auth_policy::{
    AdmissionOrder, Applied, AuditRecord, DecisionPlan, DeviceInfo, Outcome, Partition,
    PolicyStore, Refusal, SessionChange, SessionInfo, SessionRenewal, StoreError,
};

use crate::audit::{record_parts, stream_ttl};
use crate::error::RedisStoreError;
use crate::store::{RedisStore, Settings};

/// A time as the scripts receive and store it: the exact decimal form of the date
/// (`1700000000` or `1700000000.5`; Rust prints the shortest string that reads back as the
/// same `f64`, and Lua's `tonumber` reads it back exactly).
pub(crate) fn time_arg(date: NumericDate) -> String {
    date.to_string()
}

/// Reads a time written by [`time_arg`].
pub(crate) fn parse_time(text: &str) -> Option<NumericDate> {
    match text.parse::<i64>() {
        Ok(secs) => NumericDate::from_secs(secs),
        Err(_) => text
            .parse::<f64>()
            .ok()
            .and_then(NumericDate::from_secs_f64),
    }
}

/// Milliseconds, for a TTL argument.
pub(crate) fn millis_arg(duration: Duration) -> String {
    duration.as_millis().to_string()
}

fn behavior_arg(behavior: ConcurrencyBehavior) -> &'static str {
    match behavior {
        ConcurrencyBehavior::EvictOldest => "evict_oldest",
        ConcurrencyBehavior::BlockNew => "block_new",
        ConcurrencyBehavior::BlockNewUser => "block_new_user",
    }
}

fn flag(set: bool) -> String {
    if set { "1" } else { "0" }.to_owned()
}

/// `ARGV` of `apply.lua` (see the script's header for the layout).
pub(crate) fn apply_args(plan: &DecisionPlan, settings: &Settings) -> Vec<String> {
    let mut args = Vec::with_capacity(19);
    args.push(time_arg(plan.now));
    args.push(flag(plan.token.is_some()));
    args.push(flag(plan.session.is_some()));
    args.push(flag(plan.device.is_some()));
    args.push(millis_arg(settings.expiry_margin));
    match &plan.token {
        Some(token) => {
            args.push(time_arg(token.expires_at));
            args.push(token.max_uses.map(|n| n.to_string()).unwrap_or_default());
            args.push(token.max_ips.map(|n| n.to_string()).unwrap_or_default());
            args.push(token.ip.to_string());
            args.push(flag(token.single_use.is_some()));
            args.push(token.single_use.clone().unwrap_or_default());
        }
        None => args.extend(std::iter::repeat_n(String::new(), 6)),
    }
    match &plan.session {
        Some(session) => {
            args.push(session.session_key.clone());
            args.push(session.location_key.clone());
            args.push(session.limit.to_string());
            args.push(behavior_arg(session.behavior).to_owned());
            args.push(time_arg(plan.now.saturating_add(session.lease)));
        }
        None => args.extend(std::iter::repeat_n(String::new(), 5)),
    }
    match &plan.device {
        Some(device) => {
            args.push(device.device_id.clone());
            args.push(device.limit.to_string());
            args.push(
                settings
                    .device_retention
                    .map_or_else(|| "0".to_owned(), millis_arg),
            );
        }
        None => args.extend(std::iter::repeat_n(String::new(), 3)),
    }
    args
}

const MALFORMED_APPLY: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed reply of the apply script",
};

/// Reads the apply script's reply; the limits and keys of a refusal come from the plan.
pub(crate) fn parse_apply_reply(
    plan: &DecisionPlan,
    reply: Vec<String>,
) -> Result<Outcome, RedisStoreError> {
    let mut parts = reply.into_iter();
    match parts.next().as_deref() {
        Some("refused") => parse_refusal(plan, parts.next().as_deref()).map(Outcome::Refused),
        Some("applied") => {
            let change = parts.next().ok_or(MALFORMED_APPLY)?;
            let registered = parts.next().ok_or(MALFORMED_APPLY)?;
            let uses = parts.next().ok_or(MALFORMED_APPLY)?;
            let evicted: Vec<String> = parts.collect();
            let session = match (change.as_str(), &plan.session) {
                ("", None) => None,
                ("admitted", Some(session)) => Some(SessionChange::Admitted {
                    session: session.session_key.clone(),
                }),
                ("renewed", Some(session)) => Some(SessionChange::Renewed {
                    session: session.session_key.clone(),
                }),
                _ => return Err(MALFORMED_APPLY),
            };
            let uses = match (uses.as_str(), plan.token.as_ref().and_then(|t| t.max_uses)) {
                ("", None) => None,
                (count, Some(_)) => {
                    let count: u64 = count.parse().map_err(|_| MALFORMED_APPLY)?;
                    Some(u32::try_from(count).unwrap_or(u32::MAX))
                }
                _ => return Err(MALFORMED_APPLY),
            };
            Ok(Outcome::Applied(Applied {
                session,
                evicted,
                device_registered: registered == "1",
                uses,
            }))
        }
        _ => Err(MALFORMED_APPLY),
    }
}

fn parse_refusal(plan: &DecisionPlan, code: Option<&str>) -> Result<Refusal, RedisStoreError> {
    let token = plan.token.as_ref();
    let refusal = match code {
        Some("single_use") => Refusal::SingleUseAlreadyUsed,
        Some("max_uses") => Refusal::MaxUsesReached {
            limit: token.and_then(|t| t.max_uses).ok_or(MALFORMED_APPLY)?.get(),
        },
        Some("max_ips") => Refusal::MaxIpsReached {
            limit: token.and_then(|t| t.max_ips).ok_or(MALFORMED_APPLY)?.get(),
        },
        Some("session_evicted") => Refusal::SessionEvicted {
            session: plan
                .session
                .as_ref()
                .ok_or(MALFORMED_APPLY)?
                .session_key
                .clone(),
        },
        Some("stream_limit") => Refusal::StreamLimitReached {
            limit: plan.session.as_ref().ok_or(MALFORMED_APPLY)?.limit.get(),
        },
        Some("device_limit") => Refusal::DeviceLimitReached {
            limit: plan.device.as_ref().ok_or(MALFORMED_APPLY)?.limit.get(),
        },
        _ => return Err(MALFORMED_APPLY),
    };
    Ok(refusal)
}

/// One stored session: `admitted|seq|lease_until|location`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredSession {
    pub(crate) admitted_at: NumericDate,
    pub(crate) seq: u64,
    pub(crate) lease_until: NumericDate,
    pub(crate) location_key: String,
}

const MALFORMED_SESSION: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed session entry",
};

pub(crate) fn parse_session(value: &str) -> Result<StoredSession, RedisStoreError> {
    let mut parts = value.splitn(4, '|');
    let mut next = || parts.next().ok_or(MALFORMED_SESSION);
    let admitted_at = parse_time(next()?).ok_or(MALFORMED_SESSION)?;
    let seq = next()?.parse().map_err(|_| MALFORMED_SESSION)?;
    let lease_until = parse_time(next()?).ok_or(MALFORMED_SESSION)?;
    let location_key = next()?.to_owned();
    Ok(StoredSession {
        admitted_at,
        seq,
        lease_until,
        location_key,
    })
}

const MALFORMED_DEVICE: RedisStoreError = RedisStoreError::UnexpectedReply {
    detail: "malformed device entry",
};

/// One stored device: `registered|seq`.
pub(crate) fn parse_device(value: &str) -> Result<(NumericDate, u64), RedisStoreError> {
    let (registered, seq) = value.rsplit_once('|').ok_or(MALFORMED_DEVICE)?;
    let registered = parse_time(registered).ok_or(MALFORMED_DEVICE)?;
    let seq = seq.parse().map_err(|_| MALFORMED_DEVICE)?;
    Ok((registered, seq))
}

/// Active sessions at `now` from the stored hash, oldest admission first (ties by
/// admission order), as the in-memory store lists them.
pub(crate) fn active_sessions(
    stored: Vec<(String, String)>,
    now: NumericDate,
) -> Result<Vec<SessionInfo>, RedisStoreError> {
    let mut active = Vec::with_capacity(stored.len());
    for (key, value) in stored {
        let session = parse_session(&value)?;
        if session.lease_until > now {
            active.push((key, session));
        }
    }
    active.sort_by_key(|(_, s)| AdmissionOrder::new(s.admitted_at, s.seq));
    Ok(active
        .into_iter()
        .map(|(session_key, s)| SessionInfo {
            session_key,
            location_key: s.location_key,
            admitted_at: s.admitted_at,
            lease_until: s.lease_until,
        })
        .collect())
}

/// Devices from the stored hash, earliest registration first.
pub(crate) fn listed_devices(
    stored: Vec<(String, String)>,
) -> Result<Vec<DeviceInfo>, RedisStoreError> {
    let mut devices = Vec::with_capacity(stored.len());
    for (device_id, value) in stored {
        let (registered_at, seq) = parse_device(&value)?;
        devices.push((seq, device_id, registered_at));
    }
    devices.sort_by_key(|(seq, _, _)| *seq);
    Ok(devices
        .into_iter()
        .map(|(_, device_id, registered_at)| DeviceInfo {
            device_id,
            registered_at,
        })
        .collect())
}

impl RedisStore {
    pub(crate) async fn hgetall(
        &self,
        key: String,
    ) -> Result<Vec<(String, String)>, RedisStoreError> {
        let mut connection = self.connection();
        self.run(async move {
            redis::cmd("HGETALL")
                .arg(key)
                .query_async(&mut connection)
                .await
        })
        .await
    }
}

impl RedisStore {
    /// One call of `scripts/heartbeat.lua` on the session of `partition`, and (a renewal
    /// only) the renewals HASH and `ARGV` the accepted heartbeat is counted in.
    async fn heartbeat<T: redis::FromRedisValue>(
        &self,
        op: &str,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
        lease_until: &str,
        renewals: Option<(&String, [String; 10])>,
    ) -> Result<T, RedisStoreError> {
        let layout = self.layout();
        let mut keys = vec![layout.sessions(partition), layout.evicted(partition)];
        let mut args = vec![
            op.to_owned(),
            time_arg(now),
            session_key.to_owned(),
            lease_until.to_owned(),
            millis_arg(self.settings().expiry_margin),
        ];
        if let Some((key, renewal_args)) = renewals {
            keys.push(key.clone());
            args.extend(renewal_args);
        }
        self.eval(&self.scripts().heartbeat, &keys, &args).await
    }

    /// A renewal by the heartbeat script, with the renewals to count when it renews.
    pub(crate) async fn renew_in_script(
        &self,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
        lease_until: NumericDate,
        renewals: Option<(&String, [String; 10])>,
    ) -> Result<SessionRenewal, RedisStoreError> {
        let reply: String = self
            .heartbeat(
                "renew",
                partition,
                session_key,
                now,
                &time_arg(lease_until),
                renewals,
            )
            .await?;
        match reply.as_str() {
            "renewed" => Ok(SessionRenewal::Renewed { lease_until }),
            "evicted" => Ok(SessionRenewal::Evicted),
            "unknown" => Ok(SessionRenewal::Unknown),
            _ => Err(RedisStoreError::UnexpectedReply {
                detail: "malformed reply of the heartbeat script",
            }),
        }
    }

    /// [`Stores::apply_recorded`](playback_auth_policy::Stores::apply_recorded): the plan and
    /// the decision's audit record in one call of the apply script (when
    /// [`audit_in_decision`](crate::RedisStoreBuilder::audit_in_decision) is on).
    pub(crate) async fn apply_with_record(
        &self,
        plan: &DecisionPlan,
        record: impl FnOnce() -> AuditRecord,
    ) -> Result<(Outcome, bool), StoreError> {
        if plan.is_empty() || !self.audit_in_decision() {
            return Ok((self.apply(plan).await?, false));
        }
        let record = record().capped();
        let Some((head, allowed_tail)) = record_parts(&record) else {
            return Ok((self.apply(plan).await?, false));
        };
        let date = record.date();
        // The partition's shard of the account's day: the decision's slot, on a cluster too.
        let stream = self.layout().partition_audit_stream(&plan.partition, date);
        let mut keys = self.layout().plan_keys(plan).keys;
        keys.push(stream.clone());
        let mut args = apply_args(plan, self.settings());
        args.extend([
            "1".to_owned(),
            head,
            allowed_tail,
            self.settings().audit_records_per_day.to_string(),
            millis_arg(stream_ttl(&record, self.settings().expiry_margin)),
        ]);
        let reply: Vec<String> = self.eval(&self.scripts().apply, &keys, &args).await?;
        let outcome = parse_apply_reply(plan, reply)?;
        // Only the first record of the stream in this process costs this round trip; the
        // stream expires by itself even if it never makes it into the index.
        let _indexed = self
            .index_audit_stream_once(&record.account, stream, date)
            .await;
        Ok((outcome, true))
    }
}

impl PolicyStore for RedisStore {
    async fn apply(&self, plan: &DecisionPlan) -> Result<Outcome, StoreError> {
        if plan.is_empty() {
            return Ok(Outcome::Applied(Applied::default()));
        }
        let keys = self.layout().plan_keys(plan).keys;
        let args = apply_args(plan, self.settings());
        let reply: Vec<String> = self.eval(&self.scripts().apply, &keys, &args).await?;
        Ok(parse_apply_reply(plan, reply)?)
    }

    async fn sessions(
        &self,
        account: &str,
        uid: &Uid,
        now: NumericDate,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let [sessions, _] = self.layout().user_sessions(account, uid);
        let stored = self.hgetall(sessions).await?;
        Ok(active_sessions(stored, now)?)
    }

    async fn end_session(
        &self,
        account: &str,
        uid: &Uid,
        session_key: &str,
        now: NumericDate,
    ) -> Result<bool, StoreError> {
        let keys = self.layout().user_sessions(account, uid);
        let args = [
            time_arg(now),
            session_key.to_owned(),
            millis_arg(self.settings().expiry_margin),
        ];
        let ended: i64 = self.eval(&self.scripts().end_session, &keys, &args).await?;
        Ok(ended == 1)
    }

    async fn renew_session(
        &self,
        partition: &Partition,
        session_key: &str,
        lease: Duration,
        now: NumericDate,
    ) -> Result<SessionRenewal, StoreError> {
        let lease_until = now.saturating_add(lease);
        Ok(self
            .renew_in_script(partition, session_key, now, lease_until, None)
            .await?)
    }

    async fn stop_session(
        &self,
        partition: &Partition,
        session_key: &str,
        now: NumericDate,
    ) -> Result<bool, StoreError> {
        let stopped: i64 = self
            .heartbeat("stop", partition, session_key, now, "", None)
            .await?;
        Ok(stopped == 1)
    }

    async fn devices(&self, account: &str, uid: &Uid) -> Result<Vec<DeviceInfo>, StoreError> {
        let stored = self
            .hgetall(self.layout().user_devices(account, uid))
            .await?;
        Ok(listed_devices(stored)?)
    }

    async fn remove_device(
        &self,
        account: &str,
        uid: &Uid,
        device_id: &str,
    ) -> Result<bool, StoreError> {
        let key = self.layout().user_devices(account, uid);
        let device_id = device_id.to_owned();
        let mut connection = self.connection();
        let removed: i64 = self
            .run(async move {
                redis::cmd("HDEL")
                    .arg(key)
                    .arg(device_id)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(removed == 1)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod audit_tests;
