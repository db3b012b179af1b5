//! `aws:access-control-allow-origin`: `*` or a comma-separated list of origins.

use std::fmt;

use crate::error::Violation;

/// Which page origins may use a private-channel token. Keeps the original text.
///
/// ```
/// use playback_auth_claims::AllowedOrigins;
///
/// let origins = AllowedOrigins::parse("https://a.example, https://b.example:8443").unwrap();
/// assert!(origins.allows("https://B.example:8443"));
/// assert!(!origins.allows("https://evil.example"));
/// assert!(AllowedOrigins::parse("*").unwrap().allows("https://anything.example"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AllowedOrigins {
    text: String,
}

impl AllowedOrigins {
    /// Parses `*` or a comma-separated list of `scheme://host[:port]` origins; returns the
    /// first entry that is not an origin on failure.
    pub fn parse(text: impl Into<String>) -> Result<AllowedOrigins, String> {
        let text = text.into();
        if text != "*"
            && let Some(bad) = text.split(',').map(str::trim).find(|o| !Self::is_origin(o))
        {
            return Err(bad.to_owned());
        }
        Ok(AllowedOrigins { text })
    }

    pub(crate) fn from_claim(text: String) -> Result<AllowedOrigins, Violation> {
        Self::parse(text).map_err(|origin| Violation::InvalidOrigin { origin })
    }

    /// `scheme://host[:port]` with an alphabetic scheme, a non-empty host of
    /// `A–Z a–z 0–9 . -` (or a bracketed IPv6 literal), an optional numeric port, and no path.
    fn is_origin(origin: &str) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
            _ => (authority, None),
        };
        let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'))
        {
            !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
        } else {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        };
        let port_ok = port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
        scheme_ok && host_ok && port_ok
    }

    /// Whether every origin is allowed (`*`).
    pub fn is_any(&self) -> bool {
        self.text == "*"
    }

    /// The listed origins (empty for `*`).
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.text
            .split(',')
            .map(str::trim)
            .filter(|_| !self.is_any())
    }

    /// Whether a request's `Origin` is allowed. Scheme and host compare without regard to
    /// ASCII case, as origins do.
    pub fn allows(&self, origin: &str) -> bool {
        self.is_any()
            || self
                .origins()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }

    /// The claim's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for AllowedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AllowedOrigins({:?})", self.text)
    }
}
