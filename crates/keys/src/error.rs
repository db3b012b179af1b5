//! The one error type of this crate.

use std::path::PathBuf;

/// Why a key could not be read, checked, generated, encoded or written.
///
/// Every variant names one distinct cause. Payloads are small (sizes, names, object
/// identifiers, paths); no variant ever carries key material.
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum KeyError {
    /// An RSA modulus shorter than the 2048 bits RS256 requires.
    #[error("RSA key too small: {bits}-bit modulus (at least 2048 bits required)")]
    RsaKeyTooSmall {
        /// Bit length of the rejected modulus.
        bits: usize,
    },
    /// An RSA modulus longer than the 8192 bits the RSA backend accepts.
    #[error("RSA key too large: {bits}-bit modulus (at most 8192 bits accepted)")]
    RsaKeyTooLarge {
        /// Bit length of the rejected modulus.
        bits: usize,
    },
    /// RSA components the RSA backend refuses (even modulus, public exponent out of
    /// range, inconsistent private components, multi-prime key …).
    #[error("invalid RSA key")]
    InvalidRsaKey(#[source] rsa::Error),
    /// An elliptic curve other than P-256 and P-384.
    #[error("unsupported elliptic curve: {curve} (only P-256 and P-384 are supported)")]
    UnsupportedCurve {
        /// Curve name (e.g. `secp256k1`, `P-521`) or dotted object identifier.
        curve: String,
    },
    /// A key type other than RSA and EC (e.g. Ed25519, DSA, RSASSA-PSS, a JWK `oct` key).
    #[error("unsupported key type: {key_type}")]
    UnsupportedKeyType {
        /// Key type name, JWK `kty` or dotted algorithm object identifier.
        key_type: String,
    },
    /// A SEC1 `EC PRIVATE KEY` that does not name its curve.
    #[error("EC private key does not name its curve")]
    MissingCurveParameters,
    /// The input is not a well-formed PEM document.
    #[error("invalid PEM: {reason}")]
    InvalidPem {
        /// What is wrong with the document.
        reason: &'static str,
    },
    /// A well-formed PEM document whose label is not a key this function reads.
    #[error("unexpected PEM label {label:?}")]
    UnexpectedPemLabel {
        /// The label found (e.g. `CERTIFICATE`, `PRIVATE KEY` where a public key was expected).
        label: String,
    },
    /// A password-protected private key (PKCS#8 `ENCRYPTED PRIVATE KEY` or legacy
    /// `Proc-Type: 4,ENCRYPTED`); decrypt it first (e.g. `openssl pkey`).
    #[error("encrypted private keys are not supported; decrypt the key first")]
    EncryptedPrivateKey,
    /// Bytes that do not decode as the expected DER structure.
    #[error("invalid DER: not a valid {structure}")]
    InvalidDer {
        /// The ASN.1 structure that was expected.
        structure: &'static str,
    },
    /// An elliptic curve point that is malformed, not on the curve or the identity.
    #[error("invalid elliptic curve point")]
    InvalidEcPoint,
    /// An EC private scalar that is zero or not below the curve order.
    #[error("invalid EC private key")]
    InvalidEcPrivateKey,
    /// Text that is not strict base64 (standard alphabet with padding for
    /// `public_key.txt`, base64url without padding for JWK members).
    #[error("invalid base64 in {field}")]
    InvalidBase64 {
        /// Which input or JWK member was being decoded.
        field: &'static str,
    },
    /// A JWK that is missing a member, has a member of the wrong size or value, or
    /// contradicts itself.
    #[error("invalid JWK: {reason}")]
    InvalidJwk {
        /// What is wrong with the JWK.
        reason: &'static str,
    },
    /// A JWK carrying private key members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`)
    /// where a public key was expected. Publish only the public members.
    #[error("JWK contains private key material where a public key was expected")]
    JwkContainsPrivateKey,
    /// A JWK whose `alg` is not the algorithm its key type and curve are used with.
    #[error("JWK alg {alg:?} does not match the key (expected {expected})")]
    JwkAlgorithmMismatch {
        /// The `alg` member found (truncated to 32 characters).
        alg: String,
        /// The algorithm the key is used with.
        expected: crate::Algorithm,
    },
    /// JSON that does not parse as a JWK or JWK Set.
    #[error("invalid JWK JSON")]
    Json(#[source] serde_json::Error),
    /// Input that holds no key at all (empty text, an empty JWK Set).
    #[error("no key found in the input")]
    NoKeyFound,
    /// The operating system's random number generator or the key generator failed.
    #[error("key generation failed")]
    Generation,
    /// A signature provider refused a key our own checks accepted (not expected: the
    /// checks are at least as strict as every provider's).
    #[error("the {provider} provider refused the key")]
    ProviderRejectedKey {
        /// The provider's name (`"rust-crypto"`, `"aws-lc"`).
        provider: &'static str,
    },
    /// The signature primitive failed (e.g. its random number generator).
    #[error("the {alg} signature could not be computed by the {provider} provider")]
    Signing {
        /// The algorithm.
        alg: crate::Algorithm,
        /// The provider's name.
        provider: &'static str,
    },
    /// A key could not be encoded (should not happen for keys this crate accepted).
    #[error("could not encode the key as {format}")]
    Encoding {
        /// The target format.
        format: &'static str,
    },
    /// A key file already exists; this crate never overwrites key files.
    #[error("refusing to overwrite existing key file {}", path.display())]
    FileExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A file-system operation failed.
    #[error("I/O error on {}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shortens text copied from untrusted input into an error message.
pub(crate) fn truncated(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
