//! What the authorizer emits through the `metrics` facade, read back with a local recorder:
//! decisions by outcome and code, verification times by algorithm, store times by operation,
//! and the verified-token cache's hits and misses.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::authorizer::token;
use crate::common::{ACCOUNT, CONTENT, UA, at, ip};
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::metrics::{
    CACHE_HITS_TOTAL, CACHE_MISSES_TOTAL, DECISIONS_TOTAL, STORE_SECONDS, VERIFY_SECONDS,
};
use playback_auth_policy::testing::metrics::recorded;
use playback_auth_policy::{Authorizer, MemoryStores, RequestContext, VerifyPool};
use playback_auth_verify::{CacheLimits, VerifiedTokenCache};

fn ctx() -> RequestContext {
    RequestContext::new(ACCOUNT, CONTENT, UA, ip(1), at(1))
}

async fn registered(authorizer: &Authorizer<MemoryStores>, key: &PrivateKey) {
    let value = key.public_key().to_public_key_txt();
    authorizer
        .register_key(ACCOUNT, &value, None)
        .await
        .unwrap();
}

#[test]
fn decisions_are_counted_by_outcome_and_stable_code() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let token = token(&key, 1);
    let ((), metrics) = recorded(async {
        let authorizer = Authorizer::new(MemoryStores::new());
        registered(&authorizer, &key).await;
        assert!(authorizer.authorize(&token, &ctx()).await.is_allowed());
        let again = authorizer.authorize(&token, &ctx()).await;
        assert_eq!(again.deny_reason().unwrap().code(), "max_uses_reached");
        let garbage = authorizer.authorize("x.y.z", &ctx()).await;
        assert_eq!(garbage.deny_reason().unwrap().code(), "invalid_base64");
        authorizer.count_refusal(&ctx(), "token_missing").await;
    });

    let decisions =
        |outcome, code| metrics.counter(DECISIONS_TOTAL, &[("outcome", outcome), ("code", code)]);
    assert_eq!(decisions("allowed", "ok"), 1);
    assert_eq!(decisions("denied", "max_uses_reached"), 1);
    assert_eq!(decisions("denied", "invalid_base64"), 1);
    assert_eq!(decisions("denied", "token_missing"), 1);
    assert_eq!(metrics.label_sets(DECISIONS_TOTAL).len(), 4);

    // Two tokens verified with ES256, one that did not verify.
    let es256 = metrics.samples(VERIFY_SECONDS, &[("alg", "ES256")]);
    assert_eq!(es256.len(), 2);
    assert!(es256.iter().all(|seconds| *seconds >= 0.0));
    assert_eq!(
        metrics.samples(VERIFY_SECONDS, &[("alg", "invalid")]).len(),
        1
    );
    assert_eq!(metrics.label_sets(VERIFY_SECONDS).len(), 2);

    // Four key reads (three tokens, and the refusal counted outside the engine, which looks
    // the account up); two decisions on a verified token (revocation check, the store's
    // operation, the audit record each); one refusal aggregated per unverified token and per
    // refusal counted outside the engine.
    let store = |op| metrics.samples(STORE_SECONDS, &[("op", op)]).len();
    assert_eq!(store("registry"), 4);
    assert_eq!(store("revocations"), 2);
    assert_eq!(store("apply"), 2);
    assert_eq!(store("audit"), 2);
    assert_eq!(store("audit_aggregate"), 2);
}

#[test]
fn a_head_check_is_counted_as_a_decision() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let token = token(&key, 1);
    let ((), metrics) = recorded(async {
        let authorizer = Arc::new(Authorizer::new(MemoryStores::new()));
        registered(&authorizer, &key).await;
        let pool = VerifyPool::default();
        let (decision, _) = authorizer.check_verified_on(&pool, &token, &ctx()).await;
        assert!(decision.is_allowed());
        let (decision, _) = authorizer.check_verified_on(&pool, "x.y", &ctx()).await;
        assert_eq!(decision.deny_reason().unwrap().code(), "malformed_token");
    });
    let decisions =
        |outcome, code| metrics.counter(DECISIONS_TOTAL, &[("outcome", outcome), ("code", code)]);
    assert_eq!(decisions("allowed", "ok"), 1);
    assert_eq!(decisions("denied", "malformed_token"), 1);
}

#[test]
fn the_verified_token_cache_counts_hits_and_misses() {
    let key = PrivateKey::generate(Algorithm::Es384).unwrap();
    let token = token(&key, 5);
    let ((), metrics) = recorded(async {
        let authorizer = Authorizer::builder(MemoryStores::new())
            .cache(VerifiedTokenCache::new(CacheLimits::default()))
            .build();
        registered(&authorizer, &key).await;
        for _ in 0..3 {
            assert!(authorizer.authorize(&token, &ctx()).await.is_allowed());
        }
    });
    assert_eq!(
        metrics.counter(CACHE_MISSES_TOTAL, &[("cache", "token")]),
        1
    );
    assert_eq!(metrics.counter(CACHE_HITS_TOTAL, &[("cache", "token")]), 2);
    assert_eq!(
        metrics.samples(VERIFY_SECONDS, &[("alg", "ES384")]).len(),
        3
    );
}
