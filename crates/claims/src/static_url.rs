//! Static URL delivery claims (`accid`, `drules`, `conid`, `pro`, `vod`).

use serde_json::{Map, Value};

use crate::claim_set::{
    ClaimSet, ClaimsBuilder, cached_by_clone, serde_via_claim_set, shared_violations,
};
use crate::claims_object::ClaimsObject;
use crate::error::{StrictJsonError, Violation, Violations};
use crate::names::{self, slot};
use crate::numeric_date::NumericDate;
use crate::payload::{Decoded, Draft, Found, Incoming, Members, Payload, decode_map, parse_draft};
use crate::protection::Protection;
use crate::reader::{ClaimWriter, to_date, to_string};
use crate::time_rules::TimeClaims;

/// Claims of a static URL delivery token.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, Protection, StaticUrlClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = StaticUrlClaims::builder("acct-1", now)
///     .content_id("video-7")
///     .protection(Protection::Widevine)
///     .ssai("ad-config-3")
///     .valid_for(Duration::from_secs(600))
///     .build()?;
/// assert_eq!(claims.vod.and_then(|v| v.ssai).as_deref(), Some("ad-config-3"));
/// # Ok::<(), playback_auth_claims::Violations>(())
/// ```
///
/// `#[non_exhaustive]` (a claim added later is not a breaking change): build one with the
/// builder or decode one; outside this crate a struct expression does not compile:
///
/// ```compile_fail,E0639
/// use playback_auth_claims::{NumericDate, StaticUrlClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = StaticUrlClaims::builder("acct-1", now).build().unwrap();
/// let _other = StaticUrlClaims { accid: "acct-2".into(), ..claims };
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StaticUrlClaims {
    /// `accid`: the account that owns the content.
    pub accid: String,
    /// `iat`: issued at.
    pub iat: Option<NumericDate>,
    /// `exp`: expiry, at most 30 days after `iat`.
    pub exp: Option<NumericDate>,
    /// `nbf`: not valid before.
    pub nbf: Option<NumericDate>,
    /// `drules`: delivery-rule ids to apply.
    pub drules: Option<Vec<String>>,
    /// `conid`: the token is valid only for this content id.
    pub conid: Option<String>,
    /// `pro`: the protection type, when several exist.
    pub pro: Option<Protection>,
    /// `vod`: video-on-demand configuration.
    pub vod: Option<VodConfig>,
    /// Every other claim, kept as it came.
    pub extra: Map<String, Value>,
}

/// The `vod` object: `{ "ssai": … }`.
///
/// `#[non_exhaustive]` (a member added later is not a breaking change): set it with
/// [`ClaimsBuilder::ssai`], or start from `VodConfig::default()` and assign the fields;
/// outside this crate a struct expression does not compile:
///
/// ```compile_fail,E0639
/// use playback_auth_claims::VodConfig;
///
/// let _vod = VodConfig { ssai: Some("ad-config-3".into()), ..VodConfig::default() };
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct VodConfig {
    /// `ssai`: server-side ad insertion configuration id.
    pub ssai: Option<String>,
    /// Other members of the object, kept as they came.
    pub extra: Map<String, Value>,
}

impl VodConfig {
    fn from_json(value: Value) -> Result<Self, Violation> {
        let Value::Object(mut object) = value else {
            return Err(Violation::WrongType {
                claim: names::VOD,
                expected: "an object",
            });
        };
        let ssai = object
            .shift_remove("ssai")
            .map(|v| to_string(names::VOD_SSAI, v))
            .transpose()?;
        Ok(Self {
            ssai,
            extra: object,
        })
    }

    fn to_json(&self) -> Value {
        let mut object = Map::new();
        if let Some(ssai) = &self.ssai {
            object.insert("ssai".to_owned(), Value::String(ssai.clone()));
        }
        // `ssai` is taken out on decode, so `extra` cannot collide with it unless set by
        // hand; the typed field wins.
        for (name, value) in &self.extra {
            object.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(object)
    }
}

impl StaticUrlClaims {
    /// Starts a claim set for `accid`, issued at `iat`.
    pub fn builder(accid: impl Into<String>, iat: NumericDate) -> ClaimsBuilder<Self> {
        ClaimsBuilder::new(iat).set(names::ACCID, accid.into())
    }
}

impl ClaimSet for StaticUrlClaims {
    const KNOWN_CLAIMS: &'static [&'static str] = &[
        names::ACCID,
        names::IAT,
        names::EXP,
        names::NBF,
        names::DRULES,
        names::CONID,
        names::PRO,
        names::VOD,
    ];

    fn from_json_object(object: Map<String, Value>) -> Result<Self, Violations> {
        decode_map::<StaticUrlDraft>(object).claims
    }

    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        Self::from_json_object(object.into_map())
    }

    /// Decoded in the parse, straight into the typed fields.
    fn decode_payload(bytes: &[u8]) -> Result<Payload<Self>, StrictJsonError> {
        parse_draft::<StaticUrlDraft>(bytes).map(Payload::from_decoded)
    }

    fn to_json_object(&self) -> Result<Map<String, Value>, Violation> {
        let mut w = ClaimWriter::default();
        w.put(names::ACCID, self.accid.clone());
        w.put_opt(names::IAT, self.iat);
        w.put_opt(names::EXP, self.exp);
        w.put_opt(names::NBF, self.nbf);
        w.put_opt(names::DRULES, self.drules.clone());
        w.put_opt(names::CONID, self.conid.clone());
        w.put_opt(names::PRO, self.pro.as_ref().map(Protection::as_str));
        w.put_opt(names::VOD, self.vod.as_ref().map(VodConfig::to_json));
        w.finish(&self.extra)
    }

    fn validate(&self) -> Result<(), Violations> {
        Violations::check(shared_violations(
            self,
            &[names::RESTRICTIONS, names::CHANNEL_ONLY],
            "static URL",
        ))
    }

    fn time_claims(&self) -> TimeClaims {
        TimeClaims {
            iat: self.iat,
            nbf: self.nbf,
            exp: self.exp,
        }
    }

    fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
    cached_by_clone!();
}

serde_via_claim_set!(StaticUrlClaims, StaticUrlDraft);

/// The static URL claims as they are read, one member at a time: the one conversion table of
/// this claim set, used by the one-pass parse and by [`ClaimSet::from_json_object`].
#[derive(Default)]
pub(crate) struct StaticUrlDraft {
    accid: Option<String>,
    iat: Option<NumericDate>,
    exp: Option<NumericDate>,
    nbf: Option<NumericDate>,
    drules: Option<Vec<String>>,
    conid: Option<String>,
    pro: Option<Protection>,
    vod: Option<VodConfig>,
    found: Found,
}

impl Draft for StaticUrlDraft {
    type Claims = StaticUrlClaims;

    fn reads_strings(slot: u8) -> bool {
        slot == slot::DRULES
    }

    fn known(&mut self, slot: u8, value: Incoming) -> Option<Incoming> {
        let found = &mut self.found;
        match slot {
            slot::ACCID => {
                self.accid =
                    found.convert(names::ACCID, to_string(names::ACCID, value.into_value()));
            }
            slot::IAT => {
                self.iat = found.convert(names::IAT, to_date(names::IAT, &value.into_value()))
            }
            slot::EXP => {
                self.exp = found.convert(names::EXP, to_date(names::EXP, &value.into_value()))
            }
            slot::NBF => {
                self.nbf = found.convert(names::NBF, to_date(names::NBF, &value.into_value()))
            }
            slot::DRULES => {
                self.drules = found.convert(names::DRULES, value.into_strings(names::DRULES))
            }
            slot::CONID => {
                self.conid =
                    found.convert(names::CONID, to_string(names::CONID, value.into_value()));
            }
            slot::PRO => {
                let pro = to_string(names::PRO, value.into_value()).map(Protection::from_wire);
                self.pro = found.convert(names::PRO, pro);
            }
            slot::VOD => {
                self.vod = found.convert(names::VOD, VodConfig::from_json(value.into_value()))
            }
            _ => return Some(value),
        }
        None
    }

    fn finish(self, members: Members) -> Decoded<StaticUrlClaims> {
        let times = TimeClaims {
            iat: self.iat,
            nbf: self.nbf,
            exp: self.exp,
        };
        let required = [(names::ACCID, slot::ACCID)];
        let fields = StaticUrlClaims::KNOWN_CLAIMS;
        self.found.end(members, times, &required, fields, |extra| {
            Ok(StaticUrlClaims {
                accid: self.accid.ok_or(names::ACCID)?,
                iat: self.iat,
                exp: self.exp,
                nbf: self.nbf,
                drules: self.drules,
                conid: self.conid,
                pro: self.pro,
                vod: self.vod,
                extra,
            })
        })
    }
}

/// Setters for the static URL delivery claims.
impl ClaimsBuilder<StaticUrlClaims> {
    /// Sets `conid`: the token is valid only for this content id.
    pub fn content_id(self, conid: impl Into<String>) -> Self {
        self.set(names::CONID, conid.into())
    }

    /// Sets `drules`, the delivery-rule ids.
    pub fn delivery_rules<S: Into<String>>(self, drules: impl IntoIterator<Item = S>) -> Self {
        self.set_strings(names::DRULES, drules)
    }

    /// Sets `pro`, the protection type.
    pub fn protection(self, pro: Protection) -> Self {
        self.set(names::PRO, pro.as_str().to_owned())
    }

    /// Sets `vod.ssai`, the server-side ad insertion configuration id.
    pub fn ssai(self, ssai: impl Into<String>) -> Self {
        self.set(names::VOD, serde_json::json!({ "ssai": ssai.into() }))
    }
}

#[cfg(test)]
mod tests;
