//! `cbeh`: what happens when a user is at the concurrent stream limit.

use std::fmt;

use crate::error::Violation;
use crate::names;

/// Behaviour at the `climit` stream limit.
///
/// The default, [`ConcurrencyBehavior::EvictOldest`], is what an absent `cbeh` means; it has
/// no wire value and is never written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConcurrencyBehavior {
    /// Admit the new stream and evict the user's oldest one (no `cbeh` claim).
    #[default]
    EvictOldest,
    /// `BLOCK_NEW`: refuse the new stream.
    BlockNew,
    /// `BLOCK_NEW_USER`: a new stream from a location that already holds one replaces that
    /// location's oldest stream; a stream from a new location is refused.
    BlockNewUser,
}

impl ConcurrencyBehavior {
    /// The accepted wire values.
    pub const WIRE_VALUES: &'static [&'static str] = &["BLOCK_NEW", "BLOCK_NEW_USER"];

    /// The wire value, `None` for the default (absent claim).
    pub fn wire_value(self) -> Option<&'static str> {
        match self {
            Self::EvictOldest => None,
            Self::BlockNew => Some("BLOCK_NEW"),
            Self::BlockNewUser => Some("BLOCK_NEW_USER"),
        }
    }

    /// Parses a wire value (exact, case-sensitive).
    pub fn from_wire(value: &str) -> Result<Self, Violation> {
        match value {
            "BLOCK_NEW" => Ok(Self::BlockNew),
            "BLOCK_NEW_USER" => Ok(Self::BlockNewUser),
            other => Err(Violation::UnknownValue {
                claim: names::CBEH,
                value: other.to_owned(),
                allowed: Self::WIRE_VALUES,
            }),
        }
    }

    /// Whether this is the default behaviour (no claim on the wire).
    pub fn is_default(&self) -> bool {
        *self == Self::EvictOldest
    }
}

impl fmt::Display for ConcurrencyBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_value().unwrap_or("evict oldest"))
    }
}
