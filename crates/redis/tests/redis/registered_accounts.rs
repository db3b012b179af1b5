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

/// Waits until `engine`'s set is trusted again (its backfill done, the marker read).
async fn wait_set_trusted(engine: &Engine) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while engine.store.registered_accounts_trusted() != Some(true) {
        assert!(Instant::now() < deadline, "the set was never trusted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A deployment from before the set (keys registered, then the SET and its completion
/// marker deleted): a new store allows the account at once (the set is not trusted without
/// the marker: per-account read), backfills the set by itself, and then answers from the
/// set — the old account allowed, made-up accounts at no command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_from_before_the_set_are_never_refused_and_backfilled_automatically() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("accounts-upgrade");
    const OLD: &str = "registered-before-the-set";
    let writer = engine(bounded(&url, &prefix)).await;
    let signer = register(&writer, OLD).await;
    let token = sign(&signer, OLD);
    let set = format!("{prefix}:{{accounts}}:registered");
    let marker = format!("{prefix}:{{accounts}}:complete");
    let mut admin = crate::common::admin(&url).await;
    let deleted: i64 = redis::cmd("DEL")
        .arg(&set)
        .arg(&marker)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(
        deleted, 2,
        "registering wrote the SET, the backfill the marker"
    );

    // Built without waiting for its set: allowed whether or not the backfill is done.
    let upgraded = engine_of(bounded(&url, &prefix)).await;
    let decision = upgraded
        .authorizer
        .authorize(&token, &request_of(OLD, 1))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");

    wait_set_trusted(&upgraded).await;
    let member: bool = redis::cmd("SISMEMBER")
        .arg(&set)
        .arg(OLD)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(member, "the backfill added the old account");
    let exists: bool = redis::cmd("EXISTS")
        .arg(&marker)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(exists);
    // A store trusting the set refuses every account not in it before any read: the old
    // account is allowed from the set.
    let late = engine(bounded(&url, &prefix)).await;
    reset(&mut admin).await;
    let decision = late.authorizer.authorize(&token, &request_of(OLD, 2)).await;
    assert!(decision.is_allowed(), "{decision:?}");
    let sent = flood(&late, &signer, &mut admin, 20).await;
    assert_eq!(sent, BTreeMap::new(), "made-up accounts cost no command");

    // The explicit backfill finds the SET complete: nothing to add.
    assert_eq!(late.store.backfill_registered_accounts().await.unwrap(), 0);
}

/// Without the completion marker the set is never trusted, even while its backfill cannot
/// run (a standalone store pointed at a server that refuses `SCAN`): every account is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_marker_the_set_is_not_trusted() {
    let Some(server) =
        RedisServer::start(&["--rename-command", "SCAN", "scan-disabled-by-the-test"])
    else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("accounts-no-marker");
    let writer = engine_of(bounded(&url, &prefix)).await;
    const OLD: &str = "registered-before-the-set";
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    register_key(&writer, OLD, &key).await;
    let signer = Signer::new(key);
    let token = sign(&signer, OLD);
    let mut admin = crate::common::admin(&url).await;
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}:{{accounts}}:registered"))
        .query_async(&mut admin)
        .await
        .unwrap();
    let reader = engine_of(bounded(&url, &prefix)).await;
    assert!(matches!(
        reader.store.backfill_registered_accounts().await,
        Err(playback_auth_redis::RedisStoreError::Redis(_))
    ));
    assert_eq!(reader.store.registered_accounts_trusted(), Some(false));
    let decision = reader
        .authorizer
        .authorize(&token, &request_of(OLD, 1))
        .await;
    assert!(decision.is_allowed(), "{decision:?}");
    // A made-up account is read (and refused), not answered from the set.
    let misses = reader.store.cache_stats().unwrap().misses;
    let decision = reader
        .authorizer
        .authorize(&sign(&signer, "made-up"), &request_of("made-up", 2))
        .await;
    assert!(matches!(
        decision.deny_reason(),
        Some(DenyReason::InvalidToken(_))
    ));
    assert_eq!(reader.store.cache_stats().unwrap().misses, misses + 1);
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
    let on_cluster = || on_cluster(&seeds, &prefix);
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

    made_up_accounts_are_never_read(&reader, &signer, 50).await;
}

/// On the shared Redis Cluster: accounts registered before the set (their keys on several
/// masters: 12 accounts, whose registry slots are spread over the three masters' ranges)
/// are all found by the backfill, which scans every master; a store then trusts the set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_cluster_the_backfill_scans_every_master() {
    let Some(seeds) = crate::common::cluster_urls() else {
        return;
    };
    let prefix = unique_prefix("accounts-cluster-backfill");
    let on_cluster = || on_cluster(&seeds, &prefix);
    let writer = engine(on_cluster()).await;
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let accounts: Vec<String> = (0..12).map(|i| format!("old-account-{i}")).collect();
    for account in &accounts {
        register_key(&writer, account, &key).await;
    }
    let set = format!("{prefix}:{{accounts}}:registered");
    let marker = format!("{prefix}:{{accounts}}:complete");
    let mut admin = redis::cluster::ClusterClient::new(seeds.clone())
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    let mut slots = Vec::new();
    for account in &accounts {
        let encoded =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, account);
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(format!("{prefix}:{{k:{encoded}}}:keys"))
            .query_async(&mut admin)
            .await
            .unwrap();
        // The ranges `redis-cli --cluster create` gives three masters.
        slots.push(match slot {
            0..5461 => 0,
            5461..10923 => 1,
            _ => 2,
        });
    }
    slots.sort_unstable();
    slots.dedup();
    assert!(
        slots.len() >= 2,
        "registries in one master's range: {slots:?}"
    );
    let deleted: i64 = redis::cmd("DEL")
        .arg(&set)
        .arg(&marker)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(deleted, 2);

    // The writer trusted its set before: a fresh store is needed to see it untrusted, but
    // the explicit backfill is what this test counts.
    assert_eq!(
        writer.store.backfill_registered_accounts().await.unwrap(),
        accounts.len()
    );
    let mut members: Vec<String> = redis::cmd("SMEMBERS")
        .arg(&set)
        .query_async(&mut admin)
        .await
        .unwrap();
    members.sort();
    let mut expected = accounts.clone();
    expected.sort();
    assert_eq!(members, expected);

    let reader = engine(on_cluster()).await;
    assert_eq!(reader.store.registered_accounts_trusted(), Some(true));
    let signer = Signer::new(key);
    for (i, account) in (0u8..).zip(&accounts) {
        let decision = reader
            .authorizer
            .authorize(
                &sign(&signer, account),
                &request_of(account, 1 + i64::from(i)),
            )
            .await;
        assert!(decision.is_allowed(), "{account}: {decision:?}");
    }
    made_up_accounts_are_never_read(&reader, &signer, 20).await;
}

/// A store on the shared cluster under `prefix`, with a cache of bound `BOUND`.
fn on_cluster(seeds: &[String], prefix: &str) -> RedisStoreBuilder {
    RedisStore::cluster_builder(seeds.iter().cloned())
        .key_prefix(prefix)
        .timeout(Duration::from_secs(5))
        .cache(Some(CacheConfig::default().with_staleness_bound(BOUND)))
}

/// `n` tokens naming made-up accounts are refused as invalid without reaching the fleet
/// cache (no miss: no read).
async fn made_up_accounts_are_never_read(reader: &Engine, signer: &Signer, n: usize) {
    let misses = reader.store.cache_stats().unwrap().misses;
    for i in 0..n {
        let account = format!("made-up-{i}");
        let decision = reader
            .authorizer
            .authorize(&sign(signer, &account), &request_of(&account, 2))
            .await;
        assert!(
            matches!(decision.deny_reason(), Some(DenyReason::InvalidToken(_))),
            "{decision:?}"
        );
    }
    assert_eq!(reader.store.cache_stats().unwrap().misses, misses);
}
