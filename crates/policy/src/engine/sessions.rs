//! The three kinds of stream request — start, heartbeat, stop — and the heartbeat timing.
//!
//! Every kind runs the same checks up to the state store (revocation, the static checks and
//! whatever else [`PolicyEngine::decide`] checks before it); they differ in what they ask of
//! the store and how they are audited.

use std::sync::atomic::Ordering;
use std::time::Duration;

use playback_auth_claims::PlaybackClaims;

use super::{PolicyConfig, PolicyEngine, audit_record, state_id, stream_identity};
use crate::audit::{AuditDecision, AuditSink, SessionRenewals};
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Allowed, Decision, DenyReason, SessionChange};
use crate::metrics::{StoreOp, timed};
use crate::policy_store::{Partition, PolicyStore, SessionRenewal};
use crate::stores::Stores;

/// What a request asks of the viewer's stream.
///
/// | kind | checks | state | audit |
/// |---|---|---|---|
/// | `Start` | every check, static and stateful | counts a `maxu` use, records the IP, admits (or renews) the session, registers the device | one record |
/// | `Heartbeat` | every check that can change mid-stream: revocation, the token's key and time rules (the verifier, on every request), the static checks, playback rights | renews the session's lease only: no use counted, no IP or device recorded, nothing admitted or evicted | one [`SessionRenewals`] per session and day; a refusal is a record |
/// | `Stop` | the same as a heartbeat | ends the token's own session at once, freeing its place (idempotent) | one record, reason `session_stopped` |
///
/// A heartbeat for a session that was evicted is refused [`DenyReason::SessionEvicted`]
/// (`DENIED_BY_STREAM_LIMIT_RENEW`); for one that is not active otherwise (never started,
/// stopped, or its lease ran out) [`DenyReason::SessionUnknown`]. A token without `climit`
/// has no session: its heartbeat and stop re-run the checks and change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Open a stream (or any single use of a token).
    Start,
    /// Confirm a playing stream is still allowed, and renew its lease.
    Heartbeat,
    /// End the stream.
    Stop,
}

impl RequestKind {
    /// `start`, `heartbeat` or `stop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Heartbeat => "heartbeat",
            Self::Stop => "stop",
        }
    }
}

/// A heartbeat setting [`PolicyConfig::with_heartbeat`] refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeartbeatConfigError {
    /// The interval is shorter than [`PolicyConfig::MIN_HEARTBEAT_INTERVAL`] (60 s).
    #[error("heartbeat interval of {interval:?} is under the minimum of 60 s")]
    IntervalTooShort {
        /// The interval asked for.
        interval: Duration,
    },
    /// The grace factor is 0 (the lease would end before the first heartbeat).
    #[error("heartbeat grace factor must be at least 1")]
    ZeroGraceFactor,
}

impl PolicyConfig {
    /// The shortest heartbeat interval accepted: 60 s.
    pub const MIN_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(60);
    /// The default heartbeat interval: 60 s.
    pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(60);
    /// The default grace factor: 2 (a lease of two intervals: one heartbeat may be lost).
    pub const DEFAULT_GRACE_FACTOR: u32 = 2;

    /// Sets the heartbeat interval players are told to keep, and the session lease to
    /// `interval × grace_factor`.
    ///
    /// Timing: a session lives until `lease` after its last start or heartbeat. A player
    /// that stops cleanly frees its place at once (a stop); one that dies frees it `lease`
    /// after its last heartbeat, which is between `lease − interval` and `lease` after it
    /// died. With the defaults (60 s × 2 = 120 s), a crashed player's place is free 60 to
    /// 120 s after the crash; a player may miss one heartbeat without losing its stream.
    ///
    /// ```
    /// use std::time::Duration;
    /// use playback_auth_policy::{HeartbeatConfigError, PolicyConfig};
    ///
    /// let config = PolicyConfig::default().with_heartbeat(Duration::from_secs(90), 2)?;
    /// assert_eq!(config.lease, Duration::from_secs(180));
    /// assert_eq!(
    ///     PolicyConfig::default().with_heartbeat(Duration::from_secs(30), 2),
    ///     Err(HeartbeatConfigError::IntervalTooShort { interval: Duration::from_secs(30) })
    /// );
    /// # Ok::<(), HeartbeatConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`HeartbeatConfigError::IntervalTooShort`] under 60 s,
    /// [`HeartbeatConfigError::ZeroGraceFactor`] for a factor of 0.
    pub fn with_heartbeat(
        mut self,
        interval: Duration,
        grace_factor: u32,
    ) -> Result<Self, HeartbeatConfigError> {
        if interval < Self::MIN_HEARTBEAT_INTERVAL {
            return Err(HeartbeatConfigError::IntervalTooShort { interval });
        }
        if grace_factor == 0 {
            return Err(HeartbeatConfigError::ZeroGraceFactor);
        }
        self.heartbeat_interval = interval;
        self.lease = interval.saturating_mul(grace_factor);
        Ok(self)
    }
}

/// The reason of the record a stop writes.
const STOPPED: &str = "session_stopped";
/// The reason of the record written for each session a start evicted.
const ENDED_EVICTED: &str = "session_ended_evicted";

impl<B: Stores> PolicyEngine<B> {
    /// Decides a request of `kind` (see [`RequestKind`]) and audits it: a start as
    /// [`decide`](Self::decide) describes, plus one record per session it evicted (reason
    /// `session_ended_evicted`); an accepted heartbeat in the session's [`SessionRenewals`],
    /// a refused one as a record; a stop as a record with reason `session_stopped`.
    pub async fn decide_request(
        &self,
        kind: RequestKind,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> Decision {
        let (decision, session, recorded) = self.evaluate(token, ctx, kind).await;
        match (kind, &decision, session) {
            (RequestKind::Heartbeat, Decision::Allow(_), Some(session)) => {
                // A store that counted the heartbeat with its renewal
                // (`Stores::renew_recorded`) is not asked twice.
                if !recorded {
                    let renewals = heartbeat_renewals(token, ctx, &session);
                    let write = self.stores.audit().record_renewals(renewals);
                    if timed(StoreOp::AuditRenewals, write).await.is_err() {
                        self.audit_failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            (RequestKind::Stop, Decision::Allow(_), session) => {
                let mut record = audit_record(token, ctx, &decision, session);
                record = record.with_reason(STOPPED);
                self.record(record).await;
            }
            (kind, decision, session) => {
                let evicted = decision
                    .allowed()
                    .map(|allowed| allowed.evicted.clone())
                    .unwrap_or_default();
                // A store that wrote the record with the decision (`Stores::apply_recorded`)
                // is not asked twice.
                if !recorded {
                    self.record(audit_record(token, ctx, decision, session))
                        .await;
                }
                if kind == RequestKind::Start {
                    for key in evicted {
                        let mut record = audit_record(token, ctx, decision, Some(key));
                        record.decision = AuditDecision::Allow;
                        self.record(record.with_reason(ENDED_EVICTED)).await;
                    }
                }
            }
        }
        decision
    }

    /// Renews the stream session `token` holds for `ctx` ([`RequestKind::Heartbeat`]).
    pub async fn heartbeat(&self, token: &VerifiedToken, ctx: &RequestContext) -> Decision {
        self.decide_request(RequestKind::Heartbeat, token, ctx)
            .await
    }

    /// Ends the stream session `token` holds for `ctx` ([`RequestKind::Stop`]); allowed also
    /// when it was not active (stopping is idempotent: [`Allowed::stopped`] says whether it
    /// was).
    pub async fn stop(&self, token: &VerifiedToken, ctx: &RequestContext) -> Decision {
        self.decide_request(RequestKind::Stop, token, ctx).await
    }

    /// The store step of a heartbeat (`renew`) or a stop, once every check before the store
    /// passed: the decision, the session key concerned, and whether the store counted an
    /// accepted heartbeat in its session's renewals ([`Stores::renew_recorded`]).
    pub(super) async fn session_request(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
        renew: bool,
        degraded: bool,
    ) -> (Decision, Option<String>, bool) {
        let Some((partition, key)) = self.session_target(token, ctx) else {
            let allowed = Allowed {
                degraded,
                ..Allowed::default()
            };
            return (Decision::Allow(allowed), audit_key(token, ctx), false);
        };
        let mut recorded = false;
        let decision = if renew {
            let renewals = || heartbeat_renewals(token, ctx, &key);
            let renew =
                self.stores
                    .renew_recorded(&partition, &key, self.config.lease, ctx.now, renewals);
            let renewal = match timed(StoreOp::RenewSession, renew).await {
                Ok((renewal, counted)) => {
                    recorded = counted;
                    Ok(renewal)
                }
                Err(error) => Err(error),
            };
            match renewal {
                Ok(SessionRenewal::Renewed { .. }) => Decision::Allow(Allowed {
                    session: Some(SessionChange::Renewed {
                        session: key.clone(),
                    }),
                    degraded,
                    ..Allowed::default()
                }),
                Ok(SessionRenewal::Evicted) => Decision::Deny(DenyReason::SessionEvicted {
                    session: key.clone(),
                }),
                Ok(SessionRenewal::Unknown) => Decision::Deny(DenyReason::SessionUnknown {
                    session: key.clone(),
                }),
                Err(error) => self
                    .store_fault("state", &error)
                    .unwrap_or_else(|| Decision::Allow(Allowed::degraded())),
            }
        } else {
            let stop = self.stores.policy().stop_session(&partition, &key, ctx.now);
            match timed(StoreOp::StopSession, stop).await {
                Ok(stopped) => Decision::Allow(Allowed {
                    stopped: stopped.then(|| key.clone()),
                    degraded,
                    ..Allowed::default()
                }),
                Err(error) => self
                    .store_fault("state", &error)
                    .unwrap_or_else(|| Decision::Allow(Allowed::degraded())),
            }
        };
        (decision, Some(key), recorded)
    }

    /// Where the session of `token` for `ctx` lives and its key, when the token limits
    /// streams: the same partition and key a start admits it under, so a token can only
    /// renew or stop its own user's sessions.
    fn session_target(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> Option<(Partition, String)> {
        let claims = token.claims.as_restriction()?;
        claims.climit?;
        let partition = match &claims.uid {
            Some(uid) => Partition::User {
                account: ctx.account.clone(),
                uid: uid.clone(),
            },
            None => Partition::Token {
                account: ctx.account.clone(),
                token_id: state_id(token),
            },
        };
        Some((partition, stream_identity(claims, ctx).0))
    }
}

/// The key a token without a session is audited under (its heartbeats are counted in one
/// [`SessionRenewals`] too): its stream identity when it is a restriction token, else its
/// own id.
fn audit_key(token: &VerifiedToken, ctx: &RequestContext) -> Option<String> {
    Some(match &token.claims {
        PlaybackClaims::Restriction(claims) => stream_identity(claims, ctx).0,
        _ => token.token_id(),
    })
}

/// One accepted heartbeat of `session`, as its [`SessionRenewals`] counts it.
fn heartbeat_renewals(
    token: &VerifiedToken,
    ctx: &RequestContext,
    session: &str,
) -> SessionRenewals {
    let renewals =
        SessionRenewals::heartbeat(ctx.now, ctx.account.as_str(), session, ctx.client_ip);
    match token_user(token) {
        Some(uid) => renewals.with_uid(uid),
        None => renewals,
    }
}

fn token_user(token: &VerifiedToken) -> Option<String> {
    match &token.claims {
        PlaybackClaims::Restriction(claims) => claims.uid.as_ref().map(ToString::to_string),
        PlaybackClaims::Channel(claims) => claims.viewer_id.as_ref().map(ToString::to_string),
        PlaybackClaims::StaticUrl(_) => None,
    }
}
