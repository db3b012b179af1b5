//! `TokenDigest`: how a token is identified in state, revocation lists and audit records.

use std::fmt::{self, Write as _};

use sha2::{Digest, Sha256};

/// SHA-256 of what a token's signature covers: its signed part, `header.payload`, as received.
///
/// This is a token's identity. Stores, revocation lists and audit records identify a token by
/// its digest, never by the token itself (so no stored value can be replayed) and never by
/// its signature: an ECDSA signature `(r, s)` can be rewritten as `(r, n − s)` by anyone,
/// without the key, and both verify. Keyed on the whole token, such a copy would be a "new"
/// token past the revocation list, `maxu` and `maxip`; keyed on the signed part, every
/// signature of the same header and payload is the same token. (The verifier's base64url is
/// strict and canonical, so the signed part itself cannot be re-encoded.)
///
/// `Debug` and `Display` print lowercase hex.
///
/// ```
/// use playback_auth_policy::TokenDigest;
///
/// let digest = TokenDigest::of_token("a.b.c");
/// // Only the signed part counts: another signature is the same token.
/// assert_eq!(digest, TokenDigest::of_token("a.b.other-signature"));
/// assert_eq!(digest, TokenDigest::of_signed_part("a.b"));
/// assert_ne!(digest, TokenDigest::of_token("a.B.c"));
/// let hex = digest.to_hex();
/// assert_eq!(hex.len(), 64);
/// assert_eq!(TokenDigest::from_hex(&hex), Some(digest));
/// assert_eq!(TokenDigest::from_hex("not hex"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest of an encoded token's signed part: everything before its last `.`, exactly
    /// as presented (the whole string when it has no `.`, which no valid token lacks).
    pub fn of_token(encoded: &str) -> Self {
        let signed = encoded
            .rsplit_once('.')
            .map_or(encoded, |(signed, _signature)| signed);
        Self::of_signed_part(signed)
    }

    /// The digest of a signed part (`header.payload`) split off by the caller.
    pub fn of_signed_part(signed: &str) -> Self {
        Self(Sha256::digest(signed.as_bytes()).into())
    }

    /// Wraps 32 digest bytes computed elsewhere (e.g. read back from a store).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest as 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex characters (either case); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let [high, low] = pair else { return None };
            *slot = (hex_value(*high)? << 4) | hex_value(*low)?;
        }
        Some(Self(out))
    }

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenDigest({})", self.to_hex())
    }
}

impl fmt::Display for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Lower-case hex of `bytes`, in one allocation.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests;
