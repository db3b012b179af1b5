//! Where the account and content ids come from: a path template matched segment by segment.

use std::fmt;

use crate::error::RouteError;
use crate::percent;

/// The route of a playback request: a path template with an `{account}` and a `{content}`
/// capture, matched segment by segment.
///
/// - A literal segment matches itself exactly (no decoding, case-sensitive).
/// - `{account}` and `{content}` match one non-empty segment each; the value is
///   percent-decoded and must be UTF-8 without control characters.
/// - Any other `{name}` matches one non-empty segment whose value is ignored.
/// - A last `{*name}` matches whatever follows (zero or more segments), e.g. the
///   `master.m3u8` or licence path under a content id.
///
/// Without a catch-all the whole path must match: a trailing `/` or an extra segment is a
/// mismatch. A request whose path does not match is never authorized: the layer answers it
/// `404` with the code `route_not_matched` and the inner service is not called.
///
/// ```
/// use playback_auth_tower::ContentRoute;
///
/// let route = ContentRoute::new("/v1/play/{account}/{content}/{*rest}").unwrap();
/// let found = route.matches("/v1/play/acct-1/video%2D7/master.m3u8").unwrap();
/// assert_eq!((found.account.as_str(), found.content_id.as_str()), ("acct-1", "video-7"));
/// assert!(route.matches("/v2/play/acct-1/video-7").is_none());
/// assert!(ContentRoute::new("/v1/play/{content}").is_err()); // no {account}
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ContentRoute {
    template: String,
    segments: Vec<Segment>,
    catch_all: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Account,
    Content,
    Ignored,
}

/// The ids a path carried, as [`ContentRoute::matches`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteMatch {
    /// The `{account}` segment, percent-decoded.
    pub account: String,
    /// The `{content}` segment, percent-decoded.
    pub content_id: String,
}

impl ContentRoute {
    /// Parses a template such as `/v1/play/{account}/{content}`.
    ///
    /// # Errors
    /// [`RouteError`] when the template is not absolute, has an empty or malformed segment,
    /// repeats a capture, misses `{account}` or `{content}`, or has a catch-all before its
    /// end.
    pub fn new(template: &str) -> Result<Self, RouteError> {
        let Some(rest) = template.strip_prefix('/') else {
            return Err(RouteError::NotAbsolute {
                template: template.to_owned(),
            });
        };
        let mut segments = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let mut catch_all = false;
        for raw in rest.split('/') {
            if catch_all {
                return Err(RouteError::CatchAllNotLast);
            }
            if raw.is_empty() {
                return Err(RouteError::EmptySegment);
            }
            let Some(inner) = raw.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                if raw.contains(['{', '}']) {
                    return Err(invalid(raw));
                }
                segments.push(Segment::Literal(raw.to_owned()));
                continue;
            };
            let (name, is_catch_all) = match inner.strip_prefix('*') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(invalid(raw));
            }
            if names.contains(&name) {
                return Err(RouteError::DuplicateCapture {
                    name: name.to_owned(),
                });
            }
            names.push(name);
            if is_catch_all {
                if matches!(name, "account" | "content") {
                    return Err(invalid(raw));
                }
                catch_all = true;
                continue;
            }
            segments.push(match name {
                "account" => Segment::Account,
                "content" => Segment::Content,
                _ => Segment::Ignored,
            });
        }
        for required in ["account", "content"] {
            if !names.contains(&required) {
                return Err(RouteError::MissingCapture { name: required });
            }
        }
        Ok(Self {
            template: template.to_owned(),
            segments,
            catch_all,
        })
    }

    /// The template this route was parsed from.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The account and content ids in `path`, or `None` when the path does not match.
    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        let mut parts = path.strip_prefix('/')?.split('/');
        let mut account = None;
        let mut content_id = None;
        for segment in &self.segments {
            let part = parts.next()?;
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Account => account = Some(capture(part)?),
                Segment::Content => content_id = Some(capture(part)?),
                Segment::Ignored if part.is_empty() => return None,
                Segment::Ignored => {}
            }
        }
        if !self.catch_all && parts.next().is_some() {
            return None;
        }
        Some(RouteMatch {
            account: account?,
            content_id: content_id?,
        })
    }
}

impl fmt::Debug for ContentRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentRoute({:?})", self.template)
    }
}

fn invalid(segment: &str) -> RouteError {
    RouteError::InvalidSegment {
        segment: segment.to_owned(),
    }
}

/// A captured id: non-empty, percent-decoded, UTF-8, no control characters (ids reach the
/// key registry, the audit trail and logs).
fn capture(part: &str) -> Option<String> {
    let value = percent::decode(part)?;
    (!value.is_empty() && !value.chars().any(char::is_control)).then_some(value)
}

#[cfg(test)]
mod tests;
