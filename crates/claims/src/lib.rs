#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod access_rules;
mod channel;
mod claim_set;
mod claims_object;
mod concurrency;
mod country;
mod error;
mod ip_range;
mod level;
pub mod names;
mod numeric_date;
mod payload;
mod playback;
mod protection;
mod reader;
mod restriction;
mod static_url;
pub mod strict_json;
mod time_rules;
mod uid;

pub use access_rules::{AccessRule, AccessRules, RuleAction, RuleTarget};
pub use channel::{
    AllowedOrigins, CHANNEL_TOKEN_ALG, ChannelArn, MaximumResolution, PrivateChannelClaims,
    SingleUseId, ViewerId, required_alg,
};
pub use claim_set::{CachedClaims, ClaimSet, ClaimsBuilder};
pub use claims_object::ClaimsObject;
pub use concurrency::ConcurrencyBehavior;
pub use country::CountryCode;
pub use error::{
    AccessRuleError, ArnPart, CountryCodeError, DecodeError, IpRangeError, StrictJsonError,
    UidError, Violation, Violations,
};
pub use ip_range::IpRange;
pub use level::SecurityLevel;
pub use numeric_date::{NumericDate, NumericDateError};
pub use payload::Payload;
pub use playback::PlaybackClaims;
pub use protection::Protection;
pub use restriction::PlaybackRestrictionClaims;
pub use static_url::{StaticUrlClaims, VodConfig};
pub use time_rules::{DEFAULT_LEEWAY, MAX_LIFETIME, TimeClaims, TimeWindow};
pub use uid::Uid;
