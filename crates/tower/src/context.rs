//! The [`RequestContext`] of an HTTP request: route ids, headers, client address, time.

use std::sync::atomic::Ordering;

use http::header::{ORIGIN, REFERER, USER_AGENT};
use http::request::Parts;
use http::{HeaderMap, HeaderName};
use playback_auth_policy::RequestContext;

use crate::ids::{IdField, check_id};
use crate::layer::Settings;
use crate::rejection::Rejection;
use crate::route::RouteMatch;

/// Everything but the content tags, which need the (asynchronous) resolver.
pub(crate) fn request_context(
    settings: &Settings,
    parts: &Parts,
    ids: RouteMatch,
) -> Result<RequestContext, Rejection> {
    let headers = &parts.headers;
    let user_agent = single_header(headers, &USER_AGENT)?.unwrap_or_default();
    let device_id = single_header(headers, &settings.device_id_header)?;
    let session_id = single_header(headers, &settings.session_id_header)?;
    let origin = single_header(headers, &ORIGIN)?;
    // Playback rights read the `Referer` host when there is no `Origin`. A `Referer` that
    // cannot be read (repeated, not ASCII) is no `Referer`: the rights' stated decision for
    // a request without a site applies, rather than a refusal of the whole request.
    let referer = single_header(headers, &REFERER).ok().flatten();
    // Every id is checked before it reaches a store, a log or the audit trail.
    check_id(&ids.account, IdField::Account)?;
    check_id(&ids.content_id, IdField::Content)?;
    let device_id = device_id.filter(|v| !v.is_empty());
    let session_id = session_id.filter(|v| !v.is_empty());
    if let Some(device_id) = device_id {
        check_id(device_id, IdField::Device)?;
    }
    if let Some(session_id) = session_id {
        check_id(session_id, IdField::Session)?;
    }

    let peer = settings
        .peer_ip(parts)
        .ok_or_else(|| peer_ip_missing(settings))?;
    let client_ip = match &settings.trusted_proxies {
        Some(proxies) => proxies.client_ip(peer, headers)?,
        None => peer.to_canonical(),
    };

    let mut ctx = RequestContext::new(
        ids.account,
        ids.content_id,
        user_agent,
        client_ip,
        settings.clock.now(),
    );
    if let Some(device_id) = device_id {
        ctx = ctx.with_device_id(device_id);
    }
    if let Some(session_id) = session_id {
        ctx = ctx.with_session_id(session_id);
    }
    if let Some(origin) = origin.filter(|v| !v.is_empty()) {
        ctx = ctx.with_origin(origin);
    }
    if let Some(referer) = referer.filter(|v| !v.is_empty()) {
        ctx = ctx.with_referer(referer);
    }
    Ok(ctx)
}

/// The first request a layer finds without a peer address is a deployment mistake, not a
/// client's: say so once, loudly, with the fix (every later one is the same mistake).
fn peer_ip_missing(settings: &Settings) -> Rejection {
    if !settings
        .peer_ip_missing_logged
        .swap(true, Ordering::Relaxed)
    {
        tracing::error!(
            route = settings.route.template(),
            "playback requests have no peer address and are answered 500 \
             client_ip_unavailable: serve the router with \
             `into_make_service_with_connect_info::<SocketAddr>()`, or configure \
             `PlaybackAuthLayerBuilder::peer_ip` (check it at startup with \
             `playback_auth_tower::check_peer_address`)"
        );
    }
    Rejection::ClientIpUnavailable
}

/// The value of a header that may appear at most once, as visible ASCII, trimmed.
fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, Rejection> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Rejection::DuplicateHeader { name: name.clone() });
    }
    value
        .to_str()
        .map(|v| Some(v.trim()))
        .map_err(|_| Rejection::InvalidHeader { name: name.clone() })
}
