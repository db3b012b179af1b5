//! `AuditAggregate`: requests refused before a decision, counted per account, reason and
//! minute instead of kept one by one.

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use super::record::{MAX_AUDIT_ID_LEN, cap_text};

/// The refusals of one account for one reason in one UTC minute: how many, and when the
/// first and the last of them came.
///
/// A request refused before a decision — a token that does not verify, no token, two
/// tokens, a key registry that cannot be read — is not an [`AuditRecord`](super::AuditRecord)
/// of its own: anyone can send such requests, as many as they like, with whatever user agent
/// and ids, so keeping each one would let anonymous clients grow the audit trail at will.
/// They are counted here instead: one aggregate per `(account, reason, minute)`, whatever
/// the number of requests. Sinks merge an aggregate into the one they hold with the same
/// key ([`merge`](Self::merge)), and read them back beside the records
/// ([`RecordsRead::aggregates`](super::RecordsRead::aggregates)), so daily reports show them.
///
/// As JSON (`minute` is the start of the minute; times are seconds since the epoch):
///
/// ```json
/// {"account":"acct-1","reason":"invalid_signature","minute":1699999980,
///  "count":600,"first":1699999981,"last":1700000039}
/// ```
///
/// ```
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::AuditAggregate;
///
/// let at = |secs| NumericDate::from_secs(secs).unwrap();
/// let mut aggregate = AuditAggregate::refusal(at(1_700_000_001), "acct-1", "token_missing");
/// assert_eq!(aggregate.minute, at(1_699_999_980));
/// aggregate.merge(&AuditAggregate::refusal(at(1_700_000_030), "acct-1", "token_missing"));
/// assert_eq!((aggregate.count, aggregate.first, aggregate.last), (2, at(1_700_000_001), at(1_700_000_030)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditAggregate {
    /// The account the requests were for (capped like a record's ids).
    pub account: String,
    /// The machine code of why they were refused (e.g. `token_missing`).
    pub reason: String,
    /// The start of the UTC minute they fell in.
    pub minute: NumericDate,
    /// How many there were.
    pub count: u64,
    /// When the first came.
    pub first: NumericDate,
    /// When the last came.
    pub last: NumericDate,
}

/// What identifies an aggregate: account, reason and minute (seconds), in that order.
pub(crate) type AggregateKey = (String, String, i64);

impl AuditAggregate {
    /// One refusal of a request for `account` at `time` because of `reason`.
    pub fn refusal(
        time: NumericDate,
        account: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            account: cap_text(account.into(), MAX_AUDIT_ID_LEN),
            reason: cap_text(reason.into(), MAX_AUDIT_ID_LEN),
            minute: minute_of(time),
            count: 1,
            first: time,
            last: time,
        }
    }

    /// Adds `other`'s requests to this aggregate's (the count saturates); `first` and
    /// `last` widen to cover both. The caller makes sure the keys are the same.
    pub fn merge(&mut self, other: &Self) {
        self.count = self.count.saturating_add(other.count);
        if other.first < self.first {
            self.first = other.first;
        }
        if other.last > self.last {
            self.last = other.last;
        }
    }

    /// The aggregate with its account and reason within their caps (see
    /// [`AuditRecord::capped`](super::AuditRecord::capped)).
    #[must_use]
    pub fn capped(self) -> Self {
        Self {
            account: cap_text(self.account, MAX_AUDIT_ID_LEN),
            reason: cap_text(self.reason, MAX_AUDIT_ID_LEN),
            ..self
        }
    }

    /// The UTC date of [`minute`](Self::minute): the day whose report includes it.
    pub fn date(&self) -> time::Date {
        self.minute.to_offset_date_time().date()
    }

    /// About how many bytes of memory the aggregate holds.
    pub fn heap_size(&self) -> usize {
        size_of::<Self>() + self.account.capacity() + self.reason.capacity()
    }

    pub(crate) fn key(&self) -> AggregateKey {
        (
            self.account.clone(),
            self.reason.clone(),
            self.minute.as_secs(),
        )
    }
}

/// The start of the UTC minute `time` falls in.
fn minute_of(time: NumericDate) -> NumericDate {
    let secs = time.as_secs();
    NumericDate::from_secs(secs - secs.rem_euclid(60)).unwrap_or(time)
}

/// Merges aggregates with the same key, keeping the order in which each key first came.
pub(crate) fn merge_all(
    aggregates: impl IntoIterator<Item = AuditAggregate>,
) -> Vec<AuditAggregate> {
    let mut merged: Vec<AuditAggregate> = Vec::new();
    let mut index: std::collections::HashMap<AggregateKey, usize> =
        std::collections::HashMap::new();
    for aggregate in aggregates {
        match index.get(&aggregate.key()) {
            Some(&at) => {
                if let Some(existing) = merged.get_mut(at) {
                    existing.merge(&aggregate);
                }
            }
            None => {
                index.insert(aggregate.key(), merged.len());
                merged.push(aggregate);
            }
        }
    }
    // Every sink lists a day's aggregates the same way: by minute, then reason.
    merged.sort_by(|a, b| (a.minute.as_secs(), &a.reason).cmp(&(b.minute.as_secs(), &b.reason)));
    merged
}
