//! Converting claim values into their types (each failure one violation naming the claim),
//! and writing claims back into a JSON object.

use std::num::NonZeroU32;

use serde_json::{Map, Value};

use crate::error::Violation;
use crate::numeric_date::{NumericDate, NumericDateError};

pub(crate) fn to_string(claim: &'static str, value: Value) -> Result<String, Violation> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(Violation::WrongType {
            claim,
            expected: "a string",
        }),
    }
}

pub(crate) fn to_strings(claim: &'static str, value: Value) -> Result<Vec<String>, Violation> {
    let wrong = || Violation::WrongType {
        claim,
        expected: "an array of strings",
    };
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

pub(crate) fn to_bool(claim: &'static str, value: &Value) -> Result<bool, Violation> {
    value.as_bool().ok_or(Violation::WrongType {
        claim,
        expected: "a boolean",
    })
}

pub(crate) fn to_date(claim: &'static str, value: &Value) -> Result<NumericDate, Violation> {
    NumericDate::from_json(value).map_err(|e| match e {
        NumericDateError::NotANumber => Violation::WrongType {
            claim,
            expected: "a number",
        },
        NumericDateError::OutOfRange => Violation::DateOutOfRange { claim },
    })
}

pub(crate) fn to_integer(claim: &'static str, value: &Value) -> Result<i64, Violation> {
    let Value::Number(number) = value else {
        return Err(Violation::WrongType {
            claim,
            expected: "an integer",
        });
    };
    if let Some(n) = number.as_i64() {
        Ok(n)
    } else if number.is_u64() {
        Err(Violation::IntegerTooLarge {
            claim,
            max: i64::MAX.unsigned_abs(),
        })
    } else {
        Err(Violation::NotAnInteger { claim })
    }
}

pub(crate) fn to_count(claim: &'static str, value: &Value) -> Result<NonZeroU32, Violation> {
    let n = to_integer(claim, value).map_err(|e| match e {
        Violation::IntegerTooLarge { claim, .. } => Violation::IntegerTooLarge {
            claim,
            max: u64::from(u32::MAX),
        },
        other => other,
    })?;
    if n <= 0 {
        return Err(Violation::NotPositive { claim, value: n });
    }
    u32::try_from(n)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or(Violation::IntegerTooLarge {
            claim,
            max: u64::from(u32::MAX),
        })
}

/// Writes claims into a JSON object in a fixed order, then the unknown ones.
#[derive(Default)]
pub(crate) struct ClaimWriter {
    object: Map<String, Value>,
}

impl ClaimWriter {
    pub(crate) fn put(&mut self, claim: &'static str, value: impl Into<Value>) {
        self.object.insert(claim.to_owned(), value.into());
    }

    pub(crate) fn put_opt<T: Into<Value>>(&mut self, claim: &'static str, value: Option<T>) {
        if let Some(value) = value {
            self.put(claim, value);
        }
    }

    /// Appends the unknown claims. A key that was already written is a known claim that
    /// was put in `extra`; it is reported rather than emitted twice or overwritten.
    pub(crate) fn finish(
        mut self,
        extra: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Violation> {
        for (name, value) in extra {
            if self.object.contains_key(name) {
                return Err(Violation::KnownClaimInExtra {
                    claim: name.clone(),
                });
            }
            self.object.insert(name.clone(), value.clone());
        }
        Ok(self.object)
    }
}

impl From<NumericDate> for Value {
    fn from(date: NumericDate) -> Value {
        date.to_json()
    }
}
