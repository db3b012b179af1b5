//! What the engine decides about: the request ([`RequestContext`]) and the token
//! ([`VerifiedToken`]).

use std::net::IpAddr;

use playback_auth_claims::{ClaimSet, NumericDate, PlaybackClaims, Uid};

use crate::digest::TokenDigest;

/// The request a token is presented with.
///
/// Built with [`RequestContext::new`] and the `with_*` setters, so fields added later do
/// not break callers.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use playback_auth_claims::NumericDate;
/// use playback_auth_policy::RequestContext;
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let ctx = RequestContext::new("acct-1", "video-7", "Player/1.0", IpAddr::V4(Ipv4Addr::LOCALHOST), now)
///     .with_content_tags(["sports"])
///     .with_device_id("device-a");
/// assert_eq!(ctx.device_id.as_deref(), Some("device-a"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RequestContext {
    /// The account the request is for (compared with `accid`).
    pub account: String,
    /// The requested content (video) id (compared with `conid` and `vids`).
    pub content_id: String,
    /// Tags the requested content carries (compared with `tags`).
    pub content_tags: Vec<String>,
    /// The request's `User-Agent` (compared exactly with `ua`).
    pub user_agent: String,
    /// The client's address (counted against `maxip`).
    pub client_ip: IpAddr,
    /// The client's device id (required by `dlimit`; the streaming location of `BLOCK_NEW_USER`).
    pub device_id: Option<String>,
    /// The player's session id, used when the token carries no `sid`.
    pub session_id: Option<String>,
    /// The requesting page's `Origin` (checked against `aws:access-control-allow-origin`,
    /// and by playback rights' domain rules).
    pub origin: Option<String>,
    /// The request's `Referer`: playback rights' domain rules read its host when there is no
    /// `Origin`.
    pub referer: Option<String>,
    /// The channel ARN the server's content catalogue maps the requested content to, if any:
    /// a private-channel token also plays content mapped to its own channel.
    pub content_channel: Option<String>,
    /// The playback-rights id the server's content catalogue gives the requested content, if
    /// any: the rights that apply when the token has no `prid`.
    pub content_rights: Option<String>,
    /// The time of the request. Every time-dependent rule reads this, never a clock: a
    /// service passes its `Clock`'s reading or [`NumericDate::now`], a test a fixed date.
    pub now: NumericDate,
}

impl RequestContext {
    /// A request for `content_id` of `account` with no tags, device, session or origin.
    pub fn new(
        account: impl Into<String>,
        content_id: impl Into<String>,
        user_agent: impl Into<String>,
        client_ip: IpAddr,
        now: NumericDate,
    ) -> Self {
        Self {
            account: account.into(),
            content_id: content_id.into(),
            content_tags: Vec::new(),
            user_agent: user_agent.into(),
            client_ip,
            device_id: None,
            session_id: None,
            origin: None,
            referer: None,
            content_channel: None,
            content_rights: None,
            now,
        }
    }

    /// Sets the tags the requested content carries.
    #[must_use]
    pub fn with_content_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.content_tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the client's device id.
    #[must_use]
    pub fn with_device_id(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// Sets the player's session id.
    #[must_use]
    pub fn with_session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sets the requesting page's origin.
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Sets the request's `Referer`.
    #[must_use]
    pub fn with_referer(mut self, referer: impl Into<String>) -> Self {
        self.referer = Some(referer.into());
        self
    }

    /// Sets the channel ARN the server's content catalogue maps the requested content to.
    /// Never take it from the request: a client could name any channel.
    #[must_use]
    pub fn with_content_channel(mut self, channel_arn: impl Into<String>) -> Self {
        self.content_channel = Some(channel_arn.into());
        self
    }

    /// Sets the playback-rights id the server's content catalogue gives the requested
    /// content (used when the token has no `prid`). Never take it from the request: a client
    /// could name rights that let it play anywhere.
    #[must_use]
    pub fn with_content_rights(mut self, rights_id: impl Into<String>) -> Self {
        self.content_rights = Some(rights_id.into());
        self
    }

    /// Sets the client's address.
    #[must_use]
    pub fn with_client_ip(mut self, client_ip: IpAddr) -> Self {
        self.client_ip = client_ip;
        self
    }

    /// Sets the request time.
    #[must_use]
    pub fn with_now(mut self, now: NumericDate) -> Self {
        self.now = now;
        self
    }
}

/// A token whose signature, time claims and claim rules were checked, with its digest.
///
/// The engine trusts these claims, so only the [`Authorizer`](crate::Authorizer) makes one
/// from a token that passed verification. `VerifiedToken::new` and
/// `VerifiedToken::with_digest`, which wrap any claims, are public only with the `hazmat`
/// feature (for tests, benchmarks and fuzzers: see the crate docs):
///
/// ```
/// # #[cfg(feature = "hazmat")] {
/// use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
/// use playback_auth_policy::{TokenDigest, VerifiedToken};
///
/// let iat = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PlaybackRestrictionClaims::builder("acct-1", iat).build().unwrap();
/// let token = VerifiedToken::new(PlaybackClaims::Restriction(claims), "h.p.s");
/// assert_eq!(token.digest, TokenDigest::of_token("h.p.s"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The verified claims.
    pub claims: PlaybackClaims,
    /// The token's identity: SHA-256 of its signed part (see [`TokenDigest`]).
    pub digest: TokenDigest,
}

impl VerifiedToken {
    crate::hazmat::hazmat_fn! {
        /// Wraps verified claims and digests the signed part of the encoded token they came
        /// from. **Hazardous** (public with the `hazmat` feature only): nothing checks that
        /// the claims were verified.
        fn new(claims: PlaybackClaims, encoded_token: &str) -> Self {
            Self::with_digest(claims, TokenDigest::of_token(encoded_token))
        }
    }

    crate::hazmat::hazmat_fn! {
        /// Wraps verified claims with a digest computed earlier. **Hazardous** (public with
        /// the `hazmat` feature only): nothing checks that the claims were verified.
        fn with_digest(claims: PlaybackClaims, digest: TokenDigest) -> Self {
            Self { claims, digest }
        }
    }

    /// `jti`, when the token has one.
    pub fn jti(&self) -> Option<&str> {
        self.claims.jti()
    }

    /// The id per-token state is kept under: `jti` if present, else the digest in hex.
    pub fn token_id(&self) -> String {
        self.jti()
            .map_or_else(|| self.digest.to_hex(), ToOwned::to_owned)
    }

    /// `uid`, when the token is a restriction token that has one.
    pub fn uid(&self) -> Option<&Uid> {
        self.claims.as_restriction().and_then(|c| c.uid.as_ref())
    }

    /// `exp`, when the token has one.
    pub fn expires_at(&self) -> Option<NumericDate> {
        self.claims.time_claims().exp
    }
}
