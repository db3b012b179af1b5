//! `AuditRecord`: one line of the audit trail.

use std::fmt;
use std::net::IpAddr;

use playback_auth_claims::NumericDate;
use serde::{Deserialize, Serialize};

use crate::digest::TokenDigest;

/// What was decided.
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
            account: account.into(),
            uid: None,
            session: None,
            device: None,
            ip,
            user_agent: user_agent.into(),
            content: content.into(),
            token_digest: None,
            decision,
            reason: None,
        }
    }

    /// Sets the user.
    #[must_use]
    pub fn with_uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }

    /// Sets the session.
    #[must_use]
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// Sets the device.
    #[must_use]
    pub fn with_device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
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
        self.reason = Some(reason.into());
        self
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
