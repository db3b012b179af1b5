//! Signed report links: the `signedURL` of `GET …/executions/{id}/report`, valid for
//! [`REPORT_LINK_LIFETIME`], checked by the download route without the admin bearer.
//!
//! A link carries its expiry and an HMAC-SHA-256 over (execution, account, expiry) keyed by
//! a server-held secret; the route recomputes it and compares in constant time, so a link
//! cannot be made, moved to another execution or account, or extended without the secret.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit as _, Mac as _};
use playback_auth_claims::NumericDate;
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::token::AdminToken;

/// How long a report link is valid: 15 minutes, as the vendor's Authentication API.
pub const REPORT_LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What the MAC of a link covers first: a version, so a later format cannot be confused.
const MAC_CONTEXT: &[u8] = b"playback-auth report link v1";

/// The purpose a secret is derived from the admin token for, when none is configured.
const DERIVED_PURPOSE: &[u8] = b"playback-auth report link key v1";

type HmacSha256 = Hmac<Sha256>;

/// The server-held secret that signs report links. Every node of a fleet that should
/// accept another's links needs the same secret.
///
/// Without one, [`AdminApi`](crate::AdminApi) derives it from the admin token (the same
/// on every node configured with that token); set one with
/// [`AdminApi::report_link_secret`](crate::AdminApi::report_link_secret) to rotate links
/// independently of the token. `Debug` is redacted.
#[derive(Clone)]
pub struct ReportLinkSecret {
    key: [u8; 32],
}

/// Why a report link secret was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportLinkSecretError {
    /// Fewer bytes than [`ReportLinkSecret::MIN_LEN`].
    #[error("report link secret is {len} bytes, shorter than the minimum of {min}")]
    TooShort {
        /// The secret's length.
        len: usize,
        /// The minimum.
        min: usize,
    },
}

impl ReportLinkSecret {
    /// The shortest secret accepted, in bytes (256 bits, e.g. 32 random bytes).
    pub const MIN_LEN: usize = 32;

    /// A secret from at least [`MIN_LEN`](Self::MIN_LEN) bytes (only their SHA-256 digest
    /// is kept).
    ///
    /// # Errors
    /// [`ReportLinkSecretError::TooShort`].
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ReportLinkSecretError> {
        let secret = secret.as_ref();
        if secret.len() < Self::MIN_LEN {
            return Err(ReportLinkSecretError::TooShort {
                len: secret.len(),
                min: Self::MIN_LEN,
            });
        }
        Ok(Self {
            key: Sha256::digest(secret).into(),
        })
    }

    pub(crate) fn derived_from(token: &AdminToken) -> Self {
        Self {
            key: token.derive_key(DERIVED_PURPOSE),
        }
    }
}

impl fmt::Debug for ReportLinkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReportLinkSecret(<redacted>)")
    }
}

/// Makes and checks the links of one API.
#[derive(Debug, Clone)]
pub(crate) struct ReportLinks {
    secret: ReportLinkSecret,
    /// Prepended to the path; no trailing `/`. Empty: links are absolute paths.
    base_url: String,
}

/// A link and when it stops working (seconds since 1970).
#[derive(Debug)]
pub(crate) struct SignedLink {
    pub(crate) url: String,
    pub(crate) expires: i64,
}

impl ReportLinks {
    pub(crate) fn new(secret: ReportLinkSecret, base_url: &str) -> Self {
        Self {
            secret,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The download link of `execution` of `account`, valid from `now` for
    /// [`REPORT_LINK_LIFETIME`].
    pub(crate) fn sign(&self, execution: &str, account: &str, now: NumericDate) -> SignedLink {
        let expires = now.saturating_add(REPORT_LINK_LIFETIME).as_secs();
        let signature = hex(&self
            .mac(execution, account, expires)
            .finalize()
            .into_bytes());
        let url = format!(
            "{}{}?expires={expires}&signature={signature}",
            self.base_url,
            download_path(account, execution),
        );
        SignedLink { url, expires }
    }

    /// Checks a presented link: its signature (in constant time), then its expiry.
    ///
    /// # Errors
    /// `403 report_link_invalid` for a malformed or wrong signature (a link made for another
    /// execution, account or expiry, or without the secret), `403 report_link_expired` for
    /// a genuine link used at or after its expiry.
    pub(crate) fn check(
        &self,
        execution: &str,
        account: &str,
        query: Option<&str>,
        now: NumericDate,
    ) -> Result<(), ApiError> {
        let (expires, signature) = parse_query(query.unwrap_or_default())?;
        let signature = unhex(signature).ok_or(ApiError::ReportLinkInvalid)?;
        self.mac(execution, account, expires)
            .verify_slice(&signature)
            .map_err(|_| ApiError::ReportLinkInvalid)?;
        if now.as_secs() >= expires {
            return Err(ApiError::ReportLinkExpired);
        }
        Ok(())
    }

    fn mac(&self, execution: &str, account: &str, expires: i64) -> HmacSha256 {
        // HMAC pads a key shorter than the hash's 64-byte block with zeros: the 32-byte key
        // so padded is the key itself, given in the block-sized form that cannot fail.
        let mut block = [0; 64];
        for (to, from) in block.iter_mut().zip(self.secret.key) {
            *to = from;
        }
        let mut mac = HmacSha256::new(&block.into());
        // NUL separators: an account id holds no control characters, an execution id is hex.
        for part in [
            MAC_CONTEXT,
            execution.as_bytes(),
            account.as_bytes(),
            expires.to_string().as_bytes(),
        ] {
            mac.update(part);
            mac.update(b"\0");
        }
        mac
    }
}

/// The download route's path for an execution, the account percent-encoded.
fn download_path(account: &str, execution: &str) -> String {
    format!(
        "/v1/audit/accounts/{}/executions/{execution}/file",
        percent_encode(account)
    )
}

/// `expires` (decimal seconds) and `signature` (hex), each exactly once, nothing else.
fn parse_query(query: &str) -> Result<(i64, &str), ApiError> {
    let mut expires = None;
    let mut signature = None;
    for pair in query.split('&') {
        let slot = match pair.split_once('=') {
            Some(("expires", value)) => expires.replace(value),
            Some(("signature", value)) => signature.replace(value),
            _ => return Err(ApiError::ReportLinkInvalid),
        };
        if slot.is_some() {
            return Err(ApiError::ReportLinkInvalid);
        }
    }
    let expires = expires
        .filter(|value| !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|value| value.parse::<i64>().ok())
        .ok_or(ApiError::ReportLinkInvalid)?;
    Ok((expires, signature.ok_or(ApiError::ReportLinkInvalid)?))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Lowercase hex to bytes; `None` for anything else (odd length, other characters).
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [high, low] => Some((digit(*high)? << 4) | digit(*low)?),
            _ => None,
        })
        .collect()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
