//! `AuditRecord`: one line of the audit trail.

use std::fmt;
use std::net::IpAddr;

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use crate::digest::TokenDigest;

/// The longest id an audit record stores (`account`, `uid`, `session`, `device`, `content`,
/// `reason`), in bytes: 128, the edge's own limit on the ids it accepts.
pub const MAX_AUDIT_ID_LEN: usize = 128;

/// The longest user agent an audit record stores, in bytes: 256.
pub const MAX_AUDIT_USER_AGENT_LEN: usize = 256;

/// The longest `rights_rule` an audit record stores, in bytes: 256 (it may quote the
/// request's site).
pub const MAX_AUDIT_RIGHTS_RULE_LEN: usize = 256;

/// What ends a field that was cut to its cap: `…` (U+2026, 3 bytes).
pub const TRUNCATION_MARKER: &str = "\u{2026}";

/// `value` if it fits in `max` bytes, else its longest prefix (on a character boundary)
/// that fits with [`TRUNCATION_MARKER`] after it. A fresh allocation either way when cut, so
/// the client's long string is not kept alive as spare capacity.
pub(crate) fn cap_text(value: String, max: usize) -> String {
    if value.len() <= max {
        return value;
    }
    let mut end = max.saturating_sub(TRUNCATION_MARKER.len());
    while end > 0 && !value.is_char_boundary(end) {
        end -= 1;
    }
    let mut capped = String::with_capacity(end + TRUNCATION_MARKER.len());
    capped.push_str(value.get(..end).unwrap_or_default());
    capped.push_str(TRUNCATION_MARKER);
    capped
}

fn cap_id(value: impl Into<String>) -> String {
    cap_text(value.into(), MAX_AUDIT_ID_LEN)
}

/// What  was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditDecision {
    /// The request was allowed (`"allow"`).
    Allow,
    /// The request was denied (`"deny"`).
    Deny,
}

impl AuditDecision {
    /// The wire value: `"allow"` or `"deny"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }
}

impl fmt::Display for AuditDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One decision, as written to the audit trail (one JSON object per line):
///
/// ```json
/// {"time":1700000000,"account":"acct-1","uid":"viewer-42","session":null,"device":null,
///  "ip":"127.0.0.1","user_agent":"Player/1.0","content":"video-7",
///  "token_digest":"9f86…","decision":"deny","reason":"stream_limit_reached"}
/// ```
///
/// The token is identified by its digest only; no record holds a token or key material.
///
/// Every text field that came from a request is capped here, in the constructor and setters
/// (and again by [`capped`](Self::capped), which sinks apply to whatever they are handed):
/// the ids (`account`, `uid`, `session`, `device`, `content`) and `reason` to
/// [`MAX_AUDIT_ID_LEN`] bytes, the user agent to [`MAX_AUDIT_USER_AGENT_LEN`] bytes. A longer
/// value is cut on a character boundary and ends with [`TRUNCATION_MARKER`], the whole at
/// most the cap, so a client cannot make one record hold more than about 1.2 KB:
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::{
///     AuditDecision, AuditRecord, MAX_AUDIT_USER_AGENT_LEN, TRUNCATION_MARKER,
/// };
///
/// let time = NumericDate::from_secs(1_700_000_000).unwrap();
/// let huge = "A".repeat(100_000);
/// let record = AuditRecord::new(
///     time, "acct-1", IpAddr::V4(Ipv4Addr::LOCALHOST), huge, "video-7", AuditDecision::Deny,
/// );
/// assert_eq!(record.user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
/// assert!(record.user_agent.ends_with(TRUNCATION_MARKER));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When the decision was made.
    pub time: NumericDate,
    /// The account the request was for.
    pub account: String,
    /// The token's user (`uid`, or `aws:viewer-id`), when it has one.
    #[serde(default)]
    pub uid: Option<String>,
    /// The stream session the decision admitted, renewed or refused, when there was one.
    #[serde(default)]
    pub session: Option<String>,
    /// The request's device id, when it had one.
    #[serde(default)]
    pub device: Option<String>,
    /// The client's address.
    pub ip: IpAddr,
    /// The request's user agent.
    pub user_agent: String,
    /// The requested content id.
    pub content: String,
    /// Digest of the presented token, when one could be read.
    #[serde(default, with = "digest_hex")]
    pub token_digest: Option<TokenDigest>,
    /// Allow or deny.
    pub decision: AuditDecision,
    /// The machine code of the denial reason (e.g. `stream_limit_reached`), or of what
    /// was notable about an allow (e.g. a degraded allow).
    #[serde(default)]
    pub reason: Option<String>,
    /// Which playback-rights rule decided, when rights applied: the rights id and the entry
    /// that refused (`"eu-only: country US blocked"`), or the entry of each stage that
    /// allowed (`"eu-only: ip 203.0.113.7 allowed, no domain rule"`); the token's
    /// `accessRules` read `token access rule N (allow|block)`. Absent from the JSON when
    /// no rights applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights_rule: Option<String>,
}

impl AuditRecord {
    /// A record with the request's essentials; the optional fields start empty.
    pub fn new(
        time: NumericDate,
        account: impl Into<String>,
        ip: IpAddr,
        user_agent: impl Into<String>,
        content: impl Into<String>,
        decision: AuditDecision,
    ) -> Self {
        Self {
            time,
            account: cap_id(account),
            uid: None,
            session: None,
            device: None,
            ip,
            user_agent: cap_text(user_agent.into(), MAX_AUDIT_USER_AGENT_LEN),
            content: cap_id(content),
            token_digest: None,
            decision,
            reason: None,
            rights_rule: None,
        }
    }

    /// Sets the user.
    #[must_use]
    pub fn with_uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(cap_id(uid));
        self
    }

    /// Sets the session.
    #[must_use]
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(cap_id(session));
        self
    }

    /// Sets the device.
    #[must_use]
    pub fn with_device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(cap_id(device));
        self
    }

    /// Sets the token digest.
    #[must_use]
    pub fn with_token_digest(mut self, digest: TokenDigest) -> Self {
        self.token_digest = Some(digest);
        self
    }

    /// Sets the reason code.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(cap_id(reason));
        self
    }

    /// Sets which playback-rights rule decided.
    #[must_use]
    pub fn with_rights_rule(mut self, rule: impl Into<String>) -> Self {
        self.rights_rule = Some(cap_text(rule.into(), MAX_AUDIT_RIGHTS_RULE_LEN));
        self
    }

    /// The record with every field within its cap: what a sink stores, whoever built the
    /// record (its fields are public, and a deserialized record never went through the
    /// setters). Fields already within their caps are kept as they are.
    #[must_use]
    pub fn capped(self) -> Self {
        Self {
            account: cap_id(self.account),
            uid: self.uid.map(cap_id),
            session: self.session.map(cap_id),
            device: self.device.map(cap_id),
            user_agent: cap_text(self.user_agent, MAX_AUDIT_USER_AGENT_LEN),
            content: cap_id(self.content),
            reason: self.reason.map(cap_id),
            rights_rule: self
                .rights_rule
                .map(|rule| cap_text(rule, MAX_AUDIT_RIGHTS_RULE_LEN)),
            ..self
        }
    }

    /// About how many bytes of memory the record holds: its own size plus its strings'
    /// allocations. What [`MemoryAuditSink`](super::MemoryAuditSink) counts.
    pub fn heap_size(&self) -> usize {
        let optional = [
            &self.uid,
            &self.session,
            &self.device,
            &self.reason,
            &self.rights_rule,
        ]
        .into_iter()
        .flatten()
        .map(String::capacity)
        .sum::<usize>();
        size_of::<Self>()
            + self.account.capacity()
            + self.user_agent.capacity()
            + self.content.capacity()
            + optional
    }

    /// The UTC date of [`time`](Self::time): the day whose report includes this record.
    pub fn date(&self) -> time::Date {
        self.time.to_offset_date_time().date()
    }
}

/// `Option<TokenDigest>` as 64 hex characters or `null`.
mod digest_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    use crate::digest::TokenDigest;

    pub(super) fn serialize<S: Serializer>(
        digest: &Option<TokenDigest>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match digest {
            Some(digest) => serializer.serialize_str(&digest.to_hex()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<TokenDigest>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(hex) => TokenDigest::from_hex(&hex)
                .map(Some)
                .ok_or_else(|| D::Error::custom("token_digest must be 64 hex characters")),
            None => Ok(None),
        }
    }
}
