//! Strict JSON for token segments: the rules live in `playback_auth_claims::strict_json`;
//! this maps their failures to the verifier's errors, naming the segment.

use serde_json::{Map, Value};

use playback_auth_claims::{ClaimsObject, StrictJsonError};

use crate::error::{Segment, VerifyError, cut};

pub use playback_auth_claims::strict_json::MAX_DEPTH;

/// Parses the header (or any segment) as a JSON object under the strict rules.
pub(crate) fn parse_object(
    bytes: &[u8],
    segment: Segment,
) -> Result<Map<String, Value>, VerifyError> {
    playback_auth_claims::strict_json::parse_object(bytes).map_err(|e| to_verify_error(e, segment))
}

/// Parses the payload in one pass into the object the claim sets decode from.
pub(crate) fn parse_claims(bytes: &[u8]) -> Result<ClaimsObject, VerifyError> {
    ClaimsObject::from_json_slice(bytes).map_err(|e| to_verify_error(e, Segment::Payload))
}

pub(crate) fn to_verify_error(error: StrictJsonError, segment: Segment) -> VerifyError {
    match error {
        StrictJsonError::InvalidUtf8 => VerifyError::InvalidUtf8 { segment },
        StrictJsonError::NestingTooDeep { max } => VerifyError::NestingTooDeep { segment, max },
        StrictJsonError::NotAnObject => VerifyError::NotAnObject { segment },
        // Attacker-chosen and possibly kilobytes long: keep a bounded prefix.
        StrictJsonError::DuplicateMember { name } => VerifyError::DuplicateMember {
            segment,
            name: cut(&name, 64),
        },
        // `Syntax` and any rule added later.
        _ => VerifyError::InvalidJson { segment },
    }
}

#[cfg(test)]
mod tests;
