//! Allowed and blocked sites, matched on the request's `Origin`, else `Referer`, host.

use std::collections::HashMap;
use std::fmt;

use playback_auth_claims::RuleAction;
use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// A domain rule entry: a host (`example.com`, matching that host only) or a wildcard
/// (`*.example.com`, matching every host below `example.com` but not `example.com` itself).
/// Stored in lower case; matching ignores case and a trailing dot of the request's host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainPattern {
    /// The host, or the suffix after `*.` for a wildcard, in lower case.
    host: String,
    wildcard: bool,
}

impl DomainPattern {
    /// Parses an entry: a host name, optionally starting with `*.`; upper case is accepted
    /// and stored in lower case.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if text.is_empty() {
            return Err(DomainError::Empty);
        }
        if text.len() > 253 {
            return Err(DomainError::TooLong { len: text.len() });
        }
        if text.contains(['/', ':', '@', '?', '#']) {
            return Err(DomainError::NotAHost);
        }
        let (wildcard, host) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if host.contains('*') {
            return Err(DomainError::MisplacedWildcard);
        }
        let host = host.to_ascii_lowercase();
        for label in host.split('.') {
            let valid = !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return Err(DomainError::InvalidLabel {
                    label: label.to_owned(),
                });
            }
        }
        Ok(Self { host, wildcard })
    }

    /// Whether this is a `*.` wildcard.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }
}

impl fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)
    }
}

/// What a request without a usable `Origin` or `Referer` host gets when the rights have
/// domain rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingOrigin {
    /// It plays (native apps and many media requests send neither header).
    Allow,
    /// It is refused (`DOMAIN`): a site allow-list that anyone can pass by omitting the
    /// headers restricts nothing.
    Deny,
}

/// The domain section of a rights object.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainRules {
    pub(crate) allowed: Vec<DomainPattern>,
    pub(crate) blocked: Vec<DomainPattern>,
    /// As written; `None` means the default (deny when `allowed` is non-empty, else allow).
    pub(crate) missing_origin: Option<MissingOrigin>,
    exact: HashMap<String, (RuleAction, DomainPattern)>,
    wildcard: HashMap<String, (RuleAction, DomainPattern)>,
}

impl DomainRules {
    /// Indexes the lists; `Err` names an entry both allowed and blocked.
    pub(crate) fn new(
        allowed: Vec<DomainPattern>,
        blocked: Vec<DomainPattern>,
        missing_origin: Option<MissingOrigin>,
    ) -> Result<Self, DomainPattern> {
        let mut rules = Self {
            allowed,
            blocked,
            missing_origin,
            ..Self::default()
        };
        for (action, pattern) in super::tagged(&rules.allowed, &rules.blocked) {
            let map = if pattern.wildcard {
                &mut rules.wildcard
            } else {
                &mut rules.exact
            };
            if let Some((previous, _)) = map.insert(pattern.host.clone(), (action, pattern.clone()))
                && previous != action
            {
                return Err(pattern);
            }
        }
        Ok(rules)
    }

    /// The decision for a request without a usable host.
    pub(crate) fn missing_origin_decision(&self) -> MissingOrigin {
        self.missing_origin.unwrap_or(if self.allowed.is_empty() {
            MissingOrigin::Allow
        } else {
            MissingOrigin::Deny
        })
    }

    /// The most specific entry matching `host` (already lower case, no trailing dot): the
    /// exact host, else the wildcard with the longest suffix.
    pub(crate) fn most_specific(&self, host: &str) -> Option<&(RuleAction, DomainPattern)> {
        if let Some(found) = self.exact.get(host) {
            return Some(found);
        }
        let mut rest = host;
        while let Some((_, suffix)) = rest.split_once('.') {
            if let Some(found) = self.wildcard.get(suffix) {
                return Some(found);
            }
            rest = suffix;
        }
        None
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.allowed.is_empty() && self.blocked.is_empty() && self.missing_origin.is_none()
    }
}

/// The host of an `Origin` (`https://a.example.com:8443`) or `Referer`
/// (`https://a.example.com/page?q`) value, in lower case without a trailing dot; `None` for
/// `null`, an opaque origin, or anything without a `scheme://host`.
pub(crate) fn url_host(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        // An IPv6 literal: never matches a domain entry, but it is a host.
        bracketed.split_once(']').map(|(h, _)| h)?
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_origins_and_referers() {
        for (value, host) in [
            ("https://Player.Example.com", Some("player.example.com")),
            (
                "https://player.example.com:8443",
                Some("player.example.com"),
            ),
            (
                "https://player.example.com./watch?v=1#t",
                Some("player.example.com"),
            ),
            (
                "https://user:pw@player.example.com/x",
                Some("player.example.com"),
            ),
            ("http://[2001:db8::1]:8080/", Some("2001:db8::1")),
            ("null", None),
            ("player.example.com", None),
            ("://player.example.com", None),
            ("https://", None),
            ("https:///path", None),
            ("ht tp://x.example", None),
        ] {
            assert_eq!(url_host(value).as_deref(), host, "{value}");
        }
    }

    #[test]
    fn patterns_are_checked_and_kept_in_lower_case() {
        assert_eq!(
            DomainPattern::parse("*.Example.COM").map(|p| p.to_string()),
            Ok("*.example.com".into())
        );
        for (text, error) in [
            ("", DomainError::Empty),
            ("https://example.com", DomainError::NotAHost),
            ("example.com:443", DomainError::NotAHost),
            ("example.com/path", DomainError::NotAHost),
            ("*", DomainError::MisplacedWildcard),
            ("a.*.example.com", DomainError::MisplacedWildcard),
            ("*example.com", DomainError::MisplacedWildcard),
            (
                "example..com",
                DomainError::InvalidLabel {
                    label: String::new(),
                },
            ),
            (
                "example.com.",
                DomainError::InvalidLabel {
                    label: String::new(),
                },
            ),
            (
                "-bad.example.com",
                DomainError::InvalidLabel {
                    label: "-bad".into(),
                },
            ),
            (
                "bad_.example.com",
                DomainError::InvalidLabel {
                    label: "bad_".into(),
                },
            ),
        ] {
            assert_eq!(DomainPattern::parse(text), Err(error), "{text:?}");
        }
        assert_eq!(
            DomainPattern::parse(&"a".repeat(254)),
            Err(DomainError::TooLong { len: 254 })
        );
    }

    #[test]
    fn the_exact_host_beats_a_wildcard_and_a_longer_suffix_beats_a_shorter() {
        let p = |t: &str| DomainPattern::parse(t).unwrap();
        let rules = DomainRules::new(
            vec![p("*.example.com"), p("good.ads.example.com")],
            vec![p("*.ads.example.com"), p("example.com")],
            None,
        )
        .unwrap();
        for (host, expected) in [
            (
                "www.example.com",
                Some((RuleAction::Allow, "*.example.com")),
            ),
            (
                "a.b.example.com",
                Some((RuleAction::Allow, "*.example.com")),
            ),
            ("example.com", Some((RuleAction::Block, "example.com"))),
            (
                "x.ads.example.com",
                Some((RuleAction::Block, "*.ads.example.com")),
            ),
            (
                "good.ads.example.com",
                Some((RuleAction::Allow, "good.ads.example.com")),
            ),
            ("example.org", None),
            ("notexample.com", None),
        ] {
            let found = rules.most_specific(host).map(|(a, p)| (*a, p.to_string()));
            assert_eq!(found, expected.map(|(a, p)| (a, p.to_owned())), "{host}");
        }
        assert_eq!(rules.missing_origin_decision(), MissingOrigin::Deny);
        assert!(DomainRules::new(vec![p("a.example")], vec![p("A.example")], None).is_err());
    }
}
