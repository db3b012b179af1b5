//! What a rights evaluation answers: the rule that decided, and the denial if any.

use std::fmt;

use playback_auth_claims::{CountryCode, IpRange, RuleAction};

use super::domains::DomainPattern;

/// Which family of rule refused: the vendor's subcode and our stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RightsRule {
    /// The client's country (or the global rule, or an in-token country / catch-all rule).
    ClientGeo,
    /// The client's IP address or range.
    ClientIp,
    /// The requesting site (`Origin`, else `Referer`).
    Domain,
    /// Outside the schedule (before the start, after the end, outside every weekly window).
    Schedule,
    /// The token's `prid` or the catalogue names rights that do not exist.
    UnknownRights,
    /// The token's `prid` names rights of another account.
    ForeignRights,
}

impl RightsRule {
    /// Our stable snake_case code (what [`crate::DenyReason::code`] answers).
    pub fn code(self) -> &'static str {
        match self {
            Self::ClientGeo => "geo_restricted",
            Self::ClientIp => "ip_restricted",
            Self::Domain => "domain_restricted",
            Self::Schedule => "outside_schedule",
            Self::UnknownRights => "rights_not_found",
            Self::ForeignRights => "rights_of_another_account",
        }
    }

    /// The vendor's subcode under `403 ACCESS_DENIED`.
    pub fn vendor_subcode(self) -> &'static str {
        match self {
            Self::ClientGeo => "CLIENT_GEO",
            Self::ClientIp => "CLIENT_IP",
            Self::Domain => "DOMAIN",
            Self::Schedule | Self::UnknownRights => "VIDEO_NOT_PLAYABLE",
            Self::ForeignRights => "ACCOUNT_ID",
        }
    }
}

/// The entry (or default) that decided one stage of an evaluation; kept for the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleMatch {
    /// The most specific IP entry holding the client is an allow.
    IpAllowed(IpRange),
    /// The most specific IP entry holding the client is a block.
    IpBlocked(IpRange),
    /// The client's country is allowed.
    CountryAllowed(CountryCode),
    /// The client's country is blocked.
    CountryBlocked(CountryCode),
    /// No entry matched; the global rule is `allow_all`.
    GlobalAllowAll,
    /// No entry matched; the global rule is `block_all`.
    GlobalBlockAll,
    /// No entry matched, there is no global rule, and there are allowed countries (or
    /// allowed IPs): those lists are the only places that play. `country` is the client's,
    /// when known.
    NotAllowed {
        /// The client's country, when the lookup knew it.
        country: Option<CountryCode>,
    },
    /// The rights restrict no geography or IP.
    NoGeographyRule,
    /// Before `schedule.starts_at`.
    BeforeStart,
    /// At or after `schedule.ends_at`.
    AfterEnd,
    /// In none of the weekly windows.
    OutsideWindows,
    /// Within the schedule; in weekly window `window` when there are windows.
    InSchedule {
        /// The window's index in `schedule.windows`.
        window: Option<usize>,
    },
    /// The most specific domain entry matching the site is an allow.
    DomainAllowed(DomainPattern),
    /// The most specific domain entry matching the site is a block.
    DomainBlocked(DomainPattern),
    /// The site matches no entry and there are allowed sites.
    DomainNotAllowed {
        /// The site's host.
        host: String,
    },
    /// The request has no usable `Origin` or `Referer` host; `allowed` is the configured
    /// decision.
    OriginMissing {
        /// Whether the rights let such requests play.
        allowed: bool,
    },
    /// The rights restrict no sites.
    NoDomainRule,
    /// In-token `accessRules`: rule `index` matched.
    TokenRule {
        /// The rule's index in the claim.
        index: usize,
        /// What it does.
        action: RuleAction,
    },
    /// In-token `accessRules`: no rule matched (the list restricts nothing more).
    NoTokenRuleMatched,
    /// The rights named by `id` were not found.
    RightsNotFound {
        /// The id looked up.
        id: String,
    },
    /// The rights named by `id` belong to another account than the token's.
    RightsOfAnotherAccount {
        /// The id looked up.
        id: String,
    },
}

impl fmt::Display for RuleMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IpAllowed(range) => write!(f, "ip {range} allowed"),
            Self::IpBlocked(range) => write!(f, "ip {range} blocked"),
            Self::CountryAllowed(country) => write!(f, "country {country} allowed"),
            Self::CountryBlocked(country) => write!(f, "country {country} blocked"),
            Self::GlobalAllowAll => f.write_str("global allow_all"),
            Self::GlobalBlockAll => f.write_str("global block_all"),
            Self::NotAllowed {
                country: Some(country),
            } => write!(
                f,
                "country {country}: not in the allowed countries or addresses"
            ),
            Self::NotAllowed { country: None } => {
                f.write_str("unknown country: not in the allowed countries or addresses")
            }
            Self::NoGeographyRule => f.write_str("no geography rule"),
            Self::BeforeStart => f.write_str("before the schedule starts"),
            Self::AfterEnd => f.write_str("after the schedule ends"),
            Self::OutsideWindows => f.write_str("outside every weekly window"),
            Self::InSchedule {
                window: Some(index),
            } => write!(f, "in weekly window {index}"),
            Self::InSchedule { window: None } => f.write_str("within the schedule"),
            Self::DomainAllowed(pattern) => write!(f, "site {pattern} allowed"),
            Self::DomainBlocked(pattern) => write!(f, "site {pattern} blocked"),
            Self::DomainNotAllowed { host } => write!(f, "site {host:?} not in the allowed sites"),
            Self::OriginMissing { allowed: true } => f.write_str("no origin, allowed"),
            Self::OriginMissing { allowed: false } => f.write_str("no origin, denied"),
            Self::NoDomainRule => f.write_str("no domain rule"),
            Self::TokenRule { index, action } => {
                write!(f, "token access rule {index} ({})", action.as_str())
            }
            Self::NoTokenRuleMatched => f.write_str("no token access rule matched"),
            Self::RightsNotFound { id } => write!(f, "playback rights {id:?} not found"),
            Self::RightsOfAnotherAccount { id } => {
                write!(f, "playback rights {id:?} belong to another account")
            }
        }
    }
}

/// A refusal by playback rights: the rule family and the entry that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RightsDenial {
    /// The family (vendor subcode and our code).
    pub rule: RightsRule,
    /// The entry that decided.
    pub matched: RuleMatch,
    /// The id of the server-side rights that refused, when the engine knows it (`None` for
    /// the token's `accessRules`, and for an evaluation outside the engine).
    pub rights_id: Option<String>,
}

impl RightsDenial {
    /// A denial by `rule`, decided by `matched`.
    pub fn new(rule: RightsRule, matched: RuleMatch) -> Self {
        Self {
            rule,
            matched,
            rights_id: None,
        }
    }

    /// The same denial, naming the rights it came from.
    #[must_use]
    pub fn with_rights_id(mut self, id: impl Into<String>) -> Self {
        self.rights_id = Some(id.into());
        self
    }

    /// What the audit record says matched: `"<rights id>: <entry>"`, or the entry alone.
    pub fn audit_text(&self) -> String {
        match &self.rights_id {
            Some(id) => format!("{id}: {}", self.matched),
            None => self.matched.to_string(),
        }
    }
}

/// What playback rights decided for an allowed request ([`crate::Allowed::rights`]): the
/// id of the server-side rights that applied, if any, and the entry that decided each stage
/// (the token's `accessRules` first), in evaluation order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RightsApplied {
    /// The server-side rights' id (the token's `prid` or the catalogue's), when they applied.
    pub rights_id: Option<String>,
    /// One entry per stage evaluated.
    pub matched: Vec<RuleMatch>,
}

impl RightsApplied {
    /// What `rights_id` (if any) and the token's rules allowed with.
    pub fn new(rights_id: Option<String>, matched: Vec<RuleMatch>) -> Self {
        Self { rights_id, matched }
    }
}

/// `"<rights id>: <entry>, <entry>"`, or the entries alone: what the audit record says.
impl fmt::Display for RightsApplied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.rights_id {
            write!(f, "{id}: ")?;
        }
        if self.matched.is_empty() {
            // Rights without any rule (`{}`) restrict nothing.
            return f.write_str("no rule");
        }
        for (index, matched) in self.matched.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{matched}")?;
        }
        Ok(())
    }
}

impl fmt::Display for RightsDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "playback rights refused ({}): {}",
            self.rule.vendor_subcode(),
            self.matched
        )
    }
}

/// The answer of a rights evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an outcome that is not looked at enforces nothing"]
pub enum RightsOutcome {
    /// Every stage let the request play; what decided each one, in evaluation order.
    Allowed {
        /// One entry per stage evaluated.
        matched: Vec<RuleMatch>,
    },
    /// A stage refused.
    Denied(RightsDenial),
}

impl RightsOutcome {
    /// Whether the request may play.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed { .. })
    }

    /// The denial, when refused.
    pub fn denial(&self) -> Option<&RightsDenial> {
        match self {
            Self::Allowed { .. } => None,
            Self::Denied(denial) => Some(denial),
        }
    }
}
