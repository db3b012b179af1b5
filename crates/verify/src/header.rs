//! The protected header and its rules.

use serde_json::{Map, Value};

use playback_auth_keys::Algorithm;

use crate::error::{Segment, VerifyError, cut};
use crate::json::parse_object;

/// The header members the verifier acts on. Other members are tolerated and ignored; in
/// particular `jwk`, `jku`, `x5c` and `x5u` never select or supply a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`.
    pub alg: Algorithm,
    /// `kid`, when present.
    pub kid: Option<String>,
    /// `typ`, when present (always `JWT` in some case).
    pub typ: Option<String>,
}

/// The header prefixes signers write, byte for byte: ours (`alg`, `typ`, then `kid`) and
/// jsonwebtoken's (`typ` first).
const COMMON_PREFIXES: [(&[u8], Algorithm); 6] = [
    (br#"{"alg":"RS256","typ":"JWT""#, Algorithm::Rs256),
    (br#"{"alg":"ES256","typ":"JWT""#, Algorithm::Es256),
    (br#"{"alg":"ES384","typ":"JWT""#, Algorithm::Es384),
    (br#"{"typ":"JWT","alg":"RS256""#, Algorithm::Rs256),
    (br#"{"typ":"JWT","alg":"ES256""#, Algorithm::Es256),
    (br#"{"typ":"JWT","alg":"ES384""#, Algorithm::Es384),
];

impl Header {
    /// Parses the header JSON under the strict rules and applies the header rules.
    ///
    /// Nearly every token carries one of a handful of headers, byte for byte the same: those
    /// are recognised without the JSON parser (see [`Header::from_common_form`]); any other
    /// header takes the full path. Both give the same result for the same bytes.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Header, VerifyError> {
        match Header::from_common_form(bytes) {
            Some(header) => Ok(header),
            None => Header::from_json_object(parse_object(bytes, Segment::Header)?),
        }
    }

    /// The header when its bytes are exactly one of the common forms: a prefix of
    /// [`COMMON_PREFIXES`], then either `}` or `,"kid":"…"}` with a kid that needs no escape
    /// (no `"`, no `\`, no control character) and is UTF-8. Such bytes are valid JSON without
    /// duplicate members whose header passes every rule, so the strict parse would give this
    /// very header; anything else (other members, whitespace, escapes, another order) gives
    /// `None` and is left to the strict parse.
    pub(crate) fn from_common_form(bytes: &[u8]) -> Option<Header> {
        let (alg, rest) = COMMON_PREFIXES
            .iter()
            .find_map(|&(prefix, alg)| bytes.strip_prefix(prefix).map(|rest| (alg, rest)))?;
        let kid = if rest == b"}" {
            None
        } else {
            let kid = rest.strip_prefix(br#","kid":""#)?.strip_suffix(br#""}"#)?;
            if kid
                .iter()
                .any(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
            {
                return None;
            }
            Some(std::str::from_utf8(kid).ok()?.to_owned())
        };
        Some(Header {
            alg,
            kid,
            typ: Some("JWT".to_owned()),
        })
    }

    /// Applies the header rules: `alg` present and supported (`none` in any case refused),
    /// no `crit`, no `b64: false`, `typ` (if any) `JWT`, `kid` (if any) a string.
    pub(crate) fn from_json_object(mut object: Map<String, Value>) -> Result<Header, VerifyError> {
        let alg = match object.get("alg") {
            None => return Err(VerifyError::MissingAlgorithm),
            Some(Value::String(alg)) => alg,
            Some(_) => {
                return Err(VerifyError::InvalidHeaderMember {
                    name: "alg",
                    expected: "a string",
                });
            }
        };
        if alg.eq_ignore_ascii_case("none") {
            return Err(VerifyError::AlgorithmNone);
        }
        let alg = Algorithm::from_name(alg)
            .ok_or_else(|| VerifyError::UnsupportedAlgorithm { alg: cut(alg, 32) })?;
        if object.contains_key("crit") {
            return Err(VerifyError::CriticalHeader);
        }
        match object.get("b64") {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => return Err(VerifyError::UnencodedPayload),
            Some(_) => {
                return Err(VerifyError::InvalidHeaderMember {
                    name: "b64",
                    expected: "a boolean",
                });
            }
        }
        let typ = optional_string(&mut object, "typ")?;
        if let Some(typ) = &typ
            && !typ.eq_ignore_ascii_case("JWT")
        {
            return Err(VerifyError::UnexpectedType { typ: cut(typ, 32) });
        }
        let kid = optional_string(&mut object, "kid")?;
        Ok(Header { alg, kid, typ })
    }
}

/// Moves the string member `name` out of the header (the map is dropped afterwards).
fn optional_string(
    object: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, VerifyError> {
    match object.remove(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(VerifyError::InvalidHeaderMember {
            name,
            expected: "a string",
        }),
    }
}

#[cfg(test)]
mod tests;
