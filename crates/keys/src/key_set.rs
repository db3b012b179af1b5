//! The set of public keys a verifier trusts, and the rule that picks the candidates for a
//! token.

use std::sync::Arc;

use crate::{Algorithm, CryptoProvider, Jwks, KeyEntry, KeyError, PublicKey, VerifyingKey};

/// An entry with its thumbprint computed and its key prepared once, at insertion.
#[derive(Clone, Debug)]
struct Stored {
    entry: KeyEntry,
    thumbprint: String,
    /// `None` only if the provider refused a key our checks accepted (not expected); such
    /// a key verifies nothing.
    verifying: Option<VerifyingKey>,
}

impl Stored {
    fn is_named(&self, kid: &str) -> bool {
        self.entry.kid.as_deref() == Some(kid) || self.thumbprint == kid
    }
}

/// Public keys a verifier accepts, each with an optional explicit id, each parsed once
/// into the set's [`CryptoProvider`]'s ready-to-verify form.
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
    provider: CryptoProvider,
    entries: Arc<Vec<Stored>>,
}

impl KeySet {
    /// An empty set on the [preferred](CryptoProvider::preferred) provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set whose keys are prepared for, and verified by, `provider`.
    pub fn with_provider(provider: CryptoProvider) -> Self {
        Self {
            provider,
            entries: Arc::default(),
        }
    }

    /// The provider that verifies with this set's keys.
    pub fn provider(&self) -> CryptoProvider {
        self.provider
    }

    /// The same keys and ids, prepared for `provider`.
    #[must_use]
    pub fn to_provider(&self, provider: CryptoProvider) -> KeySet {
        let mut set = KeySet::with_provider(provider);
        set.extend(self.iter().cloned());
        set
    }

    /// Adds a key with an optional explicit id, preparing it for the set's provider. Several
    /// keys may share an algorithm (key rotation); adding the same key and id again changes
    /// nothing.
    pub fn insert(&mut self, key: PublicKey, kid: Option<String>) {
        let entry = KeyEntry { key, kid };
        if self.entries.iter().any(|stored| stored.entry == entry) {
            return;
        }
        let thumbprint = entry.key.thumbprint();
        let verifying = self.provider.prepare_public_key(&entry.key).ok();
        Arc::make_mut(&mut self.entries).push(Stored {
            entry,
            thumbprint,
            verifying,
        });
    }

    /// Removes every entry holding `key` (under any id); returns how many were removed.
    pub fn remove(&mut self, key: &PublicKey) -> usize {
        let before = self.entries.len();
        if self.entries.iter().any(|stored| &stored.entry.key == key) {
            Arc::make_mut(&mut self.entries).retain(|stored| &stored.entry.key != key);
        }
        before - self.entries.len()
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
        // Collected so the iterator does not borrow `kid`; the verifier's per-token path uses
        // `verifying_candidates`, which allocates nothing.
        let chosen: Vec<&'a PublicKey> = self
            .stored_candidates(alg, kid)
            .map(|stored| &stored.entry.key)
            .collect();
        chosen.into_iter()
    }

    /// The [candidates](Self::candidates) in their prepared, ready-to-verify form, each with
    /// its RFC 7638 thumbprint. Allocates nothing.
    pub fn verifying_candidates<'a, 'k>(
        &'a self,
        alg: Algorithm,
        kid: Option<&'k str>,
    ) -> impl Iterator<Item = (&'a VerifyingKey, &'a str)> + use<'a, 'k> {
        self.stored_candidates(alg, kid).filter_map(|stored| {
            stored
                .verifying
                .as_ref()
                .map(|key| (key, stored.thumbprint.as_str()))
        })
    }

    fn stored_candidates<'a, 'k>(
        &'a self,
        alg: Algorithm,
        kid: Option<&'k str>,
    ) -> impl Iterator<Item = &'a Stored> + use<'a, 'k> {
        // Which rule applies is decided once; the entries are then filtered lazily, so the
        // per-token path allocates nothing.
        let named = kid.filter(|kid| self.entries.iter().any(|stored| stored.is_named(kid)));
        let none = named.is_none()
            && kid.is_some()
            && self.entries.iter().any(|stored| stored.entry.kid.is_some());
        self.entries.iter().filter(move |stored| {
            !none
                && stored.entry.key.algorithm() == alg
                && named.is_none_or(|kid| stored.is_named(kid))
        })
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
