//! Playback restriction claims (`accid`, `conid`, `maxu`, `climit`, …).

use std::num::NonZeroU32;

use serde_json::{Map, Value};

use crate::access_rules::AccessRules;
use crate::claim_set::{ClaimSet, ClaimsBuilder, serde_via_claim_set, shared_violations};
use crate::claims_object::ClaimsObject;
use crate::concurrency::ConcurrencyBehavior;
use crate::error::{Violation, Violations};
use crate::level::SecurityLevel;
use crate::names;
use crate::numeric_date::NumericDate;
use crate::reader::{ClaimReader, ClaimWriter, to_string};
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
        Self::from_claims_object(object.into())
    }

    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        let mut r = ClaimReader::new(object);
        let accid = r.require(names::ACCID, |v| to_string(names::ACCID, v));
        let iat = r.require(names::IAT, |v| crate::reader::to_date(names::IAT, &v));
        let exp = r.date(names::EXP);
        let nbf = r.date(names::NBF);
        let prid = r.string(names::PRID);
        let access_rules = r.take(names::ACCESS_RULES, AccessRules::from_json);
        let tags = r.strings(names::TAGS);
        let vids = r.strings(names::VIDS);
        let ua = r.string(names::UA);
        let conid = r.string(names::CONID);
        let maxip = r.count(names::MAXIP);
        let maxu = r.count(names::MAXU);
        let uid = r.take(names::UID, |v| {
            Uid::new(to_string(names::UID, v)?).map_err(Violation::InvalidUid)
        });
        let climit = r.count(names::CLIMIT);
        let cbeh = r
            .take(names::CBEH, |v| {
                ConcurrencyBehavior::from_wire(&to_string(names::CBEH, v)?)
            })
            .unwrap_or_default();
        let sid = r.string(names::SID);
        let dlimit = r.count(names::DLIMIT);
        let drules = r.strings(names::DRULES);
        let extra = r.finish().map_err(Violations::from_vec)?;
        match (accid, iat) {
            (Some(accid), Some(iat)) => Ok(Self {
                accid,
                iat,
                exp,
                nbf,
                prid,
                access_rules,
                tags,
                vids,
                ua,
                conid,
                maxip,
                maxu,
                uid,
                climit,
                cbeh,
                sid,
                dlimit,
                drules,
                extra,
            }),
            // `require` recorded the missing claim, so `finish` has returned already.
            (None, _) => Err(Violations::missing(names::ACCID)),
            (_, None) => Err(Violations::missing(names::IAT)),
        }
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
}

serde_via_claim_set!(PlaybackRestrictionClaims);

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
