//! The JSON form of a rights object: what the admin API accepts and answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::domains::MissingOrigin;

/// A rights object as JSON, before validation. Every section and list is optional; unknown
/// members are refused. [`crate::PlaybackRights::from_document`] checks it.
///
/// ```json
/// {
///   "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"], "blocked_countries": [] },
///   "ip": { "allowed": ["192.0.2.7", "2001:db8::/32"], "blocked": ["198.51.100.0/24"] },
///   "domains": { "allowed": ["example.com", "*.example.com"], "blocked": [], "missing_origin": "deny" },
///   "schedule": {
///     "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z",
///     "time_zone": "Europe/Paris",
///     "windows": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "from": "18:00", "to": "23:00" }]
///   }
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RightsDocument {
    /// Countries and the global rule.
    #[serde(default, skip_serializing_if = "GeoDocument::is_empty")]
    pub geo: GeoDocument,
    /// Addresses and ranges.
    #[serde(default, skip_serializing_if = "IpDocument::is_empty")]
    pub ip: IpDocument,
    /// Sites, from `Origin` else `Referer`.
    #[serde(default, skip_serializing_if = "DomainDocument::is_empty")]
    pub domains: DomainDocument,
    /// Start, end and weekly windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleDocument>,
}

impl RightsDocument {
    /// Parses the JSON form strictly: the document, each section and each window must be
    /// JSON objects (serde's derived structs would also take arrays of their fields in
    /// order, a shape nobody means to write), and unknown members are refused. Deserialize a
    /// `RightsDocument` with this, not with a generic JSON extractor.
    pub fn from_json(json: &[u8]) -> Result<Self, serde_json::Error> {
        let value: Value = serde_json::from_slice(json)?;
        let objects = |value: Option<&Value>| value.is_none_or(Value::is_object);
        let windows = value
            .pointer("/schedule/windows")
            .and_then(Value::as_array)
            .is_none_or(|windows| windows.iter().all(Value::is_object));
        let shaped = value.is_object()
            && ["geo", "ip", "domains", "schedule"]
                .iter()
                .all(|section| objects(value.get(section)))
            && windows;
        if !shaped {
            return Err(<serde_json::Error as serde::de::Error>::custom(
                "a rights document, its sections and its windows are JSON objects",
            ));
        }
        Self::deserialize(value)
    }
}

/// The global geography rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalRule {
    /// Every country plays unless blocked (by country or IP).
    AllowAll,
    /// No country plays unless allowed (by country or IP).
    BlockAll,
}

/// `geo`: the global rule and country lists (ISO 3166-1 alpha-2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GeoDocument {
    /// `allow_all`, `block_all`, or absent / `null` (none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global: Option<GlobalRule>,
    /// Countries that play.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_countries: Vec<String>,
    /// Countries that do not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_countries: Vec<String>,
}

impl GeoDocument {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// `ip`: addresses and CIDR ranges, IPv4 and IPv6.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IpDocument {
    /// Addresses and ranges that play.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Addresses and ranges that do not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<String>,
}

impl IpDocument {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// `domains`: sites (`example.com`, `*.example.com`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DomainDocument {
    /// Sites that play.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Sites that do not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<String>,
    /// A request with neither `Origin` nor `Referer` host: `allow` or `deny`. Absent: `deny`
    /// when `allowed` is non-empty, else `allow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_origin: Option<MissingOrigin>,
}

impl DomainDocument {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// `schedule`: absolute start and end, and weekly windows in a time zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScheduleDocument {
    /// RFC 3339 instant with an offset; plays from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// RFC 3339 instant with an offset; no longer plays from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// IANA time zone name (`Europe/Paris`) the windows are wall-clock time in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Weekly windows; when any, content plays only inside one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowDocument>,
}

/// One weekly window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowDocument {
    /// Days the window starts on: `mon tue wed thu fri sat sun`.
    pub days: Vec<String>,
    /// `HH:MM`, inclusive.
    pub from: String,
    /// `HH:MM` (or `24:00`), exclusive; not after `from` means the window ends the next day.
    pub to: String,
}
