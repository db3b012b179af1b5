//! What can go wrong while configuring the layer, and the one fault a tags resolver reports.

use std::error::Error;

/// Why a [`ContentRoute`](crate::ContentRoute) template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The template does not start with `/`.
    #[error("route template {template:?} does not start with '/'")]
    NotAbsolute {
        /// The template.
        template: String,
    },
    /// The template has an empty segment (`//`, or a trailing `/`).
    #[error("route template has an empty segment")]
    EmptySegment,
    /// A segment is neither a literal nor a well-formed `{name}` or `{*name}` capture.
    #[error("route template segment {segment:?} is not a literal or a {{name}} capture")]
    InvalidSegment {
        /// The offending segment.
        segment: String,
    },
    /// The same capture name appears twice.
    #[error("route template captures {{{name}}} more than once")]
    DuplicateCapture {
        /// The repeated name.
        name: String,
    },
    /// `{account}` or `{content}` is missing.
    #[error("route template has no {{{name}}} capture")]
    MissingCapture {
        /// `account` or `content`.
        name: &'static str,
    },
    /// A `{*rest}` catch-all is not the last segment.
    #[error("route template's catch-all {{*…}} is not its last segment")]
    CatchAllNotLast,
}

/// Why a trusted-proxy list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// An entry is neither an IP address nor a CIDR network.
    #[error("{value:?} is not an IP address or CIDR network")]
    InvalidNetwork {
        /// The offending entry.
        value: String,
    },
}

/// A [`ContentTags`](crate::ContentTags) resolver could not answer (its catalogue is down).
/// The layer fails closed: the request is answered `503 content_tags_unavailable`.
#[derive(Debug, thiserror::Error)]
#[error("content tags are unavailable")]
pub struct TagsUnavailable {
    #[source]
    source: Box<dyn Error + Send + Sync>,
}

impl TagsUnavailable {
    /// Wraps the resolver's own error, kept as the source.
    pub fn new(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}
