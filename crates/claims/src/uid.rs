//! `Uid`: the user id that stream concurrency and device limits are counted against.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::UidError;

/// A user id: 1 to 64 characters of `A–Z a–z 0–9 = / , @ _ . + -`.
///
/// ```
/// use playback_auth_claims::Uid;
///
/// let uid = Uid::new("viewer-42@example.com").unwrap();
/// assert_eq!(uid.as_str(), "viewer-42@example.com");
/// assert!(Uid::new("has space").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(String);

impl Uid {
    /// The longest accepted uid, in characters.
    pub const MAX_LEN: usize = 64;

    /// Checks `value` against the uid rules.
    pub fn new(value: impl Into<String>) -> Result<Uid, UidError> {
        let value = value.into();
        Self::check(&value)?;
        Ok(Uid(value))
    }

    fn check(value: &str) -> Result<(), UidError> {
        // The common case in one pass over the bytes; any failure is found again below, in
        // the order the errors are reported.
        if !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value.bytes().all(|byte| Self::is_allowed(char::from(byte)))
        {
            return Ok(());
        }
        if value.is_empty() {
            return Err(UidError::Empty);
        }
        // Every allowed character is ASCII, so bytes and characters coincide
        // up to the first offending character.
        if let Some((position, character)) = value
            .chars()
            .enumerate()
            .find(|&(_, c)| !Self::is_allowed(c))
        {
            return Err(UidError::InvalidCharacter {
                character,
                position,
            });
        }
        if value.len() > Self::MAX_LEN {
            return Err(UidError::TooLong { len: value.len() });
        }
        Ok(())
    }

    fn is_allowed(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '=' | '/' | ',' | '@' | '_' | '.' | '+' | '-')
    }

    /// The uid as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uid({:?})", self.0)
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uid {
    type Error = UidError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uid::new(value)
    }
}

impl TryFrom<&str> for Uid {
    type Error = UidError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Uid::new(value)
    }
}

impl Serialize for Uid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Uid::new(value).map_err(|e| serde::de::Error::custom(format_args!("uid {e}")))
    }
}

#[cfg(test)]
mod tests;
