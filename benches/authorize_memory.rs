//! The whole one-call authorizer on the in-memory stores, next to verification alone, per
//! algorithm, on the same key and token bytes:
//!
//! - `verify`: `Verifier::verify_with::<PlaybackClaims>` — the floor for the authorizer;
//! - `authorize`: `Authorizer::authorize` — registry key set → verify → revocation → static
//!   checks → one store operation (stream renewal + known device + `maxu` count) → audit
//!   record to a `MemoryAuditSink`;
//! - `store_op`: `PolicyStore::apply` of the same decision's plan alone;
//! - `authorize_2_threads`: two threads authorizing distinct users' tokens at once (time per
//!   decision, so ≈ `authorize` / 2 when nothing contends).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use playback_auth::claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
use playback_auth::keys::{KeySet, PrivateKey};
use playback_auth::policy::{
    Authorizer, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    MemoryRevocationStore, PolicyEngine, PolicyStore, RequestContext, VerifiedToken,
};
use playback_auth::sign::Signer;
use playback_auth::verify::Verifier;

const ACCOUNT: &str = "1752604059001";
const CONTENT: &str = "6318776394112";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Player/2.1";

type MemoryAuthorizer =
    Authorizer<MemoryPolicyStore, MemoryRevocationStore, MemoryAuditSink, MemoryKeyRegistry>;

/// A level-3 token for `user` whose limits the bench never reaches, so every iteration takes
/// the full allow path (renewal, known device, one more use).
fn token(key: &PrivateKey, user: &str, now: NumericDate) -> String {
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, now)
        .valid_for(Duration::from_secs(3600))
        .content_id(CONTENT)
        .user_agent(UA)
        .max_uses(u32::MAX)
        .max_ips(3)
        .user(user)
        .concurrent_streams(3)
        .device_limit(3)
        .token_id(format!("bench-{user}"))
        .build()
        .unwrap();
    Signer::new(key.clone()).sign(&claims).unwrap()
}

fn context(now: NumericDate) -> RequestContext {
    RequestContext::new(
        ACCOUNT,
        CONTENT,
        UA,
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)),
        now,
    )
    .with_device_id("tv-1")
    .with_session_id("tv-1/a")
}

fn authorizer(
    runtime: &tokio::runtime::Runtime,
    key: &PrivateKey,
    now: NumericDate,
) -> MemoryAuthorizer {
    let registry = MemoryKeyRegistry::new();
    let value = key.public_key().to_public_key_txt();
    runtime
        .block_on(registry.register(ACCOUNT, &value, None, now))
        .unwrap();
    let engine = PolicyEngine::new(
        MemoryPolicyStore::new(),
        MemoryRevocationStore::new(),
        MemoryAuditSink::new(),
    );
    Authorizer::new(Verifier::builder(KeySet::new()).build(), registry, engine)
}

fn bench(c: &mut Criterion) {
    let now = NumericDate::from_secs(common::issued_at()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for fixture in common::fixtures(now.as_secs()) {
        let key = &fixture.private;
        let authorizer = authorizer(&runtime, key, now);
        let token = token(key, "user-1", now);
        let ctx = context(now);
        let keys = runtime
            .block_on(authorizer.registry().key_set(ACCOUNT))
            .unwrap();
        // Every path must succeed before it is measured.
        assert!(
            runtime
                .block_on(authorizer.authorize(&token, &ctx))
                .is_allowed()
        );
        let verified = authorizer
            .verifier()
            .verify_with::<PlaybackClaims>(&keys, &token, now)
            .unwrap();
        let plan = authorizer
            .engine()
            .plan(&VerifiedToken::new(verified.claims, &token), &ctx)
            .unwrap();

        let mut group = c.benchmark_group(format!("authorize_memory/{}", fixture.label));
        group.bench_function("verify", |b| {
            b.iter(|| {
                authorizer
                    .verifier()
                    .verify_with::<PlaybackClaims>(&keys, black_box(&token), now)
                    .unwrap()
            });
        });
        group.bench_function("authorize", |b| {
            b.iter(|| runtime.block_on(authorizer.authorize(black_box(&token), &ctx)));
        });
        group.bench_function("store_op", |b| {
            b.iter(|| {
                runtime
                    .block_on(authorizer.engine().store().apply(black_box(&plan)))
                    .unwrap()
            });
        });
        group.bench_function("authorize_2_threads", |b| {
            let tokens = [token.clone(), self::token(key, "user-2", now)];
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for token in &tokens {
                        let authorizer = &authorizer;
                        let ctx = &ctx;
                        scope.spawn(move || {
                            let runtime = tokio::runtime::Builder::new_current_thread()
                                .build()
                                .unwrap();
                            for _ in 0..iters.div_ceil(2) {
                                let decision = runtime.block_on(authorizer.authorize(token, ctx));
                                assert!(decision.is_allowed());
                            }
                        });
                    }
                });
                start.elapsed()
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
