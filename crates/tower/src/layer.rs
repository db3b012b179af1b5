//! The layer and its builder: everything the service reads, chosen at construction.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use http::HeaderName;
use http::request::Parts;
use playback_auth_policy::{Authorizer, Stores, VerifyPool};
use playback_auth_verify::Clock;
use tokio::sync::Semaphore;
use tower_layer::Layer;

use crate::proxy::TrustedProxies;
use crate::route::ContentRoute;
use crate::service::PlaybackAuth;
use crate::tags::ContentTags;

/// The query parameters a token is read from unless configured otherwise.
pub const DEFAULT_TOKEN_QUERY_PARAMS: [&str; 2] = ["token", "bcov_auth"];
/// The header the device id is read from unless configured otherwise.
pub const DEFAULT_DEVICE_ID_HEADER: &str = "x-device-id";
/// The header the player's session id is read from unless configured otherwise.
pub const DEFAULT_SESSION_ID_HEADER: &str = "x-session-id";
/// How many requests the layer authorizes at once unless configured otherwise; more are
/// answered `503 overloaded` at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// The `Retry-After` of a `503 overloaded` answer unless configured otherwise.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The JSON body of a refusal ([`PlaybackAuthLayerBuilder::denial_body`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DenialBody {
    /// `{"error": "<our code>", "message": "<one line>"}` with our status (the default): the
    /// code is [`DenyReason::code`] or one of the layer's own codes.
    ///
    /// [`DenyReason::code`]: playback_auth_policy::DenyReason::code
    #[default]
    ErrorMessage,
    /// `{"status": <status>, "error_code": "ACCESS_DENIED", "error_subcode": "<subcode>",
    /// "message": "<one line>"}` with the vendor's status ([`VendorDenial`]), for players
    /// written against the vendor's playback restrictions service. The field names are our
    /// rendering of the vendor's status / error code / subcode triple.
    ///
    /// [`VendorDenial`]: playback_auth_policy::VendorDenial
    Vendor,
}

type PeerIp = dyn Fn(&Parts) -> Option<IpAddr> + Send + Sync;
type ContentChannel = dyn Fn(&str, &str) -> Option<String> + Send + Sync;

/// What the service reads, shared by every clone of it.
pub(crate) struct Settings {
    pub(crate) route: ContentRoute,
    pub(crate) token_query_params: Vec<String>,
    pub(crate) device_id_header: HeaderName,
    pub(crate) session_id_header: HeaderName,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) trusted_proxies: Option<TrustedProxies>,
    pub(crate) peer_ip: Option<Arc<PeerIp>>,
    pub(crate) content_tags: Option<Arc<dyn ContentTags>>,
    pub(crate) content_channel: Option<Arc<ContentChannel>>,
    pub(crate) verify_pool: VerifyPool,
    /// One permit per request being authorized; shared by every clone of the service.
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) max_in_flight: usize,
    pub(crate) retry_after: Duration,
    pub(crate) denial_body: DenialBody,
    /// Set by the first request that found no peer address (logged once, see `context.rs`).
    pub(crate) peer_ip_missing_logged: AtomicBool,
}

impl Settings {
    /// The address of the connection's other end: the configured function, else axum's
    /// `ConnectInfo<SocketAddr>`.
    pub(crate) fn peer_ip(&self, parts: &Parts) -> Option<IpAddr> {
        if let Some(peer_ip) = &self.peer_ip {
            return peer_ip(parts);
        }
        #[cfg(feature = "axum")]
        {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip())
        }
        #[cfg(not(feature = "axum"))]
        {
            None
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("route", &self.route)
            .field("token_query_params", &self.token_query_params)
            .field("device_id_header", &self.device_id_header)
            .field("session_id_header", &self.session_id_header)
            .field("clock", &self.clock)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("peer_ip", &self.peer_ip.as_ref().map(|_| "custom"))
            .field(
                "content_tags",
                &self.content_tags.as_ref().map(|_| "custom"),
            )
            .field(
                "content_channel",
                &self.content_channel.as_ref().map(|_| "custom"),
            )
            .field("verify_pool", &self.verify_pool)
            .field("max_in_flight", &self.max_in_flight)
            .field("retry_after", &self.retry_after)
            .field("denial_body", &self.denial_body)
            .finish()
    }
}

/// A [`Layer`] that authorizes every request with an [`Authorizer`] before the inner service
/// sees it. See the [crate documentation](crate) for what it reads and answers.
pub struct PlaybackAuthLayer<B> {
    authorizer: Arc<Authorizer<B>>,
    settings: Arc<Settings>,
}

impl<B: Stores> PlaybackAuthLayer<B> {
    /// A layer with the default settings: token from `Authorization: Bearer`, `?token=` or
    /// `?bcov_auth=`; ids from `route`; device and session ids from `x-device-id` and
    /// `x-session-id`; "now" from the authorizer's clock; the peer address as the client's;
    /// `X-Forwarded-For` ignored; no content tags; signatures checked on a [`VerifyPool`]
    /// with one place per CPU; at most [`DEFAULT_MAX_IN_FLIGHT`] requests authorized at once,
    /// more answered `503 overloaded` with `Retry-After: 1`.
    pub fn new(authorizer: Arc<Authorizer<B>>, route: ContentRoute) -> Self {
        Self::builder(authorizer, route).build()
    }

    /// A builder starting from the defaults of [`PlaybackAuthLayer::new`].
    pub fn builder(
        authorizer: Arc<Authorizer<B>>,
        route: ContentRoute,
    ) -> PlaybackAuthLayerBuilder<B> {
        let clock = Arc::clone(authorizer.clock());
        PlaybackAuthLayerBuilder {
            authorizer,
            settings: Settings {
                route,
                token_query_params: DEFAULT_TOKEN_QUERY_PARAMS.map(String::from).to_vec(),
                device_id_header: HeaderName::from_static(DEFAULT_DEVICE_ID_HEADER),
                session_id_header: HeaderName::from_static(DEFAULT_SESSION_ID_HEADER),
                clock,
                trusted_proxies: None,
                peer_ip: None,
                content_tags: None,
                content_channel: None,
                verify_pool: VerifyPool::default(),
                in_flight: Arc::new(Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
                max_in_flight: DEFAULT_MAX_IN_FLIGHT,
                retry_after: DEFAULT_RETRY_AFTER,
                denial_body: DenialBody::default(),
                peer_ip_missing_logged: AtomicBool::new(false),
            },
        }
    }

    /// The authorizer requests are decided by.
    pub fn authorizer(&self) -> &Arc<Authorizer<B>> {
        &self.authorizer
    }
}

impl<B> Clone for PlaybackAuthLayer<B> {
    fn clone(&self) -> Self {
        Self {
            authorizer: Arc::clone(&self.authorizer),
            settings: Arc::clone(&self.settings),
        }
    }
}

impl<B> fmt::Debug for PlaybackAuthLayer<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaybackAuthLayer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<Svc, B> Layer<Svc> for PlaybackAuthLayer<B> {
    type Service = PlaybackAuth<Svc, B>;

    fn layer(&self, inner: Svc) -> Self::Service {
        PlaybackAuth::new(
            inner,
            Arc::clone(&self.authorizer),
            Arc::clone(&self.settings),
        )
    }
}

/// Configures a [`PlaybackAuthLayer`]; every setting has a default.
pub struct PlaybackAuthLayerBuilder<B> {
    authorizer: Arc<Authorizer<B>>,
    settings: Settings,
}

impl<B> PlaybackAuthLayerBuilder<B> {
    /// The query parameters a token may come in (default `token` and `bcov_auth`); an empty
    /// list reads the `Authorization` header only. Values are percent-decoded.
    #[must_use]
    pub fn token_query_params<I, N>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        self.settings.token_query_params = names.into_iter().map(Into::into).collect();
        self
    }

    /// The header carrying the client's device id (default `x-device-id`).
    #[must_use]
    pub fn device_id_header(mut self, name: HeaderName) -> Self {
        self.settings.device_id_header = name;
        self
    }

    /// The header carrying the player's session id (default `x-session-id`).
    #[must_use]
    pub fn session_id_header(mut self, name: HeaderName) -> Self {
        self.settings.session_id_header = name;
        self
    }

    /// Believe `X-Forwarded-For` from these proxies (default: never). See
    /// [`TrustedProxies`] for the rule.
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.settings.trusted_proxies = Some(proxies).filter(|p| !p.is_empty());
        self
    }

    /// Where the peer's address comes from, instead of axum's `ConnectInfo<SocketAddr>`
    /// (for a server that records it in another extension, or a platform header that its
    /// edge always overwrites). `None` answers `500 client_ip_unavailable`: the layer never
    /// guesses an address. Trusted proxies still apply on top of the address returned.
    #[must_use]
    pub fn peer_ip<F>(mut self, peer_ip: F) -> Self
    where
        F: Fn(&Parts) -> Option<IpAddr> + Send + Sync + 'static,
    {
        self.settings.peer_ip = Some(Arc::new(peer_ip));
        self
    }

    /// Resolves the requested content's tags (default: none), for tokens with `tags`.
    #[must_use]
    pub fn content_tags(mut self, resolver: impl ContentTags) -> Self {
        self.settings.content_tags = Some(Arc::new(resolver));
        self
    }

    /// Maps a requested content id (with its account) to the private-channel ARN the server's
    /// catalogue says it is, if any (default: none). A private-channel token plays only its own
    /// channel: the requested content must be the channel's ARN or channel id, or content this
    /// function maps to that ARN. The mapping comes from the server, never from the request.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # fn build(
    /// #     builder: playback_auth_tower::PlaybackAuthLayerBuilder<playback_auth_policy::MemoryStores>,
    /// # ) {
    /// let builder = builder.content_channel(|_account: &str, content: &str| {
    ///     (content == "live-finals").then(|| {
    ///         "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456".to_owned()
    ///     })
    /// });
    /// # let _ = builder.build();
    /// # }
    /// ```
    #[must_use]
    pub fn content_channel<F>(mut self, channel_of: F) -> Self
    where
        F: Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
    {
        self.settings.content_channel = Some(Arc::new(channel_of));
        self
    }

    /// The pool signatures are checked on (default [`VerifyPool::default`]: one place per
    /// CPU). Share one pool between layers so that together they never take more than its
    /// places.
    #[must_use]
    pub fn verify_pool(mut self, pool: VerifyPool) -> Self {
        self.settings.verify_pool = pool;
        self
    }

    /// How many requests are authorized at once (default [`DEFAULT_MAX_IN_FLIGHT`], at
    /// least 1); a request beyond it is answered `503 overloaded` with `Retry-After` at
    /// once, before any work, instead of queueing behind the others until their latency
    /// (and the store timeouts) run out. Size it to what the pool verifies within your
    /// latency budget: ES384 costs about 1 ms of CPU per request with RustCrypto. Each
    /// request shed is counted in `playback_auth_load_shed_total`
    /// ([`LOAD_SHED_TOTAL`](playback_auth_policy::metrics::LOAD_SHED_TOTAL)).
    #[must_use]
    pub fn max_in_flight(mut self, max: usize) -> Self {
        let max = max.max(1);
        self.settings.max_in_flight = max;
        self.settings.in_flight = Arc::new(Semaphore::new(max));
        self
    }

    /// The `Retry-After` sent with `503 overloaded` (default [`DEFAULT_RETRY_AFTER`]),
    /// rounded up to whole seconds, at least one.
    #[must_use]
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.settings.retry_after = retry_after;
        self
    }

    /// The body shape (and status) of refusals (default [`DenialBody::ErrorMessage`]:
    /// `{"error", "message"}` with our status). [`DenialBody::Vendor`] answers with the
    /// vendor's status, error code and subcode instead, so players written against the
    /// vendor's service work unchanged; see the crate README's tables.
    #[must_use]
    pub fn denial_body(mut self, shape: DenialBody) -> Self {
        self.settings.denial_body = shape;
        self
    }

    /// The layer.
    pub fn build(self) -> PlaybackAuthLayer<B> {
        PlaybackAuthLayer {
            authorizer: self.authorizer,
            settings: Arc::new(self.settings),
        }
    }
}

impl<B> fmt::Debug for PlaybackAuthLayerBuilder<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaybackAuthLayerBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
