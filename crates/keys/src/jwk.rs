//! JSON Web Keys (RFC 7517/7518): import and export of public keys.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::truncated;
use crate::{Algorithm, Es256PublicKey, Es384PublicKey, KeyError, PublicKey, Rs256PublicKey};

/// A JSON Web Key as it appears on the wire.
///
/// Members are kept as strings; [`PublicKey::from_jwk`] checks them. The private members
/// are represented only so that a private JWK is *recognised and refused* where a public
/// key is expected; [`PublicKey::to_jwk`] never sets them, and `Debug` redacts them.
/// Members this crate does not use (`key_ops`, `x5c` …) are ignored when reading.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `"RSA"` or `"EC"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm: `"RS256"`, `"ES256"` or `"ES384"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use; only `"sig"` is accepted.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// EC curve: `"P-256"` or `"P-384"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Private member (EC private scalar or RSA private exponent): refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<serde_json::Value>,
    /// Private RSA member: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<serde_json::Value>,
    /// Private RSA member: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<serde_json::Value>,
    /// Private RSA member: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp: Option<serde_json::Value>,
    /// Private RSA member: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dq: Option<serde_json::Value>,
    /// Private RSA member: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi: Option<serde_json::Value>,
    /// Private RSA member (other primes): refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oth: Option<serde_json::Value>,
    /// Symmetric key value (`kty` `"oct"`): refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<serde_json::Value>,
}

impl Jwk {
    /// Parses one JWK from JSON. Duplicate members are rejected.
    ///
    /// # Errors
    /// [`KeyError::Json`].
    pub fn from_json(json: &str) -> Result<Jwk, KeyError> {
        serde_json::from_str(json).map_err(KeyError::Json)
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing string and JSON-value members to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether any private or symmetric key member is present.
    pub fn has_private_members(&self) -> bool {
        [
            &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qi, &self.oth, &self.k,
        ]
        .iter()
        .any(|member| member.is_some())
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("use", &self.use_)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("n", &self.n)
            .field("e", &self.e)
            .field(
                "private_members",
                &if self.has_private_members() {
                    "<redacted>"
                } else {
                    "none"
                },
            )
            .finish()
    }
}

/// A JWK Set: `{"keys": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWK Set from JSON. Duplicate members are rejected.
    ///
    /// # Errors
    /// [`KeyError::Json`].
    pub fn from_json(json: &str) -> Result<Jwks, KeyError> {
        serde_json::from_str(json).map_err(KeyError::Json)
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PublicKey {
    /// Reads a public JWK: `kty` `"RSA"` with `n`, `e`, or `kty` `"EC"` with `crv`
    /// (`"P-256"` or `"P-384"`), `x`, `y` of exactly the field length. Values are strict
    /// base64url without padding. When present, `alg` must be the key's algorithm and
    /// `use` must be `"sig"`. The `kid` is not part of the key; see [`PublicKey::parse`]
    /// or [`KeySet::from_jwks`](crate::KeySet::from_jwks) to keep it.
    ///
    /// # Errors
    /// [`KeyError::JwkContainsPrivateKey`] if any private member is present,
    /// [`KeyError::InvalidJwk`] for a missing member or a wrong `use`,
    /// [`KeyError::UnsupportedKeyType`], [`KeyError::UnsupportedCurve`],
    /// [`KeyError::InvalidBase64`], [`KeyError::JwkAlgorithmMismatch`], or a key error.
    pub fn from_jwk(jwk: &Jwk) -> Result<PublicKey, KeyError> {
        if jwk.has_private_members() {
            return Err(KeyError::JwkContainsPrivateKey);
        }
        if let Some(use_) = &jwk.use_
            && use_ != "sig"
        {
            return Err(KeyError::InvalidJwk {
                reason: "\"use\" is not \"sig\"",
            });
        }
        let kty = jwk.kty.as_deref().ok_or(KeyError::InvalidJwk {
            reason: "missing \"kty\"",
        })?;
        let key = match kty {
            "RSA" => {
                if jwk.crv.is_some() || jwk.x.is_some() || jwk.y.is_some() {
                    return Err(KeyError::InvalidJwk {
                        reason: "RSA key with EC members",
                    });
                }
                let n = required(&jwk.n, "n", "missing \"n\"")?;
                let e = required(&jwk.e, "e", "missing \"e\"")?;
                Rs256PublicKey::from_components(&n, &e)?.into()
            }
            "EC" => {
                if jwk.n.is_some() || jwk.e.is_some() {
                    return Err(KeyError::InvalidJwk {
                        reason: "EC key with RSA members",
                    });
                }
                let crv = jwk.crv.as_deref().ok_or(KeyError::InvalidJwk {
                    reason: "missing \"crv\"",
                })?;
                let x = required(&jwk.x, "x", "missing \"x\"")?;
                let y = required(&jwk.y, "y", "missing \"y\"")?;
                match crv {
                    "P-256" => ec_key(
                        &x,
                        &y,
                        Es256PublicKey::FIELD_LEN,
                        Es256PublicKey::from_coordinates,
                    )?,
                    "P-384" => ec_key(
                        &x,
                        &y,
                        Es384PublicKey::FIELD_LEN,
                        Es384PublicKey::from_coordinates,
                    )?,
                    other => {
                        return Err(KeyError::UnsupportedCurve {
                            curve: truncated(other, 32),
                        });
                    }
                }
            }
            other => {
                return Err(KeyError::UnsupportedKeyType {
                    key_type: truncated(other, 32),
                });
            }
        };
        if let Some(alg) = &jwk.alg
            && Algorithm::from_name(alg) != Some(key.algorithm())
        {
            return Err(KeyError::JwkAlgorithmMismatch {
                alg: truncated(alg, 32),
                expected: key.algorithm(),
            });
        }
        Ok(key)
    }

    /// The public JWK: `kty` with `n`, `e` or `crv`, `x`, `y`, plus `kid` (the
    /// [thumbprint](PublicKey::thumbprint)) and `alg`. Set `kid` afterwards to publish an
    /// explicit id.
    pub fn to_jwk(&self) -> Jwk {
        let algorithm = self.algorithm();
        let mut jwk = Jwk {
            kty: Some(algorithm.key_type().to_owned()),
            kid: Some(self.thumbprint()),
            alg: Some(algorithm.as_str().to_owned()),
            crv: algorithm.curve().map(str::to_owned),
            ..Jwk::default()
        };
        match self {
            PublicKey::Rs256(key) => {
                jwk.n = Some(URL_SAFE_NO_PAD.encode(key.modulus()));
                jwk.e = Some(URL_SAFE_NO_PAD.encode(key.exponent()));
            }
            PublicKey::Es256(key) => set_coordinates(&mut jwk, key.coordinates()),
            PublicKey::Es384(key) => set_coordinates(&mut jwk, key.coordinates()),
        }
        jwk
    }
}

fn set_coordinates(jwk: &mut Jwk, (x, y): (Vec<u8>, Vec<u8>)) {
    jwk.x = Some(URL_SAFE_NO_PAD.encode(x));
    jwk.y = Some(URL_SAFE_NO_PAD.encode(y));
}

/// Decodes a required base64url member.
fn required(
    member: &Option<String>,
    field: &'static str,
    missing: &'static str,
) -> Result<Vec<u8>, KeyError> {
    let value = member
        .as_deref()
        .ok_or(KeyError::InvalidJwk { reason: missing })?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| KeyError::InvalidBase64 { field })
}

fn ec_key<K: Into<PublicKey>>(
    x: &[u8],
    y: &[u8],
    field_len: usize,
    build: fn(&[u8], &[u8]) -> Result<K, KeyError>,
) -> Result<PublicKey, KeyError> {
    if x.len() != field_len || y.len() != field_len {
        return Err(KeyError::InvalidJwk {
            reason: "EC coordinate is not the curve's field length",
        });
    }
    build(x, y).map(Into::into)
}

#[cfg(test)]
mod tests;
