//! `SessionRenewals`: a stream session's heartbeats, counted in one entry per session and
//! UTC day instead of kept one by one.

use std::net::IpAddr;

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use super::record::{MAX_AUDIT_ID_LEN, cap_text};

/// The most distinct client addresses one [`SessionRenewals`] lists; more are counted in
/// [`SessionRenewals::more_ips`] only.
pub const MAX_RENEWAL_IPS: usize = 8;

/// The accepted heartbeats of one stream session on one UTC day: how many, the first and
/// the last, and the client addresses they came from (an address change mid-stream shows as
/// a second entry in `ips`).
///
/// A session's audit is its start (an [`AuditRecord`](super::AuditRecord) of the admitting
/// request), this aggregate of its renewals, and its end: a record with reason
/// `session_stopped` for a stop, `session_ended_evicted` for an eviction by a newer stream,
/// or — when the player just disappears — nothing more: the session ended when its lease
/// ran out, `last` plus the lease, and daily reports derive that end
/// ([`SessionEnd`](super::SessionEnd), cause `lease_expired`). A refused heartbeat is a
/// record of its own, with its reason. With 60 s heartbeats, a two-hour film is three
/// entries, not 120.
///
/// Sinks merge renewals with the same account, session and day ([`merge`](Self::merge)) and
/// read them back beside the records ([`RecordsRead::renewals`](super::RecordsRead::renewals)),
/// so daily reports show them. As JSON:
///
/// ```json
/// {"account":"acct-1","session":"5f1c…","uid":"viewer-42","count":100,
///  "first":1700000060,"last":1700006000,"ips":["198.51.100.7"],"more_ips":false}
/// ```
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::SessionRenewals;
///
/// let at = |secs| NumericDate::from_secs(secs).unwrap();
/// let home = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
/// let mobile = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
/// let mut renewals = SessionRenewals::heartbeat(at(1_700_000_060), "acct-1", "s-1", home);
/// renewals.merge(&SessionRenewals::heartbeat(at(1_700_000_120), "acct-1", "s-1", mobile));
/// assert_eq!((renewals.count, renewals.first, renewals.last), (2, at(1_700_000_060), at(1_700_000_120)));
/// assert!(renewals.ip_changed());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRenewals {
    /// The account the session belongs to (capped like a record's ids).
    pub account: String,
    /// The session's key (as in the records' `session`).
    pub session: String,
    /// The token's user, when it has one.
    #[serde(default)]
    pub uid: Option<String>,
    /// How many heartbeats renewed the session that day.
    pub count: u64,
    /// When the first came.
    pub first: NumericDate,
    /// When the last came.
    pub last: NumericDate,
    /// The distinct client addresses they came from, first seen first (at most
    /// [`MAX_RENEWAL_IPS`]).
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    /// Whether more addresses than [`MAX_RENEWAL_IPS`] were seen.
    #[serde(default)]
    pub more_ips: bool,
}

impl SessionRenewals {
    /// One heartbeat of `session` of `account` at `time` from `ip`.
    pub fn heartbeat(
        time: NumericDate,
        account: impl Into<String>,
        session: impl Into<String>,
        ip: IpAddr,
    ) -> Self {
        Self {
            account: cap_text(account.into(), MAX_AUDIT_ID_LEN),
            session: cap_text(session.into(), MAX_AUDIT_ID_LEN),
            uid: None,
            count: 1,
            first: time,
            last: time,
            ips: vec![ip.to_canonical()],
            more_ips: false,
        }
    }

    /// Sets the token's user.
    #[must_use]
    pub fn with_uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(cap_text(uid.into(), MAX_AUDIT_ID_LEN));
        self
    }

    /// Adds `other`'s heartbeats to these (the count saturates); `first` and `last` widen to
    /// cover both; new addresses are appended up to [`MAX_RENEWAL_IPS`]. The caller makes
    /// sure account, session and day are the same.
    pub fn merge(&mut self, other: &Self) {
        self.count = self.count.saturating_add(other.count);
        if other.first < self.first {
            self.first = other.first;
        }
        if other.last > self.last {
            self.last = other.last;
        }
        if self.uid.is_none() {
            self.uid.clone_from(&other.uid);
        }
        self.more_ips |= other.more_ips;
        for ip in &other.ips {
            if self.ips.contains(ip) {
                continue;
            }
            if self.ips.len() < MAX_RENEWAL_IPS {
                self.ips.push(*ip);
            } else {
                self.more_ips = true;
            }
        }
    }

    /// Whether the heartbeats came from more than one address.
    pub fn ip_changed(&self) -> bool {
        self.ips.len() > 1 || self.more_ips
    }

    /// The renewals with their ids within their caps and at most [`MAX_RENEWAL_IPS`]
    /// addresses.
    #[must_use]
    pub fn capped(mut self) -> Self {
        self.account = cap_text(self.account, MAX_AUDIT_ID_LEN);
        self.session = cap_text(self.session, MAX_AUDIT_ID_LEN);
        self.uid = self.uid.map(|uid| cap_text(uid, MAX_AUDIT_ID_LEN));
        if self.ips.len() > MAX_RENEWAL_IPS {
            self.ips.truncate(MAX_RENEWAL_IPS);
            self.more_ips = true;
        }
        self
    }

    /// The UTC date of [`last`](Self::last): the day whose report includes it (a heartbeat
    /// is merged into the entry of its own day).
    pub fn date(&self) -> time::Date {
        self.last.to_offset_date_time().date()
    }

    /// About how many bytes of memory the entry holds.
    pub fn heap_size(&self) -> usize {
        size_of::<Self>()
            + self.account.capacity()
            + self.session.capacity()
            + self.uid.as_ref().map_or(0, String::capacity)
            + self.ips.capacity() * size_of::<IpAddr>()
    }
}
