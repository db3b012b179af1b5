//! Why a token was rejected: one variant per distinct cause.

use std::fmt;

use playback_auth_claims::{Violation, Violations};
use playback_auth_keys::Algorithm;

/// A part of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// The protected header (first segment).
    Header,
    /// The payload (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token was rejected. Every rule of the verifier has its own variant, so callers never
/// match on strings; [`VerifyError::code`] gives a stable machine-readable code.
///
/// A bad signature is one variant, [`VerifyError::InvalidSignature`], whatever internal check
/// failed. Variants carry small data only — never key material or the token.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than the verifier's maximum (checked before any decoding).
    #[error("token is {len} bytes, longer than the maximum of {max}")]
    TokenTooLong {
        /// The token's length in bytes.
        len: usize,
        /// The maximum accepted.
        max: usize,
    },
    /// The token does not have exactly three `.`-separated segments.
    #[error("token has {found} segments, expected 3")]
    WrongSegmentCount {
        /// How many segments were found.
        found: usize,
    },
    /// A segment is not strict base64url (no padding, whitespace or other characters).
    #[error("token {segment} is not base64url without padding")]
    InvalidBase64 {
        /// The offending segment.
        segment: Segment,
    },
    /// The header or payload is not UTF-8.
    #[error("token {segment} is not UTF-8")]
    InvalidUtf8 {
        /// The offending segment.
        segment: Segment,
    },
    /// The header or payload is not valid JSON.
    #[error("token {segment} is not valid JSON")]
    InvalidJson {
        /// The offending segment.
        segment: Segment,
    },
    /// The header or payload nests arrays/objects deeper than allowed.
    #[error("token {segment} nests JSON deeper than {max} levels")]
    NestingTooDeep {
        /// The offending segment.
        segment: Segment,
        /// The deepest nesting accepted.
        max: usize,
    },
    /// The header or payload is JSON but not an object.
    #[error("token {segment} is not a JSON object")]
    NotAnObject {
        /// The offending segment.
        segment: Segment,
    },
    /// An object in the header or payload has the same member twice.
    #[error("token {segment} has the member {name:?} twice")]
    DuplicateMember {
        /// The offending segment.
        segment: Segment,
        /// The repeated member name.
        name: String,
    },
    /// The header has no `alg`.
    #[error("token header has no `alg`")]
    MissingAlgorithm,
    /// `alg` is `none` (in any case): unsigned tokens are never accepted.
    #[error("unsigned tokens (`alg: none`) are not accepted")]
    AlgorithmNone,
    /// `alg` is not RS256, ES256 or ES384 (e.g. HS256, PS256, ES512, EdDSA).
    #[error("algorithm {alg:?} is not supported")]
    UnsupportedAlgorithm {
        /// The `alg` value, cut to 32 characters.
        alg: String,
    },
    /// `alg` is supported but this verifier was configured not to accept it.
    #[error("algorithm {alg} is not accepted by this verifier")]
    AlgorithmNotAllowed {
        /// The algorithm.
        alg: Algorithm,
    },
    /// The header has `crit`: no extension is understood, so the token is refused.
    #[error("token header has `crit`, and no extension is understood")]
    CriticalHeader,
    /// The header has `b64: false` (unencoded payload), which is refused.
    #[error("unencoded payloads (`b64: false`) are not accepted")]
    UnencodedPayload,
    /// A header member has the wrong type.
    #[error("token header member `{name}` must be {expected}")]
    InvalidHeaderMember {
        /// The member name.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `typ` is present and is not `JWT`.
    #[error("token type {typ:?} is not JWT")]
    UnexpectedType {
        /// The `typ` value, cut to 32 characters.
        typ: String,
    },
    /// The token names a key id that is not in the key set.
    #[error("no key with id {kid:?}")]
    UnknownKeyId {
        /// The `kid` header, cut to 64 characters.
        kid: String,
    },
    /// The key set has no key of the token's algorithm (type and curve).
    #[error("no {alg} key to verify with")]
    NoKeyForAlgorithm {
        /// The token's algorithm.
        alg: Algorithm,
    },
    /// Private-channel tokens (`aws:channel-arn`) must be ES384.
    #[error("private-channel tokens must be ES384, not {alg}")]
    ChannelTokenNotEs384 {
        /// The token's algorithm.
        alg: Algorithm,
    },
    /// The signature has the wrong length for its algorithm and key (e.g. a DER-encoded
    /// ECDSA signature).
    #[error("{alg} signature is {found} bytes, expected {expected}")]
    InvalidSignatureLength {
        /// The token's algorithm.
        alg: Algorithm,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The signature does not verify with any candidate key.
    #[error("signature does not verify")]
    InvalidSignature,
    /// The claims break time or claim rules (expired, not yet valid, `exp` missing, …);
    /// every violation is listed.
    #[error("invalid claims: {0}")]
    Claims(Violations),
}

impl VerifyError {
    /// A stable snake_case code for logs, metrics and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TokenTooLong { .. } => "token_too_long",
            Self::WrongSegmentCount { .. } => "malformed_token",
            Self::InvalidBase64 { .. } => "invalid_base64",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::InvalidJson { .. } => "invalid_json",
            Self::NestingTooDeep { .. } => "json_too_deep",
            Self::NotAnObject { .. } => "not_a_json_object",
            Self::DuplicateMember { .. } => "duplicate_member",
            Self::MissingAlgorithm => "missing_algorithm",
            Self::AlgorithmNone => "algorithm_none",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Self::CriticalHeader => "critical_header",
            Self::UnencodedPayload => "unencoded_payload",
            Self::InvalidHeaderMember { .. } => "invalid_header",
            Self::UnexpectedType { .. } => "unexpected_type",
            Self::UnknownKeyId { .. } => "unknown_key_id",
            Self::NoKeyForAlgorithm { .. } => "no_key_for_algorithm",
            Self::ChannelTokenNotEs384 { .. } => "channel_token_not_es384",
            Self::InvalidSignatureLength { .. } => "invalid_signature_length",
            Self::InvalidSignature => "invalid_signature",
            Self::Claims(violations) => match violations.first() {
                Some(Violation::Expired { .. }) => "token_expired",
                Some(Violation::NotYetValid { .. }) => "token_not_yet_valid",
                Some(Violation::IssuedInFuture { .. }) => "token_issued_in_future",
                Some(Violation::ExpiryTooFar { .. } | Violation::ExpiryTooFarFromNow { .. }) => {
                    "token_lifetime_too_long"
                }
                Some(Violation::ExpiryNotAfterIssue { .. }) => "token_expires_before_issue",
                Some(Violation::ForeignClaim { .. }) => "mixed_claim_sets",
                Some(Violation::MissingClaim { claim: "exp" }) => "token_missing_exp",
                _ => "invalid_claims",
            },
        }
    }

    /// The claim violations, when the token was rejected for its claims.
    pub fn violations(&self) -> Option<&Violations> {
        match self {
            Self::Claims(violations) => Some(violations),
            _ => None,
        }
    }
}

/// Cuts attacker-chosen text kept in an error to at most `max` characters.
pub(crate) fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
