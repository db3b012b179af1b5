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
    /// The template lacks the capture of the account or content id: the router and the layer
    /// would not agree on where the id is.
    #[error(
        "route template {template:?} has no {{{name}}} capture for the {id} id (its captures: {}); \
         name the capture the {id} id is in with ContentRoute::builder(…).{id}_capture(\"…\")",
        list_captures(.captures)
    )]
    MissingCapture {
        /// The template.
        template: String,
        /// Which id the capture was for: `account` or `content`.
        id: &'static str,
        /// The capture name looked for (`account`, `content`, or the builder's name).
        name: String,
        /// The captures the template has, in order.
        captures: Vec<String>,
    },
    /// A capture name given to [`ContentRouteBuilder`](crate::ContentRouteBuilder) is not
    /// ASCII letters, digits and `_` (name it without braces: `"video"`).
    #[error("{name:?} is not a capture name (ASCII letters, digits and '_', without braces)")]
    InvalidCaptureName {
        /// The name given.
        name: String,
    },
    /// The account and the content capture were given the same name.
    #[error("the account and the content id cannot both be the capture {{{name}}}")]
    SameCapture {
        /// The name given to both.
        name: String,
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

/// A [`ContentRights`](crate::ContentRights) resolver could not answer (its catalogue is
/// down). The layer fails closed: the request is answered `503 content_rights_unavailable`.
#[derive(Debug, thiserror::Error)]
#[error("the content's playback-rights id is unavailable")]
pub struct RightsIdUnavailable {
    #[source]
    source: Box<dyn Error + Send + Sync>,
}

impl RightsIdUnavailable {
    /// Wraps the resolver's own error, kept as the source.
    pub fn new(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
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

/// Why [`check_peer_address`](crate::check_peer_address) refused to let a server start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeerAddressCheckError {
    /// The layer saw no peer address: every playback request would be answered
    /// `500 client_ip_unavailable`.
    #[error(
        "the playback layer sees no peer address: serve the router with \
         `into_make_service_with_connect_info::<SocketAddr>()` (not `into_make_service()` or \
         the bare router), or configure `PlaybackAuthLayerBuilder::peer_ip`"
    )]
    Missing,
    /// The probe request did not reach a playback layer: the layer is not on the route, or
    /// something in front of it answered.
    #[error("the probe request to {path:?} did not reach a playback layer")]
    NotAnswered {
        /// The path probed.
        path: String,
    },
    /// The make-service or the service it made failed.
    #[error("the service failed while probing the peer address")]
    Service {
        /// The service's error.
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
}

/// `{a}, {b}` for an error message, or `none`.
fn list_captures(captures: &[String]) -> String {
    if captures.is_empty() {
        return "none".to_owned();
    }
    captures
        .iter()
        .map(|name| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}
