//! `/v1/audit/accounts/{account}/…`: daily audit reports, queried, polled, then downloaded
//! through a signed link.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use playback_auth_policy::{Execution as StoredExecution, ExecutionId, ExecutionStatus};
use serde::{Deserialize, Serialize};
use time::macros::format_description;

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{Params, check_account};
use playback_auth_policy::Stores;

#[derive(Debug, Deserialize)]
pub(crate) struct QueryPath {
    account: String,
    date: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExecutionPath {
    account: String,
    id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Execution {
    #[serde(rename = "executionID")]
    execution_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// The answer of `GET …/report`: where to download the report file, and until when.
#[derive(Debug, Serialize)]
pub(crate) struct ReportLink {
    #[serde(rename = "signedURL")]
    signed_url: String,
    /// Seconds since 1970.
    #[serde(rename = "expirationTime")]
    expiration_time: i64,
}

/// `POST …/query/{date}` → 202 `{"executionID"}`; the report is generated
/// `report_delay` later on the runtime.
pub(crate) async fn query<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<QueryPath>,
) -> Result<(StatusCode, Json<Execution>), ApiError> {
    let account = check_account(&path.account)?;
    let date = parse_date(&path.date)?;
    let id = api.reports.request(account, date, api.now()).await?;

    let reports = Arc::clone(&api.reports);
    let delay = api.report_delay;
    let generate = async move {
        tokio::time::sleep(delay).await;
        reports.run_pending().await;
    };
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(generate);
        }
        // Served outside a Tokio runtime: nothing to spawn on, so generate it now.
        Err(_) => {
            api.reports.run_pending().await;
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Execution {
            execution_id: id.to_string(),
            status: None,
            reason: None,
        }),
    ))
}

/// `GET …/executions/{id}/status` → 200 `{"executionID", "status", "reason"?}`, on any
/// node sharing the store.
pub(crate) async fn status<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ExecutionPath>,
) -> Result<Json<Execution>, ApiError> {
    let (id, execution) = owned_execution(&api, &path.account, &path.id).await?;
    let reason = match &execution.status {
        ExecutionStatus::Failed { reason } => Some(ApiError::detail(reason)),
        _ => None,
    };
    Ok(Json(Execution {
        execution_id: id.to_string(),
        status: Some(execution.status.as_str()),
        reason,
    }))
}

/// `GET …/executions/{id}/report` → 200 `{"signedURL", "expirationTime"}` once completed (a
/// link to the report file, valid 15 minutes); 409 before, or after a failure.
pub(crate) async fn report<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ExecutionPath>,
) -> Result<Json<ReportLink>, ApiError> {
    let (id, execution) = owned_execution(&api, &path.account, &path.id).await?;
    match execution.status {
        ExecutionStatus::Completed => {}
        ExecutionStatus::Failed { reason } => {
            return Err(ApiError::ReportFailed(ApiError::detail(&reason)));
        }
        _ => return Err(ApiError::ReportNotReady),
    }
    let link = api
        .links
        .sign(&id.to_string(), &execution.account, api.now());
    Ok(Json(ReportLink {
        signed_url: link.url,
        expiration_time: link.expires,
    }))
}

/// `GET …/executions/{id}/file?expires=…&signature=…` (no admin bearer: the link's
/// signature is the credential) → 200, the report file as JSON Lines, as an attachment.
pub(crate) async fn download<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ExecutionPath>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let now = api.now();
    // The signature first: without a valid link, nothing is read and nothing is told.
    api.links
        .check(&path.id, &path.account, query.as_deref(), now)?;
    let (id, execution) = owned_execution(&api, &path.account, &path.id).await?;
    let file = api
        .reports
        .report_file(id, now)
        .await?
        .ok_or(ApiError::ExecutionNotFound)?;
    let filename = format!(
        "audit-{}-{}.jsonl",
        filename_safe(&execution.account),
        format_date(execution.date)
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .map_err(|_| ApiError::ExecutionNotFound)?;
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            ),
            (CONTENT_DISPOSITION, disposition),
            // A private report: no shared cache keeps it past its link.
            (CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        file,
    )
        .into_response())
}

/// The download route, served without the admin bearer (its own method-not-allowed
/// answer, as the authenticated routes').
pub(crate) fn download_routes<B: Stores>() -> Router<Arc<Shared<B>>> {
    Router::new()
        .route(
            "/v1/audit/accounts/{account}/executions/{id}/file",
            get(download::<B>),
        )
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// The execution of the path, when it exists and is the account's.
async fn owned_execution<B: Stores>(
    api: &Shared<B>,
    account: &str,
    id: &str,
) -> Result<(ExecutionId, StoredExecution), ApiError> {
    let account = check_account(account)?;
    let id = ExecutionId::parse(id).ok_or(ApiError::InvalidExecutionId)?;
    let execution = api
        .reports
        .execution(id, api.now())
        .await?
        // Another account's id is as unknown as a made-up one.
        .filter(|execution| execution.account == account)
        .ok_or(ApiError::ExecutionNotFound)?;
    Ok((id, execution))
}

/// The account id as a file name part: ASCII letters, digits, `-`, `_` and `.` kept, any
/// other character `_` (the header stays a plain quoted string whatever the id holds).
fn filename_safe(account: &str) -> String {
    account
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `YYYY-MM-DD`, a real calendar date.
fn parse_date(text: &str) -> Result<time::Date, ApiError> {
    if text.len() != 10 {
        return Err(ApiError::InvalidDate);
    }
    time::Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::InvalidDate)
}

fn format_date(date: time::Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| date.to_string())
}
