//! The one-call authorizer: registry keys → strict verification at the request's time →
//! engine → audit, including rotation without a restart and fail-closed registry faults.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns fail the calling test

use std::future::{Future, ready};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::common::{ACCOUNT, CONTENT, UA, at, ip};
use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
use playback_auth_policy::{
    AuditDecision, Authorizer, DenyReason, KeyRecord, KeyRegistry, MemoryAuditSink,
    MemoryKeyRegistry, MemoryPolicyStore, MemoryRevocationStore, MemoryRightsStore, RegistryError,
    RequestContext, RevocationStatus, RevocationStore, StoreSet, Stores, TokenDigest,
};
use playback_auth_sign::Signer;
use playback_auth_verify::VerifyError;

type MemoryAuthorizer<K> =
    Authorizer<StoreSet<MemoryPolicyStore, MemoryRevocationStore, Arc<MemoryAuditSink>, K>>;

fn authorizer<K: KeyRegistry>(registry: K) -> MemoryAuthorizer<K> {
    Authorizer::new(StoreSet {
        policy: MemoryPolicyStore::new(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry,
        rights: MemoryRightsStore::new(),
    })
}

async fn registered(keys: &[&PrivateKey]) -> MemoryKeyRegistry {
    let registry = MemoryKeyRegistry::new();
    for key in keys {
        let value = key.public_key().to_public_key_txt();
        registry
            .register(ACCOUNT, &value, None, at(0))
            .await
            .unwrap();
    }
    registry
}

pub(crate) fn token(key: &PrivateKey, max_uses: u32) -> String {
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, at(0))
        .content_id(CONTENT)
        .max_uses(max_uses)
        .valid_for(Duration::from_secs(600))
        .build()
        .unwrap();
    Signer::new(key.clone()).sign(&claims).unwrap()
}

fn ctx(now: NumericDate) -> RequestContext {
    RequestContext::new(ACCOUNT, CONTENT, UA, ip(1), now)
}

fn invalid(decision: &playback_auth_policy::Decision) -> Option<&VerifyError> {
    match decision.deny_reason() {
        Some(DenyReason::InvalidToken(error)) => Some(error),
        _ => None,
    }
}

#[tokio::test]
async fn a_valid_token_is_decided_and_audited_with_its_digest() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let token = token(&key, 1);
    assert!(authorizer.authorize(&token, &ctx(at(1))).await.is_allowed());
    let second = authorizer.authorize(&token, &ctx(at(2))).await;
    assert_eq!(
        second.deny_reason(),
        Some(&DenyReason::MaxUsesReached { limit: 1 })
    );

    let records = authorizer.stores().audit().all_records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].decision, AuditDecision::Allow);
    assert_eq!(records[1].reason.as_deref(), Some("max_uses_reached"));
    assert!(
        records
            .iter()
            .all(|r| r.token_digest == Some(TokenDigest::of_token(&token)))
    );
}

#[tokio::test]
async fn an_invalid_token_is_denied_with_the_verifier_reason_and_counted() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let forged = token(&forger, 5);
    let decision = authorizer.authorize(&forged, &ctx(at(1))).await;
    assert_eq!(invalid(&decision), Some(&VerifyError::InvalidSignature));
    // No record of its own: one aggregate of the account, reason and minute.
    let audit = authorizer.stores().audit();
    assert!(audit.all_records().is_empty());
    let aggregates = audit.all_aggregates();
    assert_eq!(aggregates.len(), 1);
    assert_eq!(aggregates[0].account, ACCOUNT);
    assert_eq!(aggregates[0].reason, "invalid_signature");
    assert_eq!(aggregates[0].count, 1);
}

#[tokio::test]
async fn an_oversized_token_is_counted_without_hashing_it() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let huge = "a".repeat(100_000);
    let decision = authorizer.authorize(&huge, &ctx(at(1))).await;
    assert_eq!(
        invalid(&decision),
        Some(&VerifyError::TokenTooLong {
            len: 100_000,
            max: 8192
        })
    );
    let audit = authorizer.stores().audit();
    assert!(audit.all_records().is_empty());
    assert_eq!(audit.all_aggregates()[0].reason, "token_too_long");
}

#[tokio::test]
async fn verification_uses_the_requests_time() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let decision = authorizer
        .authorize(&token(&key, 5), &ctx(at(600 + 30)))
        .await;
    assert_eq!(
        decision.deny_reason().map(DenyReason::code),
        Some("token_expired")
    );
}

#[tokio::test]
async fn keys_rotate_through_the_registry_without_a_restart() {
    let old = PrivateKey::generate(Algorithm::Es256).unwrap();
    let new = PrivateKey::generate(Algorithm::Rs256).unwrap();
    let registry = registered(&[&old]).await;
    let authorizer = authorizer(registry);
    let new_token = token(&new, 5);
    let decision = authorizer.authorize(&new_token, &ctx(at(1))).await;
    assert_eq!(
        invalid(&decision),
        Some(&VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Rs256
        })
    );

    // Register the new key: both are live during the rotation.
    let value = new.public_key().to_public_key_txt();
    let record: KeyRecord = authorizer
        .stores()
        .registry()
        .register(ACCOUNT, &value, None, at(2))
        .await
        .unwrap();
    assert!(
        authorizer
            .authorize(&new_token, &ctx(at(3)))
            .await
            .is_allowed()
    );
    assert!(
        authorizer
            .authorize(&token(&old, 5), &ctx(at(3)))
            .await
            .is_allowed()
    );

    // Retire the old key: its tokens stop verifying at once; the new key's keep working.
    let old_id = old.public_key().thumbprint();
    assert!(
        authorizer
            .stores()
            .registry()
            .delete(ACCOUNT, &old_id)
            .await
            .unwrap()
    );
    let decision = authorizer.authorize(&token(&old, 5), &ctx(at(4))).await;
    assert_eq!(
        invalid(&decision),
        Some(&VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es256
        })
    );
    assert!(
        authorizer
            .authorize(&new_token, &ctx(at(4)))
            .await
            .is_allowed()
    );
    assert_eq!(record.id, new.public_key().thumbprint());
}

#[tokio::test]
async fn another_accounts_keys_are_never_used() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let mut other = ctx(at(1));
    other.account = "acct-2".into();
    let decision = authorizer.authorize(&token(&key, 5), &other).await;
    assert_eq!(
        invalid(&decision),
        Some(&VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es256
        })
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let token = token(&key, 5);
    let revocations = authorizer.engine().stores().revocations();
    revocations
        .revoke_token(ACCOUNT, TokenDigest::of_token(&token), at(600), at(1))
        .await
        .unwrap();
    let decision = authorizer.authorize(&token, &ctx(at(2))).await;
    assert_eq!(decision.deny_reason(), Some(&DenyReason::TokenRevoked));
}

/// A registry whose backend is down.
struct DownRegistry;

impl KeyRegistry for DownRegistry {
    fn register(
        &self,
        _: &str,
        _: &str,
        _: Option<String>,
        _: NumericDate,
    ) -> impl Future<Output = Result<KeyRecord, RegistryError>> + Send {
        ready(Err(RegistryError::backend(io::Error::other("down"))))
    }
    fn list(&self, _: &str) -> impl Future<Output = Result<Vec<KeyRecord>, RegistryError>> + Send {
        ready(Err(RegistryError::backend(io::Error::other("down"))))
    }
    fn get(
        &self,
        _: &str,
        _: &str,
    ) -> impl Future<Output = Result<Option<KeyRecord>, RegistryError>> + Send {
        ready(Err(RegistryError::backend(io::Error::other("down"))))
    }
    fn delete(&self, _: &str, _: &str) -> impl Future<Output = Result<bool, RegistryError>> + Send {
        ready(Err(RegistryError::backend(io::Error::other("down"))))
    }
    fn key_set(&self, _: &str) -> impl Future<Output = Result<KeySet, RegistryError>> + Send {
        ready(Err(RegistryError::backend(io::Error::other("down"))))
    }
}

#[tokio::test]
async fn a_registry_fault_fails_closed_and_is_counted() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(DownRegistry);
    let decision = authorizer.authorize(&token(&key, 5), &ctx(at(1))).await;
    assert_eq!(decision.deny_reason(), Some(&DenyReason::StoreUnavailable));
    assert_eq!(authorizer.engine().store_failures(), 1);
    assert_eq!(
        authorizer.stores().audit().all_aggregates()[0].reason,
        "store_unavailable"
    );
}

#[tokio::test]
async fn authorize_verified_returns_the_claims_with_the_decision() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let token = token(&key, 1);

    let (decision, verified) = authorizer.authorize_verified(&token, &ctx(at(1))).await;
    assert!(decision.is_allowed());
    let verified = verified.unwrap();
    assert_eq!(verified.digest, TokenDigest::of_token(&token));
    assert_eq!(verified.claims.account(), Some(ACCOUNT));

    // A policy denial still returns the verified token; `authorize` agrees with it.
    let (decision, verified) = authorizer.authorize_verified(&token, &ctx(at(2))).await;
    assert_eq!(
        decision.deny_reason(),
        Some(&DenyReason::MaxUsesReached { limit: 1 })
    );
    assert!(verified.is_some());
    assert_eq!(authorizer.authorize(&token, &ctx(at(3))).await, decision);
}

#[tokio::test]
async fn authorize_verified_returns_no_token_when_verification_or_the_registry_fails() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = authorizer(registered(&[&key]).await);
    let (decision, verified) = authorizer
        .authorize_verified(&token(&forger, 5), &ctx(at(1)))
        .await;
    assert_eq!(invalid(&decision), Some(&VerifyError::InvalidSignature));
    assert!(verified.is_none());

    let down = self::authorizer(DownRegistry);
    let (decision, verified) = down.authorize_verified(&token(&key, 5), &ctx(at(1))).await;
    assert_eq!(decision.deny_reason(), Some(&DenyReason::StoreUnavailable));
    assert!(verified.is_none());
}

/// `verify_token` is the authorizer's verification step alone: the account's keys, the
/// verifier's rules, and no decision or audit record.
#[tokio::test]
async fn verify_token_checks_without_deciding_or_auditing() {
    use playback_auth_policy::TokenError;

    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let stranger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let down = authorizer(DownRegistry);
    let authorizer = authorizer(registered(&[&key]).await);
    let valid = token(&key, 1);

    let verified = authorizer
        .verify_token(ACCOUNT, &valid, at(1))
        .await
        .unwrap();
    assert_eq!(verified.digest, TokenDigest::of_token(&valid));
    // Twice: verifying consumed none of the token's single use.
    authorizer
        .verify_token(ACCOUNT, &valid, at(1))
        .await
        .unwrap();
    assert!(authorizer.authorize(&valid, &ctx(at(1))).await.is_allowed());

    assert!(matches!(
        authorizer
            .verify_token(ACCOUNT, &token(&stranger, 1), at(1))
            .await,
        Err(TokenError::Invalid(VerifyError::InvalidSignature))
    ));
    assert!(matches!(
        down.verify_token(ACCOUNT, &valid, at(1)).await,
        Err(TokenError::Registry(RegistryError::Backend { .. }))
    ));
    // An account without any key: the same verifier error, told apart so that nothing is
    // stored for it.
    assert!(matches!(
        authorizer
            .verify_token("acct-without-keys", &valid, at(1))
            .await,
        Err(TokenError::UnregisteredAccount(_))
    ));
    // Only the one authorize call above was audited.
    assert_eq!(authorizer.stores().audit().all_records().len(), 1);
}

/// The builder's one leeway is the verifier's, the counters' and the revocations': a token
/// accepted within it finds its counters and its revocation, and nothing outlives it.
#[tokio::test]
async fn one_leeway_reaches_the_verifier_the_counters_and_the_revocations() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let authorizer = Authorizer::builder(playback_auth_policy::MemoryStores::new())
        .leeway(Duration::from_secs(5))
        .build();
    assert_eq!(authorizer.engine().leeway(), Duration::from_secs(5));
    let value = key.public_key().to_public_key_txt();
    authorizer
        .stores()
        .registry()
        .register(ACCOUNT, &value, None, at(0))
        .await
        .unwrap();
    // Issued at 0, valid for 600 s: exp = 600.
    let token = token(&key, 1);

    // The verifier accepts it until exp + 5 s, and the use counted then is still counted.
    assert!(
        authorizer
            .authorize(&token, &ctx(at(604)))
            .await
            .is_allowed()
    );
    assert_eq!(
        authorizer
            .authorize(&token, &ctx(at(604)))
            .await
            .deny_reason(),
        Some(&DenyReason::MaxUsesReached { limit: 1 })
    );
    assert!(matches!(
        invalid(&authorizer.authorize(&token, &ctx(at(605))).await),
        Some(VerifyError::Claims(_))
    ));

    // A revocation is kept exactly as long as the token verifies.
    let verified = authorizer
        .verify_token(ACCOUNT, &token, at(0))
        .await
        .unwrap();
    authorizer.revoke(ACCOUNT, &verified, at(0)).await.unwrap();
    let listed = authorizer
        .stores()
        .revocations()
        .list(ACCOUNT, at(0))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kept_until, at(605));
    let user = playback_auth_claims::Uid::new("viewer-1").unwrap();
    authorizer
        .revoke_uid_before(ACCOUNT, &user, at(100), at(0))
        .await
        .unwrap();
    // Every token issued before the cutoff has expired by cutoff + the longest lifetime;
    // the entry lasts the leeway beyond that, and no longer.
    let lifetime = i64::try_from(playback_auth_claims::MAX_LIFETIME.as_secs()).unwrap();
    let by_user = crate::common::restriction("by-user", |b| b.user("viewer-1"));
    let revocations = authorizer.stores().revocations();
    for (secs, status) in [
        (100 + lifetime + 4, RevocationStatus::Revoked),
        (100 + lifetime + 5, RevocationStatus::NotRevoked),
    ] {
        assert_eq!(
            revocations
                .check(ACCOUNT, &by_user, at(secs))
                .await
                .unwrap(),
            status
        );
    }
}

/// The clock set on the builder is the one the authorizer hands to whoever serves with it.
#[test]
fn the_builders_clock_is_the_authorizers() {
    let authorizer = Authorizer::builder(playback_auth_policy::MemoryStores::new())
        .clock(playback_auth_verify::FixedClock(at(42)))
        .build();
    assert_eq!(authorizer.now(), at(42));
    assert_eq!(authorizer.clock().now(), at(42));
}
