//! ISO 3166-1 alpha-2 country codes, checked against the assigned list.

use std::fmt;
use std::str::FromStr;

use crate::error::CountryCodeError;

/// The officially assigned ISO 3166-1 alpha-2 codes, plus `XK` (Kosovo: user-assigned, but
/// the code every geolocation database returns for it, so a rule must be able to name it).
const ASSIGNED: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ \
EC EE EG EH ER ES ET \
FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ \
OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA \
RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ \
VA VC VE VG VI VN VU \
WF WS \
XK \
YE YT \
ZA ZM ZW";

/// Bit `26 * first + second` is set for every assigned code: a lookup on every geolocated
/// request costs one shift, not a scan of the list.
const ASSIGNED_BITS: [u64; 11] = assigned_bits();

// Only ever evaluated at compile time (for `ASSIGNED_BITS`): an index out of range would fail
// the build, never a request.
#[allow(clippy::indexing_slicing)]
const fn assigned_bits() -> [u64; 11] {
    let bytes = ASSIGNED.as_bytes();
    let mut bits = [0u64; 11];
    let mut i = 0;
    while i + 1 < bytes.len() {
        let index = (bytes[i] - b'A') as usize * 26 + (bytes[i + 1] - b'A') as usize;
        bits[index / 64] |= 1 << (index % 64);
        i += 3;
    }
    bits
}

fn is_assigned(code: [u8; 2]) -> bool {
    let [first, second] = code;
    let index = usize::from(first - b'A') * 26 + usize::from(second - b'A');
    ASSIGNED_BITS
        .get(index / 64)
        .is_some_and(|word| word & (1 << (index % 64)) != 0)
}

/// An assigned ISO 3166-1 alpha-2 country code, in upper case (`FR`, `US`, `GB`).
///
/// Parsing is strict: two upper-case ASCII letters forming an assigned code. `UK` (reserved,
/// not assigned: the United Kingdom is `GB`) and lower case are refused with a typed cause,
/// so a typo in a rule is an error when the rule is written, not a rule that never matches.
///
/// ```
/// use playback_auth_claims::{CountryCode, CountryCodeError};
///
/// let fr: CountryCode = "FR".parse()?;
/// assert_eq!(fr.as_str(), "FR");
/// assert_eq!("UK".parse::<CountryCode>(), Err(CountryCodeError::NotAssigned { code: "UK".into() }));
/// assert_eq!("fr".parse::<CountryCode>(), Err(CountryCodeError::NotUpperCase));
/// # Ok::<(), CountryCodeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a code (see the type's docs for the rules).
    pub fn parse(code: &str) -> Result<Self, CountryCodeError> {
        let len = code.chars().count();
        if len != 2 {
            return Err(CountryCodeError::WrongLength { len });
        }
        let &[first, second] = code.as_bytes() else {
            // Two characters but not two bytes: not ASCII letters.
            return Err(CountryCodeError::NotLetters);
        };
        if !first.is_ascii_alphabetic() || !second.is_ascii_alphabetic() {
            return Err(CountryCodeError::NotLetters);
        }
        if !first.is_ascii_uppercase() || !second.is_ascii_uppercase() {
            return Err(CountryCodeError::NotUpperCase);
        }
        if !is_assigned([first, second]) {
            return Err(CountryCodeError::NotAssigned {
                code: code.to_owned(),
            });
        }
        Ok(Self([first, second]))
    }

    /// The code, e.g. `"FR"`.
    pub fn as_str(&self) -> &str {
        // Always two ASCII letters (checked by `parse`), so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for CountryCode {
    type Err = CountryCodeError;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::parse(code)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

/// Serde as the string form: `Display` out, the strict `FromStr` in (its error as the message).
macro_rules! serde_via_str {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_str;

serde_via_str!(CountryCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_every_assigned_code_and_kosovo() {
        assert_eq!(ASSIGNED.split(' ').count(), 249 + 1);
        let set_bits: u32 = ASSIGNED_BITS.iter().map(|word| word.count_ones()).sum();
        assert_eq!(set_bits, 250, "no code is listed twice");
        for code in ASSIGNED.split(' ') {
            assert_eq!(
                CountryCode::parse(code).map(|c| c.to_string()),
                Ok(code.to_owned())
            );
        }
    }

    #[test]
    fn unassigned_and_malformed_codes_are_refused_with_their_cause() {
        for (input, expected) in [
            ("", CountryCodeError::WrongLength { len: 0 }),
            ("FRA", CountryCodeError::WrongLength { len: 3 }),
            ("É", CountryCodeError::WrongLength { len: 1 }),
            ("ÉÉ", CountryCodeError::NotLetters),
            ("F1", CountryCodeError::NotLetters),
            ("Fr", CountryCodeError::NotUpperCase),
            ("UK", CountryCodeError::NotAssigned { code: "UK".into() }),
            ("ZZ", CountryCodeError::NotAssigned { code: "ZZ".into() }),
            ("AA", CountryCodeError::NotAssigned { code: "AA".into() }),
        ] {
            assert_eq!(CountryCode::parse(input), Err(expected), "{input:?}");
        }
    }
}
