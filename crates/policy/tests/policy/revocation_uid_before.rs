//! Revoking every token of a user issued before a cutoff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims, Uid};
use playback_auth_policy::{
    MemoryRevocationStore, RevocationStatus, RevocationStore, VerifiedToken,
};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const CUTOFF: i64 = 1_700_000_000;
/// How long the store keeps each entry (the caller's decision; far past every check here).
const KEEP: NumericDate = NumericDate::MAX;

fn issued_at(iat: i64, uid: &str) -> VerifiedToken {
    let claims = PlaybackRestrictionClaims::builder("acct-1", at(iat))
        .user(uid)
        .valid_for(Duration::from_secs(24 * 3600))
        .build()
        .unwrap();
    VerifiedToken::new(
        PlaybackClaims::Restriction(claims),
        &format!("h.{uid}.{iat}"),
    )
}

#[tokio::test]
async fn tokens_issued_before_the_cutoff_are_revoked_and_later_ones_are_not() {
    let store = MemoryRevocationStore::new();
    let uid = Uid::new("viewer-42").unwrap();
    let now = at(CUTOFF + 10);
    store
        .revoke_uid_before("acct-1", &uid, at(CUTOFF), KEEP, now)
        .await
        .unwrap();

    let before = issued_at(CUTOFF - 1, "viewer-42");
    let at_cutoff = issued_at(CUTOFF, "viewer-42");
    let after = issued_at(CUTOFF + 5, "viewer-42");
    let other_user = issued_at(CUTOFF - 1, "viewer-7");

    assert_eq!(
        store.check("acct-1", &before, now).await.unwrap(),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check("acct-1", &at_cutoff, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        store.check("acct-1", &after, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        store.check("acct-1", &other_user, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        store.check("acct-2", &before, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
}

#[tokio::test]
async fn a_later_cutoff_replaces_an_earlier_one_and_can_be_removed() {
    let store = MemoryRevocationStore::new();
    let uid = Uid::new("viewer-42").unwrap();
    let now = at(CUTOFF + 200);
    let token = issued_at(CUTOFF + 50, "viewer-42");

    store
        .revoke_uid_before("acct-1", &uid, at(CUTOFF), KEEP, now)
        .await
        .unwrap();
    assert_eq!(
        store.check("acct-1", &token, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
    store
        .revoke_uid_before("acct-1", &uid, at(CUTOFF + 100), KEEP, now)
        .await
        .unwrap();
    assert_eq!(
        store.check("acct-1", &token, now).await.unwrap(),
        RevocationStatus::Revoked
    );
    // An earlier cutoff does not shrink what is revoked.
    store
        .revoke_uid_before("acct-1", &uid, at(CUTOFF), KEEP, now)
        .await
        .unwrap();
    assert_eq!(
        store.check("acct-1", &token, now).await.unwrap(),
        RevocationStatus::Revoked
    );

    assert!(store.unrevoke_uid("acct-1", &uid, now).await.unwrap());
    assert_eq!(
        store.check("acct-1", &token, now).await.unwrap(),
        RevocationStatus::NotRevoked
    );
}
