//! The time rules every token obeys: lifetime, expiry, not-before and issued-at.
//!
//! Written once here; `verify` and `policy` call these rather than comparing dates
//! themselves.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::claims_object::ClaimsObject;
use crate::error::{Violation, Violations};
use crate::names;
use crate::numeric_date::NumericDate;
use crate::reader::to_date;

/// The longest a token may live: `exp - iat` ≤ 30 days (2,592,000 s).
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The default clock-skew allowance: 30 s.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The registered time claims of a token.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TimeClaims {
    /// Issued at.
    pub iat: Option<NumericDate>,
    /// Not valid before.
    pub nbf: Option<NumericDate>,
    /// Expiry.
    pub exp: Option<NumericDate>,
}

/// When, and how strictly, a token's time claims are checked.
///
/// ```
/// use playback_auth_claims::{NumericDate, TimeWindow};
///
/// let window = TimeWindow::at(NumericDate::from_secs(1_700_000_000).unwrap());
/// assert_eq!(window.leeway.as_secs(), 30);
/// assert!(window.require_exp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeWindow {
    /// The time of the check.
    pub now: NumericDate,
    /// Clock-skew allowance applied to `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Whether a token without `exp` is rejected.
    pub require_exp: bool,
}

impl TimeWindow {
    /// A window at `now` with the defaults: 30 s leeway, `exp` required.
    pub fn at(now: NumericDate) -> Self {
        Self {
            now,
            leeway: DEFAULT_LEEWAY,
            require_exp: true,
        }
    }
}

impl TimeClaims {
    /// Reads `iat`, `nbf` and `exp` from a claims object, reporting each that is not a
    /// valid NumericDate (a string, boolean, negative or out-of-range number).
    pub fn from_json_object(object: &Map<String, Value>) -> Result<TimeClaims, Violations> {
        Self::read(|claim| object.get(claim))
    }

    /// Like [`TimeClaims::from_json_object`], from a [`ClaimsObject`] (which keeps them).
    pub fn from_claims_object(object: &ClaimsObject) -> Result<TimeClaims, Violations> {
        Self::read(|claim| object.get(claim))
    }

    fn read<'a>(get: impl Fn(&'static str) -> Option<&'a Value>) -> Result<TimeClaims, Violations> {
        let mut found = Vec::new();
        let mut read = |claim: &'static str| {
            get(claim).and_then(|value| match to_date(claim, value) {
                Ok(date) => Some(date),
                Err(violation) => {
                    found.push(violation);
                    None
                }
            })
        };
        let times = TimeClaims {
            iat: read(names::IAT),
            nbf: read(names::NBF),
            exp: read(names::EXP),
        };
        Violations::check(found).map(|()| times)
    }

    /// The lifetime rule: when both `iat` and `exp` are present, `iat < exp` and
    /// `exp - iat` ≤ 30 days.
    pub fn check_lifetime(&self) -> Option<Violation> {
        let (iat, exp) = (self.iat?, self.exp?);
        let lifetime = exp.secs_since(iat);
        if lifetime <= 0.0 {
            Some(Violation::ExpiryNotAfterIssue { iat, exp })
        } else if lifetime > MAX_LIFETIME.as_secs_f64() {
            Some(Violation::ExpiryTooFar {
                iat,
                exp,
                max: MAX_LIFETIME.as_secs(),
            })
        } else {
            None
        }
    }

    /// Every time rule at `window.now`: lifetime, `exp` required, expired
    /// (`now >= exp + leeway`), not yet valid (`now < nbf - leeway`), issued in the
    /// future (`iat > now + leeway`), and — for a token without `iat`, whose lifetime cannot
    /// be checked — `exp` at most 30 days (plus leeway) after `now`.
    pub fn check_at(&self, window: &TimeWindow) -> Vec<Violation> {
        let now = window.now.as_secs_f64();
        let leeway = window.leeway.as_secs_f64();
        let leeway_secs = window.leeway.as_secs();
        let mut found: Vec<Violation> = self.check_lifetime().into_iter().collect();
        match self.exp {
            None if window.require_exp => found.push(Violation::MissingClaim { claim: names::EXP }),
            Some(exp) if now >= exp.as_secs_f64() + leeway => {
                found.push(Violation::Expired {
                    exp,
                    now: window.now,
                    leeway: leeway_secs,
                });
            }
            _ => {}
        }
        if let Some(nbf) = self.nbf
            && now < nbf.as_secs_f64() - leeway
        {
            found.push(Violation::NotYetValid {
                nbf,
                now: window.now,
                leeway: leeway_secs,
            });
        }
        if let (None, Some(exp)) = (self.iat, self.exp)
            && exp.as_secs_f64() > now + MAX_LIFETIME.as_secs_f64() + leeway
        {
            found.push(Violation::ExpiryTooFarFromNow {
                exp,
                now: window.now,
                max: MAX_LIFETIME.as_secs(),
            });
        }
        if let Some(iat) = self.iat
            && iat.as_secs_f64() > now + leeway
        {
            found.push(Violation::IssuedInFuture {
                iat,
                now: window.now,
                leeway: leeway_secs,
            });
        }
        found
    }
}

#[cfg(test)]
mod tests;
