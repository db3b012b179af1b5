//! `pro`: the protection type to deliver when a video has several.

use std::fmt;

/// A protection type. Values other than the four well-known ones are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Protection {
    /// `aes128`: HLS AES-128 encryption.
    Aes128,
    /// `widevine`.
    Widevine,
    /// `playready`.
    PlayReady,
    /// `fairplay`.
    FairPlay,
    /// Any other value, kept exactly so it round-trips.
    Other(String),
}

impl Protection {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Aes128 => "aes128",
            Self::Widevine => "widevine",
            Self::PlayReady => "playready",
            Self::FairPlay => "fairplay",
            Self::Other(value) => value,
        }
    }

    /// Reads a wire value (the four known names are matched exactly).
    pub fn from_wire(value: String) -> Self {
        match value.as_str() {
            "aes128" => Self::Aes128,
            "widevine" => Self::Widevine,
            "playready" => Self::PlayReady,
            "fairplay" => Self::FairPlay,
            _ => Self::Other(value),
        }
    }
}

impl fmt::Display for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
