//! Playback rights: where, when and from which sites content may play.
//!
//! A [`PlaybackRights`] object (per account, by id) holds geography (a global rule and
//! allowed / blocked countries), IP addresses and ranges, sites, and a schedule; it is built
//! from its JSON form ([`RightsDocument`]) and checked at construction, each malformed entry
//! a typed [`RightsError`]. [`PlaybackRights::evaluate`] decides a [`RightsRequest`] in the
//! vendor's order — geography, then schedule, then domains — with the precedence table of
//! the crate docs; [`evaluate_access_rules`] decides the in-token `accessRules` claim; and
//! [`evaluate_rights`] runs both. [`select_rights`] says which rights apply (the token's
//! `prid` of its own account, else the catalogue's), and a [`GeoLookup`] gives the client's
//! country.

mod document;
mod domains;
mod error;
mod geo;
mod network;
mod outcome;
mod schedule;
mod selection;

use std::net::IpAddr;

use jiff::Timestamp;
use playback_auth_claims::{
    AccessRules, CountryCode, IpRange, NumericDate, RuleAction, RuleTarget,
};

pub use document::{
    DomainDocument, GeoDocument, GlobalRule, IpDocument, RightsDocument, ScheduleDocument,
    WindowDocument,
};
pub use domains::{DomainPattern, MissingOrigin};
pub use error::{DomainError, RightsError, WindowError};
#[cfg(feature = "geoip")]
pub use geo::{GeoDatabaseError, MaxMindGeoLookup};
pub use geo::{GeoLookup, NoGeoLookup, StaticGeoLookup};
pub use outcome::{RightsApplied, RightsDenial, RightsOutcome, RightsRule, RuleMatch};
pub use selection::{RightsSelection, select_rights};

use domains::{DomainRules, url_host};
use network::IpRules;
use schedule::{Schedule, SchedulePosition, WeeklyWindow};

/// The most entries one list of a rights object may hold (countries, ranges, sites).
pub const MAX_RIGHTS_LIST_LEN: usize = 10_000;
/// The most weekly windows a schedule may hold.
pub const MAX_WEEKLY_WINDOWS: usize = 100;
/// The longest rights id or account name, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// A validated rights object of one account: what [`PlaybackRights::evaluate`] decides with.
///
/// ```
/// use std::net::IpAddr;
/// use playback_auth_claims::{CountryCode, NumericDate};
/// use playback_auth_policy::{PlaybackRights, RightsRequest, RightsRule};
///
/// // France and Belgium only, except one office address abroad.
/// let rights = PlaybackRights::from_json("acct-1", "eu-only", br#"{
///     "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"] },
///     "ip": { "allowed": ["203.0.113.7"] }
/// }"#)?;
/// let now = NumericDate::from_secs(1_790_000_000).unwrap();
/// let us = CountryCode::parse("US").ok();
///
/// let viewer: IpAddr = "198.51.100.1".parse().unwrap();
/// let refused = rights.evaluate(&RightsRequest::new(viewer, us, now));
/// assert_eq!(refused.denial().map(|d| d.rule), Some(RightsRule::ClientGeo));
///
/// let office: IpAddr = "203.0.113.7".parse().unwrap();
/// assert!(rights.evaluate(&RightsRequest::new(office, us, now)).is_allowed());
/// # Ok::<(), playback_auth_policy::RightsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PlaybackRights {
    account: String,
    id: String,
    global: Option<GlobalRule>,
    allowed_countries: Vec<CountryCode>,
    blocked_countries: Vec<CountryCode>,
    ip: IpRules,
    domains: DomainRules,
    schedule: Option<Schedule>,
}

pub(crate) fn check_id(field: &'static str, value: &str) -> Result<(), RightsError> {
    let valid = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(RightsError::InvalidId {
            field,
            value: value.to_owned(),
        })
    }
}

fn check_len<T>(field: &'static str, list: &[T]) -> Result<(), RightsError> {
    if list.len() > MAX_RIGHTS_LIST_LEN {
        return Err(RightsError::TooManyEntries {
            field,
            len: list.len(),
            max: MAX_RIGHTS_LIST_LEN,
        });
    }
    Ok(())
}

fn parse_list<T, E>(
    field: &'static str,
    list: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
    error: impl Fn(&'static str, String, E) -> RightsError,
) -> Result<Vec<T>, RightsError> {
    check_len(field, list)?;
    list.iter()
        .map(|value| parse(value).map_err(|e| error(field, value.clone(), e)))
        .collect()
}

fn countries(field: &'static str, list: &[String]) -> Result<Vec<CountryCode>, RightsError> {
    parse_list(field, list, CountryCode::parse, |field, value, error| {
        RightsError::InvalidCountry {
            field,
            value,
            error,
        }
    })
}

fn ranges(field: &'static str, list: &[String]) -> Result<Vec<IpRange>, RightsError> {
    parse_list(field, list, IpRange::parse, |field, value, error| {
        RightsError::InvalidIpRange {
            field,
            value,
            error,
        }
    })
}

fn sites(field: &'static str, list: &[String]) -> Result<Vec<DomainPattern>, RightsError> {
    parse_list(field, list, DomainPattern::parse, |field, value, error| {
        RightsError::InvalidDomain {
            field,
            value,
            error,
        }
    })
}

fn instant(field: &'static str, value: Option<&String>) -> Result<Option<Timestamp>, RightsError> {
    value
        .map(|text| {
            text.parse::<Timestamp>()
                .map_err(|_| RightsError::InvalidInstant {
                    field,
                    value: text.clone(),
                })
        })
        .transpose()
}

fn schedule(document: &ScheduleDocument) -> Result<Schedule, RightsError> {
    let starts_at = instant("schedule.starts_at", document.starts_at.as_ref())?;
    let ends_at = instant("schedule.ends_at", document.ends_at.as_ref())?;
    if let (Some(start), Some(end)) = (starts_at, ends_at)
        && end <= start
    {
        return Err(RightsError::EndNotAfterStart {
            start: start.to_string(),
            end: end.to_string(),
        });
    }
    let time_zone = document
        .time_zone
        .as_ref()
        .map(|name| {
            // The bundled database only, so every node of a fleet resolves a name to the
            // same rules whatever its host's zoneinfo.
            schedule::bundled_zone(name)
                .map(|zone| (name.clone(), zone))
                .ok_or_else(|| RightsError::UnknownTimeZone { name: name.clone() })
        })
        .transpose()?;
    if document.windows.len() > MAX_WEEKLY_WINDOWS {
        return Err(RightsError::TooManyEntries {
            field: "schedule.windows",
            len: document.windows.len(),
            max: MAX_WEEKLY_WINDOWS,
        });
    }
    if !document.windows.is_empty() && time_zone.is_none() {
        return Err(RightsError::MissingTimeZone);
    }
    let windows = document
        .windows
        .iter()
        .enumerate()
        .map(|(index, window)| {
            WeeklyWindow::new(&window.days, &window.from, &window.to)
                .map_err(|error| RightsError::InvalidWindow { index, error })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schedule {
        starts_at,
        ends_at,
        time_zone,
        windows,
    })
}

/// Every entry of an allowed and a blocked list with what it does, allowed first.
fn tagged<T: Clone>(allowed: &[T], blocked: &[T]) -> Vec<(RuleAction, T)> {
    let tag = |action| move |entry: &T| (action, entry.clone());
    allowed
        .iter()
        .map(tag(RuleAction::Allow))
        .chain(blocked.iter().map(tag(RuleAction::Block)))
        .collect()
}

fn strings<T: ToString>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

impl PlaybackRights {
    /// Validates `document` as the rights `id` of `account`.
    pub fn from_document(
        account: &str,
        id: &str,
        document: &RightsDocument,
    ) -> Result<Self, RightsError> {
        check_id("account", account)?;
        check_id("id", id)?;
        let allowed_countries =
            countries("geo.allowed_countries", &document.geo.allowed_countries)?;
        let blocked_countries =
            countries("geo.blocked_countries", &document.geo.blocked_countries)?;
        if let Some(both) = allowed_countries
            .iter()
            .find(|country| blocked_countries.contains(country))
        {
            return Err(RightsError::AllowedAndBlocked {
                section: "geo",
                value: both.to_string(),
            });
        }
        let ip = IpRules::new(
            ranges("ip.allowed", &document.ip.allowed)?,
            ranges("ip.blocked", &document.ip.blocked)?,
        )
        .map_err(|range| RightsError::AllowedAndBlocked {
            section: "ip",
            value: range.to_string(),
        })?;
        let domains = DomainRules::new(
            sites("domains.allowed", &document.domains.allowed)?,
            sites("domains.blocked", &document.domains.blocked)?,
            document.domains.missing_origin,
        )
        .map_err(|pattern| RightsError::AllowedAndBlocked {
            section: "domains",
            value: pattern.to_string(),
        })?;
        let schedule = document.schedule.as_ref().map(schedule).transpose()?;
        Ok(Self {
            account: account.to_owned(),
            id: id.to_owned(),
            global: document.geo.global,
            allowed_countries,
            blocked_countries,
            ip,
            domains,
            schedule,
        })
    }

    /// Parses and validates the JSON form ([`RightsDocument`]) as the rights `id` of
    /// `account`: a shape error is [`RightsError::Json`], every other cause its own variant.
    pub fn from_json(account: &str, id: &str, json: &[u8]) -> Result<Self, RightsError> {
        let document = RightsDocument::from_json(json).map_err(RightsError::Json)?;
        Self::from_document(account, id, &document)
    }

    /// The JSON form, normalised (codes and sites as stored, ranges without host bits,
    /// instants in UTC).
    pub fn to_document(&self) -> RightsDocument {
        let schedule = self.schedule.as_ref().map(|schedule| ScheduleDocument {
            starts_at: schedule.starts_at.map(|t| t.to_string()),
            ends_at: schedule.ends_at.map(|t| t.to_string()),
            time_zone: schedule.time_zone.as_ref().map(|(name, _)| name.clone()),
            windows: schedule
                .windows
                .iter()
                .map(|window| {
                    let (days, from, to) = window.parts();
                    WindowDocument { days, from, to }
                })
                .collect(),
        });
        RightsDocument {
            geo: GeoDocument {
                global: self.global,
                allowed_countries: strings(&self.allowed_countries),
                blocked_countries: strings(&self.blocked_countries),
            },
            ip: IpDocument {
                allowed: strings(&self.ip.allowed),
                blocked: strings(&self.ip.blocked),
            },
            domains: DomainDocument {
                allowed: strings(&self.domains.allowed),
                blocked: strings(&self.domains.blocked),
                missing_origin: self.domains.missing_origin,
            },
            schedule,
        }
    }

    /// The account the rights belong to.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The rights id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Decides `request`: geography (IP, country, global rule), then schedule, then domains,
    /// the first refusal ending it. See the precedence table in the crate docs.
    pub fn evaluate(&self, request: &RightsRequest<'_>) -> RightsOutcome {
        let mut matched = Vec::with_capacity(3);
        for stage in [Self::geography, Self::schedule_stage, Self::domain_stage] {
            match stage(self, request) {
                Ok(Some(found)) => matched.push(found),
                Ok(None) => {}
                Err(denial) => return RightsOutcome::Denied(denial),
            }
        }
        RightsOutcome::Allowed { matched }
    }

    fn geography(&self, request: &RightsRequest<'_>) -> Result<Option<RuleMatch>, RightsDenial> {
        // Most specific first: an address or range, then the country, then the global rule.
        if let Some((action, range)) = self.ip.longest_match(request.client_ip) {
            return match action {
                RuleAction::Allow => Ok(Some(RuleMatch::IpAllowed(*range))),
                RuleAction::Block => Err(RightsDenial::new(
                    RightsRule::ClientIp,
                    RuleMatch::IpBlocked(*range),
                )),
            };
        }
        if let Some(country) = request.country {
            if self.blocked_countries.contains(&country) {
                return Err(RightsDenial::new(
                    RightsRule::ClientGeo,
                    RuleMatch::CountryBlocked(country),
                ));
            }
            if self.allowed_countries.contains(&country) {
                return Ok(Some(RuleMatch::CountryAllowed(country)));
            }
        }
        match self.global {
            Some(GlobalRule::AllowAll) => Ok(Some(RuleMatch::GlobalAllowAll)),
            Some(GlobalRule::BlockAll) => Err(RightsDenial::new(
                RightsRule::ClientGeo,
                RuleMatch::GlobalBlockAll,
            )),
            None if !self.allowed_countries.is_empty() || !self.ip.allowed.is_empty() => {
                let rule = if self.allowed_countries.is_empty() {
                    RightsRule::ClientIp
                } else {
                    RightsRule::ClientGeo
                };
                Err(RightsDenial::new(
                    rule,
                    RuleMatch::NotAllowed {
                        country: request.country,
                    },
                ))
            }
            None if self.blocked_countries.is_empty() && self.ip.is_empty() => Ok(None),
            None => Ok(Some(RuleMatch::NoGeographyRule)),
        }
    }

    fn schedule_stage(
        &self,
        request: &RightsRequest<'_>,
    ) -> Result<Option<RuleMatch>, RightsDenial> {
        let Some(schedule) = self.schedule.as_ref().filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let refuse = |matched| Err(RightsDenial::new(RightsRule::Schedule, matched));
        match schedule.position(request.now.as_secs()) {
            SchedulePosition::BeforeStart => refuse(RuleMatch::BeforeStart),
            SchedulePosition::AfterEnd => refuse(RuleMatch::AfterEnd),
            SchedulePosition::OutsideWindows => refuse(RuleMatch::OutsideWindows),
            SchedulePosition::Inside(window) => Ok(Some(RuleMatch::InSchedule { window })),
        }
    }

    fn domain_stage(&self, request: &RightsRequest<'_>) -> Result<Option<RuleMatch>, RightsDenial> {
        if self.domains.is_empty() {
            return Ok(None);
        }
        let host = request
            .origin
            .and_then(url_host)
            .or_else(|| request.referer.and_then(url_host));
        let Some(host) = host else {
            return match self.domains.missing_origin_decision() {
                MissingOrigin::Allow => Ok(Some(RuleMatch::OriginMissing { allowed: true })),
                MissingOrigin::Deny => Err(RightsDenial::new(
                    RightsRule::Domain,
                    RuleMatch::OriginMissing { allowed: false },
                )),
            };
        };
        match self.domains.most_specific(&host) {
            Some((RuleAction::Allow, pattern)) => {
                Ok(Some(RuleMatch::DomainAllowed(pattern.clone())))
            }
            Some((RuleAction::Block, pattern)) => Err(RightsDenial::new(
                RightsRule::Domain,
                RuleMatch::DomainBlocked(pattern.clone()),
            )),
            None if !self.domains.allowed.is_empty() => Err(RightsDenial::new(
                RightsRule::Domain,
                RuleMatch::DomainNotAllowed { host },
            )),
            None => Ok(Some(RuleMatch::NoDomainRule)),
        }
    }
}

/// Equal when they are the same rights: same account, id and (normalised) JSON form. A store
/// that keeps the JSON form hands back rights equal to those it was given.
impl PartialEq for PlaybackRights {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account
            && self.id == other.id
            && self.to_document() == other.to_document()
    }
}

impl Eq for PlaybackRights {}

/// What a rights evaluation reads of a request. The engine builds it from the
/// [`crate::RequestContext`] and a [`GeoLookup`] of the client's address.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RightsRequest<'a> {
    /// The client's address (an IPv4-mapped address is compared as IPv4).
    pub client_ip: IpAddr,
    /// The client's country, when the geolocation database knows it.
    pub country: Option<CountryCode>,
    /// The requesting page's `Origin` header.
    pub origin: Option<&'a str>,
    /// The request's `Referer` header, used when `Origin` is absent or has no host.
    pub referer: Option<&'a str>,
    /// The time of the request (the schedule reads this, never a clock).
    pub now: NumericDate,
}

impl<'a> RightsRequest<'a> {
    /// A request from `client_ip` in `country` at `now`, without `Origin` or `Referer`.
    pub fn new(client_ip: IpAddr, country: Option<CountryCode>, now: NumericDate) -> Self {
        Self {
            client_ip,
            country,
            origin: None,
            referer: None,
            now,
        }
    }

    /// What a rights evaluation reads of `context`, with the client's `country` (from a
    /// [`GeoLookup`] of `context.client_ip`).
    pub fn from_context(context: &'a crate::RequestContext, country: Option<CountryCode>) -> Self {
        Self {
            client_ip: context.client_ip,
            country,
            origin: context.origin.as_deref(),
            referer: context.referer.as_deref(),
            now: context.now,
        }
    }

    /// Sets the `Origin` header's value.
    #[must_use]
    pub fn with_origin(mut self, origin: &'a str) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets the `Referer` header's value.
    #[must_use]
    pub fn with_referer(mut self, referer: &'a str) -> Self {
        self.referer = Some(referer);
        self
    }
}

/// Decides the in-token `accessRules`: the first rule whose target matches decides (a
/// country rule never matches a client whose country is unknown); a request no rule
/// matches is allowed by the list. A refusal is [`RightsRule::ClientIp`] for an `ip.src`
/// rule and [`RightsRule::ClientGeo`] for a country or `any` rule.
pub fn evaluate_access_rules(rules: &AccessRules, request: &RightsRequest<'_>) -> RightsOutcome {
    let found = rules
        .rules()
        .iter()
        .enumerate()
        .find(|(_, rule)| match &rule.target {
            RuleTarget::Country(list) => request.country.is_some_and(|c| list.contains(&c)),
            RuleTarget::IpRange(list) => list.iter().any(|range| range.contains(request.client_ip)),
            RuleTarget::Any => true,
        });
    let Some((index, rule)) = found else {
        return RightsOutcome::Allowed {
            matched: vec![RuleMatch::NoTokenRuleMatched],
        };
    };
    let matched = RuleMatch::TokenRule {
        index,
        action: rule.action,
    };
    match rule.action {
        RuleAction::Allow => RightsOutcome::Allowed {
            matched: vec![matched],
        },
        RuleAction::Block => {
            let family = match rule.target {
                RuleTarget::IpRange(_) => RightsRule::ClientIp,
                _ => RightsRule::ClientGeo,
            };
            RightsOutcome::Denied(RightsDenial::new(family, matched))
        }
    }
}

/// Decides a request against everything that applies: the in-token `accessRules` first
/// (when the token has them), then the server-side rights (when any apply). Both must allow;
/// the outcome lists what decided each stage, or the first refusal.
pub fn evaluate_rights(
    rights: Option<&PlaybackRights>,
    token_rules: Option<&AccessRules>,
    request: &RightsRequest<'_>,
) -> RightsOutcome {
    let mut matched = Vec::new();
    if let Some(rules) = token_rules {
        match evaluate_access_rules(rules, request) {
            RightsOutcome::Allowed { matched: found } => matched.extend(found),
            denied @ RightsOutcome::Denied(_) => return denied,
        }
    }
    if let Some(rights) = rights {
        match rights.evaluate(request) {
            RightsOutcome::Allowed { matched: found } => matched.extend(found),
            denied @ RightsOutcome::Denied(_) => return denied,
        }
    }
    RightsOutcome::Allowed { matched }
}

#[cfg(test)]
mod tests;
