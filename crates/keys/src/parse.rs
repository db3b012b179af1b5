//! Reading public keys from text whose format is not known in advance.

use crate::{Jwk, Jwks, KeyError, PublicKey, pem};

/// A public key with the id its publisher gave it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    /// The key.
    pub key: PublicKey,
    /// The explicit key id (a JWK `kid`, or one given when registering), `None` when none
    /// was given. The RFC 7638 [thumbprint](PublicKey::thumbprint) always identifies the
    /// key as well.
    pub kid: Option<String>,
}

impl KeyEntry {
    /// An entry with an optional explicit id.
    pub fn new(key: PublicKey, kid: Option<String>) -> Self {
        Self { key, kid }
    }

    /// The explicit id, or the thumbprint when there is none.
    pub fn key_id(&self) -> String {
        self.kid.clone().unwrap_or_else(|| self.key.thumbprint())
    }
}

impl PublicKey {
    /// Reads public keys from text in any supported format, detected from its content:
    ///
    /// - a JSON object with a `"keys"` member: a JWK Set, every key kept with its `kid`;
    /// - any other JSON object: one JWK, kept with its `kid`;
    /// - text containing `-----BEGIN `: PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`), one
    ///   document or several, with any text between them;
    /// - anything else: `public_key.txt` (base64 SubjectPublicKeyInfo DER, on one line or
    ///   wrapped in lines).
    ///
    /// Every key must be valid; one bad key fails the whole input.
    ///
    /// # Errors
    /// [`KeyError::NoKeyFound`] for blank input or an empty JWK Set, else the error of the
    /// format's reader.
    pub fn parse(input: &str) -> Result<Vec<KeyEntry>, KeyError> {
        let text = input.trim();
        let entries = if text.is_empty() {
            Vec::new()
        } else if text.starts_with('{') {
            parse_json(text)?
        } else if pem::contains_pem(text) {
            pem::split_documents(text)
                .into_iter()
                .map(|document| PublicKey::from_pem(document).map(|key| KeyEntry::new(key, None)))
                .collect::<Result<_, _>>()?
        } else {
            vec![KeyEntry::new(PublicKey::from_public_key_txt(text)?, None)]
        };
        if entries.is_empty() {
            return Err(KeyError::NoKeyFound);
        }
        Ok(entries)
    }
}

fn parse_json(text: &str) -> Result<Vec<KeyEntry>, KeyError> {
    // A first, loose pass only to tell a set from a single key; the typed pass that follows
    // rejects duplicate members.
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(KeyError::Json)?;
    let jwks = if object.contains_key("keys") {
        Jwks::from_json(text)?
    } else {
        Jwks {
            keys: vec![Jwk::from_json(text)?],
        }
    };
    jwks.keys
        .iter()
        .map(|jwk| PublicKey::from_jwk(jwk).map(|key| KeyEntry::new(key, jwk.kid.clone())))
        .collect()
}
