//! The two body shapes of a refusal: ours (`{error, message}`, the default) and the vendor's
//! (`{status, error_code, error_subcode, message}` with the vendor's status).
#![allow(clippy::unwrap_used)] // the helper outside #[test] fns fails the calling test

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{KeyRegistry, Stores};
use playback_auth_tower::DenialBody;
use serde_json::Value;

/// A refusal the layer must answer, reached through the layer like a player would.
#[derive(Debug, Clone, Copy)]
enum Case {
    MissingToken,
    InvalidToken,
    AccountMismatch,
    StreamLimitCreate,
    EvictedSessionRenew,
    DeviceLimit,
    ContentMismatch,
}

const CASES: [Case; 7] = [
    Case::MissingToken,
    Case::InvalidToken,
    Case::AccountMismatch,
    Case::StreamLimitCreate,
    Case::EvictedSessionRenew,
    Case::DeviceLimit,
    Case::ContentMismatch,
];

/// Drives `case` through a layer answering in `shape`; returns the refusal.
async fn refusal(shape: DenialBody, case: Case) -> Reply {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).denial_body(shape).build());
    match case {
        Case::MissingToken => get_reply(&app, request(PLAY)).await,
        Case::InvalidToken => get_reply(&app, play("not-a-token")).await,
        Case::AccountMismatch => {
            // The key is registered for the other account too, so the token verifies there
            // and only its `accid` refuses it.
            let value = keys.es256.public_key().to_public_key_txt();
            authorizer
                .stores()
                .registry()
                .register("acct-2", &value, None, at(-60))
                .await
                .unwrap();
            let token = keys.restriction(|b| b);
            let other = request("/v1/play/acct-2/video-7")
                .header("authorization", format!("Bearer {token}"));
            get_reply(&app, other).await
        }
        Case::StreamLimitCreate => {
            let token = keys.restriction(|b| {
                b.user("viewer-42")
                    .concurrent_streams(1)
                    .concurrency_behavior(ConcurrencyBehavior::BlockNew)
            });
            get_reply(&app, play(&token).header("x-session-id", "living-room"))
                .await
                .assert_allowed();
            get_reply(&app, play(&token).header("x-session-id", "kitchen")).await
        }
        Case::EvictedSessionRenew => {
            let token = keys.restriction(|b| {
                b.user("viewer-42")
                    .concurrent_streams(1)
                    .concurrency_behavior(ConcurrencyBehavior::EvictOldest)
            });
            for session in ["living-room", "kitchen"] {
                get_reply(&app, play(&token).header("x-session-id", session))
                    .await
                    .assert_allowed();
            }
            // The kitchen evicted the living room; its next renewal is refused.
            get_reply(&app, play(&token).header("x-session-id", "living-room")).await
        }
        Case::DeviceLimit => {
            let token = keys.restriction(|b| b.user("viewer-42").device_limit(1));
            get_reply(&app, play(&token).header("x-device-id", "tv-1"))
                .await
                .assert_allowed();
            get_reply(&app, play(&token).header("x-device-id", "phone-1")).await
        }
        Case::ContentMismatch => {
            get_reply(&app, play(&keys.restriction(|b| b.content_id("video-8")))).await
        }
    }
}

/// Our shape: status and code, as documented in the README's first table.
fn ours(case: Case) -> (u16, &'static str) {
    match case {
        Case::MissingToken => (401, "token_missing"),
        Case::InvalidToken => (401, "malformed_token"),
        Case::AccountMismatch => (403, "account_mismatch"),
        Case::StreamLimitCreate => (403, "stream_limit_reached"),
        Case::EvictedSessionRenew => (403, "session_evicted"),
        Case::DeviceLimit => (403, "device_limit_reached"),
        Case::ContentMismatch => (403, "content_mismatch"),
    }
}

/// The vendor's shape: status and subcode (the code is `ACCESS_DENIED` for all of these).
fn vendor(case: Case) -> (u16, &'static str) {
    match case {
        Case::MissingToken => (401, "TOKEN_REQUIRED"),
        Case::InvalidToken => (401, "TOKEN_VALIDATION"),
        Case::AccountMismatch => (403, "ACCOUNT_ID"),
        Case::StreamLimitCreate => (403, "DENIED_BY_STREAM_LIMIT_CREATE"),
        Case::EvictedSessionRenew => (403, "DENIED_BY_STREAM_LIMIT_RENEW"),
        Case::DeviceLimit => (403, "DENIED_BY_DEVICE_LIMITING"),
        // The vendor has no code for `conid`: a token for other content does not validate.
        Case::ContentMismatch => (401, "TOKEN_VALIDATION"),
    }
}

/// A 401 challenges for a token: `Bearer` when none was sent, `invalid_token` otherwise.
#[track_caller]
fn assert_challenge(reply: &Reply, case: Case) {
    let expected = match (reply.status.as_u16(), case) {
        (401, Case::MissingToken) => Some("Bearer"),
        (401, _) => Some(r#"Bearer error="invalid_token""#),
        _ => None,
    };
    assert_eq!(reply.header("www-authenticate"), expected, "{case:?}");
}

#[tokio::test]
async fn the_default_body_is_error_and_message() {
    for case in CASES {
        let reply = refusal(DenialBody::default(), case).await;
        let (status, code) = ours(case);
        reply.assert_denied(status, code);
        assert_challenge(&reply, case);
    }
}

#[tokio::test]
async fn the_vendor_body_has_the_vendors_status_code_and_subcode() {
    for case in CASES {
        let reply = refusal(DenialBody::Vendor, case).await;
        let (status, subcode) = vendor(case);
        assert_eq!(reply.status.as_u16(), status, "{case:?}: {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let object = reply.body.as_object().unwrap();
        assert_eq!(
            object.len(),
            4,
            "{case:?}: exactly four fields: {}",
            reply.body
        );
        assert_eq!(object["status"], Value::from(status));
        assert_eq!(object["error_code"], "ACCESS_DENIED", "{case:?}");
        assert_eq!(object["error_subcode"], subcode, "{case:?}");
        assert_safe_message(&object["message"]);
        assert_challenge(&reply, case);
    }
}

#[tokio::test]
async fn an_allowed_request_is_untouched_by_the_vendor_shape() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).denial_body(DenialBody::Vendor).build());
    get_reply(&app, play(&keys.restriction(|b| b)))
        .await
        .assert_allowed();
}
