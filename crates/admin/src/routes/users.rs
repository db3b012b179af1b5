//! `/v1/accounts/{account}/users/{uid}/…`: a user's stream sessions and devices.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use playback_auth_claims::Uid;
use serde::{Deserialize, Serialize};

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{Params, check_account};
use crate::routes::no_content_or;
use playback_auth_policy::Stores;

#[derive(Debug, Deserialize)]
pub(crate) struct UserPath {
    account: String,
    uid: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SessionPath {
    account: String,
    uid: String,
    session: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DevicePath {
    account: String,
    uid: String,
    device: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Sessions {
    sessions: Vec<Session>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    /// The session key (what `DELETE …/sessions/{session}` takes).
    session: String,
    /// The streaming location it was admitted from (a digest, not an address).
    location: String,
    admitted_at: i64,
    lease_until: i64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Devices {
    devices: Vec<Device>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Device {
    device: String,
    registered_at: i64,
}

/// `GET …/sessions` → 200 `{"sessions": [...]}`, the user's active sessions, oldest first.
pub(crate) async fn sessions<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<UserPath>,
) -> Result<Json<Sessions>, ApiError> {
    let (account, uid) = user(&path.account, &path.uid)?;
    let sessions = api
        .authorizer
        .engine()
        .sessions(account, &uid, api.now())
        .await?
        .into_iter()
        .map(|info| Session {
            session: info.session_key,
            location: info.location_key,
            admitted_at: info.admitted_at.as_secs(),
            lease_until: info.lease_until.as_secs(),
        })
        .collect();
    Ok(Json(Sessions { sessions }))
}

/// `DELETE …/sessions/{session}` → 204, or 404 when it is not active.
pub(crate) async fn end_session<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<SessionPath>,
) -> Result<StatusCode, ApiError> {
    let (account, uid) = user(&path.account, &path.uid)?;
    let engine = api.authorizer.engine();
    let ended = engine
        .end_session(account, &uid, &path.session, api.now())
        .await?;
    no_content_or(ended, ApiError::SessionNotFound)
}

/// `GET …/devices` → 200 `{"devices": [...]}`, earliest registration first.
pub(crate) async fn devices<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<UserPath>,
) -> Result<Json<Devices>, ApiError> {
    let (account, uid) = user(&path.account, &path.uid)?;
    let devices = api
        .authorizer
        .engine()
        .devices(account, &uid)
        .await?
        .into_iter()
        .map(|info| Device {
            device: info.device_id,
            registered_at: info.registered_at.as_secs(),
        })
        .collect();
    Ok(Json(Devices { devices }))
}

/// `DELETE …/devices/{device}` → 204, or 404 when it is not registered.
pub(crate) async fn remove_device<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<DevicePath>,
) -> Result<StatusCode, ApiError> {
    let (account, uid) = user(&path.account, &path.uid)?;
    let engine = api.authorizer.engine();
    let removed = engine.remove_device(account, &uid, &path.device).await?;
    no_content_or(removed, ApiError::DeviceNotFound)
}

fn user<'p>(account: &'p str, uid: &str) -> Result<(&'p str, Uid), ApiError> {
    let account = check_account(account)?;
    let uid = Uid::new(uid).map_err(ApiError::InvalidUid)?;
    Ok((account, uid))
}
