#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use super::{CacheConfig, CacheError, CacheKind, FleetCache, ManualClock, Untrusted};

const BOUND: Duration = Duration::from_millis(100);

fn cache(untrusted: Untrusted) -> (FleetCache<u32, u32>, ManualClock) {
    let clock = ManualClock::new();
    let config = CacheConfig::default()
        .with_staleness_bound(BOUND)
        .with_untrusted(untrusted);
    (FleetCache::new(config, Arc::new(clock.clone())), clock)
}

fn run<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

async fn value(cache: &FleetCache<u32, u32>, loaded: u32) -> Result<u32, CacheError<Infallible>> {
    cache.revocations("a", || async move { Ok(loaded) }).await
}

#[test]
fn untrusted_until_subscribed_and_never_kept_then() {
    run(async {
        let (cache, _clock) = cache(Untrusted::ReadThrough);
        assert!(!cache.is_trusted());
        assert_eq!(value(&cache, 1).await.unwrap(), 1);
        assert_eq!(
            value(&cache, 2).await.unwrap(),
            2,
            "nothing kept while untrusted"
        );
        cache.sink().subscribed();
        assert_eq!(value(&cache, 3).await.unwrap(), 3);
        assert_eq!(value(&cache, 4).await.unwrap(), 3, "kept once trusted");
        assert_eq!(cache.stats().hits, 1);
    });
}

#[test]
fn the_bound_without_a_reply_makes_it_untrusted_and_a_reply_restores_it() {
    run(async {
        let (cache, clock) = cache(Untrusted::ReadThrough);
        let sink = cache.sink();
        sink.subscribed();
        assert_eq!(value(&cache, 1).await.unwrap(), 1);
        clock.advance(BOUND);
        assert_eq!(
            value(&cache, 2).await.unwrap(),
            1,
            "at the bound: still trusted"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(value(&cache, 2).await.unwrap(), 2, "past it: read through");
        sink.heard();
        assert_eq!(
            value(&cache, 3).await.unwrap(),
            1,
            "alive again, same connection"
        );
    });
}

#[test]
fn fail_closed_refuses_while_untrusted() {
    run(async {
        let (cache, _clock) = cache(Untrusted::FailClosed);
        let sink = cache.sink();
        assert!(matches!(
            value(&cache, 1).await,
            Err(CacheError::Untrusted { .. })
        ));
        sink.subscribed();
        assert_eq!(value(&cache, 1).await.unwrap(), 1);
        sink.lost();
        assert!(matches!(
            value(&cache, 1).await,
            Err(CacheError::Untrusted { .. })
        ));
        assert_eq!(cache.stats().untrusted_lookups, 2);
    });
}

#[test]
fn invalidations_and_resubscriptions_drop_entries() {
    run(async {
        let (cache, _clock) = cache(Untrusted::ReadThrough);
        let sink = cache.sink();
        sink.subscribed();
        assert_eq!(value(&cache, 1).await.unwrap(), 1);
        sink.invalidate(CacheKind::Registry, "a", None);
        assert_eq!(value(&cache, 2).await.unwrap(), 1, "another cache's entry");
        sink.invalidate(CacheKind::Revocations, "a", None);
        assert_eq!(value(&cache, 2).await.unwrap(), 2);
        sink.lost();
        sink.subscribed();
        assert_eq!(
            value(&cache, 3).await.unwrap(),
            3,
            "flushed on resubscription"
        );
        cache.invalidate_local(CacheKind::Revocations, "a");
        assert_eq!(value(&cache, 4).await.unwrap(), 4);
    });
}

#[test]
fn a_value_loaded_across_an_invalidation_is_not_kept() {
    run(async {
        let (cache, _clock) = cache(Untrusted::ReadThrough);
        let sink = cache.sink();
        sink.subscribed();
        let loaded = cache
            .revocations("a", || {
                let sink = sink.clone();
                async move {
                    // The change lands while the old value is on its way.
                    sink.invalidate(CacheKind::Revocations, "a", None);
                    Ok::<_, Infallible>(1)
                }
            })
            .await
            .unwrap();
        assert_eq!(loaded, 1);
        assert_eq!(value(&cache, 2).await.unwrap(), 2);
    });
}

#[test]
fn a_dropped_cache_closes_its_sink() {
    let (cache, _clock) = cache(Untrusted::ReadThrough);
    let sink = cache.sink();
    assert!(sink.is_open());
    drop(cache);
    assert!(!sink.is_open());
    sink.subscribed();
}

#[test]
fn the_bound_runs_from_when_the_proof_was_asked_not_answered() {
    run(async {
        let (cache, clock) = cache(Untrusted::ReadThrough);
        let sink = cache.sink();
        sink.subscribed();
        clock.advance(Duration::from_millis(60));
        let asked = sink.now().unwrap();
        clock.advance(Duration::from_millis(30)); // the reply takes its time
        sink.heard_as_of(asked);
        sink.heard_as_of(Duration::ZERO); // an older proof changes nothing
        clock.advance(BOUND - Duration::from_millis(30));
        assert!(cache.is_trusted(), "exactly the bound after the question");
        clock.advance(Duration::from_millis(1));
        assert!(!cache.is_trusted());
    });
}
