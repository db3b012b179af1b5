//! `NumericDate`: seconds since the Unix epoch, as JWT time claims carry them.

use std::cmp::Ordering;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

/// A JWT NumericDate (RFC 7519 §2): seconds since 1970-01-01T00:00:00Z, integer or
/// fractional, between 0 and [`NumericDate::MAX`] (the last second of year 9999).
///
/// The JSON form it was read from is kept, so `1700000000` and `1700000000.0` are each
/// written back exactly as they came; they still compare equal.
///
/// ```
/// use playback_auth_claims::NumericDate;
///
/// let date: NumericDate = serde_json::from_str("1700000000.5").unwrap();
/// assert_eq!(date.as_secs_f64(), 1_700_000_000.5);
/// assert!(serde_json::from_str::<NumericDate>("\"1700000000\"").is_err());
/// ```
#[derive(Clone, Copy)]
pub struct NumericDate(Repr);

#[derive(Clone, Copy, Debug)]
enum Repr {
    Int(i64),
    Float(f64),
}

/// Why a JSON value is not a [`NumericDate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericDateError {
    /// The value is not a JSON number.
    NotANumber,
    /// The number is negative, not finite or after [`NumericDate::MAX`].
    OutOfRange,
}

impl fmt::Display for NumericDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotANumber => "a NumericDate must be a JSON number",
            Self::OutOfRange => "a NumericDate must be between 0 and 253402300799",
        })
    }
}

impl std::error::Error for NumericDateError {}

impl NumericDate {
    /// 9999-12-31T23:59:59Z. Every value up to here is an integer an `f64` holds exactly,
    /// so comparisons between integer and fractional dates are exact.
    pub const MAX_SECS: i64 = 253_402_300_799;
    /// The latest representable date.
    pub const MAX: NumericDate = NumericDate(Repr::Int(Self::MAX_SECS));
    /// The Unix epoch.
    pub const EPOCH: NumericDate = NumericDate(Repr::Int(0));

    /// A whole number of seconds since the epoch; `None` outside `0 ..= MAX_SECS`.
    pub const fn from_secs(secs: i64) -> Option<NumericDate> {
        if secs >= 0 && secs <= Self::MAX_SECS {
            Some(NumericDate(Repr::Int(secs)))
        } else {
            None
        }
    }

    /// The system clock's current time, to the whole second. A clock before 1970 reads as the
    /// [epoch](NumericDate::EPOCH), one past year 9999 as [`NumericDate::MAX`].
    ///
    /// This is for application code: the `iat` of a token being minted, the `now` of a
    /// request. The library itself never reads the clock: every check takes `now` as a
    /// parameter (the verifier and the authorizer take a `Clock`), so tests and replays choose
    /// the time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
    ///
    /// let claims = PlaybackRestrictionClaims::builder("acct-1", NumericDate::now())
    ///     .valid_for(Duration::from_secs(3600))
    ///     .build()?;
    /// assert!(claims.exp > Some(NumericDate::EPOCH));
    /// # Ok::<(), playback_auth_claims::Violations>(())
    /// ```
    pub fn now() -> NumericDate {
        Self::from_system_time(SystemTime::now())
    }

    /// `time` to the whole second, clamped to `EPOCH ..= MAX`.
    fn from_system_time(time: SystemTime) -> NumericDate {
        let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        i64::try_from(secs)
            .ok()
            .and_then(Self::from_secs)
            .unwrap_or(Self::MAX)
    }

    /// Fractional seconds since the epoch; `None` when not finite or out of range.
    pub fn from_secs_f64(secs: f64) -> Option<NumericDate> {
        if secs.is_finite() && secs >= 0.0 && secs <= Self::MAX_SECS as f64 {
            Some(NumericDate(Repr::Float(secs)))
        } else {
            None
        }
    }

    /// Reads a JSON value: any JSON number in range; anything else is an error.
    pub fn from_json(value: &Value) -> Result<NumericDate, NumericDateError> {
        match value {
            Value::Number(number) => Self::from_number(number),
            _ => Err(NumericDateError::NotANumber),
        }
    }

    fn from_number(number: &Number) -> Result<NumericDate, NumericDateError> {
        if let Some(secs) = number.as_i64() {
            return Self::from_secs(secs).ok_or(NumericDateError::OutOfRange);
        }
        if number.is_u64() {
            return Err(NumericDateError::OutOfRange);
        }
        number
            .as_f64()
            .and_then(Self::from_secs_f64)
            .ok_or(NumericDateError::OutOfRange)
    }

    /// The date as (possibly fractional) seconds since the epoch.
    pub fn as_secs_f64(self) -> f64 {
        match self.0 {
            Repr::Int(secs) => secs as f64,
            Repr::Float(secs) => secs,
        }
    }

    /// Whole seconds since the epoch, rounded down.
    #[allow(clippy::cast_possible_truncation)] // in range by construction
    pub fn as_secs(self) -> i64 {
        match self.0 {
            Repr::Int(secs) => secs,
            Repr::Float(secs) => secs.floor() as i64,
        }
    }

    /// Whole seconds since the epoch, rounded up (the first whole second at or after it).
    #[allow(clippy::cast_possible_truncation)] // in range by construction
    pub fn as_secs_ceil(self) -> i64 {
        match self.0 {
            Repr::Int(secs) => secs,
            Repr::Float(secs) => secs.ceil() as i64,
        }
    }

    /// This date moved forward by `duration`, saturating at [`NumericDate::MAX`].
    pub fn saturating_add(self, duration: Duration) -> NumericDate {
        let secs = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        match self.0 {
            Repr::Int(base) if duration.subsec_nanos() == 0 => {
                NumericDate(Repr::Int(base.saturating_add(secs).min(Self::MAX_SECS)))
            }
            _ => Self::from_secs_f64(self.as_secs_f64() + duration.as_secs_f64())
                .unwrap_or(Self::MAX),
        }
    }

    /// Seconds from `earlier` to `self` (negative when `self` is earlier).
    pub fn secs_since(self, earlier: NumericDate) -> f64 {
        self.as_secs_f64() - earlier.as_secs_f64()
    }

    /// The JSON number this date is written as.
    pub fn to_json(self) -> Value {
        match self.0 {
            Repr::Int(secs) => Value::from(secs),
            // In range and finite by construction, so `from_f64` always succeeds.
            Repr::Float(secs) => Number::from_f64(secs).map_or(Value::Null, Value::Number),
        }
    }

    /// The date as a `time::OffsetDateTime` (UTC), to the nanosecond.
    pub fn to_offset_date_time(self) -> time::OffsetDateTime {
        let nanos = (self.as_secs_f64() * 1e9).round();
        #[allow(clippy::cast_possible_truncation)] // |nanos| < 2^63 by the range bound
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos as i128)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

impl TryFrom<time::OffsetDateTime> for NumericDate {
    type Error = NumericDateError;

    /// Whole seconds of `value` (sub-second precision is dropped, as tokens carry seconds).
    fn try_from(value: time::OffsetDateTime) -> Result<Self, Self::Error> {
        Self::from_secs(value.unix_timestamp()).ok_or(NumericDateError::OutOfRange)
    }
}

impl PartialEq for NumericDate {
    fn eq(&self, other: &Self) -> bool {
        self.as_secs_f64() == other.as_secs_f64()
    }
}

impl PartialOrd for NumericDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.as_secs_f64().partial_cmp(&other.as_secs_f64())
    }
}

impl fmt::Debug for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumericDate({self})")
    }
}

impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Int(secs) => write!(f, "{secs}"),
            Repr::Float(secs) => write!(f, "{secs}"),
        }
    }
}

impl Serialize for NumericDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Repr::Int(secs) => serializer.serialize_i64(secs),
            Repr::Float(secs) => serializer.serialize_f64(secs),
        }
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        NumericDate::from_json(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
