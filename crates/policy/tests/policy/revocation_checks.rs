//! The engine consults the revocation store first: a revoked token or disconnected viewer
//! is denied before any other check, and consumes nothing.

use crate::common::*;
use playback_auth_claims::ViewerId;
use playback_auth_policy::Stores;
use playback_auth_policy::{DenyReason, RevocationStore};

#[tokio::test]
async fn a_revoked_token_is_denied_token_revoked() {
    let (engine, store) = engine();
    let token = restriction("t", |b| b.max_uses(5));
    allowed(engine.decide(&token, &request(0)).await);
    engine.0.revoke(ACCOUNT, &token, at(1)).await.unwrap();
    let before = store.snapshot();
    let reason = denied(engine.decide(&token, &request(2)).await);
    assert_eq!(reason, DenyReason::TokenRevoked);
    assert_eq!(reason.code(), "token_revoked");
    assert_eq!(store.snapshot(), before);
    // Another token is not affected; removing the revocation restores the token.
    allowed(
        engine
            .decide(&restriction("other", |b| b.max_uses(5)), &request(3))
            .await,
    );
    assert!(
        engine
            .stores()
            .revocations()
            .unrevoke(ACCOUNT, token.digest, at(4))
            .await
            .unwrap()
    );
    assert_eq!(
        allowed(engine.decide(&token, &request(5)).await).uses,
        Some(2)
    );
}

#[tokio::test]
async fn revocation_is_checked_before_the_static_checks() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user_agent("Other"));
    engine.0.revoke(ACCOUNT, &token, at(0)).await.unwrap();
    assert_eq!(
        denied(engine.decide(&token, &request(1)).await),
        DenyReason::TokenRevoked
    );
}

#[tokio::test]
async fn revocation_by_jti_and_by_uid_cutoff() {
    let (engine, _) = engine();
    let by_jti = restriction("a", |b| b.token_id("jti-1"));
    engine
        .0
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .unwrap();
    assert_eq!(
        denied(engine.decide(&by_jti, &request(1)).await),
        DenyReason::TokenRevoked
    );

    // Issued at -10: a cutoff after that revokes it, one at or before it does not.
    let by_uid = restriction("b", |b| b.user("viewer-1"));
    engine
        .0
        .revoke_uid_before(ACCOUNT, &uid("viewer-1"), at(-10), at(0))
        .await
        .unwrap();
    allowed(engine.decide(&by_uid, &request(1)).await);
    engine
        .0
        .revoke_uid_before(ACCOUNT, &uid("viewer-1"), at(0), at(0))
        .await
        .unwrap();
    assert_eq!(
        denied(engine.decide(&by_uid, &request(1)).await),
        DenyReason::TokenRevoked
    );
}

#[tokio::test]
async fn a_disconnected_viewer_is_denied_viewer_disconnected() {
    let (engine, _) = engine();
    let v1 = channel("v1", |b| b.viewer("viewer-9", 1));
    let v2 = channel("v2", |b| b.viewer("viewer-9", 2));
    allowed(engine.decide(&v1, &request(0)).await);
    engine
        .0
        .disconnect_viewer(
            ACCOUNT,
            &ViewerId::parse("viewer-9").unwrap(),
            1,
            at(3600),
            at(0),
        )
        .await
        .unwrap();
    let reason = denied(engine.decide(&v1, &request(1)).await);
    assert_eq!(reason, DenyReason::ViewerDisconnected);
    assert_eq!(reason.code(), "viewer_disconnected");
    // A later session version is above the disconnected one.
    allowed(engine.decide(&v2, &request(1)).await);
}
