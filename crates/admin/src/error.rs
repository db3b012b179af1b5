//! `ApiError`: every way an admin request can fail, each mapped once to a status and a
//! stable code, and written as `{"error": code, "message": one line}`.

use std::error::Error as StdError;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};
use playback_auth_claims::UidError;
use playback_auth_keys::KeyError;
use playback_auth_policy::{
    AuditError, RegistryError, ReportError, RevocationError, RevocationKind, RightsError,
    RightsStoreError, StoreError, TokenError,
};
use playback_auth_verify::VerifyError;
use serde_json::json;

/// The longest message echoed back from a parser (they may quote the input).
const MAX_DETAIL_CHARS: usize = 200;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("this API requires `Authorization: Bearer <admin token>`")]
    Unauthorized,
    #[error("no route matches this path")]
    NotFound,
    #[error("this route does not accept the method")]
    MethodNotAllowed,
    #[error("the request body is larger than this API accepts")]
    BodyTooLarge,
    #[error("malformed JSON body: {0}")]
    MalformedJson(String),
    #[error("invalid path: {0}")]
    InvalidPath(String),
    #[error("invalid account id: {0}")]
    InvalidAccount(&'static str),
    #[error("invalid uid: {0}")]
    InvalidUid(UidError),
    #[error("invalid public key: {0}")]
    InvalidKey(#[source] KeyError),
    #[error("invalid key id: {0}")]
    InvalidKeyId(&'static str),
    #[error("key id {0:?} is already registered")]
    DuplicateKeyId(String),
    #[error("this key is already registered as {0:?}")]
    KeyAlreadyRegistered(String),
    #[error("the account already has {0} keys, the most it may register")]
    TooManyKeys(usize),
    #[error("the registry refused the key: {0}")]
    KeyRefused(String),
    #[error("no key with this id is registered for the account")]
    KeyNotFound,
    #[error("token is {len} bytes, longer than the maximum of {max}")]
    TokenTooLong { len: usize, max: usize },
    #[error("the token does not verify with the account's keys: {0}")]
    InvalidToken(#[source] VerifyError),
    #[error("the token is for account {0:?}, not this one")]
    AccountMismatch(String),
    #[error("the {kind} blacklist of the account is full ({capacity} entries)")]
    BlacklistFull {
        kind: RevocationKind,
        capacity: usize,
    },
    #[error("the token is not in the account's blacklist")]
    TokenNotListed,
    #[error("invalid jti: {0}")]
    InvalidJti(&'static str),
    #[error("invalid viewer id: {0}")]
    InvalidViewerId(String),
    #[error("invalid revocation: {0}")]
    InvalidRevocation(&'static str),
    #[error("the account has no {0} revocation with this id")]
    RevocationNotFound(RevocationKind),
    #[error("not a date: expected YYYY-MM-DD")]
    InvalidDate,
    #[error("no report for today: the day is not over (UTC)")]
    DateIsToday,
    #[error("no report for a date in the future")]
    DateInFuture,
    #[error("no report before {0}: records are kept for 30 days")]
    DateTooOld(time::Date),
    #[error("too many report executions pending ({0}); try again later")]
    TooManyPending(usize),
    #[error("the report request was refused: {0}")]
    ReportRefused(String),
    #[error("not an execution id: expected 32 lowercase hex digits")]
    InvalidExecutionId,
    #[error("no such execution for the account")]
    ExecutionNotFound,
    #[error("the report is still processing")]
    ReportNotReady,
    #[error("the report failed: {0}")]
    ReportFailed(String),
    #[error("the report link is not valid: its signature does not match")]
    ReportLinkInvalid,
    #[error("the report link has expired; ask for the report again")]
    ReportLinkExpired,
    #[error("no active session with this key for the user")]
    SessionNotFound,
    #[error("no device with this id is registered for the user")]
    DeviceNotFound,
    /// `code` is the cause's own (see [`rights_code`]); `detail` its one-line message.
    #[error("invalid playback rights: {detail}")]
    InvalidRights { code: &'static str, detail: String },
    #[error("playback rights {0:?} already exist for the account")]
    RightsAlreadyExist(String),
    #[error("the account already has {0} playback rights, the most it may hold")]
    TooManyRights(usize),
    #[error("no playback rights with this id for the account")]
    RightsNotFound,
    #[error("a store is unavailable; try again later")]
    StoreUnavailable(#[source] BoxError),
}

impl ApiError {
    /// The status and the stable code of each cause: the one place they are chosen.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Self::Unauthorized => (S::UNAUTHORIZED, "admin_unauthorized"),
            Self::NotFound => (S::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::BodyTooLarge => (S::PAYLOAD_TOO_LARGE, "body_too_large"),
            Self::MalformedJson(_) => (S::BAD_REQUEST, "malformed_json"),
            Self::InvalidPath(_) => (S::BAD_REQUEST, "invalid_path"),
            Self::InvalidAccount(_) => (S::BAD_REQUEST, "invalid_account"),
            Self::InvalidUid(_) => (S::BAD_REQUEST, "invalid_uid"),
            Self::InvalidKey(_) => (S::BAD_REQUEST, "invalid_key"),
            Self::InvalidKeyId(_) => (S::BAD_REQUEST, "invalid_key_id"),
            Self::DuplicateKeyId(_) => (S::CONFLICT, "duplicate_key_id"),
            Self::KeyAlreadyRegistered(_) => (S::CONFLICT, "key_already_registered"),
            Self::TooManyKeys(_) => (S::CONFLICT, "too_many_keys"),
            Self::KeyRefused(_) => (S::BAD_REQUEST, "key_refused"),
            Self::KeyNotFound => (S::NOT_FOUND, "key_not_found"),
            Self::TokenTooLong { .. } => (S::URI_TOO_LONG, "token_too_long"),
            Self::InvalidToken(error) => (S::BAD_REQUEST, error.code()),
            Self::AccountMismatch(_) => (S::BAD_REQUEST, "account_mismatch"),
            Self::BlacklistFull { .. } => (S::CONFLICT, "blacklist_full"),
            Self::TokenNotListed => (S::NOT_FOUND, "token_not_listed"),
            Self::InvalidJti(_) => (S::BAD_REQUEST, "invalid_jti"),
            Self::InvalidViewerId(_) => (S::BAD_REQUEST, "invalid_viewer_id"),
            Self::InvalidRevocation(_) => (S::BAD_REQUEST, "invalid_revocation"),
            Self::RevocationNotFound(_) => (S::NOT_FOUND, "revocation_not_found"),
            Self::InvalidDate => (S::BAD_REQUEST, "invalid_date"),
            Self::DateIsToday => (S::BAD_REQUEST, "date_is_today"),
            Self::DateInFuture => (S::BAD_REQUEST, "date_in_future"),
            Self::DateTooOld(_) => (S::BAD_REQUEST, "date_too_old"),
            Self::TooManyPending(_) => (S::TOO_MANY_REQUESTS, "too_many_pending"),
            Self::ReportRefused(_) => (S::BAD_REQUEST, "report_refused"),
            Self::InvalidExecutionId => (S::BAD_REQUEST, "invalid_execution_id"),
            Self::ExecutionNotFound => (S::NOT_FOUND, "execution_not_found"),
            Self::ReportNotReady => (S::CONFLICT, "report_not_ready"),
            Self::ReportFailed(_) => (S::CONFLICT, "report_failed"),
            Self::ReportLinkInvalid => (S::FORBIDDEN, "report_link_invalid"),
            Self::ReportLinkExpired => (S::FORBIDDEN, "report_link_expired"),
            Self::SessionNotFound => (S::NOT_FOUND, "session_not_found"),
            Self::DeviceNotFound => (S::NOT_FOUND, "device_not_found"),
            Self::InvalidRights { code, .. } => (S::BAD_REQUEST, code),
            Self::RightsAlreadyExist(_) => (S::CONFLICT, "rights_already_exist"),
            Self::TooManyRights(_) => (S::CONFLICT, "too_many_rights"),
            Self::RightsNotFound => (S::NOT_FOUND, "rights_not_found"),
            Self::StoreUnavailable(_) => (S::SERVICE_UNAVAILABLE, "store_unavailable"),
        }
    }

    /// A parser's message, cut to a readable length on one line.
    pub(crate) fn detail(error: &impl std::fmt::Display) -> String {
        error
            .to_string()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_DETAIL_CHARS)
            .collect()
    }

    pub(crate) fn store(source: impl Into<BoxError>) -> Self {
        Self::StoreUnavailable(source.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::StoreUnavailable(source) = &self {
            // The source is the backend's error (connection, timeout): no token or key in it.
            tracing::warn!(code, error = %source, "admin request failed on a store");
        }
        let body = Json(json!({ "error": code, "message": self.to_string() }));
        let mut response = (status, body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        match error {
            RegistryError::InvalidKey(source) => Self::InvalidKey(source),
            RegistryError::InvalidId { reason } => Self::InvalidKeyId(reason),
            RegistryError::DuplicateId { id } => Self::DuplicateKeyId(id),
            RegistryError::KeyAlreadyRegistered { id } => Self::KeyAlreadyRegistered(id),
            RegistryError::RegistryFull { capacity } => Self::TooManyKeys(capacity),
            RegistryError::Backend { source } => Self::StoreUnavailable(source),
            other => Self::KeyRefused(Self::detail(&other)),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Registry(error) => Self::from(error),
            TokenError::Invalid(error) | TokenError::UnregisteredAccount(error) => {
                Self::InvalidToken(error)
            }
            other => Self::store(other),
        }
    }
}

impl From<RevocationError> for ApiError {
    fn from(error: RevocationError) -> Self {
        match error {
            RevocationError::ListFull { kind, capacity } => Self::BlacklistFull { kind, capacity },
            other => Self::store(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::store(error)
    }
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::DateIsToday => Self::DateIsToday,
            ReportError::DateInFuture => Self::DateInFuture,
            ReportError::DateTooOld { oldest } => Self::DateTooOld(oldest),
            ReportError::TooManyPending { capacity } => Self::TooManyPending(capacity),
            ReportError::Sink(source) => Self::store(source),
            other => Self::ReportRefused(Self::detail(&other)),
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        Self::store(error)
    }
}

/// The stable code of each reason a rights object is refused.
fn rights_code(error: &RightsError) -> &'static str {
    match error {
        RightsError::Json(_) => "malformed_rights",
        RightsError::InvalidId {
            field: "account", ..
        } => "invalid_account",
        RightsError::InvalidId { .. } => "invalid_rights_id",
        RightsError::InvalidCountry { .. } => "invalid_country",
        RightsError::InvalidIpRange { .. } => "invalid_ip_range",
        RightsError::InvalidDomain { .. } => "invalid_domain",
        RightsError::AllowedAndBlocked { .. } => "allowed_and_blocked",
        RightsError::TooManyEntries { .. } => "too_many_entries",
        RightsError::InvalidInstant { .. } => "invalid_instant",
        RightsError::EndNotAfterStart { .. } => "end_not_after_start",
        RightsError::UnknownTimeZone { .. } => "unknown_time_zone",
        RightsError::MissingTimeZone => "missing_time_zone",
        RightsError::InvalidWindow { .. } => "invalid_window",
        _ => "invalid_rights",
    }
}

impl From<RightsError> for ApiError {
    fn from(error: RightsError) -> Self {
        Self::InvalidRights {
            code: rights_code(&error),
            detail: Self::detail(&error),
        }
    }
}

impl From<RightsStoreError> for ApiError {
    fn from(error: RightsStoreError) -> Self {
        match error {
            RightsStoreError::AlreadyExists { id } => Self::RightsAlreadyExist(id),
            RightsStoreError::NotFound { .. } => Self::RightsNotFound,
            RightsStoreError::Full { capacity } => Self::TooManyRights(capacity),
            // A stored value that no longer validates is the server's fault, not the caller's.
            other => Self::store(other),
        }
    }
}
