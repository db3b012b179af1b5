//! `PlaybackClaims`: any of the three claim sets, told apart by the claims they carry.

use serde_json::{Map, Value};

use crate::channel::ChannelDraft;
use crate::channel::PrivateChannelClaims;
use crate::claim_set::{ClaimSet, cached_by_clone, serde_via_claim_set};
use crate::claims_object::ClaimsObject;
use crate::error::{StrictJsonError, Violation, Violations};
use crate::names;
use crate::payload::{Payload, parse_draft};
use crate::restriction::PlaybackRestrictionClaims;
use crate::restriction::RestrictionDraft;
use crate::static_url::StaticUrlClaims;
use crate::static_url::StaticUrlDraft;
use crate::time_rules::TimeClaims;

/// A token's claims as one of the three claim sets, for endpoints that accept every kind.
///
/// The kind is chosen from the claims present, in this order:
/// 1. `aws:channel-arn` → [`PlaybackClaims::Channel`];
/// 2. any claim only restriction tokens carry (`nbf`, `prid`, `tags`, `vids`, `ua`, `maxip`,
///    `maxu`, `uid`, `climit`, `cbeh`, `sid`, `dlimit`) → [`PlaybackClaims::Restriction`];
/// 3. `pro` or `vod` → [`PlaybackClaims::StaticUrl`];
/// 4. otherwise `iat` present → [`PlaybackClaims::Restriction`], absent →
///    [`PlaybackClaims::StaticUrl`].
///
/// A token that mixes kinds is refused when the kind chosen would not enforce a claim of the
/// other ([`Violation::ForeignClaim`]: e.g. `maxu`, `accid` or `climit` beside
/// `aws:channel-arn`, or `aws:single-use-uuid` in a restriction token), so no restriction the
/// publisher wrote is silently dropped. Delivery options that restrict nothing (`pro`, `vod`)
/// are kept in a restriction token's `extra`.
///
/// ```
/// use playback_auth_claims::{ClaimSet, PlaybackClaims};
///
/// let claims = PlaybackClaims::from_json_slice(br#"{"accid":"a","iat":1,"exp":2,"maxu":3}"#)?;
/// assert!(matches!(claims, PlaybackClaims::Restriction(_)));
/// # Ok::<(), playback_auth_claims::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum PlaybackClaims {
    /// Playback restriction claims.
    Restriction(PlaybackRestrictionClaims),
    /// Static URL delivery claims.
    StaticUrl(StaticUrlClaims),
    /// Private-channel (`aws:*`) claims.
    Channel(PrivateChannelClaims),
}

impl PlaybackClaims {
    /// The kind of a payload whose claim `name` is present when `has(name)`.
    fn kind_of(has: impl Fn(&str) -> bool) -> Kind {
        if has(names::CHANNEL_ARN) {
            Kind::Channel
        } else if has(names::NBF) || names::RESTRICTIONS.iter().any(|claim| has(claim)) {
            Kind::Restriction
        } else if has(names::PRO) || has(names::VOD) || !has(names::IAT) {
            Kind::StaticUrl
        } else {
            Kind::Restriction
        }
    }

    /// The claims as a restriction set, if they are one.
    pub fn as_restriction(&self) -> Option<&PlaybackRestrictionClaims> {
        match self {
            Self::Restriction(claims) => Some(claims),
            _ => None,
        }
    }

    /// The claims as a private-channel set, if they are one.
    pub fn as_channel(&self) -> Option<&PrivateChannelClaims> {
        match self {
            Self::Channel(claims) => Some(claims),
            _ => None,
        }
    }

    /// The account that owns the content (`accid`); channel tokens carry none.
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::Restriction(claims) => Some(&claims.accid),
            Self::StaticUrl(claims) => Some(&claims.accid),
            Self::Channel(_) => None,
        }
    }
}

enum Kind {
    Restriction,
    StaticUrl,
    Channel,
}

impl ClaimSet for PlaybackClaims {
    /// Empty: which claims are known depends on the kind chosen.
    const KNOWN_CLAIMS: &'static [&'static str] = &[];

    fn from_json_object(object: Map<String, Value>) -> Result<Self, Violations> {
        Self::from_claims_object(object.into())
    }

    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        Ok(match Self::kind_of(|claim| object.contains_key(claim)) {
            Kind::Restriction => {
                Self::Restriction(PlaybackRestrictionClaims::from_claims_object(object)?)
            }
            Kind::StaticUrl => Self::StaticUrl(StaticUrlClaims::from_claims_object(object)?),
            Kind::Channel => Self::Channel(PrivateChannelClaims::from_claims_object(object)?),
        })
    }

    /// A restriction token (the common kind) is decoded in the parse; a payload that turns
    /// out to be of another kind is parsed again, by that kind's one-pass decoder.
    fn decode_payload(bytes: &[u8]) -> Result<Payload<Self>, StrictJsonError> {
        let decoded = parse_draft::<RestrictionDraft>(bytes)?;
        match Self::kind_of(|claim| decoded.present.has(claim)) {
            Kind::Restriction => Ok(Payload::from_decoded(decoded.map(Self::Restriction))),
            Kind::StaticUrl => parse_draft::<StaticUrlDraft>(bytes)
                .map(|decoded| Payload::from_decoded(decoded.map(Self::StaticUrl))),
            Kind::Channel => parse_draft::<ChannelDraft>(bytes)
                .map(|decoded| Payload::from_decoded(decoded.map(Self::Channel))),
        }
    }

    fn to_json_object(&self) -> Result<Map<String, Value>, Violation> {
        match self {
            Self::Restriction(claims) => claims.to_json_object(),
            Self::StaticUrl(claims) => claims.to_json_object(),
            Self::Channel(claims) => claims.to_json_object(),
        }
    }

    fn validate(&self) -> Result<(), Violations> {
        match self {
            Self::Restriction(claims) => claims.validate(),
            Self::StaticUrl(claims) => claims.validate(),
            Self::Channel(claims) => claims.validate(),
        }
    }

    fn time_claims(&self) -> TimeClaims {
        match self {
            Self::Restriction(claims) => claims.time_claims(),
            Self::StaticUrl(claims) => claims.time_claims(),
            Self::Channel(claims) => claims.time_claims(),
        }
    }

    fn extra(&self) -> &Map<String, Value> {
        match self {
            Self::Restriction(claims) => claims.extra(),
            Self::StaticUrl(claims) => claims.extra(),
            Self::Channel(claims) => claims.extra(),
        }
    }

    cached_by_clone!();
}

serde_via_claim_set!(PlaybackClaims);

#[cfg(test)]
mod tests;
