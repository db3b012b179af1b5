//! Where the account and content ids come from: a path template matched segment by segment.

use std::fmt;

use crate::error::RouteError;
use crate::percent;

/// The route of a playback request: a path template with an account capture and a content
/// capture (`{account}` and `{content}` unless [named otherwise](ContentRoute::builder)),
/// matched segment by segment.
///
/// - A literal segment matches itself exactly (no decoding, case-sensitive).
/// - The account and content captures match one non-empty segment each; the value is
///   percent-decoded and must be UTF-8 without control characters.
/// - Any other `{name}` matches one non-empty segment whose value is ignored.
/// - A last `{*name}` matches whatever follows (zero or more segments), e.g. the
///   `master.m3u8` or licence path under a content id.
///
/// Without a catch-all the whole path must match: a trailing `/` or an extra segment is a
/// mismatch. A request whose path does not match is never authorized: the layer answers it
/// `404` with the code `route_not_matched` and the inner service is not called.
///
/// The template syntax is axum's (0.8), so one definition serves both: hand
/// [`ContentRoute::path`] to `Router::route` and the route itself to the layer, and the two
/// cannot describe different paths. A template without the captures the layer needs fails
/// here, at construction, with an error naming the template and the capture it lacks.
///
/// ```
/// use playback_auth_tower::ContentRoute;
///
/// let route = ContentRoute::new("/v1/play/{account}/{content}/{*rest}").unwrap();
/// let found = route.matches("/v1/play/acct-1/video%2D7/master.m3u8").unwrap();
/// assert_eq!((found.account.as_str(), found.content_id.as_str()), ("acct-1", "video-7"));
/// assert!(route.matches("/v2/play/acct-1/video-7").is_none());
/// assert!(ContentRoute::new("/v1/play/{content}").is_err()); // no {account}
///
/// // Other capture names: say which capture is the content id.
/// let route = ContentRoute::builder("/watch/{account}/{video}")
///     .content_capture("video")
///     .build()
///     .unwrap();
/// assert_eq!(route.path(), "/watch/{account}/{video}"); // for axum's `.route(…)`
/// assert_eq!(route.matches("/watch/acct-1/video-7").unwrap().content_id, "video-7");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ContentRoute {
    template: String,
    account_capture: String,
    content_capture: String,
    segments: Vec<Segment>,
    catch_all: bool,
}

/// Builds a [`ContentRoute`] whose account or content capture has another name than
/// `{account}` / `{content}`; from [`ContentRoute::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ContentRouteBuilder {
    template: String,
    account_capture: String,
    content_capture: String,
}

impl ContentRouteBuilder {
    /// The name of the capture holding the account id (default `account`), without braces.
    pub fn account_capture(mut self, name: impl Into<String>) -> Self {
        self.account_capture = name.into();
        self
    }

    /// The name of the capture holding the content id (default `content`), without braces:
    /// `"video"` for `/watch/{account}/{video}`.
    pub fn content_capture(mut self, name: impl Into<String>) -> Self {
        self.content_capture = name.into();
        self
    }

    /// Parses the template with these capture names.
    ///
    /// # Errors
    /// [`RouteError`] when a capture name is not a valid name or both are the same, the
    /// template is not absolute, has an empty or malformed segment, repeats a capture, lacks
    /// the account or the content capture ([`RouteError::MissingCapture`], naming the template
    /// and the capture), or has a catch-all before its end.
    pub fn build(self) -> Result<ContentRoute, RouteError> {
        ContentRoute::parse(self)
    }
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
    /// The account capture's name unless the builder names another.
    pub const DEFAULT_ACCOUNT_CAPTURE: &'static str = "account";
    /// The content capture's name unless the builder names another.
    pub const DEFAULT_CONTENT_CAPTURE: &'static str = "content";

    /// Parses a template such as `/v1/play/{account}/{content}`, whose captures are named
    /// `account` and `content` ([`ContentRoute::builder`] names them otherwise).
    ///
    /// # Errors
    /// [`RouteError`] when the template is not absolute, has an empty or malformed segment,
    /// repeats a capture, misses `{account}` or `{content}`, or has a catch-all before its
    /// end.
    pub fn new(template: &str) -> Result<Self, RouteError> {
        Self::builder(template).build()
    }

    /// Starts a route whose captures may have other names than `{account}` and `{content}`.
    pub fn builder(template: impl Into<String>) -> ContentRouteBuilder {
        ContentRouteBuilder {
            template: template.into(),
            account_capture: Self::DEFAULT_ACCOUNT_CAPTURE.to_owned(),
            content_capture: Self::DEFAULT_CONTENT_CAPTURE.to_owned(),
        }
    }

    fn parse(spec: ContentRouteBuilder) -> Result<Self, RouteError> {
        let ContentRouteBuilder {
            template,
            account_capture,
            content_capture,
        } = spec;
        for name in [&account_capture, &content_capture] {
            if !is_capture_name(name) {
                return Err(RouteError::InvalidCaptureName { name: name.clone() });
            }
        }
        if account_capture == content_capture {
            return Err(RouteError::SameCapture {
                name: account_capture,
            });
        }
        let Some(rest) = template.strip_prefix('/') else {
            return Err(RouteError::NotAbsolute { template });
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
            if !is_capture_name(name) {
                return Err(invalid(raw));
            }
            if names.contains(&name) {
                return Err(RouteError::DuplicateCapture {
                    name: name.to_owned(),
                });
            }
            names.push(name);
            let segment = if name == account_capture {
                Segment::Account
            } else if name == content_capture {
                Segment::Content
            } else {
                Segment::Ignored
            };
            if is_catch_all {
                // An id is one segment: a catch-all cannot be one.
                if segment != Segment::Ignored {
                    return Err(invalid(raw));
                }
                catch_all = true;
                continue;
            }
            segments.push(segment);
        }
        for (id, required) in [("account", &account_capture), ("content", &content_capture)] {
            if !names.contains(&required.as_str()) {
                return Err(RouteError::MissingCapture {
                    template: template.clone(),
                    id,
                    name: required.clone(),
                    captures: names.iter().map(|&name| name.to_owned()).collect(),
                });
            }
        }
        Ok(Self {
            template,
            account_capture,
            content_capture,
            segments,
            catch_all,
        })
    }

    /// The template this route was parsed from.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The path to route in axum, the same string as [`ContentRoute::template`]: register the
    /// handler with `Router::new().route(route.path(), get(handler))` and give the layer
    /// `route` itself, so the router and the layer read one definition.
    ///
    /// (axum's catch-all `{*rest}` needs at least one segment after it, while the layer's
    /// also matches none; under one router the axum route decides which requests arrive.)
    pub fn path(&self) -> &str {
        &self.template
    }

    /// A path this route matches, every capture filled with `probe` (for
    /// [`check_peer_address`](crate::check_peer_address)).
    pub(crate) fn probe_path(&self) -> String {
        let mut path = String::new();
        for segment in &self.segments {
            path.push('/');
            path.push_str(match segment {
                Segment::Literal(literal) => literal,
                Segment::Account | Segment::Content | Segment::Ignored => "probe",
            });
        }
        if self.catch_all {
            // axum's catch-all needs a segment; the layer's takes any.
            path.push_str("/probe");
        }
        path
    }

    /// The name of the capture holding the account id.
    pub fn account_capture(&self) -> &str {
        &self.account_capture
    }

    /// The name of the capture holding the content id.
    pub fn content_capture(&self) -> &str {
        &self.content_capture
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

/// A capture name: ASCII letters, digits and `_`, at least one.
fn is_capture_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
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
