//! Strict JSON, as token segments and claims objects must be: UTF-8, no duplicate member
//! names at any depth, nesting bounded.
//!
//! Both rules are enforced while parsing, in the one pass: a value deeper than [`MAX_DEPTH`]
//! stops the parse as soon as it is entered, so attacker-chosen depth never drives more than
//! `MAX_DEPTH` levels of recursion (and serde_json's own limit of 128 is never reached).
//!
//! Written once here; the verifier parses its header with [`parse_object`] and its payload
//! with [`ClaimsObject::from_json_slice`](crate::ClaimsObject::from_json_slice), which share
//! these rules.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::StrictJsonError;

/// Deepest array/object nesting accepted. Real tokens nest 2–3 levels.
pub const MAX_DEPTH: usize = 32;

/// Parses `bytes` as one JSON object under the strict rules.
///
/// ```
/// use playback_auth_claims::{StrictJsonError, strict_json};
///
/// assert_eq!(strict_json::parse_object(br#"{"alg":"ES256"}"#)?.len(), 1);
/// assert!(matches!(
///     strict_json::parse_object(br#"{"alg":"ES256","alg":"none"}"#),
///     Err(StrictJsonError::DuplicateMember { name }) if name == "alg"
/// ));
/// # Ok::<(), StrictJsonError>(())
/// ```
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, StrictJsonError> {
    parse_with(bytes, |deserializer, broken| {
        StrictValue { broken, depth: 0 }
            .deserialize(deserializer)
            .map(|value| match value {
                Value::Object(object) => Some(object),
                _ => None,
            })
    })
}

/// The strict frame every parse shares: UTF-8, nothing after the value, and a broken rule
/// reported as such. `parse` returns `None` for JSON that is not an object.
pub(crate) fn parse_with<T>(
    bytes: &[u8],
    parse: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
        &Broken,
    ) -> Result<Option<T>, serde_json::Error>,
) -> Result<T, StrictJsonError> {
    let text = std::str::from_utf8(bytes).map_err(|_| StrictJsonError::InvalidUtf8)?;
    let broken = Broken::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed =
        parse(&mut deserializer, &broken).and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(StrictJsonError::NotAnObject),
        Err(error) => Err(broken
            .0
            .into_inner()
            .unwrap_or(StrictJsonError::Syntax(error))),
    }
}

/// Parses `bytes` as one object with `read` (which deserializes a map), under the strict frame of
/// [`parse_with`]. JSON that is not an object is parsed all the same (into a value that is
/// dropped), so a syntax error or a broken rule inside it is reported as such rather than as
/// [`StrictJsonError::NotAnObject`].
pub(crate) fn parse_object_with<T>(
    bytes: &[u8],
    read: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
        &Broken,
    ) -> Result<T, serde_json::Error>,
) -> Result<T, StrictJsonError> {
    let is_object = bytes
        .iter()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&b'{');
    parse_with(bytes, |deserializer, broken| {
        if is_object {
            read(deserializer, broken).map(Some)
        } else {
            StrictValue { broken, depth: 0 }
                .deserialize(deserializer)
                .map(|_| None)
        }
    })
}

/// The strict rule that stopped a parse, so the caller reports it as such rather than as a
/// syntax error (serde errors carry only text).
#[derive(Default)]
pub(crate) struct Broken(RefCell<Option<StrictJsonError>>);

impl Broken {
    /// Records a duplicate member name and gives the error that stops the parse.
    pub(crate) fn duplicate<E: de::Error>(&self, name: String) -> E {
        *self.0.borrow_mut() = Some(StrictJsonError::DuplicateMember { name });
        E::custom("duplicate member name")
    }

    /// The depth of a value entered at `depth`, or the error that stops the parse.
    pub(crate) fn enter<E: de::Error>(&self, depth: usize) -> Result<usize, E> {
        if depth < MAX_DEPTH {
            Ok(depth + 1)
        } else {
            *self.0.borrow_mut() = Some(StrictJsonError::NestingTooDeep { max: MAX_DEPTH });
            Err(E::custom("nesting too deep"))
        }
    }
}

/// Builds a `serde_json::Value`, failing on the first duplicate member name at any depth and
/// on the first array or object nested deeper than [`MAX_DEPTH`].
pub(crate) struct StrictValue<'a> {
    pub(crate) broken: &'a Broken,
    /// Arrays and objects around the value.
    pub(crate) depth: usize,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.broken.enter(self.depth)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue {
            broken: self.broken,
            depth,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.broken.enter(self.depth)?;
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(StrictValue {
                broken: self.broken,
                depth,
            })?;
            // One lookup: insert unless present.
            match object.entry(name) {
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                serde_json::map::Entry::Occupied(entry) => {
                    return Err(self.broken.duplicate(entry.key().clone()));
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests;
