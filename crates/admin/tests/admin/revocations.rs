//! `/v1/accounts/{account}/revocations/…`: revoking by `jti`, every token of a user issued
//! before a time, and a private-channel viewer at or below a session version — over HTTP,
//! checked by authorizing tokens through the same stores, on both backends.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use crate::common::{ACCOUNT, Backend, Config, Harness, T0, TestKey, at, ip, request};
use http::StatusCode;
use playback_auth_claims::PrivateChannelClaims;
use playback_auth_keys::Algorithm;
use playback_auth_policy::{Decision, RequestContext};
use serde_json::json;

const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

/// `"allow"`, or the deny reason's code.
fn outcome(decision: &Decision) -> &'static str {
    match decision {
        Decision::Allow(_) => "allow",
        Decision::Deny(reason) => reason.code(),
    }
}

async fn plays(h: &Harness, token: &str) -> &'static str {
    outcome(&h.authorize(token, &request(h.now())).await)
}

fn path(kind: &str, id: &str) -> String {
    format!("/v1/accounts/{ACCOUNT}/revocations/{kind}/{id}")
}

async fn jti_revocation_refuses_every_token_with_the_id(backend: Backend) {
    let h = backend.harness("revoke_jti", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let first = key.token(h.now(), |c| c.token_id("order-42").content_id("video-7"));
    let second = key.token(at(1), |c| c.token_id("order-42"));
    let other = key.token(h.now(), |c| c.token_id("order-43"));
    assert_eq!(plays(&h, &first).await, "allow");

    let revoke = h
        .send(
            http::Method::PUT,
            &path("jti", "order-42"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.text);
    // Again: idempotent.
    let again = json!({ "expiresAt": T0 + 7200 });
    let revoke = h
        .send(http::Method::PUT, &path("jti", "order-42"), Some(&again))
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.text);
    assert_eq!(plays(&h, &first).await, "token_revoked");
    assert_eq!(plays(&h, &second).await, "token_revoked");
    assert_eq!(plays(&h, &other).await, "allow");
    // Another account's revocation is its own.
    let elsewhere = h
        .delete("/v1/accounts/acct-2/revocations/jti/order-42")
        .await;
    elsewhere.assert_error(StatusCode::NOT_FOUND, "revocation_not_found");

    let removed = h.delete(&path("jti", "order-42")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(plays(&h, &first).await, "allow");
    h.delete(&path("jti", "order-42"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "revocation_not_found");
}

async fn user_revocation_refuses_tokens_issued_before_the_cutoff(backend: Backend) {
    let h = backend.harness("revoke_uid", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let old = key.token(at(-60), |c| c.user("viewer-1"));
    let someone_else = key.token(at(-60), |c| c.user("viewer-2"));
    assert_eq!(plays(&h, &old).await, "allow");

    // No body fields: the cutoff is now.
    let revoke = h
        .send(
            http::Method::PUT,
            &path("users", "viewer-1"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.text);
    assert_eq!(plays(&h, &old).await, "token_revoked");
    assert_eq!(plays(&h, &someone_else).await, "allow");
    // A token issued after the cutoff plays.
    h.clock.set(10);
    let fresh = key.token(at(5), |c| c.user("viewer-1"));
    assert_eq!(plays(&h, &fresh).await, "allow");
    // An explicit later cutoff covers it too.
    let later = json!({ "issuedBefore": T0 + 6 });
    let revoke = h
        .send(http::Method::PUT, &path("users", "viewer-1"), Some(&later))
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.text);
    assert_eq!(plays(&h, &fresh).await, "token_revoked");

    assert_eq!(
        h.delete(&path("users", "viewer-1")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(plays(&h, &old).await, "allow");
    h.delete(&path("users", "viewer-1"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "revocation_not_found");
}

async fn viewer_revocation_refuses_sessions_at_or_below_the_version(backend: Backend) {
    let h = backend.harness("revoke_viewer", &Config::default());
    let key = TestKey::new(Algorithm::Es384);
    h.register(&key.public_key_txt()).await;
    let channel = |version: i64| {
        let claims = PrivateChannelClaims::builder(ARN, at(-10))
            .valid_for(Duration::from_secs(3600))
            .viewer("viewer-9", version)
            .build()
            .unwrap();
        key.signer.sign(&claims).unwrap()
    };
    let ctx = |h: &Harness| RequestContext::new(ACCOUNT, ARN, "Player/1.0", ip(1), h.now());
    let play = |token: String| {
        let ctx = ctx(&h);
        let h = &h;
        async move { outcome(&h.authorize(&token, &ctx).await) }
    };
    assert_eq!(play(channel(3)).await, "allow");

    let body = json!({ "viewerSessionVersionsLessThanOrEqualTo": 3 });
    let revoke = h
        .send(http::Method::PUT, &path("viewers", "viewer-9"), Some(&body))
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.text);
    assert_eq!(play(channel(2)).await, "viewer_disconnected");
    assert_eq!(play(channel(3)).await, "viewer_disconnected");
    assert_eq!(play(channel(4)).await, "allow");

    assert_eq!(
        h.delete(&path("viewers", "viewer-9")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(play(channel(3)).await, "allow");
    h.delete(&path("viewers", "viewer-9"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "revocation_not_found");
}

async fn bad_revocations_are_typed_errors(backend: Backend) {
    let h = backend.harness("revoke_bad", &Config::default());
    let put = |path: String, body: serde_json::Value| {
        let h = &h;
        async move { h.send(http::Method::PUT, &path, Some(&body)).await }
    };
    let long = "j".repeat(257);
    put(path("jti", &long), json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_jti");
    for expires_at in [T0, T0 - 1, T0 + 31 * 86_400, i64::MAX] {
        put(path("jti", "j-1"), json!({ "expiresAt": expires_at }))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_revocation");
    }
    put(path("jti", "j-1"), json!({ "until": T0 + 60 }))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    put(path("users", "not%20a%20uid"), json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_uid");
    put(
        path("viewers", &"v".repeat(41)),
        json!({ "viewerSessionVersionsLessThanOrEqualTo": 1 }),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_viewer_id");
    put(path("viewers", "v-1"), json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    // Nothing was stored by the refused requests.
    h.delete(&path("jti", "j-1"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "revocation_not_found");
}

async fn a_full_list_is_a_conflict(backend: Backend) {
    let config = Config {
        revocation_capacity: 2,
        ..Config::default()
    };
    let h = backend.harness("revoke_full", &config);
    for jti in ["a", "b"] {
        let reply = h
            .send(http::Method::PUT, &path("jti", jti), Some(&json!({})))
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    }
    h.send(http::Method::PUT, &path("jti", "c"), Some(&json!({})))
        .await
        .assert_error(StatusCode::CONFLICT, "blacklist_full");
}

on_every_backend!(
    jti_revocation_refuses_every_token_with_the_id,
    user_revocation_refuses_tokens_issued_before_the_cutoff,
    viewer_revocation_refuses_sessions_at_or_below_the_version,
    bad_revocations_are_typed_errors,
    a_full_list_is_a_conflict,
);
