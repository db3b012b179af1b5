//! Where the verifier's "now" comes from.

use std::fmt;

use playback_auth_claims::NumericDate;

/// A source of the current time, injected into the [`crate::Verifier`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> NumericDate;
}

/// The system clock, to the whole second ([`NumericDate::now`]). A clock before 1970 reads as
/// the epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NumericDate {
        NumericDate::now()
    }
}

/// A clock stopped at one instant, for tests and for replaying decisions.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub NumericDate);

impl Clock for FixedClock {
    fn now(&self) -> NumericDate {
        self.0
    }
}
