//! The JWS signature algorithms playback tokens use.

use std::fmt;

/// ES256 signatures: `r‖s`, 32 bytes each.
pub(crate) const ES256_SIGNATURE_LEN: usize = 64;
/// ES384 signatures: `r‖s`, 48 bytes each.
pub(crate) const ES384_SIGNATURE_LEN: usize = 96;

/// A JWS `alg` this library signs and verifies with (SPEC §1).
///
/// Every other value — `none`, `HS256`, `PS256`, `ES512`, `EdDSA`, different case — has no
/// `Algorithm`, so it cannot be selected by accident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA modulus of at least 2048 bits.
    Rs256,
    /// ECDSA on P-256 with SHA-256, signature `r‖s` of 64 bytes.
    Es256,
    /// ECDSA on P-384 with SHA-384, signature `r‖s` of 96 bytes.
    Es384,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 3] = [Algorithm::Rs256, Algorithm::Es256, Algorithm::Es384];

    /// The JWS name: `"RS256"`, `"ES256"` or `"ES384"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
        }
    }

    /// The algorithm with this exact JWS name; names are case-sensitive (`"rs256"` is `None`).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.as_str() == name)
    }

    /// Length in bytes of every signature: `Some(64)` for ES256, `Some(96)` for ES384, and
    /// `None` for RS256, whose signatures are as long as the key's modulus.
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Algorithm::Rs256 => None,
            Algorithm::Es256 => Some(ES256_SIGNATURE_LEN),
            Algorithm::Es384 => Some(ES384_SIGNATURE_LEN),
        }
    }

    /// The JWK `kty` of keys for this algorithm: `"RSA"` or `"EC"`.
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RSA",
            Algorithm::Es256 | Algorithm::Es384 => "EC",
        }
    }

    /// The JWK `crv` of keys for this algorithm, `None` for RSA.
    pub fn curve(self) -> Option<&'static str> {
        match self {
            Algorithm::Rs256 => None,
            Algorithm::Es256 => Some("P-256"),
            Algorithm::Es384 => Some("P-384"),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
