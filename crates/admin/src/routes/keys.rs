//! `/v1/accounts/{account}/keys`: register, list, read and delete public keys.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use playback_auth_policy::{KeyRecord, KeyRegistry};
use serde::Deserialize;

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{AccountPath, JsonBody, Params, check_account};
use crate::routes::no_content_or;
use playback_auth_policy::Stores;

#[derive(Debug, Deserialize)]
pub(crate) struct KeyPath {
    account: String,
    id: String,
}

/// The body of a registration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKey {
    /// `public_key.txt` content or a PEM public key.
    value: String,
    /// The key id; the key's RFC 7638 thumbprint when absent.
    #[serde(default)]
    id: Option<String>,
}

/// `POST …/keys` → 201 and the key record.
pub(crate) async fn create<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<AccountPath>,
    JsonBody(key): JsonBody<NewKey>,
) -> Result<(StatusCode, Json<KeyRecord>), ApiError> {
    let account = check_account(&path.account)?;
    let record = api
        .authorizer
        .register_key(account, &key.value, key.id.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// `GET …/keys` → 200 and the account's key records, oldest first.
pub(crate) async fn list<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<AccountPath>,
) -> Result<Json<Vec<KeyRecord>>, ApiError> {
    let account = check_account(&path.account)?;
    Ok(Json(
        api.authorizer.stores().registry().list(account).await?,
    ))
}

/// `GET …/keys/{id}` → 200 and the key record, or 404.
pub(crate) async fn get<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<KeyPath>,
) -> Result<Json<KeyRecord>, ApiError> {
    let account = check_account(&path.account)?;
    api.authorizer
        .stores()
        .registry()
        .get(account, &path.id)
        .await?
        .map(Json)
        .ok_or(ApiError::KeyNotFound)
}

/// `DELETE …/keys/{id}` → 204, or 404.
pub(crate) async fn delete<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<KeyPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let deleted = api
        .authorizer
        .stores()
        .registry()
        .delete(account, &path.id)
        .await?;
    no_content_or(deleted, ApiError::KeyNotFound)
}
