//! Every way the layer refuses a request, and the HTTP answer for each.

use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use playback_auth_policy::{DenyReason, VendorDenial};

use crate::ids::IdField;
use crate::layer::DenialBody;

/// Why the layer answered instead of the inner service.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rejection {
    /// The authorizer denied the request.
    Denied(DenyReason),
    /// No token in the `Authorization` header or the token query parameters.
    TokenMissing,
    /// The request carries two different tokens.
    ConflictingTokens,
    /// The path does not match the content route.
    RouteNotMatched,
    /// A header the layer reads is not visible ASCII.
    InvalidHeader { name: HeaderName },
    /// A single-valued header the layer reads appears more than once.
    DuplicateHeader { name: HeaderName },
    /// A token query parameter is not valid percent-encoded UTF-8.
    MalformedQuery,
    /// An id the request names is not 1–128 bytes of visible ASCII.
    InvalidId { field: IdField },
    /// `X-Forwarded-For` from a trusted proxy is not a list of IP addresses.
    MalformedForwardedFor,
    /// Neither `ConnectInfo` nor the configured peer function gave the peer's address.
    ClientIpUnavailable,
    /// The content-tags resolver failed.
    ContentTagsUnavailable,
    /// The content-rights resolver failed.
    ContentRightsUnavailable,
    /// The layer is authorizing as many requests as it may; retry after this many seconds.
    Overloaded { retry_after_secs: u64 },
}

impl Rejection {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Denied(reason) => deny_status(reason),
            Self::TokenMissing => StatusCode::UNAUTHORIZED,
            Self::ConflictingTokens
            | Self::InvalidHeader { .. }
            | Self::DuplicateHeader { .. }
            | Self::MalformedQuery
            | Self::InvalidId { .. }
            | Self::MalformedForwardedFor => StatusCode::BAD_REQUEST,
            Self::RouteNotMatched => StatusCode::NOT_FOUND,
            Self::ClientIpUnavailable => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ContentTagsUnavailable
            | Self::ContentRightsUnavailable
            | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Denied(reason) => reason.code(),
            Self::TokenMissing => "token_missing",
            Self::ConflictingTokens => "conflicting_tokens",
            Self::RouteNotMatched => "route_not_matched",
            Self::InvalidHeader { .. } | Self::DuplicateHeader { .. } => "invalid_request_header",
            Self::MalformedQuery => "malformed_query",
            Self::InvalidId { .. } => "invalid_id",
            Self::MalformedForwardedFor => "malformed_forwarded_for",
            Self::ClientIpUnavailable => "client_ip_unavailable",
            Self::ContentTagsUnavailable => "content_tags_unavailable",
            Self::ContentRightsUnavailable => "content_rights_unavailable",
            Self::Overloaded { .. } => "overloaded",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Denied(reason) => reason.to_string(),
            Self::TokenMissing => {
                "no token in the Authorization header or the query string".to_owned()
            }
            Self::ConflictingTokens => "the request carries two different tokens".to_owned(),
            Self::RouteNotMatched => "the path is not a playback route".to_owned(),
            Self::InvalidHeader { name } => format!("header {name} is not visible ASCII"),
            Self::DuplicateHeader { name } => format!("header {name} appears more than once"),
            Self::MalformedQuery => {
                "a token query parameter is not valid percent-encoding".to_owned()
            }
            Self::InvalidId { field } => format!(
                "the {} is not 1 to {} visible ASCII characters",
                field.as_str(),
                crate::ids::MAX_ID_LEN
            ),
            Self::MalformedForwardedFor => {
                "X-Forwarded-For is not a comma-separated list of IP addresses".to_owned()
            }
            Self::ClientIpUnavailable => "the client's address is unknown".to_owned(),
            Self::ContentTagsUnavailable | Self::ContentRightsUnavailable => {
                "the content catalogue is unavailable".to_owned()
            }
            Self::Overloaded { retry_after_secs } => {
                format!("too many requests are being authorized; retry in {retry_after_secs} s")
            }
        }
    }

    /// Whether the refusal is one the audit trail counts ([`Authorizer::count_refusal`]):
    /// a request for playback refused before the authorizer decided it.
    ///
    /// [`Authorizer::count_refusal`]: playback_auth_policy::Authorizer::count_refusal
    pub(crate) fn is_counted_refusal(&self) -> bool {
        matches!(
            self,
            Self::TokenMissing | Self::ConflictingTokens | Self::MalformedQuery
        )
    }

    /// `WWW-Authenticate` per RFC 6750 §3: no error code when no token was sent,
    /// `invalid_token` for a token that is bad, revoked or disconnected, `invalid_request`
    /// for two tokens.
    fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            Self::TokenMissing => Some("Bearer"),
            Self::ConflictingTokens => Some(r#"Bearer error="invalid_request""#),
            Self::Denied(reason) if is_token_problem(reason) => Some(INVALID_TOKEN),
            _ => None,
        }
    }

    /// The vendor's status, error code and subcode for this refusal: the decision's
    /// [`DenyReason::vendor_denial`], or the layer's own pair for a refusal before a decision.
    /// `400 BAD_REQUEST DUPLICATE_PARAMETERS` is the vendor's; the other `400`, `404`, `500`
    /// and `503` pairs are ours (the vendor has no code for them), named after our code.
    pub(crate) fn vendor_denial(&self) -> VendorDenial {
        match self {
            Self::Denied(reason) => reason.vendor_denial(),
            Self::TokenMissing => VendorDenial::TOKEN_REQUIRED,
            // A token parameter that cannot be decoded is a token that cannot be validated.
            Self::MalformedQuery => VendorDenial::TOKEN_VALIDATION,
            Self::ConflictingTokens | Self::DuplicateHeader { .. } => {
                VendorDenial::new(400, "BAD_REQUEST", "DUPLICATE_PARAMETERS")
            }
            Self::InvalidHeader { .. } => {
                VendorDenial::new(400, "BAD_REQUEST", "INVALID_REQUEST_HEADER")
            }
            Self::InvalidId { .. } => VendorDenial::new(400, "BAD_REQUEST", "INVALID_ID"),
            Self::MalformedForwardedFor => {
                VendorDenial::new(400, "BAD_REQUEST", "MALFORMED_FORWARDED_FOR")
            }
            Self::RouteNotMatched => VendorDenial::new(404, "NOT_FOUND", "ROUTE_NOT_MATCHED"),
            Self::ClientIpUnavailable => {
                VendorDenial::new(500, "SERVER_ERROR", "CLIENT_IP_UNAVAILABLE")
            }
            Self::ContentTagsUnavailable => {
                VendorDenial::new(503, "SERVICE_UNAVAILABLE", "CONTENT_TAGS_UNAVAILABLE")
            }
            Self::ContentRightsUnavailable => {
                VendorDenial::new(503, "SERVICE_UNAVAILABLE", "CONTENT_RIGHTS_UNAVAILABLE")
            }
            Self::Overloaded { .. } => VendorDenial::new(503, "SERVICE_UNAVAILABLE", "OVERLOADED"),
        }
    }

    /// The JSON answer in the configured shape: `{"error": code, "message": one line}` with
    /// [`Rejection::status`], or `{"status", "error_code", "error_subcode", "message"}` with
    /// the vendor's status.
    pub(crate) fn into_response<B: From<String>>(self, shape: DenialBody) -> Response<B> {
        let (status, body) = match shape {
            DenialBody::ErrorMessage => (
                self.status(),
                serde_json::json!({ "error": self.code(), "message": self.message() }),
            ),
            DenialBody::Vendor => {
                let vendor = self.vendor_denial();
                let status = StatusCode::from_u16(vendor.status).unwrap_or_else(|_| self.status());
                let body = serde_json::json!({
                    "status": status.as_u16(),
                    "error_code": vendor.error,
                    "error_subcode": vendor.subcode,
                    "message": self.message(),
                });
                (status, body)
            }
        };
        let mut response = Response::new(B::from(body.to_string()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // Every 401 carries a challenge (RFC 9110 §15.5.2); the vendor's shape answers 401
        // for reasons our own shape answers 403, which are about the token.
        let challenge = self
            .www_authenticate()
            .or_else(|| (status == StatusCode::UNAUTHORIZED).then_some(INVALID_TOKEN));
        if let Some(challenge) = challenge {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        if let Self::Overloaded { retry_after_secs } = self {
            headers.insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// The challenge for a token that was sent but is not accepted.
const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;

/// Reasons that are about the token itself, answered `401`.
fn is_token_problem(reason: &DenyReason) -> bool {
    matches!(
        reason,
        DenyReason::InvalidToken(_) | DenyReason::TokenRevoked | DenyReason::ViewerDisconnected
    )
}

/// `401` for the token, `503` for the store, `403` for every policy denial.
fn deny_status(reason: &DenyReason) -> StatusCode {
    match reason {
        reason if is_token_problem(reason) => StatusCode::UNAUTHORIZED,
        DenyReason::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        // The policy denials (account, content, vids, tags, ua, origin, maxu, maxip, single
        // use, streams, eviction, devices) and any reason added later: the token is fine,
        // the request is not allowed.
        _ => StatusCode::FORBIDDEN,
    }
}

#[cfg(test)]
mod tests;
