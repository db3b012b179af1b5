//! The set of public keys a verifier trusts, and the rule that picks the candidates for a
//! token.

use std::sync::Arc;

use crate::{Algorithm, Jwks, KeyEntry, KeyError, PublicKey};

/// An entry with its thumbprint computed once, at insertion.
#[derive(Clone, Debug)]
struct Stored {
    entry: KeyEntry,
    thumbprint: String,
}

impl Stored {
    fn is_named(&self, kid: &str) -> bool {
        self.entry.kid.as_deref() == Some(kid) || self.thumbprint == kid
    }
}

/// Public keys a verifier accepts, each with an optional explicit id.
///
/// Cloning is cheap (the keys are shared behind an [`Arc`]; the first insert into a
/// shared clone copies them), and the set is `Send + Sync`.
///
/// ```
/// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
///
/// let signing_key = PrivateKey::generate(Algorithm::Es256)?;
/// let keys = KeySet::new().with_key(signing_key.public_key(), Some("2026-05".to_owned()));
///
/// assert_eq!(keys.candidates(Algorithm::Es256, Some("2026-05")).count(), 1);
/// assert_eq!(keys.candidates(Algorithm::Es256, Some("other")).count(), 0);
/// assert_eq!(keys.candidates(Algorithm::Es384, None).count(), 0);
/// # Ok::<(), playback_auth_keys::KeyError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    entries: Arc<Vec<Stored>>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key with an optional explicit id. Several keys may share an algorithm (key
    /// rotation); adding the same key and id again changes nothing.
    pub fn insert(&mut self, key: PublicKey, kid: Option<String>) {
        let entry = KeyEntry { key, kid };
        if self.entries.iter().any(|stored| stored.entry == entry) {
            return;
        }
        let thumbprint = entry.key.thumbprint();
        Arc::make_mut(&mut self.entries).push(Stored { entry, thumbprint });
    }

    /// Builder form of [`Self::insert`].
    #[must_use]
    pub fn with_key(mut self, key: PublicKey, kid: Option<String>) -> Self {
        self.insert(key, kid);
        self
    }

    /// Adds an entry, keeping its id.
    pub fn insert_entry(&mut self, entry: KeyEntry) {
        self.insert(entry.key, entry.kid);
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &KeyEntry> + '_ {
        self.entries.iter().map(|stored| &stored.entry)
    }

    /// A set from a JWK Set, keeping each key's `kid` as its explicit id.
    ///
    /// # Errors
    /// The first key's error from [`PublicKey::from_jwk`]; one bad key fails the set.
    pub fn from_jwks(jwks: &Jwks) -> Result<KeySet, KeyError> {
        let mut set = KeySet::new();
        for jwk in &jwks.keys {
            set.insert(PublicKey::from_jwk(jwk)?, jwk.kid.clone());
        }
        Ok(set)
    }

    /// The set as a JWK Set; each key's `kid` is its explicit id, or its thumbprint.
    pub fn to_jwks(&self) -> Jwks {
        let keys = self
            .entries
            .iter()
            .map(|stored| {
                let mut jwk = stored.entry.key.to_jwk();
                jwk.kid = Some(
                    stored
                        .entry
                        .kid
                        .clone()
                        .unwrap_or_else(|| stored.thumbprint.clone()),
                );
                jwk
            })
            .collect();
        Jwks { keys }
    }

    /// Keys that may have signed a token with header `alg` and optional `kid`. Every
    /// candidate is of `alg`'s key type and curve.
    ///
    /// - `kid` is `None`: every key of `alg`'s type.
    /// - `kid` names entries (an explicit id equal to it, or an RFC 7638 thumbprint equal to
    ///   it): those of them that are of `alg`'s type — none if the named keys are of
    ///   another type, since the token then contradicts its own header.
    /// - `kid` names no entry and the set holds any explicit id: none (unknown key id).
    /// - `kid` names no entry and the set holds no explicit id: every key of `alg`'s type
    ///   (the ids are not ours to check).
    pub fn candidates<'a>(
        &'a self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> impl Iterator<Item = &'a PublicKey> + 'a + use<'a> {
        let of_alg = |stored: &&Stored| stored.entry.key.algorithm() == alg;
        let chosen: Vec<&'a PublicKey> = match kid {
            Some(kid) if self.entries.iter().any(|stored| stored.is_named(kid)) => self
                .entries
                .iter()
                .filter(|stored| stored.is_named(kid))
                .filter(of_alg)
                .map(|stored| &stored.entry.key)
                .collect(),
            Some(_) if self.entries.iter().any(|stored| stored.entry.kid.is_some()) => Vec::new(),
            _ => self
                .entries
                .iter()
                .filter(of_alg)
                .map(|stored| &stored.entry.key)
                .collect(),
        };
        chosen.into_iter()
    }
}

impl FromIterator<KeyEntry> for KeySet {
    fn from_iter<I: IntoIterator<Item = KeyEntry>>(entries: I) -> Self {
        let mut set = KeySet::new();
        set.extend(entries);
        set
    }
}

impl Extend<KeyEntry> for KeySet {
    fn extend<I: IntoIterator<Item = KeyEntry>>(&mut self, entries: I) {
        for entry in entries {
            self.insert_entry(entry);
        }
    }
}

#[cfg(test)]
mod tests;
