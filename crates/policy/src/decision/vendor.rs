//! The vendor's answer for each denial: HTTP status, error code and subcode.

use std::fmt;

use super::DenyReason;

/// How the vendor's playback restrictions service answers a refusal: an HTTP status, an error
/// code and a subcode (`401 ACCESS_DENIED TOKEN_REQUIRED`, `403 ACCESS_DENIED TAGS`, …).
///
/// [`DenyReason::vendor_denial`] gives it for every reason; players written against the
/// vendor read these three values. A reason the vendor has no code for is given the vendor
/// code closest in what a player should do next, or (for a fault that is not a refusal at
/// all) our own upper-case code under the vendor's status naming; the policy crate's README
/// lists them and says why.
///
/// ```
/// use playback_auth_policy::{DenyReason, VendorDenial};
///
/// let denial = DenyReason::StreamLimitReached { limit: 2 }.vendor_denial();
/// assert_eq!(denial, VendorDenial::STREAM_LIMIT_CREATE);
/// assert_eq!(denial.to_string(), "403 ACCESS_DENIED DENIED_BY_STREAM_LIMIT_CREATE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct VendorDenial {
    /// The HTTP status (`401`, `403`, …).
    pub status: u16,
    /// The error code (`ACCESS_DENIED`, …).
    pub error: &'static str,
    /// The error subcode (`TOKEN_VALIDATION`, `CLIENT_GEO`, …).
    pub subcode: &'static str,
}

/// The vendor's error code of every refusal of access.
const ACCESS_DENIED: &str = "ACCESS_DENIED";

impl VendorDenial {
    /// `401 ACCESS_DENIED TOKEN_REQUIRED`: no token was sent.
    pub const TOKEN_REQUIRED: Self = Self::access_denied(401, "TOKEN_REQUIRED");
    /// `401 ACCESS_DENIED TOKEN_VALIDATION`: the token did not pass validation.
    pub const TOKEN_VALIDATION: Self = Self::access_denied(401, "TOKEN_VALIDATION");
    /// `403 ACCESS_DENIED ACCOUNT_ID`: the token is for another account.
    pub const ACCOUNT_ID: Self = Self::access_denied(403, "ACCOUNT_ID");
    /// `403 ACCESS_DENIED TAGS`: the content carries none of the token's tags.
    pub const TAGS: Self = Self::access_denied(403, "TAGS");
    /// `403 ACCESS_DENIED DENIED_BY_STREAM_LIMIT_CREATE`: a new stream refused at the limit.
    pub const STREAM_LIMIT_CREATE: Self = Self::access_denied(403, "DENIED_BY_STREAM_LIMIT_CREATE");
    /// `403 ACCESS_DENIED DENIED_BY_STREAM_LIMIT_RENEW`: a renewal of an evicted stream.
    pub const STREAM_LIMIT_RENEW: Self = Self::access_denied(403, "DENIED_BY_STREAM_LIMIT_RENEW");
    /// `403 ACCESS_DENIED DENIED_BY_DEVICE_LIMITING`: the device limit refused.
    pub const DEVICE_LIMITING: Self = Self::access_denied(403, "DENIED_BY_DEVICE_LIMITING");
    /// `403 ACCESS_DENIED DOMAIN`: the requesting site is not allowed.
    pub const DOMAIN: Self = Self::access_denied(403, "DOMAIN");
    /// `503 SERVICE_UNAVAILABLE STORE_UNAVAILABLE`: ours, not the vendor's (the state store
    /// could not be reached; the player should retry, not give up).
    pub const STORE_UNAVAILABLE: Self = Self::new(503, "SERVICE_UNAVAILABLE", "STORE_UNAVAILABLE");

    /// A pair with these values (for answers outside [`DenyReason`], such as an HTTP layer's
    /// own refusals).
    pub const fn new(status: u16, error: &'static str, subcode: &'static str) -> Self {
        Self {
            status,
            error,
            subcode,
        }
    }

    /// `status ACCESS_DENIED subcode`.
    const fn access_denied(status: u16, subcode: &'static str) -> Self {
        Self::new(status, ACCESS_DENIED, subcode)
    }
}

impl fmt::Display for VendorDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.status, self.error, self.subcode)
    }
}

impl DenyReason {
    /// The vendor's status, error code and subcode for this reason (see [`VendorDenial`] and
    /// the table in the crate documentation).
    ///
    /// ```
    /// use playback_auth_policy::DenyReason;
    ///
    /// let renew = DenyReason::SessionEvicted { session: "s".into() }.vendor_denial();
    /// assert_eq!((renew.status, renew.error, renew.subcode),
    ///            (403, "ACCESS_DENIED", "DENIED_BY_STREAM_LIMIT_RENEW"));
    /// ```
    pub fn vendor_denial(&self) -> VendorDenial {
        // No wildcard arm: a new reason does not compile until it is given its pair.
        match self {
            Self::InvalidToken(_)
            // Claims of the token the request does not meet: the vendor checks them as part
            // of validating the token, and the remedy is another token.
            | Self::ContentMismatch { .. }
            | Self::ChannelMismatch { .. }
            | Self::NotInVids
            | Self::UserAgentMismatch
            // Spent or withdrawn tokens: they no longer validate.
            | Self::MaxUsesReached { .. }
            | Self::MaxIpsReached { .. }
            | Self::SingleUseAlreadyUsed
            | Self::TokenRevoked
            | Self::ViewerDisconnected => VendorDenial::TOKEN_VALIDATION,
            Self::AccountMismatch { .. } => VendorDenial::ACCOUNT_ID,
            Self::NoMatchingTag => VendorDenial::TAGS,
            // The token's allowed origins restrict the requesting site, as the vendor's
            // domain rule does.
            Self::OriginNotAllowed { .. } => VendorDenial::DOMAIN,
            Self::StreamLimitReached { .. } => VendorDenial::STREAM_LIMIT_CREATE,
            // A renewal the vendor would refuse too; the vendor has no subcode telling an
            // unknown (stopped, expired) session from an evicted one: ours (`code`) does.
            Self::SessionEvicted { .. } | Self::SessionUnknown { .. } => {
                VendorDenial::STREAM_LIMIT_RENEW
            }
            Self::DeviceLimitReached { .. } | Self::DeviceIdMissing => {
                VendorDenial::DEVICE_LIMITING
            }
            Self::StoreUnavailable => VendorDenial::STORE_UNAVAILABLE,
            Self::PlaybackRights(denial) => {
                VendorDenial::access_denied(403, denial.rule.vendor_subcode())
            }
        }
    }
}

#[cfg(test)]
mod tests;
