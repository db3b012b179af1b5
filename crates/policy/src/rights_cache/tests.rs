#![allow(clippy::unwrap_used)]

use std::time::Duration;

use playback_auth_claims::NumericDate;

use super::*;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(1_700_000_000 + secs).unwrap()
}

fn rights(id: &str) -> Arc<PlaybackRights> {
    Arc::new(PlaybackRights::from_json("acct-1", id, br#"{"geo":{"global":"block_all"}}"#).unwrap())
}

fn miss(cache: &RightsCache, id: &str, now: NumericDate) -> RightsCacheMiss {
    match cache.get("acct-1", id, now) {
        CachedRights::Miss(miss) => miss,
        CachedRights::Hit(_) => panic!("{id} should miss"),
    }
}

fn hit(cache: &RightsCache, id: &str, now: NumericDate) -> Option<Arc<PlaybackRights>> {
    match cache.get("acct-1", id, now) {
        CachedRights::Hit(found) => found,
        CachedRights::Miss(_) => panic!("{id} should hit"),
    }
}

#[test]
fn answers_are_used_for_less_than_max_age_including_absent_rights() {
    let cache = RightsCache::new(10, Duration::from_secs(5));
    let m = miss(&cache, "eu", at(0));
    cache.insert("acct-1", "eu", Some(rights("eu")), at(0), m);
    let m = miss(&cache, "nothing", at(0));
    cache.insert("acct-1", "nothing", None, at(0), m);
    assert_eq!(hit(&cache, "eu", at(4)).unwrap().id(), "eu");
    assert!(hit(&cache, "nothing", at(4)).is_none());
    let _ = miss(&cache, "eu", at(5));
    let _ = miss(&cache, "nothing", at(5));
    // Another account's entry of the same id is another entry.
    assert!(matches!(
        cache.get("acct-2", "eu", at(1)),
        CachedRights::Miss(_)
    ));
    assert_eq!((cache.hits(), cache.misses()), (2, 5));
}

#[test]
fn an_invalidation_drops_the_entry_and_refuses_answers_read_before_it() {
    let cache = RightsCache::new(10, Duration::from_secs(60));
    let m = miss(&cache, "eu", at(0));
    cache.insert("acct-1", "eu", Some(rights("eu")), at(0), m);
    cache.invalidate("acct-1", "eu");
    let _ = miss(&cache, "eu", at(1));
    // A read that started before an invalidation may hold the old rights: not cached.
    let before = miss(&cache, "eu", at(1));
    cache.invalidate("acct-1", "eu");
    cache.insert("acct-1", "eu", Some(rights("eu")), at(1), before);
    let _ = miss(&cache, "eu", at(1));
    assert!(cache.is_empty());
}

#[test]
fn a_full_cache_drops_expired_entries_then_the_oldest() {
    let cache = RightsCache::new(2, Duration::from_secs(10));
    for (secs, id) in [(0, "a"), (1, "b")] {
        let m = miss(&cache, id, at(secs));
        cache.insert("acct-1", id, Some(rights(id)), at(secs), m);
    }
    let m = miss(&cache, "c", at(2));
    cache.insert("acct-1", "c", Some(rights("c")), at(2), m);
    assert_eq!(cache.len(), 2);
    let _ = miss(&cache, "a", at(2));
    assert!(hit(&cache, "b", at(2)).is_some());
    assert!(hit(&cache, "c", at(2)).is_some());
    // At 11, "b" has expired: it goes first, "c" stays.
    let m = miss(&cache, "d", at(11));
    cache.insert("acct-1", "d", Some(rights("d")), at(11), m);
    assert_eq!(cache.len(), 2);
    assert!(hit(&cache, "c", at(11)).is_some());
    assert!(hit(&cache, "d", at(11)).is_some());
}

#[test]
fn a_disabled_cache_holds_nothing() {
    let cache = RightsCache::disabled();
    let m = miss(&cache, "eu", at(0));
    cache.insert("acct-1", "eu", Some(rights("eu")), at(0), m);
    assert!(cache.is_empty());
    let _ = miss(&cache, "eu", at(0));
}
