//! Extractors whose rejections are [`ApiError`]s (JSON), not axum's plain-text defaults.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The longest account id (or other id) accepted in a path, in bytes.
const MAX_ACCOUNT_LEN: usize = 256;

/// The path of a route with only `{account}`.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountPath {
    pub(crate) account: String,
}

/// Path parameters, deserialized by name into `T`; a failure is `400 invalid_path`.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| Self(params))
            .map_err(|rejection| ApiError::InvalidPath(path_problem(&rejection).to_owned()))
    }
}

/// What is wrong with the path, in the API's words: axum's own text names the parameter
/// that failed, which may be one of a router the API is mounted in (`rest`), and may quote
/// the segment (which can be a token).
fn path_problem(rejection: &PathRejection) -> &'static str {
    match rejection {
        PathRejection::FailedToDeserializePathParams(error) => match error.kind() {
            ErrorKind::InvalidUtf8InPathParam { .. } => {
                "a path segment is not valid UTF-8 once percent-decoded"
            }
            _ => "a path segment does not have the expected form",
        },
        _ => "the path's segments could not be read",
    }
}

/// A JSON request body deserialized into `T`: `Content-Type: application/json` required,
/// unknown fields refused by `T`; every failure is `400 malformed_json`, an oversized body
/// `413 body_too_large`.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::MalformedJson(
                "expected `Content-Type: application/json`".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge
                } else {
                    ApiError::MalformedJson(ApiError::detail(&rejection.body_text()))
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|error| ApiError::MalformedJson(ApiError::detail(&error)))
    }
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Checks an account id from a path: 1–256 bytes, no control characters.
pub(crate) fn check_account(account: &str) -> Result<&str, ApiError> {
    check_path_id(account, ApiError::InvalidAccount)
}

/// Checks an id from a path (an account, a `jti`): 1–256 bytes, no control characters;
/// `invalid` makes the error from what is wrong.
pub(crate) fn check_path_id(
    id: &str,
    invalid: impl FnOnce(&'static str) -> ApiError,
) -> Result<&str, ApiError> {
    if id.is_empty() {
        Err(invalid("empty"))
    } else if id.len() > MAX_ACCOUNT_LEN {
        Err(invalid("longer than 256 bytes"))
    } else if id.chars().any(char::is_control) {
        Err(invalid("contains control characters"))
    } else {
        Ok(id)
    }
}
