use http::{HeaderName, Response, StatusCode};
use playback_auth_policy::DenyReason;
use playback_auth_verify::VerifyError;

use super::Rejection;
use crate::layer::DenialBody;

/// Our shape of `rejection`: status, body and challenge.
fn answer(rejection: Rejection) -> (StatusCode, serde_json::Value, Option<String>) {
    answer_in(rejection, DenialBody::ErrorMessage)
}

fn answer_in(
    rejection: Rejection,
    shape: DenialBody,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let response: Response<String> = rejection.into_response(shape);
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = serde_json::from_str(response.body()).unwrap();
    (response.status(), body, challenge)
}

#[test]
fn every_deny_reason_maps_to_its_status() {
    let cases = [
        (DenyReason::InvalidToken(VerifyError::InvalidSignature), 401),
        (DenyReason::TokenRevoked, 401),
        (DenyReason::ViewerDisconnected, 401),
        (DenyReason::StoreUnavailable, 503),
        (
            DenyReason::AccountMismatch {
                token_account: "a".into(),
            },
            403,
        ),
        (
            DenyReason::ContentMismatch {
                token_content: "c".into(),
            },
            403,
        ),
        (
            DenyReason::ChannelMismatch {
                token_channel: "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456".into(),
            },
            403,
        ),
        (DenyReason::NotInVids, 403),
        (DenyReason::NoMatchingTag, 403),
        (DenyReason::UserAgentMismatch, 403),
        (DenyReason::OriginNotAllowed { origin: None }, 403),
        (DenyReason::MaxUsesReached { limit: 1 }, 403),
        (DenyReason::MaxIpsReached { limit: 1 }, 403),
        (DenyReason::SingleUseAlreadyUsed, 403),
        (DenyReason::StreamLimitReached { limit: 1 }, 403),
        (
            DenyReason::SessionEvicted {
                session: "s".into(),
            },
            403,
        ),
        (DenyReason::DeviceLimitReached { limit: 1 }, 403),
        (DenyReason::DeviceIdMissing, 403),
    ];
    for (reason, status) in cases {
        let code = reason.code();
        let (found, body, challenge) = answer(Rejection::Denied(reason));
        assert_eq!(found.as_u16(), status, "{code}");
        assert_eq!(body["error"], code);
        assert_eq!(
            challenge.is_some(),
            status == 401,
            "{code}: WWW-Authenticate only on 401"
        );
    }
}

#[test]
fn layer_rejections_have_their_own_codes() {
    let name = HeaderName::from_static("user-agent");
    let cases = [
        (
            Rejection::TokenMissing,
            401,
            "token_missing",
            Some("Bearer"),
        ),
        (
            Rejection::ConflictingTokens,
            400,
            "conflicting_tokens",
            Some(r#"Bearer error="invalid_request""#),
        ),
        (Rejection::RouteNotMatched, 404, "route_not_matched", None),
        (
            Rejection::InvalidHeader { name: name.clone() },
            400,
            "invalid_request_header",
            None,
        ),
        (
            Rejection::DuplicateHeader { name },
            400,
            "invalid_request_header",
            None,
        ),
        (Rejection::MalformedQuery, 400, "malformed_query", None),
        (
            Rejection::MalformedForwardedFor,
            400,
            "malformed_forwarded_for",
            None,
        ),
        (
            Rejection::ClientIpUnavailable,
            500,
            "client_ip_unavailable",
            None,
        ),
        (
            Rejection::ContentTagsUnavailable,
            503,
            "content_tags_unavailable",
            None,
        ),
        (
            Rejection::ContentRightsUnavailable,
            503,
            "content_rights_unavailable",
            None,
        ),
    ];
    for (rejection, status, code, expected_challenge) in cases {
        let (found, body, challenge) = answer(rejection);
        assert_eq!(found.as_u16(), status, "{code}");
        assert_eq!(body["error"], code);
        assert!(body["message"].as_str().is_some_and(|m| !m.contains('\n')));
        assert_eq!(challenge.as_deref(), expected_challenge, "{code}");
    }
}

#[test]
fn an_invalid_token_challenge_says_invalid_token() {
    let (_, _, challenge) = answer(Rejection::Denied(DenyReason::InvalidToken(
        VerifyError::InvalidSignature,
    )));
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer error="invalid_token""#)
    );
}

/// The vendor's shape of `rejection`: status, body and challenge.
fn vendor_answer(rejection: Rejection) -> (u16, serde_json::Value, Option<String>) {
    let (status, body, challenge) = answer_in(rejection, DenialBody::Vendor);
    (status.as_u16(), body, challenge)
}

#[test]
fn layer_rejections_have_their_vendor_pairs() {
    let name = HeaderName::from_static("user-agent");
    let cases = [
        (
            Rejection::TokenMissing,
            401,
            "ACCESS_DENIED",
            "TOKEN_REQUIRED",
        ),
        (
            Rejection::MalformedQuery,
            401,
            "ACCESS_DENIED",
            "TOKEN_VALIDATION",
        ),
        (
            Rejection::ConflictingTokens,
            400,
            "BAD_REQUEST",
            "DUPLICATE_PARAMETERS",
        ),
        (
            Rejection::DuplicateHeader { name: name.clone() },
            400,
            "BAD_REQUEST",
            "DUPLICATE_PARAMETERS",
        ),
        (
            Rejection::InvalidHeader { name },
            400,
            "BAD_REQUEST",
            "INVALID_REQUEST_HEADER",
        ),
        (
            Rejection::InvalidId {
                field: crate::ids::IdField::Account,
            },
            400,
            "BAD_REQUEST",
            "INVALID_ID",
        ),
        (
            Rejection::MalformedForwardedFor,
            400,
            "BAD_REQUEST",
            "MALFORMED_FORWARDED_FOR",
        ),
        (
            Rejection::RouteNotMatched,
            404,
            "NOT_FOUND",
            "ROUTE_NOT_MATCHED",
        ),
        (
            Rejection::ClientIpUnavailable,
            500,
            "SERVER_ERROR",
            "CLIENT_IP_UNAVAILABLE",
        ),
        (
            Rejection::ContentRightsUnavailable,
            503,
            "SERVICE_UNAVAILABLE",
            "CONTENT_RIGHTS_UNAVAILABLE",
        ),
        (
            Rejection::ContentTagsUnavailable,
            503,
            "SERVICE_UNAVAILABLE",
            "CONTENT_TAGS_UNAVAILABLE",
        ),
        (
            Rejection::Overloaded {
                retry_after_secs: 1,
            },
            503,
            "SERVICE_UNAVAILABLE",
            "OVERLOADED",
        ),
        (
            Rejection::Denied(DenyReason::StoreUnavailable),
            503,
            "SERVICE_UNAVAILABLE",
            "STORE_UNAVAILABLE",
        ),
    ];
    for (rejection, status, error, subcode) in cases {
        let (found, body, challenge) = vendor_answer(rejection);
        assert_eq!(found, status, "{subcode}");
        assert_eq!(body["status"], status, "{subcode}");
        assert_eq!(body["error_code"], error, "{subcode}");
        assert_eq!(body["error_subcode"], subcode);
        // Every 401 challenges; a 400 for two tokens keeps its `invalid_request` challenge.
        assert!(status != 401 || challenge.is_some(), "{subcode}");
    }
}

#[test]
fn the_vendor_shape_challenges_every_401() {
    // Our shape answers these 403 (the request, not the token); the vendor's answers 401
    // `TOKEN_VALIDATION`, and a 401 must say how to authenticate.
    for reason in [
        DenyReason::MaxUsesReached { limit: 1 },
        DenyReason::NotInVids,
        DenyReason::TokenRevoked,
    ] {
        let (status, body, challenge) = vendor_answer(Rejection::Denied(reason));
        assert_eq!(
            (status, &body["error_subcode"]),
            (401, &"TOKEN_VALIDATION".into())
        );
        assert_eq!(
            challenge.as_deref(),
            Some(r#"Bearer error="invalid_token""#)
        );
    }
    let (_, _, challenge) = vendor_answer(Rejection::TokenMissing);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
}
