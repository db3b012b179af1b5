//! Revoking every token that carries a `jti`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
use playback_auth_policy::{
    MemoryRevocationStore, RevocationError, RevocationKind, RevocationStatus, RevocationStore,
    VerifiedToken,
};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const NOW: i64 = 1_700_000_000;

fn token(jti: Option<&str>, encoded: &str) -> VerifiedToken {
    let mut builder =
        PlaybackRestrictionClaims::builder("acct-1", at(NOW)).valid_for(Duration::from_secs(3600));
    if let Some(jti) = jti {
        builder = builder.token_id(jti);
    }
    VerifiedToken::new(
        PlaybackClaims::Restriction(builder.build().unwrap()),
        encoded,
    )
}

#[tokio::test]
async fn every_token_with_a_revoked_jti_is_refused() {
    let store = MemoryRevocationStore::new();
    store
        .revoke_jti("acct-1", "jti-1", at(NOW + 3600), at(NOW))
        .await
        .unwrap();

    for encoded in ["h.a.s", "h.b.s"] {
        assert_eq!(
            store
                .check("acct-1", &token(Some("jti-1"), encoded), at(NOW))
                .await
                .unwrap(),
            RevocationStatus::Revoked
        );
    }
    for other in [token(Some("jti-2"), "h.c.s"), token(None, "h.d.s")] {
        assert_eq!(
            store.check("acct-1", &other, at(NOW)).await.unwrap(),
            RevocationStatus::NotRevoked
        );
    }
    // Another account's token with the same jti is not affected.
    assert_eq!(
        store
            .check("acct-2", &token(Some("jti-1"), "h.a.s"), at(NOW))
            .await
            .unwrap(),
        RevocationStatus::NotRevoked
    );
    // The token list itself is untouched.
    assert!(store.list("acct-1", at(NOW)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_jti_revocation_can_be_removed_and_expires() {
    let store = MemoryRevocationStore::new().with_capacity(1);
    store
        .revoke_jti("acct-1", "jti-1", at(NOW + 60), at(NOW))
        .await
        .unwrap();
    assert!(matches!(
        store
            .revoke_jti("acct-1", "jti-2", at(NOW + 60), at(NOW))
            .await,
        Err(RevocationError::ListFull {
            kind: RevocationKind::Jti,
            capacity: 1
        })
    ));
    assert!(
        store
            .unrevoke_jti("acct-1", "jti-1", at(NOW))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .check("acct-1", &token(Some("jti-1"), "h.a.s"), at(NOW))
            .await
            .unwrap(),
        RevocationStatus::NotRevoked
    );

    store
        .revoke_jti("acct-1", "jti-2", at(NOW + 60), at(NOW))
        .await
        .unwrap();
    let long_after = at(NOW + 3600);
    assert_eq!(
        store
            .check("acct-1", &token(Some("jti-2"), "h.a.s"), long_after)
            .await
            .unwrap(),
        RevocationStatus::NotRevoked
    );
}
