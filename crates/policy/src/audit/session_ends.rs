//! `SessionEnd`: how and when a stream session ended, as a daily report lists it — from the
//! record that states it (a stop, an eviction) or derived from the lease when no record does
//! (the player just disappeared).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use super::{AuditDecision, AuditRecord, RecordsRead};

/// The reason of the record a stop writes.
const STOPPED_REASON: &str = "session_stopped";
/// The reason of the record written for a session a newer stream evicted.
const EVICTED_REASON: &str = "session_ended_evicted";

/// What ended a stream session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionEndCause {
    /// The player stopped it (`"stopped"`): a record with reason `session_stopped`.
    Stopped,
    /// A newer stream evicted it (`"evicted"`): a record with reason
    /// `session_ended_evicted`.
    Evicted,
    /// Its lease ran out with no heartbeat to renew it (`"lease_expired"`): no record
    /// states it; the report derives it from the session's last start or heartbeat.
    LeaseExpired,
}

impl SessionEndCause {
    /// The wire value: `"stopped"`, `"evicted"` or `"lease_expired"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Evicted => "evicted",
            Self::LeaseExpired => "lease_expired",
        }
    }

    /// The audit record reason that states this end (`session_stopped`,
    /// `session_ended_evicted`); `None` for [`LeaseExpired`](Self::LeaseExpired), which no
    /// record states.
    pub fn record_reason(self) -> Option<&'static str> {
        match self {
            Self::Stopped => Some(STOPPED_REASON),
            Self::Evicted => Some(EVICTED_REASON),
            Self::LeaseExpired => None,
        }
    }
}

/// One end of a stream session in a daily [`Report`](super::Report). As a report line:
///
/// ```json
/// {"session":"5f1c…","uid":"viewer-42","ended_at":1700006120,"cause":"lease_expired"}
/// ```
///
/// `ended_at` is the time of the stop or eviction record, or, for `lease_expired`, the
/// session's last activity plus the lease: `max(last allowed start, last heartbeat) + lease`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// The session's key (as in the records' `session`).
    pub session: String,
    /// The token's user, when known.
    #[serde(default)]
    pub uid: Option<String>,
    /// When it ended.
    pub ended_at: NumericDate,
    /// What ended it.
    pub cause: SessionEndCause,
}

impl SessionEnd {
    /// The UTC date of [`ended_at`](Self::ended_at): the day whose report lists it.
    pub fn date(&self) -> time::Date {
        self.ended_at.to_offset_date_time().date()
    }
}

/// How many days before a report's date its generation reads too, for sessions whose lease
/// runs out on the report's date: as many whole days as the lease spans (one for any lease
/// up to a day), at most the retention window.
pub(crate) fn lookback_days(lease: Duration) -> u16 {
    let days = lease.as_secs().div_ceil(86_400);
    u16::try_from(days)
        .unwrap_or(u16::MAX)
        .min(super::RETENTION_DAYS)
}

/// What one piece of the audit says about a session, in the order it is replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// An allowed start (`covered`: inside the span of a renewals entry of the session, so
    /// heartbeats kept it alive up to then whatever the gap since the previous event).
    Start { covered: bool },
    /// The first heartbeat of a day's renewals entry.
    FirstRenewal,
    /// The last heartbeat of a day's renewals entry (the ones between are not known: no gap
    /// is measured up to it).
    LastRenewal,
    /// A stop or eviction record.
    Ended(SessionEndCause),
}

impl Event {
    /// Ties on time: activity first, then ends.
    fn rank(self) -> u8 {
        match self {
            Self::Start { .. } | Self::FirstRenewal => 0,
            Self::LastRenewal => 1,
            Self::Ended(_) => 2,
        }
    }
}

/// A session's state while its events are replayed.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Nothing read about it yet (it may have started before the days read).
    Unknown,
    /// Active, last seen at this time.
    Active(NumericDate),
    /// Ended.
    Ended,
}

#[derive(Debug, Default)]
struct Session {
    uid: Option<String>,
    /// `(time, rank, order read, event)`.
    events: Vec<(NumericDate, u8, usize, Event)>,
}

/// Every end of a session that falls on `date`, from `days` (the report's date and the
/// [`lookback_days`] before it, oldest first): the stop and eviction records, and a
/// `lease_expired` end `lease` after the last activity of every session no record ended,
/// once that moment is at most `now`. Ordered by time, then session.
pub(crate) fn session_ends(
    days: &[RecordsRead],
    date: time::Date,
    lease: Duration,
    now: NumericDate,
) -> Vec<SessionEnd> {
    let mut sessions: BTreeMap<&str, Session> = BTreeMap::new();
    let mut order = 0_usize;
    for day in days {
        for record in &day.records {
            let Some(key) = record.session.as_deref() else {
                continue;
            };
            let Some(event) = record_event(record) else {
                continue;
            };
            let event = match event {
                Event::Start { .. } => Event::Start {
                    covered: day.renewals.iter().any(|renewals| {
                        renewals.session == key
                            && renewals.first <= record.time
                            && record.time <= renewals.last
                    }),
                },
                other => other,
            };
            push(
                &mut sessions,
                &mut order,
                key,
                record.uid.as_ref(),
                record.time,
                event,
            );
        }
        for renewals in &day.renewals {
            let key = renewals.session.as_str();
            push(
                &mut sessions,
                &mut order,
                key,
                renewals.uid.as_ref(),
                renewals.first,
                Event::FirstRenewal,
            );
            push(
                &mut sessions,
                &mut order,
                key,
                renewals.uid.as_ref(),
                renewals.last,
                Event::LastRenewal,
            );
        }
    }

    let mut ends = Vec::new();
    for (key, mut session) in sessions {
        session
            .events
            .sort_unstable_by(|a, b| by_time(a.0, b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let end = |ended_at, cause| SessionEnd {
            session: key.to_owned(),
            uid: session.uid.clone(),
            ended_at,
            cause,
        };
        let mut found = Vec::new();
        let mut state = State::Unknown;
        for &(time, _, _, event) in &session.events {
            // The lease ran out before this event unless heartbeats we cannot see kept the
            // session alive (a start inside a renewals span, or a day's last heartbeat).
            if let State::Active(last) = state {
                let gap_counts = match event {
                    Event::Start { covered } => !covered,
                    Event::FirstRenewal | Event::Ended(_) => true,
                    Event::LastRenewal => false,
                };
                let expiry = last.saturating_add(lease);
                // At `expiry` the session is no longer active (the store refuses its
                // heartbeat then).
                if gap_counts && expiry <= time {
                    found.push(end(expiry, SessionEndCause::LeaseExpired));
                    state = State::Ended;
                }
            }
            state = match event {
                Event::Start { .. } | Event::FirstRenewal | Event::LastRenewal => match state {
                    State::Active(last) if last > time => State::Active(last),
                    _ => State::Active(time),
                },
                // A stop of a session that was not active is idempotent and ends nothing;
                // one whose start was not read (before the days read) is taken as stated.
                Event::Ended(_) if matches!(state, State::Ended) => State::Ended,
                Event::Ended(cause) => {
                    found.push(end(time, cause));
                    State::Ended
                }
            };
        }
        if let State::Active(last) = state {
            let expiry = last.saturating_add(lease);
            if expiry <= now {
                found.push(end(expiry, SessionEndCause::LeaseExpired));
            }
        }
        ends.extend(found.into_iter().filter(|end| end.date() == date));
    }
    ends.sort_by(|a, b| by_time(a.ended_at, b.ended_at).then_with(|| a.session.cmp(&b.session)));
    ends
}

/// Adds `event` of session `key` at `time`, the `order`-th read.
fn push<'a>(
    sessions: &mut BTreeMap<&'a str, Session>,
    order: &mut usize,
    key: &'a str,
    uid: Option<&String>,
    time: NumericDate,
    event: Event,
) {
    let session = sessions.entry(key).or_default();
    if session.uid.is_none() {
        session.uid = uid.cloned();
    }
    session
        .events
        .push((time, Event::rank(event), *order, event));
    *order += 1;
}

/// What an allowed record says about its session: a start, a stop or an eviction; `None`
/// for a refusal (it changes nothing).
fn record_event(record: &AuditRecord) -> Option<Event> {
    if record.decision != AuditDecision::Allow {
        return None;
    }
    Some(match record.reason.as_deref() {
        Some(STOPPED_REASON) => Event::Ended(SessionEndCause::Stopped),
        Some(EVICTED_REASON) => Event::Ended(SessionEndCause::Evicted),
        _ => Event::Start { covered: false },
    })
}

/// Times in order (a time that does not compare, which whole seconds never are, as equal).
fn by_time(a: NumericDate, b: NumericDate) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}
