//! `/v1/accounts/{account}/revocations/…`: the revocations beside the token blacklist — by
//! token id (`jti`), every token of a user issued before a time, and a private-channel
//! viewer's sessions at or below a version ("revoke viewer session").
//!
//! The library keeps no list of these (only the token blacklist is listed), so each kind is
//! revoked (`PUT`, idempotent) and removed (`DELETE`, `404 revocation_not_found` when
//! there was nothing to remove).

use std::sync::Arc;

use axum::extract::State;
use http::StatusCode;
use playback_auth_claims::{DEFAULT_LEEWAY, MAX_LIFETIME, NumericDate, Uid, ViewerId};
use playback_auth_policy::{RevocationKind, RevocationStore};
use serde::Deserialize;

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, check_account, check_path_id};
use crate::routes::no_content_or;
use playback_auth_policy::Stores;

#[derive(Debug, Deserialize)]
pub(crate) struct JtiPath {
    account: String,
    jti: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserPath {
    account: String,
    uid: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ViewerPath {
    account: String,
    viewer: String,
}

/// The body of `PUT …/revocations/jti/{jti}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct JtiRevocation {
    /// Until when (seconds since 1970): the latest `exp` of the tokens carrying the id.
    /// Default: as long as any token valid now can live.
    #[serde(default)]
    expires_at: Option<i64>,
}

/// The body of `PUT …/revocations/users/{uid}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct UserRevocation {
    /// Tokens of the user issued (`iat`) strictly before this time are refused. Default: now.
    #[serde(default)]
    issued_before: Option<i64>,
}

/// The body of `PUT …/revocations/viewers/{viewer}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ViewerRevocation {
    /// Sessions whose `aws:viewer-session-version` is at or below this are refused.
    viewer_session_versions_less_than_or_equal_to: i64,
    /// Until when (seconds since 1970). Default: as long as any token valid now can live.
    #[serde(default)]
    expires_at: Option<i64>,
}

/// `PUT …/revocations/jti/{jti}` → 204: every token of the account carrying this `jti` is
/// refused until `expiresAt`.
pub(crate) async fn revoke_jti<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<JtiPath>,
    JsonBody(body): JsonBody<JtiRevocation>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let jti = check_jti(&path.jti)?;
    let now = api.now();
    let expires_at = expiry(body.expires_at, now)?;
    api.authorizer
        .revoke_jti(account, jti, expires_at, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/revocations/jti/{jti}` → 204 when removed, 404 when there was none.
pub(crate) async fn remove_jti<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<JtiPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let jti = check_jti(&path.jti)?;
    let revocations = api.authorizer.stores().revocations();
    let removed = revocations.unrevoke_jti(account, jti, api.now()).await?;
    no_content_or(removed, ApiError::RevocationNotFound(RevocationKind::Jti))
}

/// `PUT …/revocations/users/{uid}` → 204: every token of the user issued before
/// `issuedBefore` (default now) is refused. A later cutoff replaces an earlier one.
pub(crate) async fn revoke_user<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<UserPath>,
    JsonBody(body): JsonBody<UserRevocation>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let uid = Uid::new(path.uid).map_err(ApiError::InvalidUid)?;
    let now = api.now();
    let cutoff = match body.issued_before {
        None => now,
        Some(secs) => NumericDate::from_secs(secs).ok_or(ApiError::InvalidRevocation(
            "issuedBefore is not a valid time",
        ))?,
    };
    api.authorizer
        .revoke_uid_before(account, &uid, cutoff, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/revocations/users/{uid}` → 204 when removed, 404 when there was none.
pub(crate) async fn remove_user<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<UserPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let uid = Uid::new(path.uid).map_err(ApiError::InvalidUid)?;
    let revocations = api.authorizer.stores().revocations();
    let removed = revocations.unrevoke_uid(account, &uid, api.now()).await?;
    no_content_or(removed, ApiError::RevocationNotFound(RevocationKind::Uid))
}

/// `PUT …/revocations/viewers/{viewer}` → 204: the viewer's private-channel sessions at or
/// below the version are refused (the live-streaming service's "revoke viewer session").
/// Revoking again keeps the higher version and the later expiry.
pub(crate) async fn revoke_viewer<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ViewerPath>,
    JsonBody(body): JsonBody<ViewerRevocation>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let viewer = check_viewer(path.viewer)?;
    let now = api.now();
    let expires_at = expiry(body.expires_at, now)?;
    api.authorizer
        .disconnect_viewer(
            account,
            &viewer,
            body.viewer_session_versions_less_than_or_equal_to,
            expires_at,
            now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/revocations/viewers/{viewer}` → 204 when removed, 404 when there was none.
pub(crate) async fn remove_viewer<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ViewerPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let viewer = check_viewer(path.viewer)?;
    let revocations = api.authorizer.stores().revocations();
    let removed = revocations
        .reconnect_viewer(account, &viewer, api.now())
        .await?;
    no_content_or(
        removed,
        ApiError::RevocationNotFound(RevocationKind::Viewer),
    )
}

/// 1–256 bytes, no control characters (ids are keys in the store).
fn check_jti(jti: &str) -> Result<&str, ApiError> {
    check_path_id(jti, ApiError::InvalidJti)
}

fn check_viewer(viewer: String) -> Result<ViewerId, ApiError> {
    ViewerId::parse(viewer)
        .map_err(|violation| ApiError::InvalidViewerId(ApiError::detail(&violation)))
}

/// `expires_at`, which must be after `now` and no later than a token valid now can live
/// (`now` + the 30-day lifetime + the leeway, the default); an entry lasting longer would
/// only hold a place in the list.
fn expiry(expires_at: Option<i64>, now: NumericDate) -> Result<NumericDate, ApiError> {
    let longest = now
        .saturating_add(MAX_LIFETIME)
        .saturating_add(DEFAULT_LEEWAY);
    let Some(secs) = expires_at else {
        return Ok(longest);
    };
    let expires_at = NumericDate::from_secs(secs)
        .ok_or(ApiError::InvalidRevocation("expiresAt is not a valid time"))?;
    if expires_at <= now {
        Err(ApiError::InvalidRevocation(
            "expiresAt is not in the future",
        ))
    } else if expires_at > longest {
        Err(ApiError::InvalidRevocation(
            "expiresAt is later than any token valid now can live (30 days and the leeway)",
        ))
    } else {
        Ok(expires_at)
    }
}
