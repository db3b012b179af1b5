//! The key registry: the public keys each account has registered for verifying its tokens.
//!
//! A publisher registers the `public_key.txt` (or PEM) of each signing key; several keys of
//! an account may be live at once, so a key can be rotated without downtime: register the
//! new key, start signing with it, delete the old one once its tokens have expired.
//! [`KeyRegistry::key_set`] gives the verifier the account's current keys on every call, so
//! a rotation takes effect without a restart.
//!
//! ```
//! use playback_auth_claims::NumericDate;
//! use playback_auth_keys::{Algorithm, PrivateKey};
//! use playback_auth_policy::{KeyRegistry, MemoryKeyRegistry};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let registry = MemoryKeyRegistry::new();
//! let now = NumericDate::from_secs(1_700_000_000).unwrap();
//! let key = PrivateKey::generate(Algorithm::Es384)?;
//!
//! let record = registry
//!     .register("acct-1", &key.public_key().to_public_key_txt(), None, now)
//!     .await?;
//! assert_eq!(record.id, key.public_key().thumbprint());
//! assert_eq!(record.created_at, "2023-11-14T22:13:20Z");
//! assert_eq!(
//!     serde_json::to_value(&record)?["algorithm"],
//!     serde_json::json!("ec"),
//! );
//! assert_eq!(registry.key_set("acct-1").await?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;

use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, KeySet, PublicKey};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::error::RegistryError;

/// How many keys an account may register in a [`MemoryKeyRegistry`] by default.
pub const DEFAULT_KEYS_PER_ACCOUNT: usize = 20;

/// The longest accepted key id, in bytes (an RFC 7638 thumbprint is 43).
pub const MAX_KEY_ID_LEN: usize = 128;

/// The key family of a registered key, as the registry writes it: `"rsa"` or `"ec"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyFamily {
    /// An RSA key (RS256).
    Rsa,
    /// An elliptic-curve key (ES256 on P-256, ES384 on P-384).
    Ec,
}

impl KeyFamily {
    /// The family of keys used with `alg`.
    pub fn of(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Rs256 => Self::Rsa,
            Algorithm::Es256 | Algorithm::Es384 => Self::Ec,
        }
    }

    /// The wire value: `"rsa"` or `"ec"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ec => "ec",
        }
    }
}

impl fmt::Display for KeyFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a registered key; only public keys are ever registered (`"public"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// A public key.
    #[default]
    Public,
}

/// A registered public key, in the registry's JSON shape:
///
/// ```json
/// {"id":"…","type":"public","algorithm":"rsa","value":"MIIBIjANBgkq…","createdAt":"2023-11-14T22:13:20Z"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key id: the one given at registration, or the key's RFC 7638 thumbprint.
    pub id: String,
    /// Always [`KeyKind::Public`].
    #[serde(rename = "type")]
    pub kind: KeyKind,
    /// `"rsa"` or `"ec"`.
    pub algorithm: KeyFamily,
    /// The key as `public_key.txt` content: standard base64 of its SubjectPublicKeyInfo DER
    /// (whatever form it was registered in).
    pub value: String,
    /// When the key was registered (RFC 3339, UTC).
    #[serde(rename = "createdAt")]
    pub created_at: String,
}

impl KeyRecord {
    /// Reads the key back from [`value`](Self::value).
    ///
    /// # Errors
    /// [`RegistryError::InvalidKey`] if the value is not a public key.
    pub fn public_key(&self) -> Result<PublicKey, RegistryError> {
        PublicKey::from_public_key_txt(&self.value).map_err(RegistryError::InvalidKey)
    }
}

/// Where accounts' public keys are registered.
///
/// The futures are `Send`, so a networked backend can implement the trait without boxing.
pub trait KeyRegistry: Send + Sync + 'static {
    /// Registers a public key for `account`.
    ///
    /// `value` is `public_key.txt` content (one line of base64 SubjectPublicKeyInfo DER)
    /// or a PEM public key (SubjectPublicKeyInfo or PKCS#1 RSA); the record stores it as
    /// `public_key.txt` content. `id` defaults to the key's RFC 7638 thumbprint.
    ///
    /// # Errors
    /// [`RegistryError::InvalidKey`], [`RegistryError::InvalidId`],
    /// [`RegistryError::DuplicateId`], [`RegistryError::KeyAlreadyRegistered`],
    /// [`RegistryError::RegistryFull`] or [`RegistryError::Backend`].
    fn register(
        &self,
        account: &str,
        value: &str,
        id: Option<String>,
        now: NumericDate,
    ) -> impl Future<Output = Result<KeyRecord, RegistryError>> + Send;

    /// The account's keys, oldest registration first.
    ///
    /// # Errors
    /// [`RegistryError::Backend`].
    fn list(
        &self,
        account: &str,
    ) -> impl Future<Output = Result<Vec<KeyRecord>, RegistryError>> + Send;

    /// One key of the account.
    ///
    /// # Errors
    /// [`RegistryError::Backend`].
    fn get(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<KeyRecord>, RegistryError>> + Send;

    /// Deletes one key of the account; whether it was registered.
    ///
    /// # Errors
    /// [`RegistryError::Backend`].
    fn delete(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, RegistryError>> + Send;

    /// Every live key of the account, each with its id as `kid`, for the verifier.
    ///
    /// # Errors
    /// [`RegistryError::Backend`].
    fn key_set(&self, account: &str) -> impl Future<Output = Result<KeySet, RegistryError>> + Send;
}

impl KeyRecord {
    /// Checks a key being registered and makes its record: `value` is read as PEM when it
    /// looks like PEM, else as `public_key.txt`; the id defaults to the key's RFC 7638
    /// thumbprint and must be 1–128 bytes with no whitespace or control characters;
    /// `createdAt` is `now` in whole seconds. Every [`KeyRegistry`] backend registers through
    /// here, so they accept and refuse exactly the same keys and ids.
    ///
    /// # Errors
    /// [`RegistryError::InvalidKey`] or [`RegistryError::InvalidId`].
    pub fn prepare(
        value: &str,
        id: Option<String>,
        now: NumericDate,
    ) -> Result<(KeyRecord, PublicKey), RegistryError> {
        let key = parse_public_key(value)?;
        let id = id.unwrap_or_else(|| key.thumbprint());
        check_id(&id)?;
        let record = KeyRecord {
            id,
            kind: KeyKind::Public,
            algorithm: KeyFamily::of(key.algorithm()),
            value: key.to_public_key_txt(),
            created_at: rfc3339(now),
        };
        Ok((record, key))
    }
}

/// Reads `value` as PEM when it looks like PEM, else as `public_key.txt`.
fn parse_public_key(value: &str) -> Result<PublicKey, RegistryError> {
    let trimmed = value.trim();
    let parsed = if trimmed.starts_with("-----BEGIN") {
        PublicKey::from_pem(trimmed)
    } else {
        PublicKey::from_public_key_txt(trimmed)
    };
    parsed.map_err(RegistryError::InvalidKey)
}

fn check_id(id: &str) -> Result<(), RegistryError> {
    let reason = if id.is_empty() {
        "empty"
    } else if id.len() > MAX_KEY_ID_LEN {
        "longer than 128 bytes"
    } else if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        "contains whitespace or control characters"
    } else {
        return Ok(());
    };
    Err(RegistryError::InvalidId { reason })
}

fn rfc3339(now: NumericDate) -> String {
    let date_time = now.to_offset_date_time();
    // Registration times are whole seconds, as tokens carry them.
    let whole_seconds = date_time.replace_nanosecond(0).unwrap_or(date_time);
    // Every NumericDate is within the years 1970–9999, which RFC 3339 can write.
    whole_seconds
        .format(&Rfc3339)
        .unwrap_or_else(|_| now.to_string())
}

mod memory;
pub use memory::MemoryKeyRegistry;
