//! `AdminToken`: the shared secret every admin request must present.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The bearer token that authorizes admin requests (`Authorization: Bearer <token>`).
///
/// Only the token's SHA-256 digest is kept, and a presented token is checked by comparing
/// digests in constant time, so neither the token's bytes nor its length leak through
/// timing. `Debug` is redacted.
///
/// ```
/// use playback_auth_admin::{AdminToken, AdminTokenError};
///
/// assert!(AdminToken::new("correct-horse-battery-staple").is_ok());
/// assert!(matches!(
///     AdminToken::new("short"),
///     Err(AdminTokenError::TooShort { len: 5, min: 16 }),
/// ));
/// let token = AdminToken::new("correct-horse-battery-staple").unwrap();
/// assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");
/// ```
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

/// Why a string was refused as an [`AdminToken`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminTokenError {
    /// The token is empty or shorter than [`AdminToken::MIN_LEN`] bytes: too easy to guess.
    #[error("admin token is {len} bytes, shorter than the minimum of {min}")]
    TooShort {
        /// The token's length in bytes.
        len: usize,
        /// The minimum accepted.
        min: usize,
    },
    /// The token has whitespace, control or non-ASCII characters, which an `Authorization`
    /// header cannot carry reliably.
    #[error(
        "admin token must be visible ASCII characters only (no whitespace or control characters)"
    )]
    InvalidCharacter,
}

impl AdminToken {
    /// The shortest token accepted, in bytes.
    pub const MIN_LEN: usize = 16;

    /// Checks `token` and keeps its digest.
    ///
    /// # Errors
    /// [`AdminTokenError::TooShort`] for a token shorter than [`MIN_LEN`](Self::MIN_LEN)
    /// bytes, [`AdminTokenError::InvalidCharacter`] for one with anything but visible ASCII.
    pub fn new(token: impl AsRef<str>) -> Result<Self, AdminTokenError> {
        let token = token.as_ref();
        if token.len() < Self::MIN_LEN {
            return Err(AdminTokenError::TooShort {
                len: token.len(),
                min: Self::MIN_LEN,
            });
        }
        if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(AdminTokenError::InvalidCharacter);
        }
        Ok(Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// Whether `presented` is this token, compared in constant time.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented).into();
        self.digest.ct_eq(&presented).into()
    }

    /// Whether an `Authorization` header value is `Bearer <this token>` (the scheme is
    /// case-insensitive).
    pub(crate) fn authorizes(&self, header: &[u8]) -> bool {
        let Some((scheme, credentials)) = header.split_at_checked(BEARER.len()) else {
            return false;
        };
        scheme.eq_ignore_ascii_case(BEARER) && self.matches(credentials)
    }
}

const BEARER: &[u8] = b"Bearer ";

impl AdminToken {
    /// A key for `purpose` derived from the token (SHA-256 of the purpose and the token's
    /// digest): every node configured with the same token derives the same key, and the key
    /// reveals nothing of the token.
    pub(crate) fn derive_key(&self, purpose: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(purpose);
        hasher.update(self.digest);
        hasher.finalize().into()
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}
