//! Private-channel (live) claims: the `aws:*` set, signed with ES384 only.

mod arn;
mod origins;
mod values;

pub use arn::ChannelArn;
pub use origins::AllowedOrigins;
pub use values::{MaximumResolution, SingleUseId, ViewerId};

use serde_json::{Map, Value};

/// The one JWS `alg` private-channel tokens are signed with: the live-streaming service's
/// verifiers refuse every other.
pub const CHANNEL_TOKEN_ALG: &str = "ES384";

/// The JWS `alg` a token carrying these claims must be signed with, when its claims demand
/// one: [`CHANNEL_TOKEN_ALG`] when `aws:channel-arn` is among them (`has_claim` answers
/// whether a claim is present). The one place the rule is written: the signer refuses to
/// mint, and the verifier to accept, a token that breaks it.
///
/// ```
/// use playback_auth_claims::{CHANNEL_TOKEN_ALG, names, required_alg};
///
/// assert_eq!(required_alg(|claim| claim == names::CHANNEL_ARN), Some(CHANNEL_TOKEN_ALG));
/// assert_eq!(required_alg(|claim| claim == names::ACCID), None);
/// ```
pub fn required_alg(has_claim: impl Fn(&str) -> bool) -> Option<&'static str> {
    has_claim(names::CHANNEL_ARN).then_some(CHANNEL_TOKEN_ALG)
}

use crate::claim_set::{
    ClaimSet, ClaimsBuilder, cached_by_clone, serde_via_claim_set, shared_violations,
};
use crate::claims_object::ClaimsObject;
use crate::error::{StrictJsonError, Violation, Violations};
use crate::names::{self, slot};
use crate::numeric_date::NumericDate;
use crate::payload::{Decoded, Draft, Found, Incoming, Members, Payload, decode_map, parse_draft};
use crate::reader::{ClaimWriter, to_bool, to_date, to_integer, to_string};
use crate::time_rules::TimeClaims;

/// Claims of a private-channel playback token.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{MaximumResolution, NumericDate, PrivateChannelClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PrivateChannelClaims::builder(
///     "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
///     now,
/// )
/// .allowed_origins("https://player.example")
/// .viewer("viewer-42", 3)
/// .maximum_resolution(MaximumResolution::Hd)
/// .valid_for(Duration::from_secs(300))
/// .build()?;
/// assert_eq!(claims.channel_arn.region(), "us-west-2");
/// # Ok::<(), playback_auth_claims::Violations>(())
/// ```
///
/// `#[non_exhaustive]` (a claim added later is not a breaking change): build one with the
/// builder or decode one; outside this crate a struct expression does not compile:
///
/// ```compile_fail,E0639
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PrivateChannelClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PrivateChannelClaims::builder(
///     "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
///     now,
/// )
/// .valid_for(Duration::from_secs(300))
/// .build()
/// .unwrap();
/// let _other = PrivateChannelClaims { strict_origin_enforcement: Some(true), ..claims };
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PrivateChannelClaims {
    /// `aws:channel-arn`: the channel the token is for.
    pub channel_arn: ChannelArn,
    /// `aws:access-control-allow-origin`: the page origins allowed to play.
    pub allowed_origins: Option<AllowedOrigins>,
    /// `aws:strict-origin-enforcement`: apply the origin check to every later request too.
    pub strict_origin_enforcement: Option<bool>,
    /// `aws:single-use-uuid`: the token may be used once.
    pub single_use_uuid: Option<SingleUseId>,
    /// `aws:viewer-id`: identifies the viewer for disconnection.
    pub viewer_id: Option<ViewerId>,
    /// `aws:viewer-session-version`: sessions at or below a revoked version are refused.
    pub viewer_session_version: Option<i64>,
    /// `aws:maximum-resolution`.
    pub maximum_resolution: Option<MaximumResolution>,
    /// `exp`: expiry (required).
    pub exp: NumericDate,
    /// `iat`: issued at.
    pub iat: Option<NumericDate>,
    /// `nbf`: not valid before.
    pub nbf: Option<NumericDate>,
    /// Every other claim, kept as it came.
    pub extra: Map<String, Value>,
}

impl PrivateChannelClaims {
    /// Starts a claim set for `channel_arn`, issued at `iat`. Set `exp` with
    /// [`ClaimsBuilder::valid_for`] or [`ClaimsBuilder::expires_at`]: it is required.
    pub fn builder(channel_arn: impl Into<String>, iat: NumericDate) -> ClaimsBuilder<Self> {
        ClaimsBuilder::new(iat).set(names::CHANNEL_ARN, channel_arn.into())
    }
}

impl ClaimSet for PrivateChannelClaims {
    const KNOWN_CLAIMS: &'static [&'static str] = &[
        names::CHANNEL_ARN,
        names::ALLOW_ORIGIN,
        names::STRICT_ORIGIN,
        names::SINGLE_USE_UUID,
        names::VIEWER_ID,
        names::VIEWER_SESSION_VERSION,
        names::MAXIMUM_RESOLUTION,
        names::EXP,
        names::IAT,
        names::NBF,
    ];

    fn from_json_object(object: Map<String, Value>) -> Result<Self, Violations> {
        decode_map::<ChannelDraft>(object).claims
    }

    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        Self::from_json_object(object.into_map())
    }

    /// Decoded in the parse, straight into the typed fields.
    fn decode_payload(bytes: &[u8]) -> Result<Payload<Self>, StrictJsonError> {
        parse_draft::<ChannelDraft>(bytes).map(Payload::from_decoded)
    }

    fn to_json_object(&self) -> Result<Map<String, Value>, Violation> {
        let mut w = ClaimWriter::default();
        w.put(names::CHANNEL_ARN, self.channel_arn.as_str());
        w.put_opt(
            names::ALLOW_ORIGIN,
            self.allowed_origins.as_ref().map(AllowedOrigins::as_str),
        );
        w.put_opt(names::STRICT_ORIGIN, self.strict_origin_enforcement);
        w.put_opt(
            names::SINGLE_USE_UUID,
            self.single_use_uuid.as_ref().map(SingleUseId::as_str),
        );
        w.put_opt(
            names::VIEWER_ID,
            self.viewer_id.as_ref().map(ViewerId::as_str),
        );
        w.put_opt(names::VIEWER_SESSION_VERSION, self.viewer_session_version);
        w.put_opt(
            names::MAXIMUM_RESOLUTION,
            self.maximum_resolution.map(MaximumResolution::as_str),
        );
        w.put(names::EXP, self.exp);
        w.put_opt(names::IAT, self.iat);
        w.put_opt(names::NBF, self.nbf);
        w.finish(&self.extra)
    }

    fn validate(&self) -> Result<(), Violations> {
        let mut found = shared_violations(
            self,
            &[names::ACCOUNT_CLAIMS, names::RESTRICTIONS],
            "private-channel",
        );
        if self.viewer_session_version.is_some() && self.viewer_id.is_none() {
            found.push(Violation::ClaimRequires {
                claim: names::VIEWER_SESSION_VERSION,
                requires: names::VIEWER_ID,
            });
        }
        Violations::check(found)
    }

    fn time_claims(&self) -> TimeClaims {
        TimeClaims {
            iat: self.iat,
            nbf: self.nbf,
            exp: Some(self.exp),
        }
    }

    fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
    cached_by_clone!();
}

/// The private-channel claims as they are read, one member at a time: the one conversion
/// table of this claim set, used by the one-pass parse and by [`ClaimSet::from_json_object`].
#[derive(Default)]
pub(crate) struct ChannelDraft {
    channel_arn: Option<ChannelArn>,
    allowed_origins: Option<AllowedOrigins>,
    strict_origin_enforcement: Option<bool>,
    single_use_uuid: Option<SingleUseId>,
    viewer_id: Option<ViewerId>,
    viewer_session_version: Option<i64>,
    maximum_resolution: Option<MaximumResolution>,
    exp: Option<NumericDate>,
    iat: Option<NumericDate>,
    nbf: Option<NumericDate>,
    found: Found,
}

impl Draft for ChannelDraft {
    type Claims = PrivateChannelClaims;

    fn reads_strings(_: u8) -> bool {
        false
    }

    fn known(&mut self, slot: u8, value: Incoming) -> Option<Incoming> {
        let found = &mut self.found;
        let value = value.into_value();
        match slot {
            slot::CHANNEL_ARN => {
                let arn = to_string(names::CHANNEL_ARN, value).and_then(ChannelArn::from_claim);
                self.channel_arn = found.convert(names::CHANNEL_ARN, arn);
            }
            slot::ALLOW_ORIGIN => {
                let origins =
                    to_string(names::ALLOW_ORIGIN, value).and_then(AllowedOrigins::from_claim);
                self.allowed_origins = found.convert(names::ALLOW_ORIGIN, origins);
            }
            slot::STRICT_ORIGIN => {
                let strict = to_bool(names::STRICT_ORIGIN, &value);
                self.strict_origin_enforcement = found.convert(names::STRICT_ORIGIN, strict);
            }
            slot::SINGLE_USE_UUID => {
                let uuid = to_string(names::SINGLE_USE_UUID, value).and_then(SingleUseId::parse);
                self.single_use_uuid = found.convert(names::SINGLE_USE_UUID, uuid);
            }
            slot::VIEWER_ID => {
                let viewer = to_string(names::VIEWER_ID, value).and_then(ViewerId::parse);
                self.viewer_id = found.convert(names::VIEWER_ID, viewer);
            }
            slot::VIEWER_SESSION_VERSION => {
                let version = to_integer(names::VIEWER_SESSION_VERSION, &value);
                self.viewer_session_version = found.convert(names::VIEWER_SESSION_VERSION, version);
            }
            slot::MAXIMUM_RESOLUTION => {
                let resolution = to_string(names::MAXIMUM_RESOLUTION, value)
                    .and_then(|resolution| MaximumResolution::from_wire(&resolution));
                self.maximum_resolution = found.convert(names::MAXIMUM_RESOLUTION, resolution);
            }
            slot::EXP => self.exp = found.convert(names::EXP, to_date(names::EXP, &value)),
            slot::IAT => self.iat = found.convert(names::IAT, to_date(names::IAT, &value)),
            slot::NBF => self.nbf = found.convert(names::NBF, to_date(names::NBF, &value)),
            _ => return Some(Incoming::Value(value)),
        }
        None
    }

    fn finish(self, members: Members) -> Decoded<PrivateChannelClaims> {
        let times = TimeClaims {
            iat: self.iat,
            nbf: self.nbf,
            exp: self.exp,
        };
        let required = [
            (names::CHANNEL_ARN, slot::CHANNEL_ARN),
            (names::EXP, slot::EXP),
        ];
        let fields = PrivateChannelClaims::KNOWN_CLAIMS;
        self.found.end(members, times, &required, fields, |extra| {
            Ok(PrivateChannelClaims {
                channel_arn: self.channel_arn.ok_or(names::CHANNEL_ARN)?,
                allowed_origins: self.allowed_origins,
                strict_origin_enforcement: self.strict_origin_enforcement,
                single_use_uuid: self.single_use_uuid,
                viewer_id: self.viewer_id,
                viewer_session_version: self.viewer_session_version,
                maximum_resolution: self.maximum_resolution,
                exp: self.exp.ok_or(names::EXP)?,
                iat: self.iat,
                nbf: self.nbf,
                extra,
            })
        })
    }
}

serde_via_claim_set!(PrivateChannelClaims, ChannelDraft);

/// Setters for the private-channel claims.
impl ClaimsBuilder<PrivateChannelClaims> {
    /// Sets `aws:access-control-allow-origin`: `*` or a comma-separated list of origins.
    pub fn allowed_origins(self, origins: impl Into<String>) -> Self {
        self.set(names::ALLOW_ORIGIN, origins.into())
    }

    /// Sets `aws:strict-origin-enforcement`.
    pub fn strict_origin_enforcement(self, strict: bool) -> Self {
        self.set(names::STRICT_ORIGIN, strict)
    }

    /// Sets `aws:single-use-uuid`.
    pub fn single_use(self, uuid: impl Into<String>) -> Self {
        self.set(names::SINGLE_USE_UUID, uuid.into())
    }

    /// Sets `aws:viewer-id` and `aws:viewer-session-version`.
    pub fn viewer(self, viewer_id: impl Into<String>, session_version: i64) -> Self {
        self.set(names::VIEWER_ID, viewer_id.into())
            .set(names::VIEWER_SESSION_VERSION, session_version)
    }

    /// Sets `aws:maximum-resolution`.
    pub fn maximum_resolution(self, resolution: MaximumResolution) -> Self {
        self.set(names::MAXIMUM_RESOLUTION, resolution.as_str())
    }
}

#[cfg(test)]
mod tests;
