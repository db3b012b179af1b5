//! The handlers, one module per resource.

pub(crate) mod audit;
pub(crate) mod blacklist;
pub(crate) mod keys;
pub(crate) mod revocations;
pub(crate) mod rights;
pub(crate) mod users;

use http::StatusCode;

use crate::error::ApiError;

/// `204 No Content` when the thing was there (listed, removed, ended), else `missing`.
pub(crate) fn no_content_or(found: bool, missing: ApiError) -> Result<StatusCode, ApiError> {
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(missing)
    }
}
