//! Small `aws:*` claim values: single-use id, viewer id, maximum resolution.

use std::fmt;

use crate::error::Violation;
use crate::names;

/// `aws:single-use-uuid`: a UUID in its `8-4-4-4-12` hex form (either case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SingleUseId(String);

impl SingleUseId {
    /// Checks the UUID form.
    pub fn parse(text: impl Into<String>) -> Result<SingleUseId, Violation> {
        let text = text.into();
        let groups: Vec<&str> = text.split('-').collect();
        let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
        if lengths_ok
            && groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Ok(SingleUseId(text))
        } else {
            Err(Violation::InvalidUuid)
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SingleUseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `aws:viewer-id`: 1 to 40 characters identifying a viewer, for disconnection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewerId(String);

impl ViewerId {
    /// The longest accepted viewer id, in characters.
    pub const MAX_LEN: usize = 40;

    /// Checks the length (an empty id identifies nobody and is refused too).
    pub fn parse(text: impl Into<String>) -> Result<ViewerId, Violation> {
        let text = text.into();
        let len = text.chars().count();
        if (1..=Self::MAX_LEN).contains(&len) {
            Ok(ViewerId(text))
        } else {
            Err(Violation::InvalidViewerIdLength {
                len,
                max: Self::MAX_LEN,
            })
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ViewerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `aws:maximum-resolution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaximumResolution {
    /// `SD`.
    Sd,
    /// `HD`.
    Hd,
    /// `FULL_HD`.
    FullHd,
}

impl MaximumResolution {
    /// The accepted wire values.
    pub const WIRE_VALUES: &'static [&'static str] = &["SD", "HD", "FULL_HD"];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sd => "SD",
            Self::Hd => "HD",
            Self::FullHd => "FULL_HD",
        }
    }

    /// Parses a wire value (exact, case-sensitive).
    pub fn from_wire(value: &str) -> Result<Self, Violation> {
        match value {
            "SD" => Ok(Self::Sd),
            "HD" => Ok(Self::Hd),
            "FULL_HD" => Ok(Self::FullHd),
            other => Err(Violation::UnknownValue {
                claim: names::MAXIMUM_RESOLUTION,
                value: other.to_owned(),
                allowed: Self::WIRE_VALUES,
            }),
        }
    }
}

impl fmt::Display for MaximumResolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
