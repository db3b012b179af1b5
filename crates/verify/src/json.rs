//! Strict JSON for token segments: objects only, no duplicate member names at any depth,
//! bounded nesting checked before parsing.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Segment, VerifyError, cut};

/// Deepest array/object nesting accepted in a header or payload. Real tokens nest 2–3 levels.
pub const MAX_DEPTH: usize = 32;

/// Parses `bytes` as a JSON object under the strict rules.
pub(crate) fn parse_object(
    bytes: &[u8],
    segment: Segment,
) -> Result<Map<String, Value>, VerifyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| VerifyError::InvalidUtf8 { segment })?;
    check_depth(text.as_bytes(), segment)?;
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = StrictSeed {
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(VerifyError::NotAnObject { segment }),
        Err(_) => Err(match duplicate.into_inner() {
            Some(name) => VerifyError::DuplicateMember { segment, name },
            None => VerifyError::InvalidJson { segment },
        }),
    }
}

/// Rejects nesting deeper than [`MAX_DEPTH`] with one linear scan, so no parser recursion is
/// ever driven by attacker-chosen depth.
fn check_depth(bytes: &[u8], segment: Segment) -> Result<(), VerifyError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(VerifyError::NestingTooDeep {
                        segment,
                        max: MAX_DEPTH,
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Inserts `name` unless present; gives the name back when it was a duplicate. One lookup.
fn insert_new(object: &mut Map<String, Value>, name: String, value: Value) -> Option<String> {
    match object.entry(name) {
        serde_json::map::Entry::Vacant(entry) => {
            entry.insert(value);
            None
        }
        serde_json::map::Entry::Occupied(entry) => Some(entry.key().clone()),
    }
}

/// Builds a `serde_json::Value`, failing on the first duplicate member name (recorded so the
/// caller can report it as such rather than as a syntax error).
struct StrictSeed<'a> {
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
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
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictSeed {
            duplicate: self.duplicate,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(StrictSeed {
                duplicate: self.duplicate,
            })?;
            if let Some(name) = insert_new(&mut object, name, value) {
                // Attacker-chosen and possibly kilobytes long: keep a bounded prefix.
                *self.duplicate.borrow_mut() = Some(cut(&name, 64));
                return Err(de::Error::custom("duplicate member"));
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests;
