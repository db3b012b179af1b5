//! The stream's three kinds of request on HTTP: which route and method is a start, a
//! heartbeat or a stop.

use http::Method;
use http::request::Parts;
use playback_auth_policy::RequestKind;

use super::{PlaybackAuthLayerBuilder, Settings};
use crate::route::{ContentRoute, RouteMatch};

impl<B> PlaybackAuthLayerBuilder<B> {
    /// The route of a stream's heartbeat (default: none), e.g.
    /// `/v1/play/{account}/{content}/heartbeat`: a `POST` matching it is decided as a
    /// [`RequestKind::Heartbeat`] — the token is verified again (key still registered, time
    /// rules), every check that can change mid-stream runs again, and the session's lease is
    /// renewed; no `maxu` use is counted and no IP or device recorded. Other methods on it
    /// are what the start route makes of them.
    ///
    /// ```
    /// # fn build(
    /// #     builder: playback_auth_tower::PlaybackAuthLayerBuilder<playback_auth_policy::MemoryStores>,
    /// # ) -> Result<(), playback_auth_tower::RouteError> {
    /// use playback_auth_tower::ContentRoute;
    ///
    /// let layer = builder
    ///     .heartbeat_route(ContentRoute::new("/v1/play/{account}/{content}/heartbeat")?)
    ///     .stop_route(ContentRoute::new("/v1/play/{account}/{content}/stop")?)
    ///     .build();
    /// # let _ = layer;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn heartbeat_route(mut self, route: ContentRoute) -> Self {
        self.settings.heartbeat_route = Some(route);
        self
    }

    /// The route of a stream's stop (default: none), e.g. `/v1/play/{account}/{content}/stop`:
    /// a `POST` or `DELETE` matching it is decided as a [`RequestKind::Stop`], which ends the
    /// token's own session at once (idempotent). A `DELETE` on the start route is a stop too.
    #[must_use]
    pub fn stop_route(mut self, route: ContentRoute) -> Self {
        self.settings.stop_route = Some(route);
        self
    }
}

/// What `parts` asks for and the ids its path carries, or `None` when no route matches. The
/// heartbeat and stop routes are tried first: a start route with a catch-all would also
/// match their paths.
pub(crate) fn request_kind(
    settings: &Settings,
    parts: &Parts,
) -> Option<(RequestKind, RouteMatch)> {
    let path = parts.uri.path();
    let method = &parts.method;
    if *method == Method::POST
        && let Some(ids) = settings
            .heartbeat_route
            .as_ref()
            .and_then(|r| r.matches(path))
    {
        return Some((RequestKind::Heartbeat, ids));
    }
    if (*method == Method::POST || *method == Method::DELETE)
        && let Some(ids) = settings.stop_route.as_ref().and_then(|r| r.matches(path))
    {
        return Some((RequestKind::Stop, ids));
    }
    let ids = settings.route.matches(path)?;
    let kind = if *method == Method::DELETE {
        RequestKind::Stop
    } else {
        RequestKind::Start
    };
    Some((kind, ids))
}
