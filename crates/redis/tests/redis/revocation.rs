//! `RevocationStore` on Redis, checked against `MemoryRevocationStore`: the same operations
//! give the same answers (the conformance suite covers the policy store only).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::{NumericDate, PlaybackClaims, Uid, ViewerId};
use playback_auth_policy::{
    MemoryRevocationStore, RevocationError, RevocationKind, RevocationStatus, RevocationStore,
    RevokedToken, TokenDigest, VerifiedToken,
};
use playback_auth_redis::RedisStore;

use crate::common::{ACCOUNT, at, channel, restriction};

fn sorted(mut list: Vec<RevokedToken>) -> Vec<(String, String)> {
    let mut out: Vec<_> = list
        .drain(..)
        .map(|entry| (entry.digest.to_hex(), entry.kept_until.to_string()))
        .collect();
    out.sort();
    out
}

/// How long an authorizer with the default leeway keeps a user's cutoff: until every token
/// issued before it has expired, plus the leeway.
fn keep(cutoff: NumericDate) -> NumericDate {
    cutoff
        .saturating_add(playback_auth_claims::MAX_LIFETIME)
        .saturating_add(playback_auth_claims::DEFAULT_LEEWAY)
}

/// Both stores, driven in lockstep.
struct Pair {
    memory: MemoryRevocationStore,
    redis: RedisStore,
}

impl Pair {
    fn new(url: &str, capacity: usize) -> Self {
        Self {
            memory: MemoryRevocationStore::new().with_capacity(capacity),
            redis: RedisStore::builder(url)
                .key_prefix(crate::common::unique_prefix("revocation"))
                .timeout(Duration::from_secs(5))
                .revocation_capacity(capacity)
                .build()
                .unwrap(),
        }
    }

    async fn check(&self, token: &VerifiedToken, now: NumericDate) -> RevocationStatus {
        let expected = self.memory.check(ACCOUNT, token, now).await.unwrap();
        let actual = self.redis.check(ACCOUNT, token, now).await.unwrap();
        assert_eq!(actual, expected, "check at {now}");
        actual
    }

    async fn list(&self, now: NumericDate) -> usize {
        let expected = sorted(self.memory.list(ACCOUNT, now).await.unwrap());
        let actual = sorted(self.redis.list(ACCOUNT, now).await.unwrap());
        assert_eq!(actual, expected, "list at {now}");
        actual.len()
    }
}

fn same_error(actual: &Result<(), RevocationError>, expected: &Result<(), RevocationError>) {
    match (actual, expected) {
        (Ok(()), Ok(())) => {}
        (
            Err(RevocationError::ListFull {
                kind: k1,
                capacity: c1,
            }),
            Err(RevocationError::ListFull {
                kind: k2,
                capacity: c2,
            }),
        ) => assert_eq!((k1, c1), (k2, c2)),
        other => panic!("stores disagree: {other:?}"),
    }
}

#[tokio::test]
async fn tokens_are_revoked_listed_expired_and_removed_like_in_memory() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let pair = Pair::new(&url, 2);
    let one = TokenDigest::of_token("one");
    let two = TokenDigest::of_token("two");
    let three = TokenDigest::of_token("three");
    for (digest, exp) in [(one, at(100)), (two, at(1000))] {
        let expected = pair.memory.revoke_token(ACCOUNT, digest, exp, at(0)).await;
        let actual = pair.redis.revoke_token(ACCOUNT, digest, exp, at(0)).await;
        same_error(&actual, &expected);
    }
    assert_eq!(pair.list(at(0)).await, 2);
    // Full: a third is refused with the list kind and capacity.
    let actual = pair
        .redis
        .revoke_token(ACCOUNT, three, at(500), at(1))
        .await;
    assert!(matches!(
        actual,
        Err(RevocationError::ListFull {
            kind: RevocationKind::Token,
            capacity: 2
        })
    ));
    same_error(
        &actual,
        &pair
            .memory
            .revoke_token(ACCOUNT, three, at(500), at(1))
            .await,
    );
    // Revoking again keeps the later expiry and needs no new place.
    for exp in [at(50), at(200)] {
        let expected = pair.memory.revoke_token(ACCOUNT, one, exp, at(2)).await;
        let actual = pair.redis.revoke_token(ACCOUNT, one, exp, at(2)).await;
        same_error(&actual, &expected);
    }
    pair.list(at(2)).await;
    for (digest, now) in [
        (one, at(229)),
        (one, at(230)),
        (two, at(229)),
        (three, at(0)),
    ] {
        let expected = pair.memory.is_revoked(ACCOUNT, digest, now).await.unwrap();
        let actual = pair.redis.is_revoked(ACCOUNT, digest, now).await.unwrap();
        assert_eq!(actual, expected, "is_revoked {digest} at {now}");
    }
    // "one" is kept until 200 + 30 s of leeway, then frees its place.
    assert_eq!(pair.list(at(230)).await, 1);
    let expected = pair
        .memory
        .revoke_token(ACCOUNT, three, at(500), at(230))
        .await;
    let actual = pair
        .redis
        .revoke_token(ACCOUNT, three, at(500), at(230))
        .await;
    same_error(&actual, &expected);
    assert!(actual.is_ok());
    // An already expired token is not stored.
    let four = TokenDigest::of_token("four");
    pair.memory
        .revoke_token(ACCOUNT, four, at(-100), at(300))
        .await
        .unwrap();
    pair.redis
        .revoke_token(ACCOUNT, four, at(-100), at(300))
        .await
        .unwrap();
    assert_eq!(pair.list(at(300)).await, 2);
    // Removal: true only for a live entry.
    for (digest, now) in [(two, at(400)), (two, at(400)), (one, at(400))] {
        let expected = pair.memory.unrevoke(ACCOUNT, digest, now).await.unwrap();
        let actual = pair.redis.unrevoke(ACCOUNT, digest, now).await.unwrap();
        assert_eq!(actual, expected, "unrevoke {digest} at {now}");
    }
    assert_eq!(pair.list(at(400)).await, 1);
    // Other accounts see nothing.
    assert!(
        pair.redis
            .list("acct-other", at(0))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn jti_uid_and_viewer_revocations_match_memory() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let pair = Pair::new(&url, 100);
    let with_jti = restriction("jti-token", |b| b.token_id("jti-1"));
    let other_jti = restriction("other-jti", |b| b.token_id("jti-2"));
    let user_early = restriction("user-early", |b| b.user("viewer-42"));
    let viewer = |label: &str, version: i64| channel(label, |b| b.viewer("viewer-9", version));
    let mut viewer_without_version = viewer("viewer-none", 0);
    if let PlaybackClaims::Channel(claims) = &mut viewer_without_version.claims {
        claims.viewer_session_version = None;
    }

    for token in [&with_jti, &other_jti, &user_early] {
        assert_eq!(pair.check(token, at(0)).await, RevocationStatus::NotRevoked);
    }

    // jti
    pair.memory
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .unwrap();
    pair.redis
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .unwrap();
    assert_eq!(
        pair.check(&with_jti, at(1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        pair.check(&other_jti, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        pair.check(&with_jti, at(3630)).await,
        RevocationStatus::NotRevoked
    );

    // uid before a cutoff: the token was issued at -10.
    let uid = Uid::new("viewer-42").unwrap();
    for cutoff in [at(-10), at(-9)] {
        pair.memory
            .revoke_uid_before(ACCOUNT, &uid, cutoff, keep(cutoff), at(0))
            .await
            .unwrap();
        pair.redis
            .revoke_uid_before(ACCOUNT, &uid, cutoff, keep(cutoff), at(0))
            .await
            .unwrap();
        pair.check(&user_early, at(1)).await;
    }
    assert_eq!(
        pair.check(&user_early, at(1)).await,
        RevocationStatus::Revoked
    );
    // A later cutoff replaces an earlier one; an earlier one does not.
    pair.memory
        .revoke_uid_before(ACCOUNT, &uid, at(-100), keep(at(-100)), at(0))
        .await
        .unwrap();
    pair.redis
        .revoke_uid_before(ACCOUNT, &uid, at(-100), keep(at(-100)), at(0))
        .await
        .unwrap();
    assert_eq!(
        pair.check(&user_early, at(1)).await,
        RevocationStatus::Revoked
    );

    // viewers: the higher version wins, a token with no version is refused too.
    let viewer_id = ViewerId::parse("viewer-9").unwrap();
    pair.memory
        .disconnect_viewer(ACCOUNT, &viewer_id, 2, at(3600), at(0))
        .await
        .unwrap();
    pair.redis
        .disconnect_viewer(ACCOUNT, &viewer_id, 2, at(3600), at(0))
        .await
        .unwrap();
    pair.memory
        .disconnect_viewer(ACCOUNT, &viewer_id, 1, at(100), at(0))
        .await
        .unwrap();
    pair.redis
        .disconnect_viewer(ACCOUNT, &viewer_id, 1, at(100), at(0))
        .await
        .unwrap();
    for (label, version) in [("v1", 1), ("v2", 2), ("v3", 3)] {
        pair.check(&viewer(label, version), at(1)).await;
    }
    assert_eq!(
        pair.check(&viewer("v2", 2), at(1)).await,
        RevocationStatus::ViewerDisconnected
    );
    assert_eq!(
        pair.check(&viewer_without_version, at(1)).await,
        RevocationStatus::ViewerDisconnected
    );
    // Versions beyond 2^53 compare exactly (no float rounding in the script).
    let big = i64::MAX - 1;
    pair.memory
        .disconnect_viewer(ACCOUNT, &viewer_id, big, at(3600), at(2))
        .await
        .unwrap();
    pair.redis
        .disconnect_viewer(ACCOUNT, &viewer_id, big, at(3600), at(2))
        .await
        .unwrap();
    pair.memory
        .disconnect_viewer(ACCOUNT, &viewer_id, big - 1, at(3600), at(2))
        .await
        .unwrap();
    pair.redis
        .disconnect_viewer(ACCOUNT, &viewer_id, big - 1, at(3600), at(2))
        .await
        .unwrap();
    assert_eq!(
        pair.check(&viewer("vmax", i64::MAX), at(3)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        pair.check(&viewer("vbig", big), at(3)).await,
        RevocationStatus::ViewerDisconnected
    );
    // Revoked wins over disconnected.
    let both = channel("both", |b| b.viewer("viewer-9", 1).token_id("jti-1"));
    assert_eq!(pair.check(&both, at(4)).await, RevocationStatus::Revoked);

    // Removal of each kind: true once, for a live entry.
    for _ in 0..2 {
        let memory = (
            pair.memory
                .unrevoke_jti(ACCOUNT, "jti-1", at(5))
                .await
                .unwrap(),
            pair.memory
                .unrevoke_uid(ACCOUNT, &uid, at(5))
                .await
                .unwrap(),
            pair.memory
                .reconnect_viewer(ACCOUNT, &viewer_id, at(5))
                .await
                .unwrap(),
        );
        let redis = (
            pair.redis
                .unrevoke_jti(ACCOUNT, "jti-1", at(5))
                .await
                .unwrap(),
            pair.redis.unrevoke_uid(ACCOUNT, &uid, at(5)).await.unwrap(),
            pair.redis
                .reconnect_viewer(ACCOUNT, &viewer_id, at(5))
                .await
                .unwrap(),
        );
        assert_eq!(redis, memory);
    }
    for token in [&with_jti, &user_early, &viewer("v1", 1), &both] {
        assert_eq!(pair.check(token, at(6)).await, RevocationStatus::NotRevoked);
    }
}

#[tokio::test]
async fn every_list_kind_has_its_own_capacity() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let pair = Pair::new(&url, 1);
    let uid = Uid::new("u").unwrap();
    let viewer = ViewerId::parse("v").unwrap();
    pair.redis
        .revoke_token(ACCOUNT, TokenDigest::of_token("a"), at(100), at(0))
        .await
        .unwrap();
    pair.redis
        .revoke_jti(ACCOUNT, "j", at(100), at(0))
        .await
        .unwrap();
    pair.redis
        .revoke_uid_before(ACCOUNT, &uid, at(0), keep(at(0)), at(0))
        .await
        .unwrap();
    pair.redis
        .disconnect_viewer(ACCOUNT, &viewer, 1, at(100), at(0))
        .await
        .unwrap();
    let full = |result: Result<(), RevocationError>, expected: RevocationKind| match result {
        Err(RevocationError::ListFull { kind, capacity: 1 }) => assert_eq!(kind, expected),
        other => panic!("expected {expected} list full, got {other:?}"),
    };
    full(
        pair.redis
            .revoke_token(ACCOUNT, TokenDigest::of_token("b"), at(100), at(1))
            .await,
        RevocationKind::Token,
    );
    full(
        pair.redis.revoke_jti(ACCOUNT, "k", at(100), at(1)).await,
        RevocationKind::Jti,
    );
    full(
        pair.redis
            .revoke_uid_before(ACCOUNT, &Uid::new("w").unwrap(), at(0), keep(at(0)), at(1))
            .await,
        RevocationKind::Uid,
    );
    full(
        pair.redis
            .disconnect_viewer(ACCOUNT, &ViewerId::parse("x").unwrap(), 1, at(100), at(1))
            .await,
        RevocationKind::Viewer,
    );
}

#[tokio::test]
async fn revocation_state_carries_a_ttl() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = crate::common::fresh_store(&url, "revocation-ttl");
    store
        .revoke_token(ACCOUNT, TokenDigest::of_token("t"), at(3600), at(0))
        .await
        .unwrap();
    let mut admin = crate::common::admin(&url).await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.revocation_key(ACCOUNT))
        .query_async(&mut admin)
        .await
        .unwrap();
    // 3600 s to the entry's end (the caller's keep-until) + 60 s margin, measured from the
    // decision's `now`.
    let expected = Duration::from_secs(3660).as_millis();
    let ttl = u128::try_from(ttl).unwrap();
    assert!(ttl <= expected && ttl > expected - 5_000, "PTTL {ttl}");
}
