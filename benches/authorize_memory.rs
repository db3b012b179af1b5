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
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use playback_auth::claims::{NumericDate, PlaybackClaims};
use playback_auth::keys::PrivateKey;
use playback_auth::policy::{
    Authorizer, KeyRegistry, MemoryStores, PolicyStore, RequestContext, Stores, VerifiedToken,
};

use common::{ACCOUNT, authorizer_token as token, request};

fn context(now: NumericDate) -> RequestContext {
    request("tv-1", now)
}

fn authorizer(
    runtime: &tokio::runtime::Runtime,
    key: &PrivateKey,
    now: NumericDate,
) -> Authorizer<MemoryStores> {
    let authorizer = Authorizer::new(MemoryStores::new());
    let value = key.public_key().to_public_key_txt();
    runtime
        .block_on(
            authorizer
                .stores()
                .registry()
                .register(ACCOUNT, &value, None, now),
        )
        .unwrap();
    authorizer
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
            .block_on(authorizer.stores().registry().key_set(ACCOUNT))
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
                    .block_on(authorizer.stores().policy().apply(black_box(&plan)))
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
