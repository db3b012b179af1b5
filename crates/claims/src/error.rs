//! Violations of claim rules, reported all at once.

use std::fmt;

use crate::{NumericDate, SecurityLevel};

/// Why a `uid` claim is not a valid user id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UidError {
    /// The uid is the empty string.
    Empty,
    /// The uid is longer than [`crate::Uid::MAX_LEN`] characters.
    TooLong {
        /// Its length in characters.
        len: usize,
    },
    /// The uid contains a character outside `A–Z a–z 0–9 = / , @ _ . + -`.
    InvalidCharacter {
        /// The first offending character.
        character: char,
        /// Its position (in characters, from 0).
        position: usize,
    },
}

impl fmt::Display for UidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("is empty"),
            Self::TooLong { len } => {
                write!(
                    f,
                    "is {len} characters long (at most {})",
                    crate::Uid::MAX_LEN
                )
            }
            Self::InvalidCharacter {
                character,
                position,
            } => write!(
                f,
                "has {character:?} at position {position} (allowed: A-Z a-z 0-9 = / , @ _ . + -)"
            ),
        }
    }
}

/// Why a string is not an assigned ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CountryCodeError {
    /// Not two characters long.
    #[error("a country code is two letters, got {len} characters")]
    WrongLength {
        /// Its length in characters.
        len: usize,
    },
    /// Two characters, not both ASCII letters.
    #[error("a country code is two ASCII letters")]
    NotLetters,
    /// Letters, not upper case (codes are written `FR`, not `fr`).
    #[error("a country code is written in upper case")]
    NotUpperCase,
    /// Not an assigned ISO 3166-1 alpha-2 code (e.g. `UK`: the United Kingdom is `GB`).
    #[error("{code:?} is not an assigned ISO 3166-1 alpha-2 country code")]
    NotAssigned {
        /// The code found.
        code: String,
    },
}

/// Why a string is not an IP address or CIDR range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IpRangeError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("not an IPv4 or IPv6 address")]
    InvalidAddress,
    /// The part after `/` is not a prefix length from 0 to `max`.
    #[error("the prefix length is not a number from 0 to {max}")]
    InvalidPrefix {
        /// The longest prefix of the address family (32 or 128).
        max: u8,
    },
    /// The address has bits set beyond the prefix (`192.0.2.1/24`).
    #[error("the range has host bits set; did you mean {network}?")]
    HostBitsSet {
        /// The network the range would be with those bits cleared.
        network: String,
    },
}

/// Why one rule of `accessRules` is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessRuleError {
    /// The rule is not a JSON object.
    #[error("a rule is a JSON object")]
    NotAnObject,
    /// A member the rule needs is absent (`type`, `action`, `country`, `ip`).
    #[error("member `{member}` is required")]
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A member has the wrong JSON type.
    #[error("member `{member}` must be {expected}")]
    WrongType {
        /// The member's name.
        member: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `type` or `action` has a value outside its set.
    #[error("member `{member}` is {value:?}, expected one of {allowed:?}")]
    UnknownValue {
        /// The member's name.
        member: &'static str,
        /// The value found.
        value: String,
        /// The accepted values.
        allowed: &'static [&'static str],
    },
    /// A member the rule's type does not take (e.g. `ip` in an `ip.geoip.country` rule).
    #[error("member `{member}` is not part of this rule type")]
    UnknownMember {
        /// The member's name.
        member: String,
    },
    /// A list (`country`, `ip`, or the rule list itself) is empty.
    #[error("`{member}` must not be empty")]
    EmptyList {
        /// The list's name.
        member: &'static str,
    },
    /// A `country` entry is not an assigned country code.
    #[error("country {value:?}: {error}")]
    InvalidCountry {
        /// The entry found.
        value: String,
        /// Why it is refused.
        error: CountryCodeError,
    },
    /// An `ip` entry is not an address or CIDR range.
    #[error("ip {value:?}: {error}")]
    InvalidIpRange {
        /// The entry found.
        value: String,
        /// Why it is refused.
        error: IpRangeError,
    },
}

/// Which part of an `aws:channel-arn` is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArnPart {
    /// It does not start with `arn:aws:ivs:`.
    Prefix,
    /// The region is empty or not made of `a–z 0–9 -`.
    Region,
    /// The account is not exactly 12 digits.
    AccountId,
    /// The resource is not `channel/<id>`.
    Resource,
    /// The channel id is empty or not alphanumeric.
    ChannelId,
}

impl fmt::Display for ArnPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Prefix => "it does not start with arn:aws:ivs:",
            Self::Region => "the region is not a region name",
            Self::AccountId => "the account id is not 12 digits",
            Self::Resource => "the resource is not channel/<id>",
            Self::ChannelId => "the channel id is not alphanumeric",
        })
    }
}

/// One broken rule. Every variant names the claim (by its wire name) it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// A required claim is absent.
    #[error("claim `{claim}` is required")]
    MissingClaim {
        /// Wire name of the claim.
        claim: &'static str,
    },
    /// The claim has the wrong JSON type.
    #[error("claim `{claim}` must be {expected}")]
    WrongType {
        /// Wire name of the claim.
        claim: &'static str,
        /// What the claim must be, e.g. `"a string"`.
        expected: &'static str,
    },
    /// A time claim is a number outside `0 ..= 253402300799` (year 9999).
    #[error("claim `{claim}` is not a date between 1970 and 9999")]
    DateOutOfRange {
        /// Wire name of the claim.
        claim: &'static str,
    },
    /// A count claim is a number with a fractional part (or written as a float).
    #[error("claim `{claim}` must be an integer")]
    NotAnInteger {
        /// Wire name of the claim.
        claim: &'static str,
    },
    /// A count claim is zero or negative.
    #[error("claim `{claim}` must be greater than 0, got {value}")]
    NotPositive {
        /// Wire name of the claim.
        claim: &'static str,
        /// The value found.
        value: i64,
    },
    /// An integer claim exceeds what it may hold.
    #[error("claim `{claim}` is larger than {max}")]
    IntegerTooLarge {
        /// Wire name of the claim.
        claim: &'static str,
        /// The largest accepted value.
        max: u64,
    },
    /// A claim with a fixed set of values has another one.
    #[error("claim `{claim}` is {value:?}, expected one of {allowed:?}")]
    UnknownValue {
        /// Wire name of the claim.
        claim: &'static str,
        /// The value found.
        value: String,
        /// The accepted values.
        allowed: &'static [&'static str],
    },
    /// `uid` breaks the user-id rules.
    #[error("claim `uid` {0}")]
    InvalidUid(UidError),
    /// `aws:channel-arn` is not an IVS channel ARN.
    #[error("claim `aws:channel-arn` is not an IVS channel ARN: {part}")]
    InvalidChannelArn {
        /// The malformed part.
        part: ArnPart,
    },
    /// `aws:single-use-uuid` is not a UUID (`8-4-4-4-12` hex digits).
    #[error("claim `aws:single-use-uuid` is not a UUID")]
    InvalidUuid,
    /// `aws:viewer-id` is empty or longer than 40 characters.
    #[error("claim `aws:viewer-id` must be 1 to {max} characters, got {len}")]
    InvalidViewerIdLength {
        /// Its length in characters.
        len: usize,
        /// The longest accepted length.
        max: usize,
    },
    /// `aws:access-control-allow-origin` is neither `*` nor a list of origins.
    #[error("claim `aws:access-control-allow-origin` has an invalid origin {origin:?}")]
    InvalidOrigin {
        /// The offending list entry.
        origin: String,
    },
    /// A rule of `accessRules` is malformed (or the list is empty: index 0, `EmptyList`).
    #[error("claim `accessRules` rule {index}: {error}")]
    InvalidAccessRule {
        /// The rule's position in the list, from 0.
        index: usize,
        /// What is wrong with it.
        error: AccessRuleError,
    },
    /// A claim only makes sense together with another one.
    #[error("claim `{claim}` requires claim `{requires}`")]
    ClaimRequires {
        /// Wire name of the claim that is present.
        claim: &'static str,
        /// Wire name of the claim it needs.
        requires: &'static str,
    },
    /// `exp` is more than the maximum lifetime after `iat`.
    #[error("`exp` ({exp}) is more than {max} s after `iat` ({iat})")]
    ExpiryTooFar {
        /// The token's `iat`.
        iat: NumericDate,
        /// The token's `exp`.
        exp: NumericDate,
        /// The longest lifetime allowed, in seconds.
        max: u64,
    },
    /// `exp` is not after `iat`: the token never had a moment of validity.
    #[error("`exp` ({exp}) is not after `iat` ({iat})")]
    ExpiryNotAfterIssue {
        /// The token's `iat`.
        iat: NumericDate,
        /// The token's `exp`.
        exp: NumericDate,
    },
    /// A token without `iat` expires more than the maximum lifetime (plus leeway) after the
    /// time of the check: its lifetime cannot be bounded by `iat`, so it is bounded by `now`.
    #[error("`exp` ({exp}) is more than {max} s after now ({now}) and the token has no `iat`")]
    ExpiryTooFarFromNow {
        /// The token's `exp`.
        exp: NumericDate,
        /// The time of the check.
        now: NumericDate,
        /// The longest lifetime allowed, in seconds.
        max: u64,
    },
    /// The claim is not allowed by the publisher's security level.
    #[error("claim `{claim}` is not allowed at security level {level}")]
    NotAllowedAtLevel {
        /// Wire name of the claim.
        claim: &'static str,
        /// The level the claims were checked against.
        level: SecurityLevel,
    },
    /// The token mixes claim sets: it carries a claim of another set that a token of this kind
    /// does not enforce (e.g. `maxu` beside `aws:channel-arn`). Refused rather than decoded
    /// with the restriction silently dropped.
    #[error("claim `{claim}` belongs to another claim set and is not enforced in a {kind} token")]
    ForeignClaim {
        /// Wire name of the foreign claim.
        claim: &'static str,
        /// The kind of token it was found in.
        kind: &'static str,
    },
    /// A known claim was put in the `extra` map, where it would be emitted twice.
    #[error("claim `{claim}` is a known claim and must not be in `extra`")]
    KnownClaimInExtra {
        /// The wire name found in `extra`.
        claim: String,
    },
    /// The token has expired: `now >= exp + leeway`.
    #[error("token expired at {exp} (now {now}, leeway {leeway} s)")]
    Expired {
        /// The token's `exp`.
        exp: NumericDate,
        /// The time of the check.
        now: NumericDate,
        /// The leeway applied, in seconds.
        leeway: u64,
    },
    /// The token is not valid yet: `now < nbf - leeway`.
    #[error("token not valid before {nbf} (now {now}, leeway {leeway} s)")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: NumericDate,
        /// The time of the check.
        now: NumericDate,
        /// The leeway applied, in seconds.
        leeway: u64,
    },
    /// The token claims to be issued in the future: `iat > now + leeway`.
    #[error("token issued in the future at {iat} (now {now}, leeway {leeway} s)")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: NumericDate,
        /// The time of the check.
        now: NumericDate,
        /// The leeway applied, in seconds.
        leeway: u64,
    },
}

impl Violation {
    /// Wire name of the claim this violation is about.
    pub fn claim(&self) -> &str {
        match self {
            Self::MissingClaim { claim }
            | Self::WrongType { claim, .. }
            | Self::DateOutOfRange { claim }
            | Self::NotAnInteger { claim }
            | Self::NotPositive { claim, .. }
            | Self::IntegerTooLarge { claim, .. }
            | Self::UnknownValue { claim, .. }
            | Self::ClaimRequires { claim, .. }
            | Self::NotAllowedAtLevel { claim, .. }
            | Self::ForeignClaim { claim, .. } => claim,
            Self::KnownClaimInExtra { claim } => claim,
            Self::InvalidUid(_) => crate::names::UID,
            Self::InvalidChannelArn { .. } => crate::names::CHANNEL_ARN,
            Self::InvalidUuid => crate::names::SINGLE_USE_UUID,
            Self::InvalidViewerIdLength { .. } => crate::names::VIEWER_ID,
            Self::InvalidOrigin { .. } => crate::names::ALLOW_ORIGIN,
            Self::InvalidAccessRule { .. } => crate::names::ACCESS_RULES,
            Self::ExpiryTooFar { .. }
            | Self::ExpiryNotAfterIssue { .. }
            | Self::ExpiryTooFarFromNow { .. }
            | Self::Expired { .. } => crate::names::EXP,
            Self::NotYetValid { .. } => crate::names::NBF,
            Self::IssuedInFuture { .. } => crate::names::IAT,
        }
    }
}

/// Every rule a claim set breaks, in the order they were found. Never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub(crate) fn from_vec(found: Vec<Violation>) -> Violations {
        Violations(found)
    }

    pub(crate) fn missing(claim: &'static str) -> Violations {
        Violations(vec![Violation::MissingClaim { claim }])
    }

    /// Turns a list of violations into `Ok(())` when empty, `Err` otherwise.
    pub fn check(found: Vec<Violation>) -> Result<(), Violations> {
        if found.is_empty() {
            Ok(())
        } else {
            Err(Violations(found))
        }
    }

    /// The violations, in the order found.
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// The violations, in the order found.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    /// The first violation (there always is one).
    pub fn first(&self) -> Option<&Violation> {
        self.0.first()
    }

    /// Number of violations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a `Violations` holds at least one violation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the violations.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// Whether any violation is about `claim` (wire name).
    pub fn mentions(&self, claim: &str) -> bool {
        self.0.iter().any(|v| v.claim() == claim)
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl From<Violation> for Violations {
    fn from(violation: Violation) -> Self {
        Violations(vec![violation])
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Why bytes are not a JSON object under the strict rules of [`crate::strict_json`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrictJsonError {
    /// The bytes are not UTF-8.
    #[error("not UTF-8")]
    InvalidUtf8,
    /// Arrays/objects nest deeper than [`MAX_DEPTH`](crate::strict_json::MAX_DEPTH).
    #[error("JSON nests deeper than {max} levels")]
    NestingTooDeep {
        /// The deepest nesting accepted.
        max: usize,
    },
    /// The text is not JSON.
    #[error("not valid JSON")]
    Syntax(#[source] serde_json::Error),
    /// The JSON is not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// An object, at any depth, has the same member name twice.
    #[error("duplicate member name {name:?}")]
    DuplicateMember {
        /// The repeated name, in full (callers bound it before showing it).
        name: String,
    },
}

/// Why a byte string could not be decoded into a claim set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not strict JSON: not UTF-8, not JSON, nested too deep, or an object
    /// with a duplicate member name (the rules of [`crate::strict_json`]).
    #[error("claims are not valid JSON: {0}")]
    Json(#[source] StrictJsonError),
    /// The JSON is not an object.
    #[error("claims must be a JSON object")]
    NotAnObject,
    /// The object breaks claim rules.
    #[error("invalid claims: {0}")]
    Invalid(#[source] Violations),
}
