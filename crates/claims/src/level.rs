//! Security levels: which restriction claims a publisher's package allows.

use std::fmt;

use crate::names;

/// A publisher's security level. Each level allows the claims of the levels below it.
///
/// - Level 1: general (`accid`, `iat`, `exp`, `nbf`) and playback rights (`prid`,
///   `accessRules`, `tags`, `vids`).
/// - Level 2: level 1 and licence key protection (`ua`, `conid`, `maxip`, `maxu`).
/// - Level 3: level 2, stream concurrency (`uid`, `climit`, `cbeh`, `sid`) and device limits
///   (`uid`, `dlimit`).
///
/// `drules` (delivery rules) belongs to no level and is allowed at all of them, as are claims
/// this crate does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityLevel {
    /// General and playback-rights claims.
    One = 1,
    /// Level 1 and licence key protection.
    Two = 2,
    /// Level 2, stream concurrency and device limits.
    Three = 3,
}

impl SecurityLevel {
    /// The level from its number, 1 to 3.
    pub fn from_number(level: u8) -> Option<Self> {
        match level {
            1 => Some(Self::One),
            2 => Some(Self::Two),
            3 => Some(Self::Three),
            _ => None,
        }
    }

    /// The level's number.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The lowest level that allows `claim`; `None` for claims allowed at every level.
    pub fn required_for(claim: &str) -> Option<SecurityLevel> {
        match claim {
            names::PRID | names::ACCESS_RULES | names::TAGS | names::VIDS => Some(Self::One),
            names::UA | names::CONID | names::MAXIP | names::MAXU => Some(Self::Two),
            names::UID | names::CLIMIT | names::CBEH | names::SID | names::DLIMIT => {
                Some(Self::Three)
            }
            _ => None,
        }
    }

    /// Whether this level allows `claim`.
    pub fn allows(self, claim: &str) -> bool {
        Self::required_for(claim).is_none_or(|needed| needed <= self)
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}
