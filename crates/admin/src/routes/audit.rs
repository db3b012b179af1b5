//! `/v1/audit/accounts/{account}/…`: daily audit reports, queried then polled.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use playback_auth_policy::{AuditAggregate, AuditRecord, ExecutionId, ExecutionStatus};
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

#[derive(Debug, Serialize)]
pub(crate) struct ReportBody {
    account: String,
    date: String,
    records: Vec<AuditRecord>,
    /// Requests refused before a decision, counted per reason and minute.
    aggregates: Vec<AuditAggregate>,
    skipped: usize,
}

/// `POST …/query/{date}` → 202 `{"executionID"}`; the report is generated
/// `report_delay` later on the runtime.
pub(crate) async fn query<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<QueryPath>,
) -> Result<(StatusCode, Json<Execution>), ApiError> {
    let account = check_account(&path.account)?;
    let date = parse_date(&path.date)?;
    let today = api.now().to_offset_date_time().date();
    let id = api.reports.request(account, date, today)?;

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

/// `GET …/executions/{id}/status` → 200 `{"executionID", "status", "reason"?}`.
pub(crate) async fn status<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ExecutionPath>,
) -> Result<Json<Execution>, ApiError> {
    let (id, status) = owned_execution(&api, &path)?;
    let reason = match &status {
        ExecutionStatus::Failed { reason } => Some(ApiError::detail(reason)),
        _ => None,
    };
    Ok(Json(Execution {
        execution_id: id.to_string(),
        status: Some(status.as_str()),
        reason,
    }))
}

/// `GET …/executions/{id}/report` → 200 and the report once completed; 409 before.
pub(crate) async fn report<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<ExecutionPath>,
) -> Result<Json<ReportBody>, ApiError> {
    let (id, status) = owned_execution(&api, &path)?;
    if let ExecutionStatus::Failed { reason } = &status {
        return Err(ApiError::from(reason.as_ref()));
    }
    let report = api.reports.report(id).ok_or(ApiError::ReportNotReady)?;
    Ok(Json(ReportBody {
        account: report.account.clone(),
        date: format_date(report.date),
        records: report.records.clone(),
        aggregates: report.aggregates.clone(),
        skipped: report.skipped,
    }))
}

/// The execution of the path and its status, when it exists and is the account's.
fn owned_execution<B: Stores>(
    api: &Shared<B>,
    path: &ExecutionPath,
) -> Result<(ExecutionId, ExecutionStatus), ApiError> {
    let account = check_account(&path.account)?;
    let id = parse_execution_id(&path.id)?;
    // Ids are numbered across accounts: another account's id is as unknown as a made-up one.
    if api.reports.account(id).as_deref() != Some(account) {
        return Err(ApiError::ExecutionNotFound);
    }
    let status = api.reports.status(id).ok_or(ApiError::ExecutionNotFound)?;
    Ok((id, status))
}

/// Decimal digits only (no sign, no spaces), as the API writes ids.
fn parse_execution_id(text: &str) -> Result<ExecutionId, ApiError> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ApiError::InvalidExecutionId);
    }
    text.parse::<u64>()
        .map(ExecutionId::from_u64)
        .map_err(|_| ApiError::InvalidExecutionId)
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
