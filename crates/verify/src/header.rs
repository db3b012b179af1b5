//! The protected header and its rules.

use serde_json::{Map, Value};

use playback_auth_keys::Algorithm;

use crate::error::{VerifyError, cut};

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

impl Header {
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
