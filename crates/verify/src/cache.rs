//! The verified-token cache: skips the signature check, and only that, for token bytes that
//! already verified.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, RwLock};

use sha2::{Digest as _, Sha256};

use playback_auth_claims::{CachedClaims, NumericDate, TimeClaims};
use playback_auth_keys::{Algorithm, KeySet};

use crate::header::Header;

/// Bounds of a [`VerifiedTokenCache`]; whichever is reached first evicts the oldest entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheLimits {
    /// Most entries held.
    pub max_entries: usize,
    /// Most memory held, in bytes, as estimated by [`VerifiedTokenCache::entry_cost`].
    pub max_bytes: usize,
}

impl Default for CacheLimits {
    /// 10 000 entries, 16 MiB.
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 16 << 20,
        }
    }
}

/// A bounded cache of tokens that passed every check, keyed by the SHA-256 of the whole
/// token, shared by the clones of the [`Verifier`](crate::Verifier) it is given to. Off
/// unless a verifier is built with one ([`VerifierBuilder::cache`](crate::VerifierBuilder::cache)).
///
/// Identical token bytes come back again and again from one viewer (licence renewals, HLS
/// key requests, heartbeats); a hit skips the signature check and the decoding, nothing
/// else (a hit asking for another claim set than the one cached decodes the payload, kept as
/// bytes, again):
///
/// - the time rules (`exp`, `nbf`, `iat`, with leeway) and the required claims are checked
///   again at *this* request's time, and the claim-set rules run again;
/// - the key that verified the token must still be a candidate for it in the key set of
///   *this* verification (same `alg`, same `kid` rule): removing or replacing the key stops
///   its cached tokens at once;
/// - an entry is dropped once its token's `exp` has passed, and a token without `exp` is
///   never cached;
/// - only tokens that passed every check are inserted; a rejection never is, so an attacker
///   cannot fill the cache without valid signatures.
///
/// Eviction is oldest-inserted first when either bound of [`CacheLimits`] is reached.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
/// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
/// use playback_auth_sign::Signer;
/// use playback_auth_verify::{CacheLimits, FixedClock, VerifiedTokenCache, Verifier};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let key = PrivateKey::generate(Algorithm::Es256)?;
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
///     .valid_for(Duration::from_secs(3600))
///     .build()?;
/// let token = Signer::new(key.clone()).sign(&claims)?;
///
/// let cache = VerifiedTokenCache::new(CacheLimits::default());
/// let verifier = Verifier::builder(KeySet::new().with_key(key.public_key(), None))
///     .clock(FixedClock(now))
///     .cache(cache.clone())
///     .build();
/// let cold = verifier.verify::<PlaybackRestrictionClaims>(&token)?;
/// assert_eq!(cache.len(), 1);
/// let hit = verifier.verify::<PlaybackRestrictionClaims>(&token)?;
/// assert_eq!(hit, cold);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct VerifiedTokenCache {
    shared: Arc<RwLock<State>>,
    limits: CacheLimits,
}

impl fmt::Debug for VerifiedTokenCache {
    /// Sizes only: the entries hold claims.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedTokenCache")
            .field("limits", &self.limits)
            .field("len", &self.len())
            .field("bytes", &self.bytes())
            .finish()
    }
}

#[derive(Default)]
struct State {
    entries: HashMap<TokenDigest, Entry>,
    /// Insertion order, for eviction; `(digest, sequence)` pairs whose entry is gone or was
    /// re-inserted since are skipped.
    order: VecDeque<(TokenDigest, u64)>,
    bytes: usize,
    next_sequence: u64,
}

/// SHA-256 of the whole token.
pub(crate) type TokenDigest = [u8; 32];

struct Entry {
    header: Header,
    token: Arc<CachedToken>,
    exp: NumericDate,
    /// RFC 7638 thumbprint of the key that verified the signature.
    key_thumbprint: String,
    cost: usize,
    sequence: u64,
}

/// What a hit gives back: what the cold path has once the signature held.
pub(crate) struct Hit {
    pub(crate) header: Header,
    pub(crate) token: Arc<CachedToken>,
}

/// What a verified token left for its hits: its payload, decoded and as bytes.
pub(crate) struct CachedToken {
    /// The payload's JSON, for a hit that asks for another claim set.
    pub(crate) payload: Box<[u8]>,
    /// The claim set it was verified as (when that set offers a copy).
    pub(crate) claims: Option<CachedClaims>,
    pub(crate) times: TimeClaims,
    /// The payload's member names, sorted, for the required-claims rule.
    pub(crate) members: Box<[Box<str>]>,
}

impl CachedToken {
    /// Whether the payload has the member `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.members
            .binary_search_by(|member| (**member).cmp(name))
            .is_ok()
    }
}

/// A verified token waiting to be inserted once every rule has passed.
pub(crate) struct Pending {
    pub(crate) digest: TokenDigest,
    pub(crate) token_len: usize,
    pub(crate) header: Header,
    pub(crate) token: CachedToken,
    /// The token's `exp`, which the entry never outlives.
    pub(crate) exp: NumericDate,
    pub(crate) key_thumbprint: String,
}

impl VerifiedTokenCache {
    /// An empty cache with these bounds.
    pub fn new(limits: CacheLimits) -> Self {
        Self {
            shared: Arc::default(),
            limits,
        }
    }

    /// The bounds.
    pub fn limits(&self) -> CacheLimits {
        self.limits
    }

    /// Number of cached tokens.
    pub fn len(&self) -> usize {
        self.read(|state| state.entries.len())
    }

    /// Whether no token is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Estimated memory held, in bytes (the sum of [`Self::entry_cost`] over the entries).
    pub fn bytes(&self) -> usize {
        self.read(|state| state.bytes)
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.write(|state| *state = State::default());
    }

    /// The memory an entry for a token of `token_len` bytes is counted as: a fixed overhead
    /// plus six bytes per token byte (the header, the payload's bytes, the decoded claims and
    /// the member names, with their allocation overheads, come to about five per byte for a
    /// typical restriction token).
    pub fn entry_cost(token_len: usize) -> usize {
        const OVERHEAD: usize = 512 + size_of::<Entry>() + size_of::<CachedToken>();
        OVERHEAD.saturating_add(token_len.saturating_mul(6))
    }

    /// SHA-256 of the whole token: AWS-LC's when that provider is compiled in (its assembly
    /// is several times faster than `sha2`'s portable code on CPUs without the SHA
    /// extensions, and a hit is mostly this hash), `sha2`'s otherwise; the same 32 bytes.
    pub(crate) fn digest(token: &str) -> TokenDigest {
        #[cfg(feature = "aws-lc")]
        {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
            if let Ok(bytes) = TokenDigest::try_from(digest.as_ref()) {
                return bytes;
            }
        }
        Sha256::digest(token.as_bytes()).into()
    }

    /// The entry for `digest` if it may be used at `now` against `keys`, counted as a hit or a
    /// miss (`playback_auth_cache_{hits,misses}_total{cache="token"}`).
    pub(crate) fn get(&self, digest: &TokenDigest, keys: &KeySet, now: NumericDate) -> Option<Hit> {
        let hit = self.lookup(digest, keys, now);
        crate::metrics::token_cache_lookup(hit.is_some());
        hit
    }

    /// The entry for `digest` if it may be used at `now` against `keys`; an entry whose token
    /// expired or whose key is no longer a candidate is dropped.
    fn lookup(&self, digest: &TokenDigest, keys: &KeySet, now: NumericDate) -> Option<Hit> {
        let usable = self.read(|state| {
            let entry = state.entries.get(digest)?;
            let usable = now < entry.exp
                && key_still_candidate(
                    keys,
                    entry.header.alg,
                    entry.header.kid.as_deref(),
                    &entry.key_thumbprint,
                );
            Some(usable.then(|| Hit {
                header: entry.header.clone(),
                token: Arc::clone(&entry.token),
            }))
        })?;
        if usable.is_none() {
            self.write(|state| state.remove(digest));
        }
        usable
    }

    /// Inserts a token that passed every check; tokens without `exp` are not cached.
    pub(crate) fn insert(&self, pending: Pending) {
        let cost = Self::entry_cost(pending.token_len);
        if cost > self.limits.max_bytes || self.limits.max_entries == 0 {
            return;
        }
        self.write(|state| {
            state.remove(&pending.digest);
            let sequence = state.next_sequence;
            state.next_sequence = sequence.wrapping_add(1);
            state.entries.insert(
                pending.digest,
                Entry {
                    header: pending.header,
                    token: Arc::new(pending.token),
                    exp: pending.exp,
                    key_thumbprint: pending.key_thumbprint,
                    cost,
                    sequence,
                },
            );
            state.order.push_back((pending.digest, sequence));
            state.bytes = state.bytes.saturating_add(cost);
            state.evict(self.limits);
        });
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        // A panic while holding the lock cannot leave the state inconsistent in a way that
        // matters for a cache: keep serving.
        let guard = self
            .shared
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&guard)
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = self
            .shared
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

impl State {
    fn remove(&mut self, digest: &TokenDigest) {
        if let Some(entry) = self.entries.remove(digest) {
            self.bytes = self.bytes.saturating_sub(entry.cost);
        }
    }

    fn evict(&mut self, limits: CacheLimits) {
        while self.entries.len() > limits.max_entries || self.bytes > limits.max_bytes {
            let Some((digest, sequence)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&digest)
                .is_some_and(|entry| entry.sequence == sequence)
            {
                self.remove(&digest);
            }
        }
        // Removals outside eviction leave stale order records; keep them bounded.
        if self.order.len() > self.entries.len().saturating_mul(2).saturating_add(64) {
            let entries = &self.entries;
            self.order.retain(|(digest, sequence)| {
                entries
                    .get(digest)
                    .is_some_and(|entry| entry.sequence == *sequence)
            });
        }
    }
}

/// Whether the key with `thumbprint` is still one the key set would try for `alg` and `kid`.
fn key_still_candidate(keys: &KeySet, alg: Algorithm, kid: Option<&str>, thumbprint: &str) -> bool {
    keys.verifying_candidates(alg, kid)
        .any(|(_, candidate)| candidate == thumbprint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256_of_the_whole_token() {
        let hex = |digest: TokenDigest| -> String {
            digest.iter().map(|byte| format!("{byte:02x}")).collect()
        };
        assert_eq!(
            hex(VerifiedTokenCache::digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let long = "x.y.".repeat(300);
        for token in ["", "a.b.c", long.as_str()] {
            let expected: TokenDigest = Sha256::digest(token.as_bytes()).into();
            assert_eq!(VerifiedTokenCache::digest(token), expected, "{token}");
        }
    }
}
