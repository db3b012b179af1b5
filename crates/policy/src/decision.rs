//! What the engine answers: [`Decision`], with [`Allowed`] or a [`DenyReason`].

use std::fmt;

use playback_auth_verify::VerifyError;

mod vendor;

pub use vendor::VendorDenial;

/// The answer to one request: allow (saying what changed) or deny (saying why).
///
/// A denial is a value, not an error: every policy outcome, including a store fault under
/// the default fail-closed configuration, is a [`Decision::Deny`].
#[must_use = "a decision that is not looked at enforces nothing"]
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The request may proceed; the state changes it made are listed.
    Allow(Allowed),
    /// The request is refused; nothing was consumed.
    Deny(DenyReason),
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }

    /// What changed, when allowed.
    pub fn allowed(&self) -> Option<&Allowed> {
        match self {
            Self::Allow(allowed) => Some(allowed),
            Self::Deny(_) => None,
        }
    }

    /// Why, when denied.
    pub fn deny_reason(&self) -> Option<&DenyReason> {
        match self {
            Self::Allow(_) => None,
            Self::Deny(reason) => Some(reason),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allow(allowed) if allowed.degraded => {
                f.write_str("allowed (degraded: store unavailable)")
            }
            Self::Allow(_) => f.write_str("allowed"),
            Self::Deny(reason) => write!(f, "denied: {reason}"),
        }
    }
}

/// What an allowed request changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Allowed {
    /// The stream session admitted or renewed, when the token limits streams (`climit`).
    pub session: Option<SessionChange>,
    /// Sessions evicted to make room for this one (oldest first). Usually none or one;
    /// more when the token's `climit` is lower than the number of sessions already active.
    pub evicted: Vec<String>,
    /// Whether this request registered its device (first use under `dlimit`).
    pub device_registered: bool,
    /// The token's use count after this use, when it carries `maxu`.
    pub uses: Option<u32>,
    /// The session a stop ended; `None` when none was active (a stop is idempotent) or the
    /// request was not a stop.
    pub stopped: Option<String>,
    /// Allowed by the fail-open configuration while the store was unavailable: no
    /// stateful limit was checked or recorded.
    pub degraded: bool,
    /// What playback rights allowed the request with, when any applied (server-side rights
    /// or the token's `accessRules`).
    pub rights: Option<crate::RightsApplied>,
}

impl Allowed {
    /// An allow that changed nothing (the token has no stateful limits).
    pub fn unchanged() -> Self {
        Self::default()
    }

    /// An allow granted without the store (fail-open while the store was unavailable).
    pub fn degraded() -> Self {
        Self {
            degraded: true,
            ..Self::default()
        }
    }
}

/// How an allowed request used a stream session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    /// A new session was admitted.
    Admitted {
        /// The session's key.
        session: String,
    },
    /// An active session's lease was extended.
    Renewed {
        /// The session's key.
        session: String,
    },
}

impl SessionChange {
    /// The session's key.
    pub fn session(&self) -> &str {
        match self {
            Self::Admitted { session } | Self::Renewed { session } => session,
        }
    }
}

/// Why a request was denied. [`DenyReason::code`] is a stable machine-readable name;
/// `Display` is one readable line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DenyReason {
    /// The token failed verification (structure, signature, time or claim rules); the
    /// verifier's typed reason is kept.
    InvalidToken(VerifyError),
    /// `accid` is not the request's account.
    AccountMismatch {
        /// The account the token is for.
        token_account: String,
    },
    /// `conid` is not the requested content.
    ContentMismatch {
        /// The content the token is for.
        token_content: String,
    },
    /// A private-channel token was presented for content that is not its channel (neither the
    /// channel's ARN or id, nor content the catalogue maps to it).
    ChannelMismatch {
        /// The channel the token is for (`aws:channel-arn`).
        token_channel: String,
    },
    /// The requested content is not in `vids`.
    NotInVids,
    /// The requested content carries none of the token's `tags`.
    NoMatchingTag,
    /// The request's user agent is not the token's `ua`.
    UserAgentMismatch,
    /// The request's origin is missing or not allowed by `aws:access-control-allow-origin`.
    OriginNotAllowed {
        /// The request's origin, if it had one.
        origin: Option<String>,
    },
    /// The token was used `maxu` times already.
    MaxUsesReached {
        /// The token's `maxu`.
        limit: u32,
    },
    /// The request comes from a new IP and the token was used from `maxip` IPs already.
    MaxIpsReached {
        /// The token's `maxip`.
        limit: u32,
    },
    /// The token's `aws:single-use-uuid` was used already.
    SingleUseAlreadyUsed,
    /// The user runs `climit` streams already and the token's `cbeh` refuses a new one.
    StreamLimitReached {
        /// The token's `climit`.
        limit: u32,
    },
    /// The session was evicted (or ended) and may not be renewed.
    SessionEvicted {
        /// The session's key.
        session: String,
    },
    /// A heartbeat or stop named a session that is not active and was not evicted: never
    /// started, stopped, or its lease ran out (the player must start a new one).
    SessionUnknown {
        /// The session's key.
        session: String,
    },
    /// The request's device is new and the user has `dlimit` devices registered already.
    DeviceLimitReached {
        /// The token's `dlimit`.
        limit: u32,
    },
    /// The token limits devices (`dlimit`) but the request names no device.
    DeviceIdMissing,
    /// The token is on the revocation list (by digest, `jti` or `uid` cutoff).
    TokenRevoked,
    /// The token's viewer was disconnected at or above its `aws:viewer-session-version`.
    ViewerDisconnected,
    /// The state store could not be reached and the engine fails closed.
    StoreUnavailable,
    /// Playback rights (server-side, or the token's `accessRules`) refused: the rule family
    /// (`CLIENT_GEO`, `CLIENT_IP`, `DOMAIN`, `VIDEO_NOT_PLAYABLE`) and the entry that decided.
    PlaybackRights(crate::RightsDenial),
}

impl DenyReason {
    /// A stable snake_case name for the reason, for logs, metrics and audit records.
    ///
    /// ```
    /// use playback_auth_policy::DenyReason;
    ///
    /// assert_eq!(DenyReason::StreamLimitReached { limit: 3 }.code(), "stream_limit_reached");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken(error) => error.code(),
            Self::AccountMismatch { .. } => "account_mismatch",
            Self::ContentMismatch { .. } => "content_mismatch",
            Self::ChannelMismatch { .. } => "channel_mismatch",
            Self::NotInVids => "not_in_vids",
            Self::NoMatchingTag => "no_matching_tag",
            Self::UserAgentMismatch => "user_agent_mismatch",
            Self::OriginNotAllowed { .. } => "origin_not_allowed",
            Self::MaxUsesReached { .. } => "max_uses_reached",
            Self::MaxIpsReached { .. } => "max_ips_reached",
            Self::SingleUseAlreadyUsed => "single_use_already_used",
            Self::StreamLimitReached { .. } => "stream_limit_reached",
            Self::SessionEvicted { .. } => "session_evicted",
            Self::SessionUnknown { .. } => "session_unknown",
            Self::DeviceLimitReached { .. } => "device_limit_reached",
            Self::DeviceIdMissing => "device_id_missing",
            Self::TokenRevoked => "token_revoked",
            Self::ViewerDisconnected => "viewer_disconnected",
            Self::StoreUnavailable => "store_unavailable",
            Self::PlaybackRights(denial) => denial.rule.code(),
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToken(error) => write!(f, "invalid token: {error}"),
            Self::AccountMismatch { token_account } => {
                write!(
                    f,
                    "token is for account {token_account:?}, not the requested one"
                )
            }
            Self::ContentMismatch { token_content } => {
                write!(
                    f,
                    "token is for content {token_content:?}, not the requested one"
                )
            }
            Self::ChannelMismatch { token_channel } => {
                write!(
                    f,
                    "token is for channel {token_channel:?}, not the requested content"
                )
            }
            Self::NotInVids => f.write_str("requested content is not in the token's vids"),
            Self::NoMatchingTag => {
                f.write_str("requested content carries none of the token's tags")
            }
            Self::UserAgentMismatch => f.write_str("user agent does not match the token's ua"),
            Self::OriginNotAllowed {
                origin: Some(origin),
            } => {
                write!(f, "origin {origin:?} is not allowed by the token")
            }
            Self::OriginNotAllowed { origin: None } => {
                f.write_str("request has no origin and the token restricts origins")
            }
            Self::MaxUsesReached { limit } => {
                write!(f, "token was used its maximum of {limit} times")
            }
            Self::MaxIpsReached { limit } => {
                write!(f, "token was used from its maximum of {limit} IP addresses")
            }
            Self::SingleUseAlreadyUsed => f.write_str("single-use token was used already"),
            Self::StreamLimitReached { limit } => {
                write!(
                    f,
                    "user has reached the limit of {limit} concurrent streams"
                )
            }
            Self::SessionEvicted { session } => write!(f, "session {session:?} was evicted"),
            Self::SessionUnknown { session } => {
                write!(f, "session {session:?} is not active (start a new one)")
            }
            Self::DeviceLimitReached { limit } => {
                write!(
                    f,
                    "user has reached the limit of {limit} registered devices"
                )
            }
            Self::DeviceIdMissing => f.write_str("token limits devices but the request names none"),
            Self::TokenRevoked => f.write_str("token was revoked"),
            Self::ViewerDisconnected => f.write_str("viewer was disconnected"),
            Self::StoreUnavailable => f.write_str("state store is unavailable"),
            Self::PlaybackRights(denial) => write!(f, "{denial}"),
        }
    }
}

#[cfg(test)]
mod tests;
