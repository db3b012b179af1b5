//! `Payload`: a token's claims parsed and, where the claim set can, decoded in the same pass —
//! what a verifier checks in its own order (time rules, required claims, then the claim set).
//!
//! The one-pass decoders read each member straight into the claim set's typed field as the
//! parser meets it: no [`ClaimsObject`] is built, no claim is looked up twice, and an array of
//! strings becomes a `Vec<String>` without a `Vec<Value>` in between. Each claim set has one
//! [`Draft`] (its conversion table), fed by this parse or, member by member, by
//! [`decode_map`] (the path of `from_json_object` and `from_claims_object`). The strict JSON
//! rules are those of every parse (the same parser and strict value reader); the claims
//! crate's property test and the `claims` fuzz target hold the one-pass decode equal to a
//! `ClaimsObject` parse on generated and fuzzed payloads.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::claim_set::ClaimSet;
use crate::claims_object::{ClaimsObject, MemberName, Name};
use crate::error::{StrictJsonError, Violation, Violations};
use crate::names::{self, known_slot};
use crate::reader::to_strings;
use crate::strict_json::{Broken, StrictValue, parse_object_with};
use crate::time_rules::TimeClaims;

/// A token's payload, parsed under the strict JSON rules, from
/// [`ClaimSet::decode_payload`]: answers which claims are present and what the time claims
/// are before the claim set is asked for, so a verifier reports a broken time rule before a
/// claim of the wrong type, whichever way the set was decoded.
///
/// ```
/// use playback_auth_claims::{ClaimSet, PlaybackRestrictionClaims};
///
/// let payload = PlaybackRestrictionClaims::decode_payload(
///     br#"{"accid":"a","iat":1,"exp":60,"maxu":"three","jti":"t-1"}"#,
/// )?;
/// assert!(payload.contains_key("jti"));
/// assert_eq!(payload.time_claims().unwrap().exp.map(|exp| exp.as_secs_f64()), Some(60.0));
/// assert!(payload.into_claims().is_err()); // `maxu` is not a number
/// # Ok::<(), playback_auth_claims::StrictJsonError>(())
/// ```
#[derive(Debug)]
pub struct Payload<C> {
    inner: Inner<C>,
}

#[derive(Debug)]
enum Inner<C> {
    /// Parsed into an object; decoded by [`ClaimSet::from_claims_object`] when asked.
    Object(ClaimsObject),
    /// Decoded in the parse.
    Decoded(Decoded<C>),
}

/// What a one-pass decoder produced.
#[derive(Debug)]
pub(crate) struct Decoded<C> {
    pub(crate) claims: Result<C, Violations>,
    pub(crate) times: Result<TimeClaims, Violations>,
    pub(crate) present: KnownSet,
    /// The members no typed field took, kept when decoding failed (on success they are the
    /// claims' `extra`), so presence can still be answered.
    pub(crate) others: Map<String, Value>,
}

impl<C> Decoded<C> {
    /// Decoding failed; the members no typed field took are kept.
    fn failed(
        violations: Violations,
        times: Result<TimeClaims, Violations>,
        present: KnownSet,
        others: Map<String, Value>,
    ) -> Self {
        Self {
            claims: Err(violations),
            times,
            present,
            others,
        }
    }

    pub(crate) fn map<D>(self, wrap: impl FnOnce(C) -> D) -> Decoded<D> {
        Decoded {
            claims: self.claims.map(wrap),
            times: self.times,
            present: self.present,
            others: self.others,
        }
    }
}

impl<C: ClaimSet> Payload<C> {
    pub(crate) fn from_object(object: ClaimsObject) -> Self {
        Self {
            inner: Inner::Object(object),
        }
    }

    pub(crate) fn from_decoded(decoded: Decoded<C>) -> Self {
        Self {
            inner: Inner::Decoded(decoded),
        }
    }

    /// Whether the member `name` is present, whatever its value.
    pub fn contains_key(&self, name: &str) -> bool {
        match &self.inner {
            Inner::Object(object) => object.contains_key(name),
            Inner::Decoded(decoded) => match known_slot(name) {
                Some(slot) => decoded.present.contains(slot),
                None => match &decoded.claims {
                    Ok(claims) => claims.extra().contains_key(name),
                    Err(_) => decoded.others.contains_key(name),
                },
            },
        }
    }

    /// The names of every member, each once, in no particular order (what a cache keeps to answer
    /// [`Payload::contains_key`] later without the payload).
    pub fn member_names(&self) -> Vec<&str> {
        match &self.inner {
            Inner::Object(object) => object.member_names().collect(),
            Inner::Decoded(decoded) => {
                let others = match &decoded.claims {
                    Ok(claims) => claims.extra(),
                    Err(_) => &decoded.others,
                };
                // A known claim the set does not read is among the others already.
                names::CLAIM_SET_NAMES
                    .iter()
                    .copied()
                    .filter(|name| decoded.present.has(name) && !others.contains_key(*name))
                    .chain(others.keys().map(String::as_str))
                    .collect()
            }
        }
    }

    /// `iat`, `nbf` and `exp`, or each of them that is not a valid NumericDate — as
    /// [`TimeClaims::from_claims_object`] reads them, whatever the claim set.
    pub fn time_claims(&self) -> Result<TimeClaims, Violations> {
        match &self.inner {
            Inner::Object(object) => TimeClaims::from_claims_object(object),
            Inner::Decoded(decoded) => decoded.times.clone(),
        }
    }

    /// The claim set, or every claim of the wrong type or format (as
    /// [`ClaimSet::from_claims_object`] reports them). Cross-claim rules are checked by
    /// [`ClaimSet::validate`].
    pub fn into_claims(self) -> Result<C, Violations> {
        match self.inner {
            Inner::Object(object) => C::from_claims_object(object),
            Inner::Decoded(decoded) => decoded.claims,
        }
    }
}

/// Which of [`names::CLAIM_SET_NAMES`] a payload holds, by slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct KnownSet(u32);

// One bit per known claim: a name added past 32 needs a wider set, or duplicates of it would
// go unnoticed.
const _: () = assert!(names::CLAIM_SET_NAMES.len() <= 32);

impl KnownSet {
    /// Adds `slot`; false when it was there already.
    pub(crate) fn insert(&mut self, slot: u8) -> bool {
        let bit = 1u32.checked_shl(u32::from(slot)).unwrap_or(0);
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh
    }

    pub(crate) fn contains(self, slot: u8) -> bool {
        let bit = 1u32.checked_shl(u32::from(slot)).unwrap_or(0);
        self.0 & bit != 0
    }

    /// Whether the claim `name` is present (false for a name that is not a known claim).
    pub(crate) fn has(self, name: &str) -> bool {
        known_slot(name).is_some_and(|slot| self.contains(slot))
    }
}

/// A known claim's value as the parser hands it to a draft: an array of strings read straight
/// into a `Vec<String>` when the draft asked for one and that is what came, any other value as
/// it came.
pub(crate) enum Incoming {
    Value(Value),
    Strings(Vec<String>),
}

impl Incoming {
    /// An array of strings, or the violation [`to_strings`] reports for anything else.
    pub(crate) fn into_strings(self, claim: &'static str) -> Result<Vec<String>, Violation> {
        match self {
            Self::Strings(items) => Ok(items),
            Self::Value(value) => to_strings(claim, value),
        }
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Self::Value(value) => value,
            Self::Strings(items) => Value::Array(items.into_iter().map(Value::String).collect()),
        }
    }
}

/// The typed fields of one claim set, filled member by member.
pub(crate) trait Draft: Default {
    /// The claim set it builds.
    type Claims;

    /// Whether the known claim `slot` is an array of strings in this set.
    fn reads_strings(slot: u8) -> bool;

    /// Takes the known claim `slot` into its field; gives the value back when this set does
    /// not read that claim (it then stays among the other members, as it came).
    fn known(&mut self, slot: u8, value: Incoming) -> Option<Incoming>;

    /// The claim set, the time claims and what was left over.
    fn finish(self, members: Members) -> Decoded<Self::Claims>;
}

/// What the parse collected besides the draft's fields.
#[derive(Default)]
pub(crate) struct Members {
    pub(crate) present: KnownSet,
    /// Every member the draft did not take, in document order.
    pub(crate) others: Map<String, Value>,
}

/// Decodes the members of an already parsed object (no duplicate names) with the draft `D`:
/// the path of [`ClaimSet::from_json_object`], with the one conversion table the parser uses.
pub(crate) fn decode_map<D: Draft>(object: Map<String, Value>) -> Decoded<D::Claims> {
    let mut draft = D::default();
    let mut members = Members::default();
    for (name, value) in object {
        match known_slot(&name) {
            Some(slot) => {
                members.present.insert(slot);
                if let Some(value) = draft.known(slot, Incoming::Value(value)) {
                    members.others.insert(name, value.into_value());
                }
            }
            None => {
                members.others.insert(name, value);
            }
        }
    }
    draft.finish(members)
}

/// Parses `bytes` as one strict JSON object decoded by the draft `D` as it is read.
pub(crate) fn parse_draft<D: Draft>(bytes: &[u8]) -> Result<Decoded<D::Claims>, StrictJsonError> {
    parse_object_with(bytes, |deserializer, broken| {
        de::Deserializer::deserialize_map(deserializer, DraftVisitor::<D>::new(broken))
    })
}

/// The top-level object, read by the draft `D` as the parser meets each member.
pub(crate) struct DraftVisitor<'a, D> {
    pub(crate) broken: &'a Broken,
    pub(crate) draft: std::marker::PhantomData<D>,
}

impl<'a, D> DraftVisitor<'a, D> {
    pub(crate) fn new(broken: &'a Broken) -> Self {
        Self {
            broken,
            draft: std::marker::PhantomData,
        }
    }
}

impl<'de, D: Draft> Visitor<'de> for DraftVisitor<'_, D> {
    type Value = Decoded<D::Claims>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut draft = D::default();
        let mut members = Members::default();
        while let Some(name) = map.next_key_seed(MemberName)? {
            // As in a claims object, a duplicate is reported once its value has been read, so
            // an error inside that value comes first.
            match name {
                Name::Known(slot) => {
                    let value = if D::reads_strings(slot) {
                        map.next_value_seed(StringsSeed {
                            broken: self.broken,
                            depth: 1,
                        })?
                    } else {
                        Incoming::Value(map.next_value_seed(StrictValue {
                            broken: self.broken,
                            depth: 1,
                        })?)
                    };
                    let name = names::CLAIM_SET_NAMES.get(usize::from(slot));
                    if !members.present.insert(slot) {
                        let name = name.copied().unwrap_or_default().to_owned();
                        return Err(self.broken.duplicate(name));
                    }
                    if let (Some(value), Some(name)) = (draft.known(slot, value), name) {
                        members
                            .others
                            .insert((*name).to_owned(), value.into_value());
                    }
                }
                Name::Other(name) => {
                    let value = map.next_value_seed(StrictValue {
                        broken: self.broken,
                        depth: 1,
                    })?;
                    match members.others.entry(name) {
                        serde_json::map::Entry::Vacant(entry) => {
                            entry.insert(value);
                        }
                        serde_json::map::Entry::Occupied(entry) => {
                            return Err(self.broken.duplicate(entry.key().clone()));
                        }
                    }
                }
            }
        }
        Ok(draft.finish(members))
    }
}

/// A value expected to be an array of strings: read into a `Vec<String>` when it is one, built
/// as a strict `Value` otherwise (every rule of [`StrictValue`] applies either way).
struct StringsSeed<'a> {
    broken: &'a Broken,
    depth: usize,
}

impl StringsSeed<'_> {
    fn value(&self) -> StrictValue<'_> {
        StrictValue {
            broken: self.broken,
            depth: self.depth,
        }
    }
}

impl<'de> DeserializeSeed<'de> for StringsSeed<'_> {
    type Value = Incoming;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Incoming, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringsSeed<'_> {
    type Value = Incoming;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Incoming, E> {
        self.value().visit_bool(v).map(Incoming::Value)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Incoming, E> {
        self.value().visit_i64(v).map(Incoming::Value)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Incoming, E> {
        self.value().visit_u64(v).map(Incoming::Value)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Incoming, E> {
        self.value().visit_f64(v).map(Incoming::Value)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Incoming, E> {
        self.value().visit_str(v).map(Incoming::Value)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Incoming, E> {
        self.value().visit_string(v).map(Incoming::Value)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Incoming, E> {
        self.value().visit_unit().map(Incoming::Value)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Incoming, A::Error> {
        self.value().visit_map(map).map(Incoming::Value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Incoming, A::Error> {
        let depth = self.broken.enter(self.depth)?;
        let item = || StrictValue {
            broken: self.broken,
            depth,
        };
        let mut strings = Vec::new();
        while let Some(value) = seq.next_element_seed(item())? {
            match value {
                Value::String(string) => strings.push(string),
                other => {
                    // Not an array of strings after all: the rest is read as values.
                    let mut items: Vec<Value> = strings.into_iter().map(Value::String).collect();
                    items.push(other);
                    while let Some(value) = seq.next_element_seed(item())? {
                        items.push(value);
                    }
                    return Ok(Incoming::Value(Value::Array(items)));
                }
            }
        }
        Ok(Incoming::Strings(strings))
    }
}

/// Collects a draft's violations by claim, so they are reported in the claim set's field order
/// (that of its `KNOWN_CLAIMS`) whatever order the members came in.
#[derive(Default)]
pub(crate) struct Found(Vec<(&'static str, Violation)>);

impl Found {
    /// Keeps the converted value, or records why it could not be converted.
    pub(crate) fn convert<T>(
        &mut self,
        claim: &'static str,
        converted: Result<T, Violation>,
    ) -> Option<T> {
        match converted {
            Ok(value) => Some(value),
            Err(violation) => {
                self.0.push((claim, violation));
                None
            }
        }
    }

    /// Records that the required `claim` is absent unless `present`.
    fn require(&mut self, claim: &'static str, present: bool) {
        if !present {
            self.0.push((claim, Violation::MissingClaim { claim }));
        }
    }

    /// The time claims as read, or the violations recorded for them (as
    /// [`TimeClaims::from_claims_object`] reports them: `iat`, `nbf`, `exp`).
    fn times(&self, times: TimeClaims) -> Result<TimeClaims, Violations> {
        let found = [names::IAT, names::NBF, names::EXP]
            .iter()
            .flat_map(|&claim| {
                self.0
                    .iter()
                    .filter(move |(at, _)| *at == claim)
                    .map(|(_, violation)| violation.clone())
            })
            .collect();
        Violations::check(found).map(|()| times)
    }

    /// Ends a draft: the time claims as read (or their violations), each claim of `required`
    /// (name and slot) checked present, then either every violation in the order of `fields`
    /// (the set's `KNOWN_CLAIMS`) or the claims `build` makes from the members no typed field
    /// took (their `extra`). `build` names a required claim it finds without a value: not
    /// reached, as a claim present without a violation was converted, but it needs no
    /// `unwrap`.
    pub(crate) fn end<C>(
        mut self,
        members: Members,
        times: TimeClaims,
        required: &[(&'static str, u8)],
        fields: &[&str],
        build: impl FnOnce(Map<String, Value>) -> Result<C, &'static str>,
    ) -> Decoded<C> {
        let Members { present, others } = members;
        let times = self.times(times);
        for &(claim, slot) in required {
            self.require(claim, present.contains(slot));
        }
        if let Some(violations) = self.into_violations(fields) {
            return Decoded::failed(violations, times, present, others);
        }
        let claims = build(others).map_err(Violations::missing);
        Decoded {
            claims,
            times,
            present,
            others: Map::new(),
        }
    }

    /// Every violation, in the order of `fields`; `None` when there is none.
    fn into_violations(mut self, fields: &[&str]) -> Option<Violations> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_by_key(|(claim, _)| {
            fields
                .iter()
                .position(|field| field == claim)
                .unwrap_or(usize::MAX)
        });
        Some(Violations::from_vec(
            self.0.into_iter().map(|(_, violation)| violation).collect(),
        ))
    }
}
