//! A key registered through the API verifies the account's tokens; deleted, it no longer does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{Backend, Config, TestKey, request};
use http::StatusCode;
use playback_auth_keys::Algorithm;

async fn registered_key_verifies_until_deleted(backend: Backend) {
    let h = backend.harness("registered_key_verifies_until_deleted", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let now = h.now();
    let token = key.token(now, |claims| claims.content_id("video-7"));

    let before = h.authorize(&token, &request(now)).await;
    assert_eq!(
        before.deny_reason().map(|reason| reason.code()),
        Some("no_key_for_algorithm")
    );

    let record = h.register(&key.public_key_txt()).await;
    assert!(h.authorize(&token, &request(now)).await.is_allowed());

    let id = record["id"].as_str().unwrap();
    let deleted = h.delete(&format!("/v1/accounts/acct-1/keys/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = h.authorize(&token, &request(now)).await;
    assert!(!after.is_allowed());
    assert_eq!(
        after.deny_reason().map(|reason| reason.code()),
        Some("no_key_for_algorithm")
    );
}

async fn rotation_keeps_both_keys_live(backend: Backend) {
    let h = backend.harness("rotation_keeps_both_keys_live", &Config::default());
    let old = TestKey::new(Algorithm::Rs256);
    let new = TestKey::new(Algorithm::Es384);
    let now = h.now();
    let old_record = h.register(&old.public_key_txt()).await;
    h.register(&new.public_key_txt()).await;
    let old_token = old.token(now, |claims| claims);
    let new_token = new.token(now, |claims| claims);
    assert!(h.authorize(&old_token, &request(now)).await.is_allowed());
    assert!(h.authorize(&new_token, &request(now)).await.is_allowed());

    let id = old_record["id"].as_str().unwrap();
    h.delete(&format!("/v1/accounts/acct-1/keys/{id}")).await;
    assert!(!h.authorize(&old_token, &request(now)).await.is_allowed());
    assert!(h.authorize(&new_token, &request(now)).await.is_allowed());
}

on_every_backend!(
    registered_key_verifies_until_deleted,
    rotation_keeps_both_keys_live,
);
