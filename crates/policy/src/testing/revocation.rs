//! The [`RevocationStore`] suite: the four lists of an account (tokens, `jti`s, users,
//! viewers), what each refuses, how entries merge, expire and free their places, and the
//! per-list capacity.
//!
//! Each check takes a factory making a fresh, empty store whose lists hold `capacity` live
//! entries each; [`revocation_store_conformance!`](crate::revocation_store_conformance)
//! runs them all.

use std::future::Future;

use playback_auth_claims::{NumericDate, PlaybackClaims, ViewerId};

use crate::digest::TokenDigest;
use crate::error::RevocationError;
use crate::revocation::{RevocationKind, RevocationStatus, RevocationStore, RevokedToken};

use super::{ACCOUNT, at, channel, restriction, uid};

/// A capacity no check reaches.
const ROOMY: usize = 100;

fn viewer(name: &str) -> ViewerId {
    ViewerId::parse(name).expect("valid viewer id")
}

/// How long an authorizer keeps a user's cutoff: every token issued before it has expired.
fn keep(cutoff: NumericDate) -> NumericDate {
    cutoff
        .saturating_add(playback_auth_claims::MAX_LIFETIME)
        .saturating_add(playback_auth_claims::DEFAULT_LEEWAY)
}

/// The live token list, sorted, as `(digest, kept_until)` text.
async fn listed<S: RevocationStore>(store: &S, account: &str, now: NumericDate) -> Vec<String> {
    let list: Vec<RevokedToken> = store.list(account, now).await.expect("list");
    let mut out: Vec<String> = list
        .into_iter()
        .map(|entry| format!("{} {}", entry.digest.to_hex(), entry.kept_until))
        .collect();
    out.sort();
    out
}

fn entry(digest: TokenDigest, kept_until: NumericDate) -> String {
    format!("{} {kept_until}", digest.to_hex())
}

#[track_caller]
fn list_full(result: Result<(), RevocationError>, kind: RevocationKind, capacity: usize) {
    match result {
        Err(RevocationError::ListFull {
            kind: got,
            capacity: got_capacity,
        }) => assert_eq!((got, got_capacity), (kind, capacity)),
        other => panic!("expected the {kind} list to be full ({capacity}), got {other:?}"),
    }
}

async fn status<S: RevocationStore>(
    store: &S,
    token: &crate::VerifiedToken,
    now: NumericDate,
) -> RevocationStatus {
    store.check(ACCOUNT, token, now).await.expect("check")
}

/// A revoked token is revoked (by `is_revoked` and `check`), listed with its `keep_until`,
/// and removed once: `unrevoke` is `true` for the live entry, then `false`.
pub async fn tokens_are_revoked_listed_and_removed<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let token = restriction(|b| b, "revoked-1");
    let other = restriction(|b| b, "revoked-2");
    assert_eq!(
        status(&store, &token, at(0)).await,
        RevocationStatus::NotRevoked
    );
    store
        .revoke_token(ACCOUNT, token.digest, at(3600), at(0))
        .await
        .expect("revoke");
    assert!(
        store
            .is_revoked(ACCOUNT, token.digest, at(1))
            .await
            .expect("is_revoked")
    );
    assert!(
        !store
            .is_revoked(ACCOUNT, other.digest, at(1))
            .await
            .expect("is_revoked")
    );
    assert_eq!(
        status(&store, &token, at(1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &other, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        listed(&store, ACCOUNT, at(1)).await,
        [entry(token.digest, at(3600))]
    );
    assert!(
        store
            .unrevoke(ACCOUNT, token.digest, at(2))
            .await
            .expect("unrevoke")
    );
    assert!(
        !store
            .unrevoke(ACCOUNT, token.digest, at(2))
            .await
            .expect("unrevoke")
    );
    assert!(
        !store
            .is_revoked(ACCOUNT, token.digest, at(3))
            .await
            .expect("is_revoked")
    );
    assert_eq!(
        status(&store, &token, at(3)).await,
        RevocationStatus::NotRevoked
    );
    assert!(listed(&store, ACCOUNT, at(3)).await.is_empty());
}

/// Revoking a token already listed keeps the later `keep_until` and takes no new place.
pub async fn revoking_again_keeps_the_later_instant<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(1).await;
    let digest = TokenDigest::of_token("again");
    for keep_until in [at(100), at(50), at(200), at(150)] {
        store
            .revoke_token(ACCOUNT, digest, keep_until, at(0))
            .await
            .expect("revoking a listed token needs no new place");
    }
    assert_eq!(
        listed(&store, ACCOUNT, at(1)).await,
        [entry(digest, at(200))]
    );
    assert!(
        store
            .is_revoked(ACCOUNT, digest, at(199))
            .await
            .expect("is_revoked")
    );
    assert!(
        !store
            .is_revoked(ACCOUNT, digest, at(200))
            .await
            .expect("is_revoked")
    );
}

/// An entry is live while `now < keep_until`; then it is no longer revoked, listed or
/// removable, and its place is free again.
pub async fn entries_expire_and_free_their_places<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(2).await;
    let [one, two, three] = ["one", "two", "three"].map(TokenDigest::of_token);
    store
        .revoke_token(ACCOUNT, one, at(100), at(0))
        .await
        .expect("revoke");
    store
        .revoke_token(ACCOUNT, two, at(1000), at(0))
        .await
        .expect("revoke");
    list_full(
        store.revoke_token(ACCOUNT, three, at(500), at(1)).await,
        RevocationKind::Token,
        2,
    );
    assert!(
        !store
            .is_revoked(ACCOUNT, three, at(1))
            .await
            .expect("is_revoked")
    );
    assert!(
        store
            .is_revoked(ACCOUNT, one, at(99))
            .await
            .expect("is_revoked")
    );
    assert!(
        !store
            .is_revoked(ACCOUNT, one, at(100))
            .await
            .expect("is_revoked")
    );
    assert_eq!(
        listed(&store, ACCOUNT, at(100)).await,
        [entry(two, at(1000))]
    );
    assert!(
        !store
            .unrevoke(ACCOUNT, one, at(100))
            .await
            .expect("unrevoke")
    );
    store
        .revoke_token(ACCOUNT, three, at(500), at(100))
        .await
        .expect("the expired entry freed its place");
    assert_eq!(listed(&store, ACCOUNT, at(100)).await.len(), 2);
}

/// An entry whose `keep_until` has passed is not stored and takes no place.
pub async fn expired_entries_are_not_stored<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(1).await;
    let [old, new] = ["old", "new"].map(TokenDigest::of_token);
    store
        .revoke_token(ACCOUNT, old, at(-100), at(0))
        .await
        .expect("revoke");
    store
        .revoke_token(ACCOUNT, old, at(0), at(0))
        .await
        .expect("revoke");
    assert!(
        !store
            .is_revoked(ACCOUNT, old, at(-200))
            .await
            .expect("is_revoked")
    );
    assert!(listed(&store, ACCOUNT, at(-200)).await.is_empty());
    store
        .revoke_token(ACCOUNT, new, at(100), at(0))
        .await
        .expect("nothing took the place");
}

/// Each of the four lists holds `capacity` live entries of its own, and a full list is
/// refused with its kind and capacity.
pub async fn every_list_has_its_own_capacity<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(1).await;
    store
        .revoke_token(ACCOUNT, TokenDigest::of_token("a"), at(100), at(0))
        .await
        .expect("token");
    store
        .revoke_jti(ACCOUNT, "j", at(100), at(0))
        .await
        .expect("jti");
    store
        .revoke_uid_before(ACCOUNT, &uid("u"), at(0), keep(at(0)), at(0))
        .await
        .expect("uid");
    store
        .disconnect_viewer(ACCOUNT, &viewer("v"), 1, at(100), at(0))
        .await
        .expect("viewer");
    list_full(
        store
            .revoke_token(ACCOUNT, TokenDigest::of_token("b"), at(100), at(1))
            .await,
        RevocationKind::Token,
        1,
    );
    list_full(
        store.revoke_jti(ACCOUNT, "k", at(100), at(1)).await,
        RevocationKind::Jti,
        1,
    );
    list_full(
        store
            .revoke_uid_before(ACCOUNT, &uid("w"), at(0), keep(at(0)), at(1))
            .await,
        RevocationKind::Uid,
        1,
    );
    list_full(
        store
            .disconnect_viewer(ACCOUNT, &viewer("x"), 1, at(100), at(1))
            .await,
        RevocationKind::Viewer,
        1,
    );
    // Another account has lists of its own.
    store
        .revoke_jti("acct-other", "k", at(100), at(1))
        .await
        .expect("another account's list");
}

/// A `jti` revocation refuses every token with that `jti`, and no other, until it expires.
pub async fn jti_revocations_refuse_that_token_id<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let with_jti = restriction(|b| b.token_id("jti-1"), "jti-token-1");
    let same_jti = channel(|b| b.token_id("jti-1"), "jti-token-2");
    let other_jti = restriction(|b| b.token_id("jti-2"), "jti-token-3");
    let no_jti = restriction(|b| b, "jti-token-4");
    store
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &with_jti, at(1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &same_jti, at(1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &other_jti, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        status(&store, &no_jti, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        status(&store, &with_jti, at(3600)).await,
        RevocationStatus::NotRevoked
    );
    // A later instant extends the entry.
    store
        .revoke_jti(ACCOUNT, "jti-2", at(10), at(0))
        .await
        .expect("revoke");
    store
        .revoke_jti(ACCOUNT, "jti-2", at(20), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &other_jti, at(15)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &other_jti, at(20)).await,
        RevocationStatus::NotRevoked
    );
}

/// A user revocation refuses the user's tokens issued strictly before the cutoff; a later
/// cutoff replaces an earlier one, an earlier one does not.
pub async fn uid_revocations_refuse_tokens_issued_before_the_cutoff<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    // Issued at at(-10).
    let token = restriction(|b| b.user("viewer-42"), "uid-token-1");
    let other_user = restriction(|b| b.user("viewer-43"), "uid-token-2");
    let user = uid("viewer-42");
    store
        .revoke_uid_before(ACCOUNT, &user, at(-10), keep(at(-10)), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &token, at(1)).await,
        RevocationStatus::NotRevoked
    );
    store
        .revoke_uid_before(ACCOUNT, &user, at(-9), keep(at(-9)), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &token, at(1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &other_user, at(1)).await,
        RevocationStatus::NotRevoked
    );
    store
        .revoke_uid_before(ACCOUNT, &user, at(-100), keep(at(-100)), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &token, at(1)).await,
        RevocationStatus::Revoked
    );
    // Kept until `keep_until`, then forgotten.
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).expect("in range");
    let end =
        -9 + secs(playback_auth_claims::MAX_LIFETIME) + secs(playback_auth_claims::DEFAULT_LEEWAY);
    assert_eq!(
        status(&store, &token, at(end - 1)).await,
        RevocationStatus::Revoked
    );
    assert_eq!(
        status(&store, &token, at(end)).await,
        RevocationStatus::NotRevoked
    );
}

/// A disconnected viewer's tokens at or below the version are refused (a token with the
/// viewer id and no version too); disconnecting again keeps the higher version and the
/// later instant; versions compare exactly up to `i64::MAX`.
pub async fn viewer_disconnections_refuse_versions_at_or_below<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let token = |version: i64| {
        channel(
            |b| b.viewer("viewer-9", version),
            &format!("viewer-token-{version}"),
        )
    };
    let mut without_version = token(0);
    if let PlaybackClaims::Channel(claims) = &mut without_version.claims {
        claims.viewer_session_version = None;
    }
    let other_viewer = channel(|b| b.viewer("viewer-8", 1), "viewer-token-other");
    let id = viewer("viewer-9");
    store
        .disconnect_viewer(ACCOUNT, &id, 2, at(3600), at(0))
        .await
        .expect("disconnect");
    store
        .disconnect_viewer(ACCOUNT, &id, 1, at(100), at(0))
        .await
        .expect("disconnect");
    for (version, expected) in [
        (1, RevocationStatus::ViewerDisconnected),
        (2, RevocationStatus::ViewerDisconnected),
        (3, RevocationStatus::NotRevoked),
    ] {
        assert_eq!(
            status(&store, &token(version), at(1)).await,
            expected,
            "version {version}"
        );
    }
    assert_eq!(
        status(&store, &without_version, at(1)).await,
        RevocationStatus::ViewerDisconnected
    );
    assert_eq!(
        status(&store, &other_viewer, at(1)).await,
        RevocationStatus::NotRevoked
    );
    // The later instant was kept.
    assert_eq!(
        status(&store, &token(2), at(3599)).await,
        RevocationStatus::ViewerDisconnected
    );
    assert_eq!(
        status(&store, &token(2), at(3600)).await,
        RevocationStatus::NotRevoked
    );
    // Versions beyond 2^53 compare exactly.
    let big = i64::MAX - 1;
    store
        .disconnect_viewer(ACCOUNT, &id, big, at(3600), at(2))
        .await
        .expect("disconnect");
    store
        .disconnect_viewer(ACCOUNT, &id, big - 1, at(3600), at(2))
        .await
        .expect("disconnect");
    assert_eq!(
        status(&store, &token(big), at(3)).await,
        RevocationStatus::ViewerDisconnected
    );
    assert_eq!(
        status(&store, &token(i64::MAX), at(3)).await,
        RevocationStatus::NotRevoked
    );
}

/// A token both revoked and of a disconnected viewer is [`RevocationStatus::Revoked`].
pub async fn revoked_wins_over_disconnected<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let both = channel(|b| b.viewer("viewer-9", 1).token_id("jti-1"), "both");
    store
        .disconnect_viewer(ACCOUNT, &viewer("viewer-9"), 1, at(3600), at(0))
        .await
        .expect("disconnect");
    assert_eq!(
        status(&store, &both, at(1)).await,
        RevocationStatus::ViewerDisconnected
    );
    store
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .expect("revoke");
    assert_eq!(
        status(&store, &both, at(1)).await,
        RevocationStatus::Revoked
    );
}

/// Removing a `jti`, user or viewer entry is `true` once for a live entry, `false` after or
/// for an expired one, and the tokens it refused pass again.
pub async fn entries_of_every_list_are_removed_once<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let user = uid("viewer-42");
    let id = viewer("viewer-9");
    let tokens = [
        restriction(|b| b.token_id("jti-1"), "removed-1"),
        restriction(|b| b.user("viewer-42"), "removed-2"),
        channel(|b| b.viewer("viewer-9", 1), "removed-3"),
    ];
    store
        .revoke_jti(ACCOUNT, "jti-1", at(3600), at(0))
        .await
        .expect("jti");
    store
        .revoke_uid_before(ACCOUNT, &user, at(0), keep(at(0)), at(0))
        .await
        .expect("uid");
    store
        .disconnect_viewer(ACCOUNT, &id, 1, at(3600), at(0))
        .await
        .expect("viewer");
    for token in &tokens {
        assert!(status(&store, token, at(1)).await.is_refused());
    }
    for expected in [true, false] {
        let removed = (
            store
                .unrevoke_jti(ACCOUNT, "jti-1", at(5))
                .await
                .expect("unrevoke_jti"),
            store
                .unrevoke_uid(ACCOUNT, &user, at(5))
                .await
                .expect("unrevoke_uid"),
            store
                .reconnect_viewer(ACCOUNT, &id, at(5))
                .await
                .expect("reconnect_viewer"),
        );
        assert_eq!(removed, (expected, expected, expected));
    }
    for token in &tokens {
        assert_eq!(
            status(&store, token, at(6)).await,
            RevocationStatus::NotRevoked
        );
    }
    // An expired entry is not "removed".
    store
        .revoke_jti(ACCOUNT, "jti-2", at(10), at(6))
        .await
        .expect("jti");
    assert!(
        !store
            .unrevoke_jti(ACCOUNT, "jti-2", at(10))
            .await
            .expect("unrevoke_jti")
    );
}

/// Revocations of one account never refuse another account's tokens or show in its list.
pub async fn accounts_are_independent<S, F, Fut>(new_store: F)
where
    S: RevocationStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let token = channel(|b| b.viewer("viewer-9", 1).token_id("jti-1"), "scoped");
    let user_token = restriction(|b| b.user("viewer-42"), "scoped-user");
    let other = "acct-other";
    store
        .revoke_token(other, token.digest, at(3600), at(0))
        .await
        .expect("token");
    store
        .revoke_jti(other, "jti-1", at(3600), at(0))
        .await
        .expect("jti");
    store
        .revoke_uid_before(other, &uid("viewer-42"), at(0), keep(at(0)), at(0))
        .await
        .expect("uid");
    store
        .disconnect_viewer(other, &viewer("viewer-9"), 1, at(3600), at(0))
        .await
        .expect("viewer");
    assert!(
        !store
            .is_revoked(ACCOUNT, token.digest, at(1))
            .await
            .expect("is_revoked")
    );
    assert!(listed(&store, ACCOUNT, at(1)).await.is_empty());
    assert_eq!(
        status(&store, &token, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        status(&store, &user_token, at(1)).await,
        RevocationStatus::NotRevoked
    );
    assert_eq!(
        store.check(other, &token, at(1)).await.expect("check"),
        RevocationStatus::Revoked
    );
    assert!(
        !store
            .unrevoke(ACCOUNT, token.digest, at(1))
            .await
            .expect("unrevoke")
    );
    assert!(
        store
            .is_revoked(other, token.digest, at(1))
            .await
            .expect("is_revoked")
    );
}

/// Stamps out one `#[tokio::test]` per check of
/// [`testing::revocation`](crate::testing::revocation), each calling it with `$factory`: an
/// expression for a closure from a per-list capacity (`usize`) to a future of a fresh, empty
/// store with that capacity. Needs `tokio` (`macros`, `rt-multi-thread`); once per module.
///
/// ```
/// use playback_auth_policy::MemoryRevocationStore;
///
/// playback_auth_policy::revocation_store_conformance!(|capacity| async move {
///     MemoryRevocationStore::new().with_capacity(capacity)
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! revocation_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            revocation, $factory;
            tokens_are_revoked_listed_and_removed,
            revoking_again_keeps_the_later_instant,
            entries_expire_and_free_their_places,
            expired_entries_are_not_stored,
            every_list_has_its_own_capacity,
            jti_revocations_refuse_that_token_id,
            uid_revocations_refuse_tokens_issued_before_the_cutoff,
            viewer_disconnections_refuse_versions_at_or_below,
            revoked_wins_over_disconnected,
            entries_of_every_list_are_removed_once,
            accounts_are_independent
        );
    };
}
