//! The `Verifier`: built once, shared across threads, applies every rule to every token.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use playback_auth_claims::{
    CachedClaims, ClaimSet, DEFAULT_LEEWAY, NumericDate, TimeClaims, TimeWindow, Violation,
    Violations, required_alg,
};
use playback_auth_keys::{Algorithm, CryptoProvider, KeySet};

use crate::cache::{CachedToken, Hit, Pending, VerifiedTokenCache};
use crate::clock::{Clock, SystemClock};
use crate::error::{Segment, VerifyError, cut};
use crate::header::Header;
use crate::json::{parse_claims, to_verify_error};
use crate::signature::verify_signature;

/// Default maximum token length: 8 KiB.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// A token that passed every check: its header and its typed claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<C> {
    /// The protected header.
    pub header: Header,
    /// The claims.
    pub claims: C,
}

/// Verifies compact JWS tokens under the strict rules (SPEC §1.1). Cheap to clone; `Send + Sync`.
///
/// ```
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
/// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
/// use playback_auth_sign::Signer;
/// use playback_auth_verify::{FixedClock, Verifier};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let key = PrivateKey::generate(Algorithm::Es256)?;
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
///     .content_id("video-7")
///     .valid_for(Duration::from_secs(3600))
///     .build()?;
/// let token = Signer::new(key.clone()).sign(&claims)?;
///
/// let verifier = Verifier::builder(KeySet::new().with_key(key.public_key(), None))
///     .clock(FixedClock(now))
///     .build();
/// let verified = verifier.verify::<PlaybackRestrictionClaims>(&token)?;
/// assert_eq!(verified.claims, claims);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: KeySet,
    leeway: Duration,
    require_exp: bool,
    required_claims: Vec<&'static str>,
    max_token_len: usize,
    algorithms: Vec<Algorithm>,
    clock: Arc<dyn Clock>,
    cache: Option<VerifiedTokenCache>,
}

/// Builds a [`Verifier`]; every setting has a strict default.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct VerifierBuilder {
    verifier: Verifier,
}

impl VerifierBuilder {
    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.verifier.leeway = leeway;
        self
    }

    /// Whether tokens without `exp` are rejected (default `true`).
    pub fn require_exp(mut self, require: bool) -> Self {
        self.verifier.require_exp = require;
        self
    }

    /// Claims every token must carry besides `exp` (e.g. `jti`, `nbf`); each missing one is
    /// reported as [`Violation::MissingClaim`](playback_auth_claims::Violation::MissingClaim).
    /// Replaces any earlier list.
    pub fn require_claims(mut self, claims: impl IntoIterator<Item = &'static str>) -> Self {
        self.verifier.required_claims = claims.into_iter().collect();
        self
    }

    /// Longest token accepted, in bytes, checked before any decoding (default 8 KiB).
    pub fn max_token_len(mut self, max: usize) -> Self {
        self.verifier.max_token_len = max;
        self
    }

    /// The algorithms accepted, a subset of RS256, ES256, ES384 (default all three).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.verifier.algorithms = algorithms.into_iter().collect();
        self
    }

    /// The signature provider (default: the key set's, which is the
    /// [preferred](CryptoProvider::preferred) one unless the set was built with another); the
    /// keys are prepared for it here, once.
    pub fn provider(mut self, provider: CryptoProvider) -> Self {
        self.verifier.keys = self.verifier.keys.to_provider(provider);
        self
    }

    /// The clock (default the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.verifier.clock = Arc::new(clock);
        self
    }

    /// Turns the verified-token cache on (default off): token bytes that already passed
    /// every check skip the signature check, and only that (see [`VerifiedTokenCache`]).
    /// Clones of the verifier, and any verifier given a clone of `cache`, share it.
    pub fn cache(mut self, cache: VerifiedTokenCache) -> Self {
        self.verifier.cache = Some(cache);
        self
    }

    /// The verifier.
    pub fn build(self) -> Verifier {
        self.verifier
    }
}

impl Verifier {
    /// Starts a verifier that checks signatures against `keys`.
    pub fn builder(keys: KeySet) -> VerifierBuilder {
        VerifierBuilder {
            verifier: Verifier {
                keys,
                leeway: DEFAULT_LEEWAY,
                require_exp: true,
                required_claims: Vec::new(),
                max_token_len: DEFAULT_MAX_TOKEN_LEN,
                algorithms: Algorithm::ALL.to_vec(),
                clock: Arc::new(SystemClock),
                cache: None,
            },
        }
    }

    /// The verifier's key set.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The provider that checks signatures (the key set's).
    pub fn provider(&self) -> CryptoProvider {
        self.keys.provider()
    }

    /// The verified-token cache, if it is on.
    pub fn cache(&self) -> Option<&VerifiedTokenCache> {
        self.cache.as_ref()
    }

    /// The same verifier with its keys prepared for `provider`.
    #[must_use]
    pub fn to_provider(&self, provider: CryptoProvider) -> Verifier {
        Verifier {
            keys: self.keys.to_provider(provider),
            ..self.clone()
        }
    }

    /// The longest token accepted, in bytes.
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// The first rule alone: refuses a token longer than [`max_token_len`](Self::max_token_len)
    /// without looking inside it, for callers that must turn an over-long token away before
    /// hashing or storing it (every verification checks it first too).
    ///
    /// ```
    /// use playback_auth_keys::KeySet;
    /// use playback_auth_verify::{Verifier, VerifyError};
    ///
    /// let verifier = Verifier::builder(KeySet::new()).max_token_len(16).build();
    /// assert_eq!(verifier.max_token_len(), 16);
    /// assert!(verifier.check_token_len("a.b.c").is_ok());
    /// assert_eq!(
    ///     verifier.check_token_len(&"x".repeat(17)),
    ///     Err(VerifyError::TokenTooLong { len: 17, max: 16 })
    /// );
    /// ```
    ///
    /// # Errors
    /// [`VerifyError::TokenTooLong`].
    pub fn check_token_len(&self, token: &str) -> Result<(), VerifyError> {
        if token.len() > self.max_token_len {
            return Err(VerifyError::TokenTooLong {
                len: token.len(),
                max: self.max_token_len,
            });
        }
        Ok(())
    }

    /// Verifies `token` now (by the verifier's clock) and decodes its claims as `C`, running
    /// `C`'s validation rules.
    pub fn verify<C: ClaimSet>(&self, token: &str) -> Result<Verified<C>, VerifyError> {
        self.verify_with(&self.keys, token, self.clock.now())
    }

    /// Like [`Verifier::verify`], at a given time and against a given key set — for callers
    /// that keep one key set per account (see the key registry in `playback-auth-policy`).
    pub fn verify_with<C: ClaimSet>(
        &self,
        keys: &KeySet,
        token: &str,
        now: NumericDate,
    ) -> Result<Verified<C>, VerifyError> {
        let authentic = self.authenticate(keys, token, now)?;
        if let PayloadBytes::Cached(cached) = &authentic.payload
            && let Some(claims) = cached.claims.as_ref().and_then(C::from_cached)
        {
            self.check_payload(
                &authentic.header,
                |claim| cached.has(claim),
                Ok(cached.times),
                now,
            )?;
            claims.validate().map_err(VerifyError::Claims)?;
            return Ok(Verified {
                header: authentic.header,
                claims,
            });
        }
        let payload = C::decode_payload(authentic.payload())
            .map_err(|error| to_verify_error(error, Segment::Payload))?;
        let times = self.check_payload(
            &authentic.header,
            |claim| payload.contains_key(claim),
            payload.time_claims(),
            now,
        )?;
        let members = self
            .cacheable(&authentic, &times, now)
            .then(|| sorted_names(payload.member_names()));
        let claims = payload.into_claims().map_err(VerifyError::Claims)?;
        claims.validate().map_err(VerifyError::Claims)?;
        if let Some(members) = members {
            self.remember(&authentic, token, times, claims.to_cached(), members);
        }
        Ok(Verified {
            header: authentic.header,
            claims,
        })
    }

    /// Verifies `token` now and deserializes its claims into any `T`. The time rules apply;
    /// claim-set rules do not (use [`Verifier::verify`] with a [`ClaimSet`] for those).
    pub fn verify_deserialize<T: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<Verified<T>, VerifyError> {
        let now = self.clock.now();
        let authentic = self.authenticate(&self.keys, token, now)?;
        let payload = parse_claims(authentic.payload())?;
        let times = self.check_payload(
            &authentic.header,
            |claim| payload.contains_key(claim),
            TimeClaims::from_claims_object(&payload),
            now,
        )?;
        let members = self
            .cacheable(&authentic, &times, now)
            .then(|| sorted_names(payload.member_names()));
        let claims = serde_json::from_value(Value::Object(payload.into_map())).map_err(|_| {
            VerifyError::InvalidJson {
                segment: Segment::Payload,
            }
        })?;
        if let Some(members) = members {
            self.remember(&authentic, token, times, None, members);
        }
        Ok(Verified {
            header: authentic.header,
            claims,
        })
    }

    /// Whether a token that passes every rule is to be cached: the cache is on, this was a
    /// miss, and the token has an `exp` still ahead (one accepted within the leeway is not
    /// cached, so an entry never outlives its token).
    fn cacheable(&self, authentic: &Authentic, times: &TimeClaims, now: NumericDate) -> bool {
        self.cache.is_some() && authentic.miss.is_some() && times.exp.is_some_and(|exp| now < exp)
    }

    /// Caches a token that passed every check (only called on success, when
    /// [`Self::cacheable`]).
    fn remember(
        &self,
        authentic: &Authentic,
        token: &str,
        times: TimeClaims,
        claims: Option<CachedClaims>,
        members: Box<[Box<str>]>,
    ) {
        if let (Some(cache), Some(miss), Some(exp)) = (&self.cache, &authentic.miss, times.exp) {
            cache.insert(Pending {
                digest: miss.digest,
                token_len: token.len(),
                header: authentic.header.clone(),
                token: CachedToken {
                    payload: Box::from(authentic.payload()),
                    claims,
                    times,
                    members,
                },
                exp,
                key_thumbprint: miss.key_thumbprint.clone(),
            });
        }
    }

    /// Structure, header and signature (or a cache hit standing for them); returns the header,
    /// the payload's JSON bytes and, when the cache is on and this was a miss, what to cache
    /// it under once every rule passed.
    fn authenticate(
        &self,
        keys: &KeySet,
        token: &str,
        now: NumericDate,
    ) -> Result<Authentic, VerifyError> {
        self.check_token_len(token)?;
        let digest = self
            .cache
            .as_ref()
            .map(|_| VerifiedTokenCache::digest(token));
        if let (Some(cache), Some(digest)) = (&self.cache, &digest)
            && let Some(Hit { header, token }) = cache.get(digest, keys, now)
        {
            // This verifier's own settings, which a shared cache's entry may not have met.
            if !self.algorithms.contains(&header.alg) {
                return Err(VerifyError::AlgorithmNotAllowed { alg: header.alg });
            }
            return Ok(Authentic {
                header,
                payload: PayloadBytes::Cached(token),
                miss: None,
            });
        }

        let parts = split(token)?;
        // The three segments decode into one buffer: one allocation per token (together they
        // decode to at most ⌊3n/4⌋ bytes for the n characters of the token).
        let mut decoded = Vec::with_capacity(token.len() / 4 * 3 + 2);
        let header = decode_into(parts.header, Segment::Header, &mut decoded)?;
        let header = Header::parse(decoded.get(header).unwrap_or_default())?;
        if !self.algorithms.contains(&header.alg) {
            return Err(VerifyError::AlgorithmNotAllowed { alg: header.alg });
        }
        // Base64 is checked for every segment before the signature, so a malformed segment is
        // reported as such; JSON in the payload is only parsed once the signature holds.
        let payload = decode_into(parts.payload, Segment::Payload, &mut decoded)?;
        let signature = decode_into(parts.signature, Segment::Signature, &mut decoded)?;
        let key_thumbprint = check_signature(
            keys,
            &header,
            parts.signing_input.as_bytes(),
            decoded.get(signature).unwrap_or_default(),
        )?;
        let miss = digest.map(|digest| Miss {
            digest,
            key_thumbprint: key_thumbprint.to_owned(),
        });
        Ok(Authentic {
            header,
            payload: PayloadBytes::Decoded {
                buffer: decoded,
                payload,
            },
            miss,
        })
    }

    /// The rules on an authentic payload, before its claim set is decoded: a private-channel
    /// token must be ES384, its time claims must be NumericDates that hold at `now`, and the
    /// required claims must be present (`has`). Returns the time claims.
    fn check_payload(
        &self,
        header: &Header,
        has: impl Fn(&str) -> bool,
        times: Result<TimeClaims, Violations>,
        now: NumericDate,
    ) -> Result<TimeClaims, VerifyError> {
        if let Some(required) = required_alg(&has)
            && header.alg.as_str() != required
        {
            return Err(VerifyError::ChannelTokenNotEs384 { alg: header.alg });
        }
        let times = times.map_err(VerifyError::Claims)?;
        self.check_times(has, &times, now)?;
        Ok(times)
    }

    /// The time rules at `now` and the required claims.
    fn check_times(
        &self,
        has: impl Fn(&str) -> bool,
        times: &TimeClaims,
        now: NumericDate,
    ) -> Result<(), VerifyError> {
        let window = TimeWindow {
            now,
            leeway: self.leeway,
            require_exp: self.require_exp,
        };
        let mut found = times.check_at(&window);
        found.extend(
            self.required_claims
                .iter()
                .filter(|claim| !has(claim))
                .map(|&claim| Violation::MissingClaim { claim }),
        );
        Violations::check(found).map_err(VerifyError::Claims)
    }
}

/// Member names, sorted, as a cache entry keeps them.
fn sorted_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Box<[Box<str>]> {
    let mut names: Vec<Box<str>> = names.into_iter().map(Box::from).collect();
    names.sort_unstable();
    names.into_boxed_slice()
}

/// A token whose signature held, or that the cache vouched for.
struct Authentic {
    header: Header,
    payload: PayloadBytes,
    /// Set when the cache is on and this was a miss.
    miss: Option<Miss>,
}

impl Authentic {
    /// The payload's JSON bytes.
    fn payload(&self) -> &[u8] {
        match &self.payload {
            PayloadBytes::Decoded { buffer, payload } => {
                buffer.get(payload.clone()).unwrap_or_default()
            }
            PayloadBytes::Cached(token) => &token.payload,
        }
    }
}

/// Where the payload's JSON bytes are.
enum PayloadBytes {
    /// In the buffer the token's segments were decoded into.
    Decoded {
        buffer: Vec<u8>,
        payload: std::ops::Range<usize>,
    },
    /// In a cache entry.
    Cached(Arc<CachedToken>),
}

/// A cache miss: what the token is cached under once it passed every rule.
struct Miss {
    digest: crate::cache::TokenDigest,
    /// RFC 7638 thumbprint of the key that verified the signature.
    key_thumbprint: String,
}

/// The three segments of a compact JWS and the signing input (`header.payload`).
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    signing_input: &'a str,
}

fn split(token: &str) -> Result<Parts<'_>, VerifyError> {
    let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        // Counted only on the error path: the common case scans the token once.
        let found = token.split('.').count();
        return Err(VerifyError::WrongSegmentCount { found });
    };
    let segment = |range: std::ops::Range<usize>| token.get(range).unwrap_or_default();
    Ok(Parts {
        header: segment(0..first),
        payload: segment(first + 1..second),
        signature: segment(second + 1..token.len()),
        signing_input: segment(0..second),
    })
}

/// Strict base64url: the URL-safe alphabet, no padding, no whitespace, canonical final bits.
#[cfg(test)]
fn decode(text: &str, segment: Segment) -> Result<Vec<u8>, VerifyError> {
    let mut out = Vec::new();
    decode_into(text, segment, &mut out)?;
    Ok(out)
}

/// Strict base64url (as [`decode`]) appended to `out`; returns where in `out` it went.
fn decode_into(
    text: &str,
    segment: Segment,
    out: &mut Vec<u8>,
) -> Result<std::ops::Range<usize>, VerifyError> {
    let start = out.len();
    base64_simd::URL_SAFE_NO_PAD
        .decode_append(text, out)
        .map_err(|_| VerifyError::InvalidBase64 { segment })?;
    Ok(start..out.len())
}

/// Tries each candidate key of the token's algorithm (chosen by `kid` when it names one),
/// already prepared for the key set's provider; returns the thumbprint of the key that
/// verified.
fn check_signature<'k>(
    keys: &'k KeySet,
    header: &Header,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<&'k str, VerifyError> {
    let mut last = None;
    for (key, thumbprint) in keys.verifying_candidates(header.alg, header.kid.as_deref()) {
        match verify_signature(header.alg, key, signing_input, signature) {
            Ok(()) => return Ok(thumbprint),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        let has_alg = keys.iter().any(|entry| entry.key.algorithm() == header.alg);
        match &header.kid {
            Some(kid) if has_alg => VerifyError::UnknownKeyId { kid: cut(kid, 64) },
            _ => VerifyError::NoKeyForAlgorithm { alg: header.alg },
        }
    }))
}

#[cfg(test)]
mod tests;
