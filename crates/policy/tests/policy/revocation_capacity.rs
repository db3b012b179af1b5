//! The token revocation list is bounded per account; expired entries free their place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use playback_auth_claims::NumericDate;
use playback_auth_policy::{
    DEFAULT_REVOCATION_CAPACITY, MemoryRevocationStore, RevocationError, RevocationKind,
    RevocationStore, TokenDigest,
};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

fn digest(n: usize) -> TokenDigest {
    TokenDigest::of_token(&format!("h.{n}.s"))
}

const NOW: i64 = 1_700_000_000;

#[tokio::test]
async fn default_capacity_is_100() {
    let store = MemoryRevocationStore::new();
    assert_eq!(store.capacity(), DEFAULT_REVOCATION_CAPACITY);
    assert_eq!(DEFAULT_REVOCATION_CAPACITY, 100);
    for n in 0..100 {
        store
            .revoke_token("acct-1", digest(n), at(NOW + 3600), at(NOW))
            .await
            .unwrap();
    }
    let error = store
        .revoke_token("acct-1", digest(100), at(NOW + 3600), at(NOW))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        RevocationError::ListFull {
            kind: RevocationKind::Token,
            capacity: 100
        }
    ));
}

#[tokio::test]
async fn full_list_is_a_typed_error_and_other_accounts_are_unaffected() {
    let store = MemoryRevocationStore::new().with_capacity(2);
    for n in 0..2 {
        store
            .revoke_token("acct-1", digest(n), at(NOW + 3600), at(NOW))
            .await
            .unwrap();
    }

    let error = store
        .revoke_token("acct-1", digest(2), at(NOW + 3600), at(NOW))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RevocationError::ListFull {
                kind: RevocationKind::Token,
                capacity: 2
            }
        ),
        "{error:?}"
    );
    assert!(
        !store
            .is_revoked("acct-1", digest(2), at(NOW))
            .await
            .unwrap()
    );
    assert_eq!(store.list("acct-1", at(NOW)).await.unwrap().len(), 2);

    // Revoking a token already listed still works on a full list.
    store
        .revoke_token("acct-1", digest(0), at(NOW + 7200), at(NOW))
        .await
        .unwrap();
    // Another account has its own list.
    store
        .revoke_token("acct-2", digest(2), at(NOW + 3600), at(NOW))
        .await
        .unwrap();
    // Removing an entry frees a place.
    assert!(store.unrevoke("acct-1", digest(1), at(NOW)).await.unwrap());
    store
        .revoke_token("acct-1", digest(2), at(NOW + 3600), at(NOW))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_expired_entry_frees_its_place() {
    // Kept until exp + the 30 s leeway, as the authorizer asks.
    let store = MemoryRevocationStore::new().with_capacity(1);
    let exp = NOW + 60;
    store
        .revoke_token("acct-1", digest(0), at(exp + 30), at(NOW))
        .await
        .unwrap();
    assert!(matches!(
        store
            .revoke_token("acct-1", digest(1), at(NOW + 3600), at(NOW))
            .await,
        Err(RevocationError::ListFull { capacity: 1, .. })
    ));

    // Within the verifier's leeway after `exp` the token could still be accepted, so its
    // entry is still there and still counts.
    let within_leeway = at(exp + 29);
    assert!(
        store
            .is_revoked("acct-1", digest(0), within_leeway)
            .await
            .unwrap()
    );
    assert!(
        store
            .revoke_token("acct-1", digest(1), at(NOW + 3600), within_leeway)
            .await
            .is_err()
    );

    // Once the token has expired for good, its entry is gone and its place is free.
    let after = at(exp + 30);
    assert!(!store.is_revoked("acct-1", digest(0), after).await.unwrap());
    assert!(store.list("acct-1", after).await.unwrap().is_empty());
    store
        .revoke_token("acct-1", digest(1), at(NOW + 3600), after)
        .await
        .unwrap();
    assert!(store.is_revoked("acct-1", digest(1), after).await.unwrap());
}
