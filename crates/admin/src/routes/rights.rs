//! `/v1/accounts/{account}/playback_rights`: create, list, read, replace and delete an
//! account's playback rights.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use playback_auth_policy::{PlaybackRights, RightsDocument, RightsStore, Stores, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{AccountPath, JsonBody, Params, check_account};
use crate::routes::no_content_or;

#[derive(Debug, Deserialize)]
pub(crate) struct RightsPath {
    account: String,
    id: String,
}

/// A rights object as the API answers it: its id, then its normalised JSON form.
#[derive(Debug, Serialize)]
pub(crate) struct RightsBody {
    id: String,
    #[serde(flatten)]
    document: RightsDocument,
}

impl From<&PlaybackRights> for RightsBody {
    fn from(rights: &PlaybackRights) -> Self {
        Self {
            id: rights.id().to_owned(),
            document: rights.to_document(),
        }
    }
}

/// 128 random bits as 32 lowercase hex digits: an id nobody else will choose.
fn random_id() -> Result<String, ApiError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(ApiError::store)?;
    let mut id = String::with_capacity(32);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(id, "{byte:02x}");
    }
    Ok(id)
}

/// Validates `body` (the rights JSON, without `id`) as the rights `id` of `account`.
fn validate(account: &str, id: &str, body: Map<String, Value>) -> Result<PlaybackRights, ApiError> {
    let json = serde_json::to_vec(&Value::Object(body))
        .map_err(|error| ApiError::MalformedJson(ApiError::detail(&error)))?;
    Ok(PlaybackRights::from_json(account, id, &json)?)
}

/// `POST …/playback_rights` body: the rights JSON and an optional `"id"` (generated when
/// absent) → 201 and the rights.
pub(crate) async fn create<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<AccountPath>,
    JsonBody(mut body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<RightsBody>), ApiError> {
    let account = check_account(&path.account)?;
    let id = match body.remove("id") {
        None => random_id()?,
        Some(Value::String(id)) => id,
        Some(_) => return Err(ApiError::MalformedJson("`id` must be a string".to_owned())),
    };
    let rights = validate(account, &id, body)?;
    // Through the authorizer: this node's rights cache sees the change at once.
    api.authorizer
        .put_rights(&rights, WriteMode::Create)
        .await?;
    Ok((StatusCode::CREATED, Json(RightsBody::from(&rights))))
}

/// `GET …/playback_rights` → 200 and the account's rights, by id.
pub(crate) async fn list<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<AccountPath>,
) -> Result<Json<Vec<RightsBody>>, ApiError> {
    let account = check_account(&path.account)?;
    let listed = api.authorizer.stores().rights().list(account).await?;
    Ok(Json(
        listed.iter().map(|r| RightsBody::from(&**r)).collect(),
    ))
}

/// `GET …/playback_rights/{id}` → 200 and the rights, or 404.
pub(crate) async fn get<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<RightsPath>,
) -> Result<Json<RightsBody>, ApiError> {
    let account = check_account(&path.account)?;
    api.authorizer
        .stores()
        .rights()
        .get(account, &path.id)
        .await?
        .map(|rights| Json(RightsBody::from(&*rights)))
        .ok_or(ApiError::RightsNotFound)
}

/// `PUT …/playback_rights/{id}` body: the rights JSON (an `"id"`, if any, must be the
/// path's) → 200 and the rights, replaced whole; 404 if there are none to replace.
pub(crate) async fn replace<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<RightsPath>,
    JsonBody(mut body): JsonBody<Map<String, Value>>,
) -> Result<Json<RightsBody>, ApiError> {
    let account = check_account(&path.account)?;
    match body.remove("id") {
        None => {}
        Some(Value::String(id)) if id == path.id => {}
        Some(_) => {
            return Err(ApiError::MalformedJson(
                "`id` in the body must be the path's id".to_owned(),
            ));
        }
    }
    let rights = validate(account, &path.id, body)?;
    // Through the authorizer: this node's rights cache sees the change at once.
    api.authorizer
        .put_rights(&rights, WriteMode::Replace)
        .await?;
    Ok(Json(RightsBody::from(&rights)))
}

/// `DELETE …/playback_rights/{id}` → 204, or 404.
pub(crate) async fn delete<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<RightsPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let deleted = api.authorizer.delete_rights(account, &path.id).await?;
    no_content_or(deleted, ApiError::RightsNotFound)
}
