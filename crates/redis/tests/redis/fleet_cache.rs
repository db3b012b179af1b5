//! The fleet cache of keys and revocations across engines: a key deleted or a token revoked
//! through one engine is refused by every other engine — by the invalidation it publishes,
//! or, when the invalidations are cut (the subscription connection killed), within the
//! staleness bound (reading through, or failing closed). Each engine's cache runs on a
//! `ManualClock`: "the bound has passed" is a step of the test, not a sleep.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use playback_auth_claims::PlaybackRestrictionClaims;
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::cache::{CacheConfig, ManualClock, Untrusted};
use playback_auth_policy::{Authorizer, Decision, DenyReason, KeyRegistry};
use playback_auth_redis::{RedisStore, RedisStoreBuilder, SUBSCRIBER_LIB_NAME};
use playback_auth_sign::Signer;

use crate::common::{ACCOUNT, RedisServer, at, request, unique_prefix};
use crate::round_trips::wait_trusted;

const BOUND: Duration = Duration::from_millis(500);

pub(crate) struct Engine {
    pub(crate) authorizer: Authorizer<RedisStore>,
    pub(crate) store: RedisStore,
    pub(crate) clock: ManualClock,
}

async fn engine(url: &str, prefix: &str, untrusted: Untrusted) -> Engine {
    engine_of(
        RedisStore::builder(url)
            .key_prefix(prefix)
            .timeout(Duration::from_secs(5))
            .cache(Some(
                CacheConfig::default()
                    .with_staleness_bound(BOUND)
                    .with_untrusted(untrusted),
            )),
    )
    .await
}

/// An engine over the store `builder` makes, on a `ManualClock`, once its cache is trusted.
pub(crate) async fn engine_of(builder: RedisStoreBuilder) -> Engine {
    let clock = ManualClock::new();
    let store = builder.cache_clock(clock.clone()).build().unwrap();
    wait_trusted(&store).await;
    Engine {
        authorizer: Authorizer::new(store.clone()),
        store,
        clock,
    }
}

impl Engine {
    /// Revokes `token` through this engine.
    async fn revoke(&self, token: &str) {
        let verified = self
            .authorizer
            .verify_token(ACCOUNT, token, at(0))
            .await
            .unwrap();
        self.authorizer
            .revoke(ACCOUNT, &verified, at(0))
            .await
            .unwrap();
    }
}

fn sign(signer: &Signer, jti: &str) -> String {
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
        .valid_for(Duration::from_secs(3600))
        .session_id(jti)
        .build()
        .unwrap();
    signer.sign(&claims).unwrap()
}

fn code(decision: &Decision) -> Option<&'static str> {
    decision.deny_reason().map(|reason| match reason {
        DenyReason::InvalidToken(_) => "invalid_token",
        other => other.code(),
    })
}

/// Waits (up to 10 s) until `engine` has received `count` invalidations in all.
pub(crate) async fn wait_invalidations(engine: &Engine, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while engine.store.cache_stats().unwrap().invalidations < count {
        assert!(Instant::now() < deadline, "no invalidation arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_deleted_or_a_token_revoked_on_one_engine_is_refused_by_every_other() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let prefix = unique_prefix("fleet-cache");
    let writer = engine(&url, &prefix, Untrusted::ReadThrough).await;
    let others = [
        engine(&url, &prefix, Untrusted::ReadThrough).await,
        engine(&url, &prefix, Untrusted::FailClosed).await,
    ];
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let record = writer
        .authorizer
        .register_key(ACCOUNT, &key.public_key().to_public_key_txt(), None)
        .await
        .unwrap();
    let signer = Signer::new(key);
    let (revoked, kept) = (sign(&signer, "revoked"), sign(&signer, "kept"));
    for engine in &others {
        // Warm: both tokens allowed, the keys and the revocations now in memory.
        for token in [&revoked, &kept] {
            let decision = engine.authorizer.authorize(token, &request(0)).await;
            assert!(decision.is_allowed(), "{decision:?}");
        }
        let again = engine.authorizer.authorize(&revoked, &request(0)).await;
        assert!(again.is_allowed());
        assert!(engine.store.cache_stats().unwrap().hits > 0);
    }

    let before: Vec<u64> = others
        .iter()
        .map(|e| e.store.cache_stats().unwrap().invalidations)
        .collect();
    writer.revoke(&revoked).await;
    for (engine, before) in others.iter().zip(&before) {
        wait_invalidations(engine, before + 1).await;
        // No clock moved: the invalidation itself made the engine refuse.
        assert!(engine.store.cache_trusted().unwrap());
        let decision = engine.authorizer.authorize(&revoked, &request(1)).await;
        assert_eq!(code(&decision), Some("token_revoked"));
        assert!(
            engine
                .authorizer
                .authorize(&kept, &request(1))
                .await
                .is_allowed()
        );
    }

    let before: Vec<u64> = others
        .iter()
        .map(|e| e.store.cache_stats().unwrap().invalidations)
        .collect();
    assert!(writer.store.delete(ACCOUNT, &record.id).await.unwrap());
    for (engine, before) in others.iter().zip(&before) {
        wait_invalidations(engine, before + 1).await;
        let decision = engine.authorizer.authorize(&kept, &request(2)).await;
        assert_eq!(code(&decision), Some("invalid_token"), "{decision:?}");
    }
}

/// `CLIENT KILL`s every invalidation subscription on the (private) server; returns how many.
/// Redis 7.2+ lists them with `lib-name=playback-auth-invalidations`; older servers do not
/// know library names, so a subscribed client (`sub=` not 0) is one.
pub(crate) async fn kill_subscriptions(admin: &mut redis::aio::MultiplexedConnection) -> usize {
    let clients: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(admin)
        .await
        .unwrap();
    let ids: Vec<String> = clients
        .lines()
        .filter(|line| {
            line.contains(&format!("lib-name={SUBSCRIBER_LIB_NAME} ")) || !line.contains(" sub=0 ")
        })
        .filter_map(|line| line.split(' ').find_map(|f| f.strip_prefix("id=")))
        .map(str::to_owned)
        .collect();
    for id in &ids {
        let _: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query_async(admin)
            .await
            .unwrap();
    }
    ids.len()
}

async fn cut_invalidations_then_revoke(untrusted: Untrusted) {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("fleet-cut");
    let writer = engine(&url, &prefix, Untrusted::ReadThrough).await;
    let reader = engine(&url, &prefix, untrusted).await;
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    writer
        .authorizer
        .register_key(ACCOUNT, &key.public_key().to_public_key_txt(), None)
        .await
        .unwrap();
    let token = sign(&Signer::new(key), "cut");
    assert!(
        reader
            .authorizer
            .authorize(&token, &request(0))
            .await
            .is_allowed()
    );
    assert!(
        reader
            .authorizer
            .authorize(&token, &request(0))
            .await
            .is_allowed()
    );

    // Invalidations cut: the subscriptions killed, and the revocation published while the
    // reader may not be listening.
    let mut admin = crate::common::admin(&url).await;
    assert_eq!(kill_subscriptions(&mut admin).await, 2);
    writer.revoke(&token).await;
    // Past the bound, nothing the reader serves may predate the revocation: its cache is
    // untrusted (its connection lost, or silent past the bound), or it subscribed again and
    // flushed.
    reader.clock.advance(BOUND + Duration::from_millis(1));
    let decision = reader.authorizer.authorize(&token, &request(1)).await;
    match untrusted {
        Untrusted::FailClosed => assert!(
            matches!(code(&decision), Some("token_revoked" | "store_unavailable")),
            "{decision:?}"
        ),
        _ => assert_eq!(code(&decision), Some("token_revoked"), "{decision:?}"),
    }

    // The subscription comes back by itself, flushing what it held: trusted again, and
    // still refusing.
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader.store.cache_stats().unwrap().flushes < 2 || !reader.store.cache_trusted().unwrap()
    {
        assert!(Instant::now() < deadline, "never resubscribed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let decision = reader.authorizer.authorize(&token, &request(2)).await;
    assert_eq!(code(&decision), Some("token_revoked"), "{decision:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_invalidations_cut_a_read_through_cache_still_holds_the_bound() {
    cut_invalidations_then_revoke(Untrusted::ReadThrough).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_invalidations_cut_a_fail_closed_cache_still_holds_the_bound() {
    cut_invalidations_then_revoke(Untrusted::FailClosed).await;
}

/// On a cluster node the decision script writes the record itself (the record's stream is
/// the partition's audit shard, in the decision's slot; a cross-slot call would be refused):
/// allowed and denied decisions alike, none lost, none unrecorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_cluster_node_the_decision_script_writes_the_record() {
    let Some(server) = crate::common::one_node_cluster().await else {
        return;
    };
    let engine = engine(
        &server.url(),
        &unique_prefix("fleet-cluster"),
        Untrusted::ReadThrough,
    )
    .await;
    let token = crate::common::restriction("cluster", |b| b.max_uses(1));
    let engine_ = engine.authorizer.engine();
    assert!(engine_.decide(&token, &request(0)).await.is_allowed());
    let denied = engine_.decide(&token, &request(1)).await;
    assert_eq!(code(&denied), Some("max_uses_reached"));
    let read = playback_auth_policy::AuditSink::records_for(
        &engine.store,
        ACCOUNT,
        time::macros::date!(2023 - 11 - 14),
    )
    .await
    .unwrap();
    let reasons: Vec<Option<&str>> = read.records.iter().map(|r| r.reason.as_deref()).collect();
    assert_eq!(reasons, [None, Some("max_uses_reached")]);
    assert_eq!(engine_.audit_failures(), 0);
}
