#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use playback_auth_claims::{ClaimSet, TimeClaims, Violations, required_alg};
use playback_auth_keys::{Algorithm, CryptoProvider, KeyError, PrivateKey, SigningKey};

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The claims break their rules; nothing was signed.
    #[error("refusing to sign invalid claims: {0}")]
    InvalidClaims(Violations),
    /// The claims could not be encoded as JSON.
    #[error("claims cannot be encoded as JSON")]
    Encode(#[source] serde_json::Error),
    /// The claims encode to JSON that is not an object.
    #[error("claims must encode to a JSON object")]
    NotAnObject,
    /// The signature primitive failed (e.g. an RSA blinding RNG failure).
    #[error("the {alg} signature could not be computed")]
    Signature {
        /// The algorithm.
        alg: Algorithm,
    },
    /// Private-channel claims (`aws:channel-arn`) with a key of another algorithm than
    /// ES384: every verifier refuses such a token, so none is minted.
    #[error("private-channel tokens must be signed with ES384, not {alg}")]
    ChannelTokenNotEs384 {
        /// The signer's algorithm.
        alg: Algorithm,
    },
    /// The provider could not take the key (not expected for keys `playback-auth-keys`
    /// accepted).
    #[error("the signing key could not be prepared")]
    Key(#[source] KeyError),
    /// The signer's provider refused its key when the signer was built (not expected for
    /// keys `playback-auth-keys` accepted); nothing can be signed with it.
    #[error("the {provider} provider refused the signing key")]
    ProviderRejectedKey {
        /// The provider's name.
        provider: &'static str,
    },
}

/// Mints compact JWS tokens with one private key.
///
/// Headers are exactly `{"alg":…,"typ":"JWT"}` plus `kid` when one is set. The signature
/// comes from a [`CryptoProvider`] chosen at construction ([`Signer::new`] takes the
/// [preferred](CryptoProvider::preferred) one); the key is handed to it once, when the
/// signer is built. RS256 (PKCS#1 v1.5) is deterministic on every provider; ECDSA is
/// deterministic (RFC 6979) on RustCrypto and uses random nonces on aws-lc — both are valid
/// and verify everywhere.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
/// use playback_auth_keys::{Algorithm, CryptoProvider, KeyError, PrivateKey, SigningKey};
/// use playback_auth_sign::Signer;
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
///     .content_id("video-7")
///     .valid_for(Duration::from_secs(3600))
///     .build()?;
/// let signer = Signer::new(PrivateKey::generate(Algorithm::Es256)?).with_kid("key-2026");
/// let token = signer.sign(&claims)?;
/// assert_eq!(token.split('.').count(), 3);
/// assert_eq!(token.len(), signer.sign(&claims)?.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    algorithm: Algorithm,
    provider: CryptoProvider,
    /// `None` only if the provider refused a key `playback-auth-keys` accepted (not
    /// expected); every signature then fails with [`SignError::ProviderRejectedKey`].
    key: Option<SigningKey>,
    kid: Option<String>,
    validate: bool,
}

impl Signer {
    /// A signer for `key` on the [preferred](CryptoProvider::preferred) provider; the
    /// algorithm follows the key (RSA → RS256, P-256 → ES256, P-384 → ES384).
    pub fn new(key: PrivateKey) -> Self {
        Self::with_provider(key, CryptoProvider::preferred())
    }

    /// A signer for `key` whose signatures `provider` computes; the key is handed to the
    /// provider once, here.
    pub fn with_provider(key: PrivateKey, provider: CryptoProvider) -> Self {
        Self {
            algorithm: key.algorithm(),
            provider,
            key: provider.prepare_private_key(&key).ok(),
            kid: None,
            validate: true,
        }
    }

    /// The provider that computes the signatures.
    pub fn provider(&self) -> CryptoProvider {
        self.provider
    }

    /// Puts `kid` in every header.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Signs claims even when they break the claim rules. For tests and migrations only: the
    /// default verifier rejects such tokens.
    pub fn without_validation(mut self) -> Self {
        self.validate = false;
        self
    }

    /// The algorithm tokens are signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs a typed claim set after checking its rules ([`ClaimSet::validate`]).
    pub fn sign<C: ClaimSet>(&self, claims: &C) -> Result<String, SignError> {
        if self.validate {
            claims.validate().map_err(SignError::InvalidClaims)?;
        }
        let object = claims
            .to_json_object()
            .map_err(|violation| SignError::InvalidClaims(violation.into()))?;
        self.sign_object(&object)
    }

    /// Signs any serializable claims. Only the rules every token obeys are checked (time
    /// claims are numbers in range, `exp − iat` ≤ 30 days); use [`Signer::sign`] with a
    /// [`ClaimSet`] for the claim-set rules.
    pub fn sign_serialize<T: Serialize>(&self, claims: &T) -> Result<String, SignError> {
        let Value::Object(object) = serde_json::to_value(claims).map_err(SignError::Encode)? else {
            return Err(SignError::NotAnObject);
        };
        if self.validate {
            let times = TimeClaims::from_json_object(&object).map_err(SignError::InvalidClaims)?;
            if let Some(violation) = times.check_lifetime() {
                return Err(SignError::InvalidClaims(violation.into()));
            }
        }
        self.sign_object(&object)
    }

    /// Signs the claims, after the one rule that holds even without validation: a token no
    /// verifier accepts (private-channel claims with another `alg` than ES384) is not minted.
    fn sign_object(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        if let Some(required) = required_alg(|claim| claims.contains_key(claim))
            && self.algorithm.as_str() != required
        {
            return Err(SignError::ChannelTokenNotEs384 {
                alg: self.algorithm,
            });
        }
        let payload = serde_json::to_vec(claims).map_err(SignError::Encode)?;
        let key = self.key.as_ref().ok_or(SignError::ProviderRejectedKey {
            provider: self.provider.name(),
        })?;
        compact(key, &self.header(), &payload)
    }

    /// The header JSON, members in the order `alg`, `typ`, `kid`.
    fn header(&self) -> Vec<u8> {
        let mut header = Map::new();
        header.insert("alg".into(), self.algorithm().as_str().into());
        header.insert("typ".into(), "JWT".into());
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), kid.clone().into());
        }
        Value::Object(header).to_string().into_bytes()
    }
}

/// Signs exact `header` and `payload` bytes with `key`, with no checks at all: the header is
/// not inspected (its `alg` may even disagree with the key). **Hazardous** (feature `hazmat`,
/// see the crate docs): for test corpora, fuzzers and benchmarks that need
/// malformed-but-signed tokens; use [`Signer`] for everything else.
///
/// The key is prepared for the [preferred](CryptoProvider::preferred) provider on every
/// call; [`sign_compact_with`] takes a prepared key.
///
/// # Errors
/// [`SignError::Key`], [`SignError::Signature`].
#[cfg(feature = "hazmat")]
pub fn sign_compact(key: &PrivateKey, header: &[u8], payload: &[u8]) -> Result<String, SignError> {
    compact(&prepare(key)?, header, payload)
}

/// [`sign_compact`] with a key already prepared for its provider. **Hazardous** (feature
/// `hazmat`).
///
/// # Errors
/// [`SignError::Signature`].
#[cfg(feature = "hazmat")]
pub fn sign_compact_with(
    key: &SigningKey,
    header: &[u8],
    payload: &[u8],
) -> Result<String, SignError> {
    compact(key, header, payload)
}

/// The raw signature over `signing_input` on the [preferred](CryptoProvider::preferred)
/// provider: PKCS#1 v1.5 for RSA, `r‖s` for ECDSA. **Hazardous** (feature `hazmat`): it signs
/// any bytes, whatever header they carry.
///
/// # Errors
/// [`SignError::Key`], [`SignError::Signature`].
#[cfg(feature = "hazmat")]
pub fn sign_bytes(key: &PrivateKey, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
    signature(&prepare(key)?, signing_input)
}

/// [`sign_bytes`] with a key already prepared for its provider. **Hazardous** (feature
/// `hazmat`).
///
/// # Errors
/// [`SignError::Signature`].
#[cfg(feature = "hazmat")]
pub fn sign_bytes_with(key: &SigningKey, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
    signature(key, signing_input)
}

/// `header.payload.signature` over exact bytes: the one place a compact JWS is assembled.
fn compact(key: &SigningKey, header: &[u8], payload: &[u8]) -> Result<String, SignError> {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let signature = signature(key, token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

fn signature(key: &SigningKey, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
    key.sign(signing_input).map_err(|_| SignError::Signature {
        alg: key.algorithm(),
    })
}

#[cfg(feature = "hazmat")]
fn prepare(key: &PrivateKey) -> Result<SigningKey, SignError> {
    CryptoProvider::preferred()
        .prepare_private_key(key)
        .map_err(SignError::Key)
}

/// Without the `hazmat` feature the escape hatches do not exist:
///
/// ```compile_fail,E0432
/// use playback_auth_sign::sign_compact;
/// ```
#[cfg(all(doctest, not(feature = "hazmat")))]
pub struct HazmatIsOff;

#[cfg(test)]
mod tests;
