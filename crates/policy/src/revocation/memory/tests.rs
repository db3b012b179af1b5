use playback_auth_claims::{PlaybackClaims, PlaybackRestrictionClaims, StaticUrlClaims};

use super::*;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const NOW: i64 = 1_700_000_000;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn revoking_again_keeps_the_later_expiry() {
    let store = MemoryRevocationStore::new();
    let digest = TokenDigest::of_token("a.b.c");
    block_on(async {
        store
            .revoke_token("a", digest, at(NOW + 100), at(NOW))
            .await
            .unwrap();
        store
            .revoke_token("a", digest, at(NOW + 50), at(NOW))
            .await
            .unwrap();
        let listed = store.list("a", at(NOW)).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].kept_until, at(NOW + 100));
        assert!(store.is_revoked("a", digest, at(NOW + 99)).await.unwrap());
        assert!(!store.is_revoked("a", digest, at(NOW + 100)).await.unwrap());
    });
}

#[test]
fn an_already_expired_token_is_not_stored() {
    let store = MemoryRevocationStore::new().with_capacity(1);
    let digest = TokenDigest::of_token("a.b.c");
    block_on(async {
        store
            .revoke_token("a", digest, at(NOW - 3600), at(NOW))
            .await
            .unwrap();
        assert!(store.list("a", at(NOW)).await.unwrap().is_empty());
        assert!(store.read().is_empty(), "no empty account is left behind");
    });
}

#[test]
fn a_token_without_exp_is_kept_until_removed() {
    let authorizer = crate::Authorizer::new(crate::MemoryStores::new());
    let store = &authorizer.stores().revocations;
    let claims = StaticUrlClaims::builder("a", at(NOW)).build().unwrap();
    let token = VerifiedToken::new(PlaybackClaims::StaticUrl(claims), "a.b.c");
    block_on(async {
        authorizer.revoke("a", &token, at(NOW)).await.unwrap();
        let far = at(NumericDate::MAX_SECS - 1);
        assert_eq!(
            store.check("a", &token, far).await.unwrap(),
            RevocationStatus::Revoked
        );
        assert!(store.unrevoke("a", token.digest, far).await.unwrap());
    });
}

#[test]
fn uid_entries_expire_once_every_covered_token_has() {
    let store = MemoryRevocationStore::new();
    let uid = Uid::new("u").unwrap();
    let claims = PlaybackRestrictionClaims::builder("a", at(NOW - 1))
        .user("u")
        .build()
        .unwrap();
    let token = VerifiedToken::new(PlaybackClaims::Restriction(claims), "a.b.c");
    let lifetime = i64::try_from(playback_auth_claims::MAX_LIFETIME.as_secs()).unwrap();
    block_on(async {
        store
            .revoke_uid_before("a", &uid, at(NOW), at(NOW + lifetime), at(NOW))
            .await
            .unwrap();
        assert_eq!(
            store
                .check("a", &token, at(NOW + lifetime - 1))
                .await
                .unwrap(),
            RevocationStatus::Revoked
        );
        assert_eq!(
            store.check("a", &token, at(NOW + lifetime)).await.unwrap(),
            RevocationStatus::NotRevoked
        );
    });
}

#[test]
fn purge_expired_drops_dead_entries_and_empty_accounts() {
    let store = MemoryRevocationStore::new();
    block_on(async {
        store
            .revoke_token("a", TokenDigest::of_token("1"), at(NOW + 10), at(NOW))
            .await
            .unwrap();
        store
            .revoke_jti("b", "j", at(NOW + 10), at(NOW))
            .await
            .unwrap();
        store
            .revoke_jti("c", "j", at(NOW + 1000), at(NOW))
            .await
            .unwrap();
    });
    store.purge_expired(at(NOW + 10));
    let accounts = store.read();
    assert_eq!(accounts.len(), 1);
    assert!(accounts.contains_key("c"));
}

#[test]
fn unrevoking_removes_an_emptied_account() {
    let store = MemoryRevocationStore::new();
    let digest = TokenDigest::of_token("1");
    block_on(async {
        store
            .revoke_token("a", digest, at(NOW + 10), at(NOW))
            .await
            .unwrap();
        assert!(store.unrevoke("a", digest, at(NOW)).await.unwrap());
    });
    assert!(store.read().is_empty());
}

#[test]
fn status_and_kind_helpers() {
    assert!(!RevocationStatus::NotRevoked.is_refused());
    assert!(RevocationStatus::Revoked.is_refused());
    assert!(RevocationStatus::ViewerDisconnected.is_refused());
    assert_eq!(RevocationKind::Viewer.to_string(), "viewer");
    let error = RevocationError::ListFull {
        kind: RevocationKind::Token,
        capacity: 100,
    };
    assert_eq!(
        error.to_string(),
        "the token revocation list of the account is full (100 entries)"
    );
}

#[test]
fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let store = MemoryRevocationStore::new();
    let claims = StaticUrlClaims::builder("a", at(NOW)).build().unwrap();
    let token = VerifiedToken::new(PlaybackClaims::StaticUrl(claims), "a.b.c");
    assert_send(&store.check("a", &token, at(NOW)));
    assert_send(&store.revoke_token("a", token.digest, at(NOW), at(NOW)));
}
