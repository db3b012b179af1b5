//! The registered-accounts set: a token naming an account that never registered a key — a
//! made-up name in a garbage flood — is refused from memory, with no Redis command and no
//! cache entry (so real accounts stay cached); an account that registers its first key on
//! one store is usable on every other within the staleness bound; and while invalidations
//! are cut the set is not trusted (lookups read through). Caches run on a `ManualClock`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use playback_auth_claims::PlaybackRestrictionClaims;
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::cache::CacheConfig;
use playback_auth_policy::{DenyReason, RequestContext};
use playback_auth_redis::{RedisStore, RedisStoreBuilder};
use playback_auth_sign::Signer;

use crate::common::{ACCOUNT, RedisServer, at, ip, request, unique_prefix};
use crate::fleet_cache::{Engine, engine_of, kill_subscriptions, wait_invalidations};
use crate::round_trips::{command_calls, reset};

const BOUND: Duration = Duration::from_millis(500);

fn builder(url: &str, prefix: &str) -> RedisStoreBuilder {
    RedisStore::builder(url)
        .key_prefix(prefix)
        .timeout(Duration::from_secs(5))
        // Nothing batched is written while the test counts commands.
        .audit_batch_interval(Some(Duration::from_secs(3600)))
}

/// `builder` with a cache of staleness bound `BOUND`.
fn bounded(url: &str, prefix: &str) -> RedisStoreBuilder {
    builder(url, prefix).cache(Some(CacheConfig::default().with_staleness_bound(BOUND)))
}

/// An engine over `builder`, once its cache and (when kept) its set are trusted.
async fn engine(builder: RedisStoreBuilder) -> Engine {
    let engine = engine_of(builder).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while engine.store.registered_accounts_trusted() == Some(false) {
        assert!(Instant::now() < deadline, "the set was never read");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    engine
}

/// A request of `account` (the one `request` makes, for another account).
fn request_of(account: &str, secs: i64) -> RequestContext {
    RequestContext::new(account, "video-7", "Player/1.0", ip(1), at(secs))
}

fn sign(signer: &Signer, account: &str) -> String {
    let claims = PlaybackRestrictionClaims::builder(account, at(-10))
        .valid_for(Duration::from_secs(3600))
        .build()
        .unwrap();
    signer.sign(&claims).unwrap()
}

/// Registers a new key of `account` through `engine`, and waits for the registration's own
/// invalidation to come back (so it cannot drop what the test caches next).
async fn register(engine: &Engine, account: &str) -> Signer {
    let before = engine.store.cache_stats().unwrap().invalidations;
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    register_key(engine, account, &key).await;
    wait_invalidations(engine, before + 1).await;
    Signer::new(key)
}

/// Registers `key` for `account` through `engine`.
async fn register_key(engine: &Engine, account: &str, key: &PrivateKey) {
    engine
        .authorizer
        .register_key(account, &key.public_key().to_public_key_txt(), None)
        .await
        .unwrap();
}

/// Commands run since the last reset, without the test's own and the subscription's pings.
async fn commands(admin: &mut redis::aio::MultiplexedConnection) -> BTreeMap<String, u64> {
    command_calls(admin)
        .await
        .into_iter()
        .filter(|(name, _)| !name.starts_with("config") && name != "info" && name != "ping")
        .collect()
}

/// `N` tokens naming `N` made-up accounts (signed by a real key of `ACCOUNT`): each refused
/// as an invalid token; returns the commands they cost.
async fn flood(
    engine: &Engine,
    signer: &Signer,
    admin: &mut redis::aio::MultiplexedConnection,
    n: usize,
) -> BTreeMap<String, u64> {
    reset(admin).await;
    for i in 0..n {
        let account = format!("made-up-{i}");
        let decision = engine
            .authorizer
            .authorize(&sign(signer, &account), &request_of(&account, 1))
            .await;
        assert!(
            matches!(decision.deny_reason(), Some(DenyReason::InvalidToken(_))),
            "{decision:?}"
        );
    }
    commands(admin).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_accounts_cost_no_redis_command_and_evict_no_real_account() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    const N: usize = 200;
    let url = server.url();
    let mut admin = crate::common::admin(&url).await;
    // A cache of 4 accounts: without the set, 200 made-up names would evict the real one.
    let small = CacheConfig::default()
        .with_staleness_bound(BOUND)
        .with_max_accounts(4);
    let prefix = unique_prefix("accounts-flood");
    let guarded = engine(builder(&url, &prefix).cache(Some(small))).await;
    let signer = register(&guarded, ACCOUNT).await;
    let token = sign(&signer, ACCOUNT);
    assert!(
        guarded
            .authorizer
            .authorize(&token, &request(0))
            .await
            .is_allowed()
    );
    assert_eq!(guarded.store.registered_accounts_trusted(), Some(true));

    let sent = flood(&guarded, &signer, &mut admin, N).await;
    assert_eq!(
        sent,
        BTreeMap::new(),
        "{N} made-up accounts cost no command"
    );

    // The real account's keys are still in memory: its next authorize reads no registry.
    let misses = guarded.store.cache_stats().unwrap().misses;
    reset(&mut admin).await;
    assert!(
        guarded
            .authorizer
            .authorize(&token, &request(2))
            .await
            .is_allowed()
    );
    assert_eq!(guarded.store.cache_stats().unwrap().misses, misses);
    let sent = commands(&mut admin).await;
    assert!(!sent.contains_key("hgetall"), "{sent:?}");

    // Without the set (limit 0) the same flood costs one read per made-up account: what
    // the set saves.
    let unguarded = engine(
        builder(&url, &prefix)
            .cache(Some(small))
            .registered_accounts_limit(0),
    )
    .await;
    assert_eq!(unguarded.store.registered_accounts_trusted(), None);
    let sent = flood(&unguarded, &signer, &mut admin, N).await;
    assert_eq!(sent.get("hgetall"), Some(&(N as u64)), "{sent:?}");
    eprintln!(
        "registered accounts: {N} made-up accounts cost no command (without the set: {sent:?})"
    );

    // Past its limit the set is not used: every account is looked up as before.
    let limited = engine(
        builder(&url, &prefix)
            .cache(Some(small))
            .registered_accounts_limit(1),
    )
    .await;
    register(&limited, "second-account").await;
    assert_eq!(limited.store.registered_accounts_trusted(), Some(false));
    let sent = flood(&limited, &signer, &mut admin, 3).await;
    assert_eq!(sent.get("hgetall"), Some(&3), "{sent:?}");

    // A store starting with the SET already past its limit does not even read it.
    reset(&mut admin).await;
    let late = engine_of(
        builder(&url, &prefix)
            .cache(Some(small))
            .registered_accounts_limit(1),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !commands(&mut admin).await.contains_key("scard") {
        assert!(Instant::now() < deadline, "the set's size was never read");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(commands(&mut admin).await.get("smembers"), None);
    assert_eq!(late.store.registered_accounts_trusted(), Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_key_registered_on_one_store_is_usable_on_another() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let prefix = unique_prefix("accounts-new");
    let [writer, reader] = [
        engine(bounded(&url, &prefix)).await,
        engine(bounded(&url, &prefix)).await,
    ];
    const NEW: &str = "brand-new-account";
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let token = sign(&Signer::new(key.clone()), NEW);
    // Unknown yet: refused from memory.
    let decision = reader
        .authorizer
        .authorize(&token, &request_of(NEW, 0))
        .await;
    assert!(matches!(
        decision.deny_reason(),
        Some(DenyReason::InvalidToken(_))
    ));

    let before = reader.store.cache_stats().unwrap().invalidations;
    register_key(&writer, NEW, &key).await;
    // The registration's key invalidation follows the account's announcement on the
    // channel: once it is here, no clock moved, the reader knows the account.
    wait_invalidations(&reader, before + 1).await;
    assert_eq!(reader.store.registered_accounts_trusted(), Some(true));
    let decision = reader
        .authorizer
        .authorize(&token, &request_of(NEW, 1))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");

    // A store built afterwards reads the account from the set.
    let late = engine(bounded(&url, &prefix)).await;
    let decision = late.authorizer.authorize(&token, &request_of(NEW, 2)).await;
    assert!(decision.is_allowed(), "{decision:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_invalidations_cut_the_set_is_not_trusted() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("accounts-cut");
    let [writer, reader] = [
        engine(bounded(&url, &prefix)).await,
        engine(bounded(&url, &prefix)).await,
    ];
    const NEW: &str = "registered-while-cut";
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let token = sign(&Signer::new(key.clone()), NEW);

    // Invalidations cut: the subscriptions killed, the account announced while the reader
    // may not be listening.
    let mut admin = crate::common::admin(&url).await;
    assert_eq!(kill_subscriptions(&mut admin).await, 2);
    register_key(&writer, NEW, &key).await;
    // Past the bound the reader's set may not answer "no keys" from what it held: it is
    // untrusted (read through), or the subscription came back and read the set again.
    reader.clock.advance(BOUND + Duration::from_millis(1));
    let decision = reader
        .authorizer
        .authorize(&token, &request_of(NEW, 1))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");
}

/// Keys registered before the set existed (here: the account removed from the SET behind
/// the store's back) are refused by a store that trusts the set, until the upgrade step
/// `add_registered_accounts` lists the account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_from_before_the_set_are_usable_once_added() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let prefix = unique_prefix("accounts-upgrade");
    const OLD: &str = "registered-before-the-set";
    let writer = engine(bounded(&url, &prefix)).await;
    let signer = register(&writer, OLD).await;
    let token = sign(&signer, OLD);
    let mut admin = crate::common::admin(&url).await;
    let removed: i64 = redis::cmd("SREM")
        .arg(format!("{prefix}:{{accounts}}:registered"))
        .arg(OLD)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(removed, 1, "registering added the account to the SET");

    let before = engine(bounded(&url, &prefix)).await;
    let decision = before
        .authorizer
        .authorize(&token, &request_of(OLD, 1))
        .await;
    assert!(
        matches!(decision.deny_reason(), Some(DenyReason::InvalidToken(_))),
        "{decision:?}"
    );

    writer.store.add_registered_accounts([OLD]).await.unwrap();
    let after = engine(bounded(&url, &prefix)).await;
    let decision = after
        .authorizer
        .authorize(&token, &request_of(OLD, 2))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");
}

/// On the shared Redis Cluster: the SET lives in a slot of its own, is read through the
/// cluster client, and a key registered for a brand-new account on one store is usable on
/// another; made-up accounts never reach the fleet cache (no miss: no read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_cluster_made_up_accounts_cost_nothing_and_new_accounts_work() {
    let Some(seeds) = crate::common::cluster_urls() else {
        return;
    };
    let prefix = unique_prefix("accounts-cluster");
    let on_cluster = || {
        RedisStore::cluster_builder(seeds.iter().cloned())
            .key_prefix(&prefix)
            .timeout(Duration::from_secs(5))
            .cache(Some(CacheConfig::default().with_staleness_bound(BOUND)))
    };
    let [writer, reader] = [engine(on_cluster()).await, engine(on_cluster()).await];
    assert_eq!(reader.store.registered_accounts_trusted(), Some(true));
    const NEW: &str = "brand-new-on-a-cluster";
    let before = reader.store.cache_stats().unwrap().invalidations;
    let signer = register(&writer, NEW).await;
    wait_invalidations(&reader, before + 1).await;
    let token = sign(&signer, NEW);
    let decision = reader
        .authorizer
        .authorize(&token, &request_of(NEW, 1))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");

    let misses = reader.store.cache_stats().unwrap().misses;
    for i in 0..50 {
        let account = format!("made-up-{i}");
        let decision = reader
            .authorizer
            .authorize(&sign(&signer, &account), &request_of(&account, 2))
            .await;
        assert!(
            matches!(decision.deny_reason(), Some(DenyReason::InvalidToken(_))),
            "{decision:?}"
        );
    }
    assert_eq!(reader.store.cache_stats().unwrap().misses, misses);
}
