//! What the three claim sets have in common, and the builder they share.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::claims_object::ClaimsObject;
use crate::error::{DecodeError, StrictJsonError, Violation, Violations};
use crate::names;
use crate::numeric_date::NumericDate;
use crate::payload::Payload;
use crate::time_rules::TimeClaims;

/// A typed claim set: decoded from a JSON object with every violation reported at once,
/// validated by its own rules, encoded back without losing unknown claims.
pub trait ClaimSet: Sized {
    /// Wire names this set reads into typed fields; everything else is kept in `extra`.
    const KNOWN_CLAIMS: &'static [&'static str];

    /// Decodes a claims object, reporting every claim of the wrong type or format.
    /// Cross-claim rules are checked by [`ClaimSet::validate`].
    fn from_json_object(object: Map<String, Value>) -> Result<Self, Violations>;

    /// Like [`ClaimSet::from_json_object`], from an object parsed in one pass by
    /// [`ClaimsObject::from_json_slice`] or its `Deserialize` impl: the verifier's path, with
    /// the same violations. The claim sets of this crate read their claims straight from it.
    fn from_claims_object(object: ClaimsObject) -> Result<Self, Violations> {
        Self::from_json_object(object.into_map())
    }

    /// Encodes the claims: known claims in a fixed order, then the unknown ones as they came.
    /// Fails only when `extra` holds a claim that is also set as a typed field.
    fn to_json_object(&self) -> Result<Map<String, Value>, Violation>;

    /// Checks the rules that span several claims, and that `extra` holds no known claim.
    /// Reports every violation at once. Reads no clock.
    fn validate(&self) -> Result<(), Violations>;

    /// The registered time claims, for the time rules of [`TimeClaims::check_at`].
    fn time_claims(&self) -> TimeClaims;

    /// The claims this crate does not know, kept as they came.
    fn extra(&self) -> &Map<String, Value>;

    /// Parses payload bytes under the strict JSON rules (no duplicate member names, bounded
    /// nesting) for a verifier: the claim set is decoded when the [`Payload`] is asked for it.
    /// The claim sets of this crate are decoded in the parse, straight into their typed
    /// fields; the default parses into a [`ClaimsObject`], which
    /// [`Payload::into_claims`] decodes with [`ClaimSet::from_claims_object`].
    ///
    /// # Errors
    /// The strict JSON rule the bytes break, or [`StrictJsonError::NotAnObject`].
    fn decode_payload(bytes: &[u8]) -> Result<Payload<Self>, StrictJsonError> {
        ClaimsObject::from_json_slice(bytes).map(Payload::from_object)
    }

    /// Decodes JSON bytes under the strict rules the verifier applies (no duplicate member
    /// names, bounded nesting); the object must be a claim set of this kind.
    fn from_json_slice(bytes: &[u8]) -> Result<Self, DecodeError> {
        let payload = Self::decode_payload(bytes).map_err(|error| match error {
            StrictJsonError::NotAnObject => DecodeError::NotAnObject,
            other => DecodeError::Json(other),
        })?;
        payload.into_claims().map_err(DecodeError::Invalid)
    }

    /// A copy of these claims that a cache can keep across threads and hand back with
    /// [`ClaimSet::from_cached`] — what lets a hit in `playback-auth-verify`'s verified-token
    /// cache skip decoding as well as the signature. The claim sets of this crate give one;
    /// the default gives none, and such a cache then decodes the payload again on each hit.
    fn to_cached(&self) -> Option<CachedClaims> {
        None
    }

    /// The claims back from a [`CachedClaims`], if [`ClaimSet::to_cached`] of this same set
    /// made it (`None` for a copy of another set).
    fn from_cached(cached: &CachedClaims) -> Option<Self> {
        let _ = cached;
        None
    }

    /// `jti`, when the token has a string one (the id that use counts are kept under).
    fn jti(&self) -> Option<&str> {
        self.extra().get(names::JTI).and_then(Value::as_str)
    }
}

/// A claim set kept by a cache: shared, immutable, of any [`ClaimSet`] that offers one (see
/// [`ClaimSet::to_cached`]).
///
/// ```
/// use playback_auth_claims::{ClaimSet, NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now).build()?;
/// let cached = claims.to_cached().unwrap();
/// assert_eq!(PlaybackRestrictionClaims::from_cached(&cached), Some(claims));
/// assert_eq!(PlaybackClaims::from_cached(&cached), None); // another set
/// # Ok::<(), playback_auth_claims::Violations>(())
/// ```
#[derive(Clone)]
pub struct CachedClaims(Arc<dyn Any + Send + Sync>);

impl CachedClaims {
    /// Keeps `claims`.
    pub fn new<C: Any + Send + Sync>(claims: C) -> Self {
        Self(Arc::new(claims))
    }

    /// The claims kept, if they are a `C`.
    pub fn get<C: Any>(&self) -> Option<&C> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for CachedClaims {
    /// Opaque: the claims' type is only known to whoever asks for it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CachedClaims")
    }
}

/// `ClaimSet::to_cached` and `ClaimSet::from_cached` for a claim set that is `Clone`, inside
/// its `impl ClaimSet`.
macro_rules! cached_by_clone {
    () => {
        fn to_cached(&self) -> Option<$crate::CachedClaims> {
            Some($crate::CachedClaims::new(self.clone()))
        }

        fn from_cached(cached: &$crate::CachedClaims) -> Option<Self> {
            cached.get::<Self>().cloned()
        }
    };
}
pub(crate) use cached_by_clone;

/// Violations of the shared rules: known claims hidden in `extra`, claims of another set
/// (`foreign`) that a `kind` token would not enforce, and the lifetime rule.
pub(crate) fn shared_violations<C: ClaimSet>(
    claims: &C,
    foreign: &[&[&'static str]],
    kind: &'static str,
) -> Vec<Violation> {
    let mut found: Vec<Violation> = claims
        .extra()
        .keys()
        .filter(|name| C::KNOWN_CLAIMS.contains(&name.as_str()))
        .map(|name| Violation::KnownClaimInExtra {
            claim: name.clone(),
        })
        .collect();
    // A claim of another set would sit in `extra`, where nothing enforces it: refused, so no
    // restriction the publisher wrote is silently dropped.
    found.extend(
        foreign
            .iter()
            .flat_map(|list| list.iter())
            .filter(|claim| claims.extra().contains_key(**claim))
            .map(|claim| Violation::ForeignClaim { claim, kind }),
    );
    found.extend(claims.time_claims().check_lifetime());
    found
}

/// Decodes with [`ClaimSet::from_json_object`] and then runs [`ClaimSet::validate`].
pub(crate) fn decode_and_validate<C: ClaimSet>(
    object: Map<String, Value>,
) -> Result<C, Violations> {
    let claims = C::from_json_object(object)?;
    claims.validate()?;
    Ok(claims)
}

/// Builds a claim set from wire values, so a built value obeys exactly the rules a decoded
/// one does. Made by each claim set's `builder` function; see
/// [`crate::PlaybackRestrictionClaims::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClaimsBuilder<C> {
    object: Map<String, Value>,
    issued_at: NumericDate,
    lifetime: Option<Duration>,
    kind: PhantomData<C>,
}

impl<C: ClaimSet> ClaimsBuilder<C> {
    pub(crate) fn new(issued_at: NumericDate) -> Self {
        let mut object = Map::new();
        object.insert(names::IAT.to_owned(), issued_at.to_json());
        Self {
            object,
            issued_at,
            lifetime: None,
            kind: PhantomData,
        }
    }

    pub(crate) fn set(mut self, claim: &str, value: impl Into<Value>) -> Self {
        self.object.insert(claim.to_owned(), value.into());
        self
    }

    pub(crate) fn remove(&mut self, claim: &str) {
        self.object.shift_remove(claim);
    }

    pub(crate) fn set_strings<S: Into<String>>(
        self,
        claim: &str,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        let values: Vec<Value> = values
            .into_iter()
            .map(|s| Value::String(s.into()))
            .collect();
        self.set(claim, values)
    }

    /// Sets `exp`.
    pub fn expires_at(mut self, exp: NumericDate) -> Self {
        self.lifetime = None;
        self.set(names::EXP, exp.to_json())
    }

    /// Sets `exp` to `iat + lifetime`.
    pub fn valid_for(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Sets `nbf`.
    pub fn not_before(self, nbf: NumericDate) -> Self {
        self.set(names::NBF, nbf.to_json())
    }

    /// Sets `jti`, the token id (use counts are kept under it).
    pub fn token_id(self, jti: impl Into<String>) -> Self {
        self.set(names::JTI, jti.into())
    }

    /// Sets any claim by wire name, known or not. Known claims are checked like the rest.
    pub fn claim(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        self.set(&name, value)
    }

    /// Decodes and validates the claims, reporting every violation at once.
    pub fn build(mut self) -> Result<C, Violations> {
        if let Some(lifetime) = self.lifetime {
            let exp = self.issued_at.saturating_add(lifetime);
            self.object.insert(names::EXP.to_owned(), exp.to_json());
        }
        decode_and_validate(self.object)
    }
}

/// Implements `Serialize`/`Deserialize` through [`ClaimSet`], so serde users get exactly the
/// decoding and encoding rules of the typed API: `serde_via_claim_set!(Set)` decodes through a
/// [`ClaimsObject`], `serde_via_claim_set!(Set, Draft)` in one pass with the set's draft.
macro_rules! serde_via_claim_set {
    ($set:ty) => {
        $crate::claim_set::serde_via_claim_set!(@serialize $set);

        impl<'de> serde::Deserialize<'de> for $set {
            /// Decodes in one pass, rejecting duplicate member names, without running
            /// [`ClaimSet::validate`](crate::ClaimSet::validate).
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let object = $crate::ClaimsObject::deserialize(deserializer)?;
                <$set as $crate::ClaimSet>::from_claims_object(object).map_err(D::Error::custom)
            }
        }
    };
    ($set:ty, $draft:ty) => {
        $crate::claim_set::serde_via_claim_set!(@serialize $set);

        impl<'de> serde::Deserialize<'de> for $set {
            /// Decodes in one pass, straight into the typed fields, rejecting duplicate member
            /// names, without running [`ClaimSet::validate`](crate::ClaimSet::validate).
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let broken = $crate::strict_json::Broken::default();
                deserializer
                    .deserialize_map($crate::payload::DraftVisitor::<$draft>::new(&broken))?
                    .claims
                    .map_err(D::Error::custom)
            }
        }
    };
    (@serialize $set:ty) => {
        impl serde::Serialize for $set {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::Error as _;
                let object = $crate::ClaimSet::to_json_object(self).map_err(S::Error::custom)?;
                object.serialize(serializer)
            }
        }
    };
}
pub(crate) use serde_via_claim_set;
