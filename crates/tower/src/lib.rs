#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod context;
mod error;
mod ids;
mod layer;
mod percent;
mod proxy;
mod rejection;
mod rights;
mod route;
mod service;
mod startup;
mod tags;
mod token;

pub use error::{
    PeerAddressCheckError, ProxyError, RightsIdUnavailable, RouteError, TagsUnavailable,
};
pub use ids::MAX_ID_LEN;
pub use layer::{
    DEFAULT_DEVICE_ID_HEADER, DEFAULT_MAX_IN_FLIGHT, DEFAULT_RETRY_AFTER,
    DEFAULT_SESSION_ID_HEADER, DEFAULT_TOKEN_QUERY_PARAMS, DenialBody, PlaybackAuthLayer,
    PlaybackAuthLayerBuilder,
};
pub use proxy::TrustedProxies;
pub use rights::{ContentRights, RightsIdFuture};
pub use route::{ContentRoute, ContentRouteBuilder, RouteMatch};
pub use service::{PlaybackAuth, ResponseFuture};
pub use startup::check_peer_address;
pub use tags::{ContentTags, TagsFuture};
