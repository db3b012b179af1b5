use http::{HeaderName, Response, StatusCode};
use playback_auth_policy::DenyReason;
use playback_auth_verify::VerifyError;

use super::Rejection;

fn answer(rejection: Rejection) -> (StatusCode, serde_json::Value, Option<String>) {
    let response: Response<String> = rejection.into_response();
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
