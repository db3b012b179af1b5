//! The token blacklist: add (verified tokens only), check, list, remove, and its limits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{Backend, Config, TestKey, request};
use http::StatusCode;
use playback_auth_keys::Algorithm;
use playback_auth_policy::TokenDigest;
use serde_json::json;

fn path(token: &str) -> String {
    format!("/v1/accounts/acct-1/blacklist/tokens/{token}")
}

async fn revoke_check_deny_remove_allow(backend: Backend) {
    let h = backend.harness("revoke_check_deny_remove_allow", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let now = h.now();
    let token = key.token(now, |claims| claims);
    assert!(h.authorize(&token, &request(now)).await.is_allowed());

    h.get(&path(&token))
        .await
        .assert_error(StatusCode::NOT_FOUND, "token_not_listed");
    let added = h.put(&path(&token)).await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    assert_eq!(h.get(&path(&token)).await.status, StatusCode::NO_CONTENT);
    let denied = h.authorize(&token, &request(now)).await;
    assert_eq!(
        denied.deny_reason().map(|reason| reason.code()),
        Some("token_revoked")
    );

    let list = h.get("/v1/accounts/acct-1/blacklist").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.json,
        json!({ "tokens": [{
            "digest": TokenDigest::of_token(&token).to_hex(),
            // Kept while the token still verifies: its `exp` plus the authorizer's 30 s leeway.
            "expiresAt": now.as_secs() + 3600 + 30,
        }]})
    );
    // Another account's list is separate.
    assert_eq!(
        h.get("/v1/accounts/acct-2/blacklist").await.json,
        json!({ "tokens": [] })
    );

    assert_eq!(h.delete(&path(&token)).await.status, StatusCode::NO_CONTENT);
    h.get(&path(&token))
        .await
        .assert_error(StatusCode::NOT_FOUND, "token_not_listed");
    h.delete(&path(&token))
        .await
        .assert_error(StatusCode::NOT_FOUND, "token_not_listed");
    assert!(h.authorize(&token, &request(now)).await.is_allowed());
}

async fn only_verified_tokens_are_listed(backend: Backend) {
    let h = backend.harness("only_verified_tokens_are_listed", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let stranger = TestKey::new(Algorithm::Es256);
    let now = h.now();
    let token = key.token(now, |claims| claims);

    // No key registered yet.
    h.put(&path(&token))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "no_key_for_algorithm");
    h.register(&key.public_key_txt()).await;

    let cases = [
        ("junk".to_owned(), "malformed_token"),
        ("a.b.c".to_owned(), "invalid_base64"),
        (stranger.token(now, |claims| claims), "invalid_signature"),
        (
            key.token(crate::common::at(-7200), |claims| claims),
            "token_expired",
        ),
    ];
    for (token, code) in cases {
        h.put(&path(&token))
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
    }
    assert_eq!(
        h.get("/v1/accounts/acct-1/blacklist").await.json,
        json!({ "tokens": [] })
    );
}

async fn another_accounts_token_is_account_mismatch(backend: Backend) {
    let h = backend.harness("another_accounts_token", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    // The same key registered for two accounts: acct-1's token verifies for acct-2 too, but
    // belongs on acct-1's list only.
    h.register(&key.public_key_txt()).await;
    let registered = h
        .post(
            "/v1/accounts/acct-2/keys",
            &json!({ "value": key.public_key_txt() }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let token = key.token(h.now(), |claims| claims);

    h.put(&format!("/v1/accounts/acct-2/blacklist/tokens/{token}"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "account_mismatch");
    assert_eq!(
        h.get("/v1/accounts/acct-2/blacklist").await.json,
        json!({ "tokens": [] })
    );
    assert_eq!(h.put(&path(&token)).await.status, StatusCode::NO_CONTENT);
}

async fn over_long_tokens_are_refused_on_every_method(backend: Backend) {
    let h = backend.harness("over_long_tokens_are_refused", &Config::default());
    let long = "a".repeat(8 * 1024 + 1);
    for reply in [
        h.put(&path(&long)).await,
        h.get(&path(&long)).await,
        h.delete(&path(&long)).await,
    ] {
        reply.assert_error(StatusCode::URI_TOO_LONG, "token_too_long");
    }
}

async fn a_full_list_is_blacklist_full(backend: Backend) {
    let config = Config {
        revocation_capacity: 2,
        ..Config::default()
    };
    let h = backend.harness("a_full_list_is_blacklist_full", &config);
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let now = h.now();
    let tokens: Vec<String> = (0..3)
        .map(|n| key.token(now, |claims| claims.content_id(format!("video-{n}"))))
        .collect();
    for token in &tokens[..2] {
        assert_eq!(h.put(&path(token)).await.status, StatusCode::NO_CONTENT);
    }
    // Listing again is fine; a new token is not.
    assert_eq!(
        h.put(&path(&tokens[0])).await.status,
        StatusCode::NO_CONTENT
    );
    h.put(&path(&tokens[2]))
        .await
        .assert_error(StatusCode::CONFLICT, "blacklist_full");
    assert_eq!(
        h.delete(&path(&tokens[0])).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.put(&path(&tokens[2])).await.status,
        StatusCode::NO_CONTENT
    );
}

on_every_backend!(
    revoke_check_deny_remove_allow,
    only_verified_tokens_are_listed,
    another_accounts_token_is_account_mismatch,
    over_long_tokens_are_refused_on_every_method,
    a_full_list_is_blacklist_full,
);
