//! Playback rights inside the engine's decision: which rights apply (`prid` of the token's
//! own account, else the catalogue's), the in-token `accessRules`, the rule named in the
//! denial and in the audit record, the in-process rights cache and store faults.
#![allow(clippy::unwrap_used, clippy::panic)] // helpers outside #[test] fns fail the calling test

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::{ACCOUNT, CONTENT, Engine, UA, allowed, at, denied, restriction, static_url};
use playback_auth_claims::{AccessRules, CountryCode, IpRange};
use playback_auth_policy::{
    AuditDecision, Authorizer, DenyReason, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    MemoryRevocationStore, MemoryRightsStore, PlaybackRights, PolicyConfig, RequestContext,
    RightsCache, RightsRule, RightsStore, RightsStoreError, RuleMatch, StaticGeoLookup, StoreSet,
    Stores, WriteMode, Written,
};
use serde_json::json;

/// 192.0.2.0/24 is France, 198.51.100.0/24 the United States.
const FRANCE: &str = "192.0.2.10";
const US: &str = "198.51.100.10";
const US_OFFICE: &str = "198.51.100.77";

type RightsStores<G> =
    StoreSet<MemoryPolicyStore, MemoryRevocationStore, Arc<MemoryAuditSink>, MemoryKeyRegistry, G>;

fn geo() -> StaticGeoLookup {
    StaticGeoLookup::new()
        .with(
            IpRange::parse("192.0.2.0/24").unwrap(),
            CountryCode::parse("FR").unwrap(),
        )
        .with(
            IpRange::parse("198.51.100.0/24").unwrap(),
            CountryCode::parse("US").unwrap(),
        )
}

fn engine_with<G: RightsStore>(rights: G, config: PolicyConfig) -> Engine<RightsStores<G>> {
    let stores = StoreSet {
        policy: MemoryPolicyStore::new(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights,
    };
    Engine(
        Authorizer::builder(stores)
            .geo_lookup(geo())
            .policy(config)
            .build(),
    )
}

fn engine_on<G: RightsStore>(rights: G) -> Engine<RightsStores<G>> {
    engine_with(rights, PolicyConfig::default())
}

fn rights(account: &str, id: &str, json: serde_json::Value) -> PlaybackRights {
    PlaybackRights::from_json(account, id, json.to_string().as_bytes()).unwrap()
}

/// France only, except one office address in the United States.
fn france_only(account: &str, id: &str) -> PlaybackRights {
    rights(
        account,
        id,
        json!({
            "geo": { "global": "block_all", "allowed_countries": ["FR"] },
            "ip": { "allowed": [US_OFFICE] }
        }),
    )
}

/// Everywhere but France.
fn not_france(account: &str, id: &str) -> PlaybackRights {
    rights(
        account,
        id,
        json!({ "geo": { "blocked_countries": ["FR"] } }),
    )
}

async fn stored(list: &[PlaybackRights]) -> MemoryRightsStore {
    let store = MemoryRightsStore::new();
    for rights in list {
        store.put(rights, WriteMode::Create).await.unwrap();
    }
    store
}

fn from(address: &str, secs: i64) -> RequestContext {
    let client: IpAddr = address.parse().unwrap();
    RequestContext::new(ACCOUNT, CONTENT, UA, client, at(secs))
}

#[track_caller]
fn rights_denial(reason: DenyReason) -> (RightsRule, RuleMatch, Option<String>) {
    match reason {
        DenyReason::PlaybackRights(denial) => (denial.rule, denial.matched, denial.rights_id),
        other => panic!("expected a playback-rights denial, got {other}"),
    }
}

#[tokio::test]
async fn a_token_without_prid_uses_the_catalogue_rights_of_the_content() {
    let engine = engine_on(stored(&[france_only(ACCOUNT, "fr-only")]).await);
    let token = restriction("no-prid", |b| b);

    let refused = engine
        .decide(&token, &from(US, 1).with_content_rights("fr-only"))
        .await;
    let reason = denied(refused);
    assert_eq!(reason.code(), "geo_restricted");
    assert_eq!(
        reason.vendor_denial().to_string(),
        "403 ACCESS_DENIED CLIENT_GEO"
    );
    assert_eq!(
        rights_denial(reason),
        (
            RightsRule::ClientGeo,
            RuleMatch::GlobalBlockAll,
            Some("fr-only".to_owned())
        )
    );

    let played = allowed(
        engine
            .decide(&token, &from(FRANCE, 2).with_content_rights("fr-only"))
            .await,
    );
    let applied = played.rights.unwrap();
    assert_eq!(applied.rights_id.as_deref(), Some("fr-only"));
    assert_eq!(
        applied.matched,
        [RuleMatch::CountryAllowed(CountryCode::parse("FR").unwrap())]
    );
    // The more specific allowed address plays inside the blocked rest of the world.
    assert!(
        engine
            .decide(&token, &from(US_OFFICE, 3).with_content_rights("fr-only"))
            .await
            .is_allowed()
    );
    // Content the catalogue gives no rights to is not restricted by them.
    let free = allowed(engine.decide(&token, &from(US, 4)).await);
    assert_eq!(free.rights, None);
}

#[tokio::test]
async fn the_token_prid_overrides_the_catalogue_rights() {
    let engine = engine_on(
        stored(&[
            france_only(ACCOUNT, "fr-only"),
            not_france(ACCOUNT, "not-fr"),
        ])
        .await,
    );
    let token = restriction("prid", |b| b.playback_rights_id("not-fr"));
    // The catalogue says France only; the token's `prid` says everywhere but France.
    let us = from(US, 1).with_content_rights("fr-only");
    assert!(engine.decide(&token, &us).await.is_allowed());
    let france = from(FRANCE, 2).with_content_rights("fr-only");
    let (rule, matched, id) = rights_denial(denied(engine.decide(&token, &france).await));
    assert_eq!(rule, RightsRule::ClientGeo);
    assert_eq!(
        matched,
        RuleMatch::CountryBlocked(CountryCode::parse("FR").unwrap())
    );
    assert_eq!(id.as_deref(), Some("not-fr"));
}

#[tokio::test]
async fn a_prid_naming_rights_of_another_account_is_refused() {
    // Only acct-2 has rights "open"; a token of acct-1 naming them finds nothing in its own
    // account and does not play unrestricted, nor under acct-2's rights.
    let open = rights(
        "acct-2",
        "open",
        json!({ "geo": { "global": "allow_all" } }),
    );
    let engine = engine_on(stored(&[open]).await);
    let token = restriction("foreign-prid", |b| b.playback_rights_id("open"));
    for ctx in [from(FRANCE, 1), from(US, 2).with_content_rights("open")] {
        let reason = denied(engine.decide(&token, &ctx).await);
        assert_eq!(reason.code(), "rights_not_found");
        assert_eq!(
            reason.vendor_denial().to_string(),
            "403 ACCESS_DENIED VIDEO_NOT_PLAYABLE"
        );
        assert_eq!(
            rights_denial(reason),
            (
                RightsRule::UnknownRights,
                RuleMatch::RightsNotFound { id: "open".into() },
                Some("open".to_owned())
            )
        );
    }
}

/// A rights store keyed by id alone, as a broken backend might be: it hands back whatever
/// rights carry the id, whichever account they belong to.
#[derive(Debug)]
struct KeyedByIdOnly(Vec<Arc<PlaybackRights>>);

impl RightsStore for KeyedByIdOnly {
    async fn put(&self, _: &PlaybackRights, _: WriteMode) -> Result<Written, RightsStoreError> {
        Err(RightsStoreError::backend(io::Error::other("read only")))
    }

    async fn get(
        &self,
        _account: &str,
        id: &str,
    ) -> Result<Option<Arc<PlaybackRights>>, RightsStoreError> {
        Ok(self.0.iter().find(|r| r.id() == id).cloned())
    }

    async fn list(&self, _: &str) -> Result<Vec<Arc<PlaybackRights>>, RightsStoreError> {
        Ok(self.0.clone())
    }

    async fn delete(&self, _: &str, _: &str) -> Result<bool, RightsStoreError> {
        Ok(false)
    }
}

#[tokio::test]
async fn rights_of_another_account_handed_back_by_a_store_are_refused() {
    let theirs = rights(
        "acct-2",
        "open",
        json!({ "geo": { "global": "allow_all" } }),
    );
    let engine = engine_on(KeyedByIdOnly(vec![Arc::new(theirs)]));
    let token = restriction("foreign", |b| b.playback_rights_id("open"));
    let reason = denied(engine.decide(&token, &from(FRANCE, 1)).await);
    assert_eq!(reason.code(), "rights_of_another_account");
    assert_eq!(
        reason.vendor_denial().to_string(),
        "403 ACCESS_DENIED ACCOUNT_ID"
    );
}

#[tokio::test]
async fn in_token_access_rules_are_decided_with_the_client_country() {
    let engine = engine_on(MemoryRightsStore::new());
    let rules = AccessRules::from_json(json!([
        { "type": "ip.src", "action": "block", "ip": ["192.0.2.66"] },
        { "type": "ip.geoip.country", "action": "allow", "country": ["FR"] },
        { "type": "any", "action": "block" }
    ]))
    .unwrap();
    let token = restriction("rules", |b| b.access_rules(&rules));
    let played = allowed(engine.decide(&token, &from(FRANCE, 1)).await);
    assert_eq!(
        played.rights.unwrap().matched,
        [RuleMatch::TokenRule {
            index: 1,
            action: playback_auth_claims::RuleAction::Allow
        }]
    );
    let (rule, matched, id) = rights_denial(denied(engine.decide(&token, &from(US, 2)).await));
    assert_eq!((rule, id), (RightsRule::ClientGeo, None));
    assert!(matches!(matched, RuleMatch::TokenRule { index: 2, .. }));
    let (rule, _, _) = rights_denial(denied(engine.decide(&token, &from("192.0.2.66", 3)).await));
    assert_eq!(rule, RightsRule::ClientIp);
}

#[tokio::test]
async fn the_catalogue_rights_apply_to_tokens_without_prid_claims_too() {
    let engine = engine_on(stored(&[france_only(ACCOUNT, "fr-only")]).await);
    let token = static_url("static", |b| b);
    let ctx = from(US, 1).with_content_rights("fr-only");
    assert_eq!(
        denied(engine.decide(&token, &ctx).await).code(),
        "geo_restricted"
    );
    // A HEAD (`check`) is refused the same way, and writes nothing.
    assert_eq!(
        engine
            .check(&token, &ctx)
            .await
            .deny_reason()
            .map(DenyReason::code),
        Some("geo_restricted")
    );
}

#[tokio::test]
async fn the_audit_record_names_the_rights_rule_that_decided() {
    let engine = engine_on(
        stored(&[
            france_only(ACCOUNT, "fr-only"),
            rights(ACCOUNT, "open", json!({})),
        ])
        .await,
    );
    let token = restriction("audit", |b| b);
    let _ = engine
        .decide(&token, &from(US, 1).with_content_rights("fr-only"))
        .await;
    let _ = engine
        .decide(&token, &from(US_OFFICE, 2).with_content_rights("fr-only"))
        .await;
    let _ = engine.decide(&token, &from(US, 3)).await;
    let _ = engine
        .decide(&token, &from(US, 4).with_content_rights("open"))
        .await;
    let records = engine.stores().audit().all_records();
    let seen: Vec<_> = records
        .iter()
        .map(|r| (r.decision, r.reason.as_deref(), r.rights_rule.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                AuditDecision::Deny,
                Some("geo_restricted"),
                Some("fr-only: global block_all")
            ),
            (
                AuditDecision::Allow,
                None,
                Some("fr-only: ip 198.51.100.77 allowed")
            ),
            (AuditDecision::Allow, None, None),
            (AuditDecision::Allow, None, Some("open: no rule")),
        ]
    );
    // In the JSON line (what both sinks store and reports hand out) only when rights applied.
    let line = serde_json::to_value(&records[0]).unwrap();
    assert_eq!(line["rights_rule"], "fr-only: global block_all");
    let line = serde_json::to_value(&records[2]).unwrap();
    assert!(line.get("rights_rule").is_none());
}

/// A memory rights store that counts its reads (clones share the store and the count).
#[derive(Debug, Clone, Default)]
struct CountingStore {
    inner: Arc<MemoryRightsStore>,
    gets: Arc<AtomicUsize>,
}

impl RightsStore for CountingStore {
    fn put(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> impl Future<Output = Result<Written, RightsStoreError>> + Send {
        self.inner.put(rights, mode)
    }

    fn get(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<PlaybackRights>>, RightsStoreError>> + Send {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.inner.get(account, id)
    }

    fn list(
        &self,
        account: &str,
    ) -> impl Future<Output = Result<Vec<Arc<PlaybackRights>>, RightsStoreError>> + Send {
        self.inner.list(account)
    }

    fn delete(
        &self,
        account: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, RightsStoreError>> + Send {
        self.inner.delete(account, id)
    }
}

#[tokio::test]
async fn cached_rights_cost_no_store_read_and_this_node_s_writes_apply_at_once() {
    let store = CountingStore::default();
    let engine = engine_on(store.clone());
    let reads = || store.gets.load(Ordering::Relaxed);
    engine
        .0
        .put_rights(&france_only(ACCOUNT, "fr"), WriteMode::Create)
        .await
        .unwrap();
    let token = restriction("cached", |b| b);
    let us = |secs| from(US, secs).with_content_rights("fr");
    for _ in 0..20 {
        assert!(!engine.decide(&token, &us(1)).await.is_allowed());
    }
    assert_eq!(reads(), 1, "one store read, then the cache");
    assert_eq!(engine.rights_cache().hits(), 19);

    // Replaced through this node: the next decision uses the new rights.
    engine
        .0
        .put_rights(&not_france(ACCOUNT, "fr"), WriteMode::Replace)
        .await
        .unwrap();
    assert!(engine.decide(&token, &us(1)).await.is_allowed());
    assert_eq!(reads(), 2);

    // Deleted through this node: the next decision selecting them is refused.
    assert!(engine.0.delete_rights(ACCOUNT, "fr").await.unwrap());
    assert_eq!(
        denied(engine.decide(&token, &us(1)).await).code(),
        "rights_not_found"
    );

    // An id no rights can have (rights ids are checked at creation) is refused without a
    // store read, and takes no place in the cache.
    let (reads_before, held) = (reads(), engine.rights_cache().len());
    let odd = restriction("odd-prid", |b| b.playback_rights_id("not an id/../x"));
    assert_eq!(
        denied(engine.decide(&odd, &from(FRANCE, 1)).await).code(),
        "rights_not_found"
    );
    assert_eq!((reads(), engine.rights_cache().len()), (reads_before, held));
}

#[tokio::test]
async fn a_change_made_elsewhere_is_seen_within_the_cache_max_age() {
    let store = CountingStore::default();
    let stores = StoreSet {
        policy: MemoryPolicyStore::new(),
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: store.clone(),
    };
    let engine = Engine(
        Authorizer::builder(stores)
            .geo_lookup(geo())
            .rights_cache(RightsCache::new(100, Duration::from_secs(10)))
            .build(),
    );
    store
        .inner
        .put(&france_only(ACCOUNT, "fr"), WriteMode::Create)
        .await
        .unwrap();
    let token = restriction("stale", |b| b);
    let us = |secs| from(US, secs).with_content_rights("fr");
    assert!(!engine.decide(&token, &us(0)).await.is_allowed());
    // Another node replaces them (straight in the shared store, this cache not told).
    store
        .inner
        .put(&not_france(ACCOUNT, "fr"), WriteMode::Replace)
        .await
        .unwrap();
    assert!(
        !engine.decide(&token, &us(9)).await.is_allowed(),
        "within max_age"
    );
    assert!(
        engine.decide(&token, &us(10)).await.is_allowed(),
        "max_age passed"
    );
}

/// A rights store whose every operation fails.
#[derive(Debug)]
struct Unreachable;

fn down() -> RightsStoreError {
    RightsStoreError::backend(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "backend down",
    ))
}

impl RightsStore for Unreachable {
    async fn put(&self, _: &PlaybackRights, _: WriteMode) -> Result<Written, RightsStoreError> {
        Err(down())
    }

    async fn get(&self, _: &str, _: &str) -> Result<Option<Arc<PlaybackRights>>, RightsStoreError> {
        Err(down())
    }

    async fn list(&self, _: &str) -> Result<Vec<Arc<PlaybackRights>>, RightsStoreError> {
        Err(down())
    }

    async fn delete(&self, _: &str, _: &str) -> Result<bool, RightsStoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn an_unreachable_rights_store_fails_closed_or_open_as_configured() {
    let token = restriction("fault", |b| b);
    let ctx = from(US, 1).with_content_rights("fr");
    let closed = engine_on(Unreachable);
    assert_eq!(
        denied(closed.decide(&token, &ctx).await),
        DenyReason::StoreUnavailable
    );
    assert_eq!(closed.store_failures(), 1);
    // Content without rights needs no rights store.
    assert!(closed.decide(&token, &from(US, 2)).await.is_allowed());

    let open = engine_with(Unreachable, PolicyConfig::default().with_fail_open(true));
    let played = allowed(open.decide(&token, &ctx).await);
    assert!(played.degraded);
    // The token's own rules still apply when the store is skipped.
    let rules = AccessRules::from_json(json!([{ "type": "any", "action": "block" }])).unwrap();
    let blocked = restriction("fault-rules", |b| b.access_rules(&rules));
    assert_eq!(
        denied(open.decide(&blocked, &ctx).await).code(),
        "geo_restricted"
    );
}

#[tokio::test]
async fn a_heartbeat_re_runs_the_rights_and_a_stop_is_never_refused_by_them() {
    let engine = engine_on(stored(&[france_only(ACCOUNT, "fr-only")]).await);
    let token = restriction("stream", |b| b.user("viewer-1").concurrent_streams(1));
    let in_france = |secs| {
        from(FRANCE, secs)
            .with_content_rights("fr-only")
            .with_device_id("tv")
            .with_session_id("s1")
    };
    let in_us = |secs| {
        from(US, secs)
            .with_content_rights("fr-only")
            .with_device_id("tv")
            .with_session_id("s1")
    };
    assert!(engine.decide(&token, &in_france(1)).await.is_allowed());
    assert!(engine.heartbeat(&token, &in_france(61)).await.is_allowed());

    // The same stream's heartbeat from outside France: the rights refuse it mid-stream.
    let moved = denied(engine.heartbeat(&token, &in_us(121)).await);
    assert_eq!(moved.code(), "geo_restricted");
    assert_eq!(
        rights_denial(moved).0,
        RightsRule::ClientGeo,
        "the heartbeat names the rule that refused it"
    );

    // Letting go of the stream is not playing it: the stop frees the place from anywhere.
    let stopped = allowed(engine.stop(&token, &in_us(122)).await);
    assert!(stopped.stopped.is_some(), "the active session was ended");
    // The place is free at once: a new stream from France starts on another device.
    let other = from(FRANCE, 123)
        .with_content_rights("fr-only")
        .with_device_id("phone")
        .with_session_id("s2");
    assert!(engine.decide(&token, &other).await.is_allowed());
}
