//! Revoking tokens by digest: revoke, check, list, remove, per account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
use playback_auth_policy::{
    Authorizer, MemoryRevocationStore, MemoryStores, RevocationStatus, RevocationStore,
    RevokedToken, TokenDigest, VerifiedToken,
};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const NOW: i64 = 1_700_000_000;

#[tokio::test]
async fn revoke_check_list_and_remove() {
    let store = MemoryRevocationStore::new();
    let revoked = TokenDigest::of_token("h.revoked.s");
    let other = TokenDigest::of_token("h.other.s");
    let exp = at(NOW + 3600);

    assert!(!store.is_revoked("acct-1", revoked, at(NOW)).await.unwrap());
    store
        .revoke_token("acct-1", revoked, exp, at(NOW))
        .await
        .unwrap();

    assert!(store.is_revoked("acct-1", revoked, at(NOW)).await.unwrap());
    assert!(!store.is_revoked("acct-1", other, at(NOW)).await.unwrap());
    assert_eq!(
        store.list("acct-1", at(NOW)).await.unwrap(),
        vec![RevokedToken {
            digest: revoked,
            kept_until: exp
        }]
    );

    assert!(store.unrevoke("acct-1", revoked, at(NOW)).await.unwrap());
    assert!(!store.unrevoke("acct-1", revoked, at(NOW)).await.unwrap());
    assert!(!store.is_revoked("acct-1", revoked, at(NOW)).await.unwrap());
    assert!(store.list("acct-1", at(NOW)).await.unwrap().is_empty());
}

#[tokio::test]
async fn revocation_is_scoped_to_the_account() {
    let store = MemoryRevocationStore::new();
    let digest = TokenDigest::of_token("h.p.s");
    store
        .revoke_token("acct-1", digest, at(NOW + 60), at(NOW))
        .await
        .unwrap();

    assert!(store.is_revoked("acct-1", digest, at(NOW)).await.unwrap());
    assert!(!store.is_revoked("acct-2", digest, at(NOW)).await.unwrap());
    assert!(store.list("acct-2", at(NOW)).await.unwrap().is_empty());
    assert!(!store.unrevoke("acct-2", digest, at(NOW)).await.unwrap());
}

#[tokio::test]
async fn check_refuses_a_token_revoked_by_digest() {
    let authorizer = Authorizer::new(MemoryStores::new());
    let store = &authorizer.stores().revocations;
    let claims = PlaybackRestrictionClaims::builder("acct-1", at(NOW))
        .expires_at(at(NOW + 3600))
        .build()
        .unwrap();
    let token = VerifiedToken::new(PlaybackClaims::Restriction(claims), "h.p.s");
    // Another signature of the same signed part (what ECDSA malleation makes, without the
    // key) is the same token; another payload is another token.
    let resigned = VerifiedToken::new(token.claims.clone(), "h.p.other-signature");
    let other = VerifiedToken::new(token.claims.clone(), "h.q.s");

    authorizer.revoke("acct-1", &token, at(NOW)).await.unwrap();

    assert_eq!(
        store.check("acct-1", &token, at(NOW)).await.unwrap(),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check("acct-1", &resigned, at(NOW)).await.unwrap(),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check("acct-1", &other, at(NOW)).await.unwrap(),
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        store.list("acct-1", at(NOW)).await.unwrap(),
        // Kept for the authorizer's 30 s leeway after `exp`.
        vec![RevokedToken {
            digest: token.digest,
            kept_until: at(NOW + 3630)
        }]
    );
}
