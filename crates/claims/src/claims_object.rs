//! `ClaimsObject`: a payload parsed once, strictly, with the claims this crate knows found by
//! name without hashing — what the typed decoders read from.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::StrictJsonError;
use crate::names::{self, known_slot};
use crate::strict_json::{Broken, StrictValue, parse_object_with};

/// A JSON claims object, parsed in one pass under the strict JSON rules (no duplicate member
/// names at any depth, bounded nesting), ready for [`ClaimSet::from_claims_object`].
///
/// Claims of the three claim sets are kept in slots found by name; every other member is kept
/// as it came, and [`ClaimsObject::into_map`] gives back the members in document order.
///
/// ```
/// use playback_auth_claims::{ClaimSet, ClaimsObject, PlaybackRestrictionClaims};
///
/// let object = ClaimsObject::from_json_slice(br#"{"accid":"a","iat":1,"exp":60,"x":[1]}"#)?;
/// assert!(object.contains_key("exp"));
/// let claims = PlaybackRestrictionClaims::from_claims_object(object).unwrap();
/// assert_eq!(claims.extra["x"], serde_json::json!([1]));
///
/// assert!(ClaimsObject::from_json_slice(br#"{"iat":1,"iat":2}"#).is_err());
/// # Ok::<(), playback_auth_claims::StrictJsonError>(())
/// ```
///
/// [`ClaimSet::from_claims_object`]: crate::ClaimSet::from_claims_object
#[derive(Debug, Clone)]
pub struct ClaimsObject {
    /// Known claims in document order.
    known: Vec<KnownMember>,
    /// Per entry of [`names::CLAIM_SET_NAMES`], its index in `known`; [`ABSENT`] when absent.
    slots: [u8; names::CLAIM_SET_NAMES.len()],
    /// Every other member, in document order.
    others: Map<String, Value>,
}

#[derive(Debug, Clone)]
struct KnownMember {
    /// Index in [`names::CLAIM_SET_NAMES`].
    slot: u8,
    /// How many other members came before it, to put it back in place.
    others_before: usize,
    value: Value,
}

const ABSENT: u8 = u8::MAX;

/// A member name as the parser meets it: one of the known claims, or any other.
pub(crate) enum Name {
    Known(u8),
    Other(String),
}

impl Default for ClaimsObject {
    fn default() -> Self {
        Self {
            known: Vec::new(),
            slots: [ABSENT; names::CLAIM_SET_NAMES.len()],
            others: Map::new(),
        }
    }
}

impl ClaimsObject {
    /// Parses JSON bytes in one pass: UTF-8, one object, no duplicate member names at any
    /// depth, nesting no deeper than [`MAX_DEPTH`](crate::strict_json::MAX_DEPTH).
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, StrictJsonError> {
        parse_object_with(bytes, |deserializer, broken| {
            deserializer.deserialize_map(ObjectVisitor { broken })
        })
    }

    /// The member `name`, if present.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        match known_slot(name) {
            Some(slot) => self
                .known_index(slot)
                .and_then(|index| self.known.get(index))
                .map(|member| &member.value),
            None => self.others.get(name),
        }
    }

    /// Whether the member `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The names of the members, known claims first.
    pub fn member_names(&self) -> impl Iterator<Item = &str> {
        let known = names::CLAIM_SET_NAMES
            .iter()
            .zip(self.slots)
            .filter(|(_, index)| *index != ABSENT)
            .map(|(name, _)| *name);
        known.chain(self.others.keys().map(String::as_str))
    }

    /// The members, in document order.
    pub fn into_map(self) -> Map<String, Value> {
        let Self {
            known, mut others, ..
        } = self;
        for (put_back, member) in known.into_iter().enumerate() {
            if let Some(name) = names::CLAIM_SET_NAMES.get(usize::from(member.slot)) {
                let at = (member.others_before + put_back).min(others.len());
                others.shift_insert(at, (*name).to_owned(), member.value);
            }
        }
        others
    }

    #[inline]
    fn known_index(&self, slot: u8) -> Option<usize> {
        let index = *self.slots.get(usize::from(slot))?;
        (index != ABSENT).then_some(usize::from(index))
    }

    /// Adds a member; gives its name back when it is a duplicate.
    fn insert(&mut self, name: Name, value: Value) -> Result<(), String> {
        match name {
            Name::Known(slot) => {
                let index = u8::try_from(self.known.len()).unwrap_or(ABSENT);
                match self.slots.get_mut(usize::from(slot)) {
                    Some(entry) if *entry == ABSENT => *entry = index,
                    _ => {
                        let name = names::CLAIM_SET_NAMES.get(usize::from(slot));
                        return Err(name.copied().unwrap_or_default().to_owned());
                    }
                }
                self.known.push(KnownMember {
                    slot,
                    others_before: self.others.len(),
                    value,
                });
                Ok(())
            }
            Name::Other(name) => match self.others.entry(name) {
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(value);
                    Ok(())
                }
                serde_json::map::Entry::Occupied(entry) => Err(entry.key().clone()),
            },
        }
    }
}

impl From<Map<String, Value>> for ClaimsObject {
    fn from(object: Map<String, Value>) -> Self {
        let mut claims = Self::default();
        for (name, value) in object {
            let name = known_slot(&name).map_or(Name::Other(name), Name::Known);
            // A map has no duplicate names.
            let _ = claims.insert(name, value);
        }
        claims
    }
}

/// As strict as [`ClaimsObject::from_json_slice`]: duplicate member names and nesting deeper
/// than [`MAX_DEPTH`](crate::strict_json::MAX_DEPTH) are errors.
impl<'de> Deserialize<'de> for ClaimsObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let broken = Broken::default();
        deserializer.deserialize_map(ObjectVisitor { broken: &broken })
    }
}

/// The top-level object: depth 1.
struct ObjectVisitor<'a> {
    broken: &'a Broken,
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = ClaimsObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClaimsObject, A::Error> {
        let mut object = ClaimsObject {
            // One allocation for any real token (a restriction token knows 17 claims).
            known: Vec::with_capacity(names::CLAIM_SET_NAMES.len()),
            ..ClaimsObject::default()
        };
        while let Some(name) = map.next_key_seed(MemberName)? {
            let value = map.next_value_seed(StrictValue {
                broken: self.broken,
                depth: 1,
            })?;
            object
                .insert(name, value)
                .map_err(|name| self.broken.duplicate::<A::Error>(name))?;
        }
        Ok(object)
    }
}

/// Reads a member name, allocating only for names that are not known claims.
pub(crate) struct MemberName;

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Name;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Name, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberName {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Name, E> {
        Ok(known_slot(v).map_or_else(|| Name::Other(v.to_owned()), Name::Known))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Name, E> {
        Ok(known_slot(&v).map_or(Name::Other(v), Name::Known))
    }
}

#[cfg(test)]
mod tests;
