//! Why a rights object is refused at construction.

use playback_auth_claims::{CountryCodeError, IpRangeError};

/// Why a rights document is not a valid [`crate::PlaybackRights`]. One variant per cause,
/// each naming the field (`geo.allowed_countries`, `ip.blocked`, …) and the value at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RightsError {
    /// The JSON is not a rights document (syntax, a wrong type, an unknown member).
    #[error("not a playback-rights document: {0}")]
    Json(#[source] serde_json::Error),
    /// The rights id or account is empty, too long or has characters outside
    /// `A–Z a–z 0–9 . _ : -`.
    #[error("{field} {value:?} is not 1 to {max} characters of A-Z a-z 0-9 . _ : -", max = super::MAX_ID_LEN)]
    InvalidId {
        /// `"id"` or `"account"`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// A country entry is not an assigned ISO 3166-1 alpha-2 code.
    #[error("{field}: {value:?}: {error}")]
    InvalidCountry {
        /// The list (`geo.allowed_countries` or `geo.blocked_countries`).
        field: &'static str,
        /// The entry found.
        value: String,
        /// Why it is refused.
        error: CountryCodeError,
    },
    /// An IP entry is not an address or CIDR range.
    #[error("{field}: {value:?}: {error}")]
    InvalidIpRange {
        /// The list (`ip.allowed` or `ip.blocked`).
        field: &'static str,
        /// The entry found.
        value: String,
        /// Why it is refused.
        error: IpRangeError,
    },
    /// A domain entry is not a host name or a `*.` wildcard.
    #[error("{field}: {value:?}: {error}")]
    InvalidDomain {
        /// The list (`domains.allowed` or `domains.blocked`).
        field: &'static str,
        /// The entry found.
        value: String,
        /// Why it is refused.
        error: DomainError,
    },
    /// The same country, range or domain is both allowed and blocked: which one wins would
    /// be a guess.
    #[error("{value} is both allowed and blocked in {section}")]
    AllowedAndBlocked {
        /// `geo`, `ip` or `domains`.
        section: &'static str,
        /// The entry, as written back.
        value: String,
    },
    /// A list holds more entries than a rights object may.
    #[error("{field} has {len} entries, at most {max} are allowed")]
    TooManyEntries {
        /// The list.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// `schedule.starts_at` or `schedule.ends_at` is not an RFC 3339 instant with an offset.
    #[error("{field} {value:?} is not an RFC 3339 date-time with an offset")]
    InvalidInstant {
        /// `schedule.starts_at` or `schedule.ends_at`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// `schedule.ends_at` is not after `schedule.starts_at`.
    #[error("schedule ends at {end}, not after it starts at {start}")]
    EndNotAfterStart {
        /// The start, as written back.
        start: String,
        /// The end, as written back.
        end: String,
    },
    /// `schedule.time_zone` is not a time zone of the bundled IANA database.
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone {
        /// The name found.
        name: String,
    },
    /// `schedule.windows` is set but `schedule.time_zone` is not: a weekly window is wall-clock
    /// time somewhere, and guessing UTC would be wrong for nearly everyone.
    #[error("schedule.windows needs schedule.time_zone")]
    MissingTimeZone,
    /// A weekly window is malformed.
    #[error("schedule.windows[{index}]: {error}")]
    InvalidWindow {
        /// The window's position, from 0.
        index: usize,
        /// What is wrong with it.
        error: WindowError,
    },
}

/// Why a domain entry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The entry is empty.
    #[error("is empty")]
    Empty,
    /// The entry is longer than 253 characters.
    #[error("is {len} characters long (at most 253)")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The entry has a scheme, port, path or user (`https://`, `:443`, `/`, `@`): a domain
    /// rule names a host only.
    #[error("names more than a host (scheme, port, path or user)")]
    NotAHost,
    /// `*` appears elsewhere than as the whole first label of `*.example.com`.
    #[error("a wildcard is only allowed as `*.` at the start")]
    MisplacedWildcard,
    /// A label is empty, longer than 63 characters, has characters outside `a–z 0–9 -`, or
    /// starts or ends with `-`.
    #[error("label {label:?} is not a host name label")]
    InvalidLabel {
        /// The label found.
        label: String,
    },
}

/// Why a weekly window is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// `days` is empty.
    #[error("days is empty")]
    NoDays,
    /// A day is not one of `mon tue wed thu fri sat sun`.
    #[error("day {value:?} is not one of mon tue wed thu fri sat sun")]
    UnknownDay {
        /// The value found.
        value: String,
    },
    /// A day is listed twice.
    #[error("day {value:?} is listed twice")]
    DuplicateDay {
        /// The day.
        value: String,
    },
    /// `from` or `to` is not `HH:MM` (00:00 to 23:59; `to` may be 24:00).
    #[error("{field} {value:?} is not a time HH:MM")]
    InvalidTime {
        /// `from` or `to`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// `from` equals `to`: empty, or a whole day, which would be a guess.
    #[error("from and to are equal ({value}); a window across midnight ends on the next day")]
    Empty {
        /// The time found.
        value: String,
    },
}
