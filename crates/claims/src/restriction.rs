//! Playback restriction claims (`accid`, `conid`, `maxu`, `climit`, …).

use std::num::NonZeroU32;

use serde_json::{Map, Value};

use crate::access_rules::AccessRules;
use crate::claim_set::{
    ClaimSet, ClaimsBuilder, cached_by_clone, serde_via_claim_set, shared_violations,
};
use crate::claims_object::ClaimsObject;
use crate::concurrency::ConcurrencyBehavior;
use crate::error::{StrictJsonError, Violation, Violations};
use crate::level::SecurityLevel;
use crate::names::{self, slot};
use crate::numeric_date::NumericDate;
use crate::payload::{Decoded, Draft, Found, Incoming, Members, Payload, decode_map, parse_draft};
use crate::reader::{ClaimWriter, to_count, to_date, to_string};
use crate::time_rules::TimeClaims;
use crate::uid::Uid;

/// Claims of a playback restriction token.
///
/// Build one with [`PlaybackRestrictionClaims::builder`], decode one with
/// [`ClaimSet::from_json_object`] or serde, and check it with [`ClaimSet::validate`] and
/// [`PlaybackRestrictionClaims::validate_for_level`].
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{ClaimSet, NumericDate, PlaybackRestrictionClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// // One user, one video, two concurrent streams, valid for an hour.
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
///     .content_id("video-7")
///     .user("viewer-42")
///     .concurrent_streams(2)
///     .valid_for(Duration::from_secs(3600))
///     .build()?;
/// assert_eq!(claims.climit.map(|n| n.get()), Some(2));
/// assert_eq!(claims.exp, NumericDate::from_secs(1_700_003_600));
///
/// let json = serde_json::to_value(&claims).unwrap();
/// assert_eq!(json["uid"], "viewer-42");
/// # Ok::<(), playback_auth_claims::Violations>(())
/// ```
///
/// The struct is `#[non_exhaustive]`, so a claim added later is not a breaking change: build
/// one with the builder or decode one; outside this crate a struct expression does not
/// compile (fields stay public to read and to change):
///
/// ```compile_fail,E0639
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now).build().unwrap();
/// let _other = PlaybackRestrictionClaims { accid: "acct-2".into(), ..claims };
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlaybackRestrictionClaims {
    /// `accid`: the account that owns the content.
    pub accid: String,
    /// `iat`: issued at.
    pub iat: NumericDate,
    /// `exp`: expiry (required by the default verifier).
    pub exp: Option<NumericDate>,
    /// `nbf`: not valid before.
    pub nbf: Option<NumericDate>,
    /// `prid`: overrides the content's playback-rights id.
    pub prid: Option<String>,
    /// `accessRules`: in-token allow/block rules by country, IP range or any request, the
    /// first match deciding (see [`AccessRules`]).
    pub access_rules: Option<AccessRules>,
    /// `tags`: valid only for content carrying at least one of these tags.
    pub tags: Option<Vec<String>>,
    /// `vids`: valid only for these content ids.
    pub vids: Option<Vec<String>>,
    /// `ua`: valid only for requests with exactly this user agent.
    pub ua: Option<String>,
    /// `conid`: valid only for this content id.
    pub conid: Option<String>,
    /// `maxip`: at most this many distinct client IPs.
    pub maxip: Option<NonZeroU32>,
    /// `maxu`: at most this many licence/key requests.
    pub maxu: Option<NonZeroU32>,
    /// `uid`: the user that stream and device limits count against.
    pub uid: Option<Uid>,
    /// `climit`: concurrent streams allowed for `uid`.
    pub climit: Option<NonZeroU32>,
    /// `cbeh`: behaviour at the stream limit (absent = evict the oldest stream).
    pub cbeh: ConcurrencyBehavior,
    /// `sid`: session id; what counts as one stream.
    pub sid: Option<String>,
    /// `dlimit`: devices that may be registered for `uid`.
    pub dlimit: Option<NonZeroU32>,
    /// `drules`: delivery-rule ids.
    pub drules: Option<Vec<String>>,
    /// Every other claim, kept as it came.
    pub extra: Map<String, Value>,
}

impl PlaybackRestrictionClaims {
    /// Starts a claim set for `accid`, issued at `iat`.
    pub fn builder(accid: impl Into<String>, iat: NumericDate) -> ClaimsBuilder<Self> {
        ClaimsBuilder::new(iat).set(names::ACCID, accid.into())
    }

    /// Checks the claims against a publisher's security level, reporting every claim the
    /// level does not allow.
    pub fn validate_for_level(&self, level: SecurityLevel) -> Result<(), Violations> {
        let found = self
            .present_claims()
            .filter(|claim| !level.allows(claim))
            .map(|claim| Violation::NotAllowedAtLevel { claim, level })
            .collect();
        Violations::check(found)
    }

    /// Wire names of the restriction claims that are set (those security levels gate).
    fn present_claims(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            (names::PRID, self.prid.is_some()),
            (names::ACCESS_RULES, self.access_rules.is_some()),
            (names::TAGS, self.tags.is_some()),
            (names::VIDS, self.vids.is_some()),
            (names::UA, self.ua.is_some()),
            (names::CONID, self.conid.is_some()),
            (names::MAXIP, self.maxip.is_some()),
            (names::MAXU, self.maxu.is_some()),
            (names::UID, self.uid.is_some()),
            (names::CLIMIT, self.climit.is_some()),
            (names::CBEH, !self.cbeh.is_default()),
            (names::SID, self.sid.is_some()),
            (names::DLIMIT, self.dlimit.is_some()),
        ]
        .into_iter()
        .filter_map(|(claim, present)| present.then_some(claim))
    }
}

impl ClaimSet for PlaybackRestrictionClaims {
    const KNOWN_CLAIMS: &'static [&'static str] = &[
        names::ACCID,
        names::IAT,
        names::EXP,
        names::NBF,
        names::PRID,
        names::ACCESS_RULES,
        names::TAGS,
        names::VIDS,
        names::UA,
        names::CONID,
        names::MAXIP,
        names::MAXU,
        names::UID,
        names::CLIMIT,
        names::CBEH,
        names::SID,
        names::DLIMIT,
        names::DRULES,
    ];

    fn from_json_object(object: Map<String, Value>) -> Result<Self, Violations> {
        decode_map::<RestrictionDraft>(object).claims
    }

    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        Self::from_json_object(object.into_map())
    }

    /// Decoded in the parse, straight into the typed fields.
    fn decode_payload(bytes: &[u8]) -> Result<Payload<Self>, StrictJsonError> {
        parse_draft::<RestrictionDraft>(bytes).map(Payload::from_decoded)
    }

    fn to_json_object(&self) -> Result<Map<String, Value>, Violation> {
        let mut w = ClaimWriter::default();
        w.put(names::ACCID, self.accid.clone());
        w.put(names::IAT, self.iat);
        w.put_opt(names::EXP, self.exp);
        w.put_opt(names::NBF, self.nbf);
        w.put_opt(names::PRID, self.prid.clone());
        w.put_opt(
            names::ACCESS_RULES,
            self.access_rules.as_ref().map(AccessRules::to_json),
        );
        w.put_opt(names::TAGS, self.tags.clone());
        w.put_opt(names::VIDS, self.vids.clone());
        w.put_opt(names::UA, self.ua.clone());
        w.put_opt(names::CONID, self.conid.clone());
        w.put_opt(names::MAXIP, self.maxip.map(NonZeroU32::get));
        w.put_opt(names::MAXU, self.maxu.map(NonZeroU32::get));
        w.put_opt(names::UID, self.uid.as_ref().map(Uid::as_str));
        w.put_opt(names::CLIMIT, self.climit.map(NonZeroU32::get));
        w.put_opt(names::CBEH, self.cbeh.wire_value());
        w.put_opt(names::SID, self.sid.clone());
        w.put_opt(names::DLIMIT, self.dlimit.map(NonZeroU32::get));
        w.put_opt(names::DRULES, self.drules.clone());
        w.finish(&self.extra)
    }

    fn validate(&self) -> Result<(), Violations> {
        let mut found = shared_violations(self, &[names::CHANNEL_ONLY], "playback restriction");
        if self.uid.is_none() {
            for (claim, present) in [
                (names::CLIMIT, self.climit.is_some()),
                (names::DLIMIT, self.dlimit.is_some()),
            ] {
                if present {
                    found.push(Violation::ClaimRequires {
                        claim,
                        requires: names::UID,
                    });
                }
            }
        }
        Violations::check(found)
    }

    fn time_claims(&self) -> TimeClaims {
        TimeClaims {
            iat: Some(self.iat),
            nbf: self.nbf,
            exp: self.exp,
        }
    }

    fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
    cached_by_clone!();
}

serde_via_claim_set!(PlaybackRestrictionClaims, RestrictionDraft);

/// The restriction claims as they are read, one member at a time: the one conversion table
/// of this claim set, used by the one-pass parse and by [`ClaimSet::from_json_object`].
#[derive(Default)]
pub(crate) struct RestrictionDraft {
    accid: Option<String>,
    iat: Option<NumericDate>,
    exp: Option<NumericDate>,
    nbf: Option<NumericDate>,
    prid: Option<String>,
    access_rules: Option<AccessRules>,
    tags: Option<Vec<String>>,
    vids: Option<Vec<String>>,
    ua: Option<String>,
    conid: Option<String>,
    maxip: Option<NonZeroU32>,
    maxu: Option<NonZeroU32>,
    uid: Option<Uid>,
    climit: Option<NonZeroU32>,
    cbeh: Option<ConcurrencyBehavior>,
    sid: Option<String>,
    dlimit: Option<NonZeroU32>,
    drules: Option<Vec<String>>,
    found: Found,
}

impl RestrictionDraft {
    fn string(&mut self, claim: &'static str, value: Incoming) -> Option<String> {
        self.found
            .convert(claim, to_string(claim, value.into_value()))
    }

    fn strings(&mut self, claim: &'static str, value: Incoming) -> Option<Vec<String>> {
        self.found.convert(claim, value.into_strings(claim))
    }

    fn date(&mut self, claim: &'static str, value: Incoming) -> Option<NumericDate> {
        self.found
            .convert(claim, to_date(claim, &value.into_value()))
    }

    fn count(&mut self, claim: &'static str, value: Incoming) -> Option<NonZeroU32> {
        self.found
            .convert(claim, to_count(claim, &value.into_value()))
    }
}

impl Draft for RestrictionDraft {
    type Claims = PlaybackRestrictionClaims;

    fn reads_strings(slot: u8) -> bool {
        matches!(slot, slot::TAGS | slot::VIDS | slot::DRULES)
    }

    fn known(&mut self, slot: u8, value: Incoming) -> Option<Incoming> {
        match slot {
            slot::ACCID => self.accid = self.string(names::ACCID, value),
            slot::IAT => self.iat = self.date(names::IAT, value),
            slot::EXP => self.exp = self.date(names::EXP, value),
            slot::NBF => self.nbf = self.date(names::NBF, value),
            slot::PRID => self.prid = self.string(names::PRID, value),
            slot::ACCESS_RULES => {
                let rules = AccessRules::from_json(value.into_value());
                self.access_rules = self.found.convert(names::ACCESS_RULES, rules);
            }
            slot::TAGS => self.tags = self.strings(names::TAGS, value),
            slot::VIDS => self.vids = self.strings(names::VIDS, value),
            slot::UA => self.ua = self.string(names::UA, value),
            slot::CONID => self.conid = self.string(names::CONID, value),
            slot::MAXIP => self.maxip = self.count(names::MAXIP, value),
            slot::MAXU => self.maxu = self.count(names::MAXU, value),
            slot::UID => {
                let uid = to_string(names::UID, value.into_value())
                    .and_then(|uid| Uid::new(uid).map_err(Violation::InvalidUid));
                self.uid = self.found.convert(names::UID, uid);
            }
            slot::CLIMIT => self.climit = self.count(names::CLIMIT, value),
            slot::CBEH => {
                let cbeh = to_string(names::CBEH, value.into_value())
                    .and_then(|cbeh| ConcurrencyBehavior::from_wire(&cbeh));
                self.cbeh = self.found.convert(names::CBEH, cbeh);
            }
            slot::SID => self.sid = self.string(names::SID, value),
            slot::DLIMIT => self.dlimit = self.count(names::DLIMIT, value),
            slot::DRULES => self.drules = self.strings(names::DRULES, value),
            _ => return Some(value),
        }
        None
    }

    fn finish(self, members: Members) -> Decoded<PlaybackRestrictionClaims> {
        let times = TimeClaims {
            iat: self.iat,
            nbf: self.nbf,
            exp: self.exp,
        };
        let required = [(names::ACCID, slot::ACCID), (names::IAT, slot::IAT)];
        let fields = PlaybackRestrictionClaims::KNOWN_CLAIMS;
        self.found.end(members, times, &required, fields, |extra| {
            Ok(PlaybackRestrictionClaims {
                accid: self.accid.ok_or(names::ACCID)?,
                iat: self.iat.ok_or(names::IAT)?,
                exp: self.exp,
                nbf: self.nbf,
                prid: self.prid,
                access_rules: self.access_rules,
                tags: self.tags,
                vids: self.vids,
                ua: self.ua,
                conid: self.conid,
                maxip: self.maxip,
                maxu: self.maxu,
                uid: self.uid,
                climit: self.climit,
                cbeh: self.cbeh.unwrap_or_default(),
                sid: self.sid,
                dlimit: self.dlimit,
                drules: self.drules,
                extra,
            })
        })
    }
}

/// Setters for the playback restriction claims.
impl ClaimsBuilder<PlaybackRestrictionClaims> {
    /// Sets `conid`: the token is valid only for this content id.
    pub fn content_id(self, conid: impl Into<String>) -> Self {
        self.set(names::CONID, conid.into())
    }

    /// Sets `vids`: the token is valid only for these content ids.
    pub fn video_ids<S: Into<String>>(self, vids: impl IntoIterator<Item = S>) -> Self {
        self.set_strings(names::VIDS, vids)
    }

    /// Sets `tags`: valid only for content carrying at least one of these tags.
    pub fn tags<S: Into<String>>(self, tags: impl IntoIterator<Item = S>) -> Self {
        self.set_strings(names::TAGS, tags)
    }

    /// Sets `prid`, the playback-rights id override.
    pub fn playback_rights_id(self, prid: impl Into<String>) -> Self {
        self.set(names::PRID, prid.into())
    }

    /// Sets `accessRules`, the in-token allow/block rules (first match wins).
    pub fn access_rules(self, rules: &AccessRules) -> Self {
        self.set(names::ACCESS_RULES, rules.to_json())
    }

    /// Sets `ua`: valid only for requests with exactly this user agent.
    pub fn user_agent(self, ua: impl Into<String>) -> Self {
        self.set(names::UA, ua.into())
    }

    /// Sets `maxip`: at most this many distinct client IPs (must be > 0).
    pub fn max_ips(self, maxip: u32) -> Self {
        self.set(names::MAXIP, maxip)
    }

    /// Sets `maxu`: at most this many licence/key requests (must be > 0).
    pub fn max_uses(self, maxu: u32) -> Self {
        self.set(names::MAXU, maxu)
    }

    /// Sets `uid`, checked against the uid rules at `build`.
    pub fn user(self, uid: impl Into<String>) -> Self {
        self.set(names::UID, uid.into())
    }

    /// Sets `climit`: concurrent streams allowed for the user (must be > 0).
    pub fn concurrent_streams(self, climit: u32) -> Self {
        self.set(names::CLIMIT, climit)
    }

    /// Sets `cbeh`; the default behaviour removes the claim.
    pub fn concurrency_behavior(mut self, cbeh: ConcurrencyBehavior) -> Self {
        match cbeh.wire_value() {
            Some(value) => self.set(names::CBEH, value),
            None => {
                self.remove(names::CBEH);
                self
            }
        }
    }

    /// Sets `sid`, what counts as one stream.
    pub fn session_id(self, sid: impl Into<String>) -> Self {
        self.set(names::SID, sid.into())
    }

    /// Sets `dlimit`: devices that may be registered for the user (must be > 0).
    pub fn device_limit(self, dlimit: u32) -> Self {
        self.set(names::DLIMIT, dlimit)
    }

    /// Sets `drules`, the delivery-rule ids.
    pub fn delivery_rules<S: Into<String>>(self, drules: impl IntoIterator<Item = S>) -> Self {
        self.set_strings(names::DRULES, drules)
    }
}

#[cfg(test)]
mod tests;
