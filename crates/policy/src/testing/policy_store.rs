//! The [`PolicyStore`] suite: every stateful rule of the engine is a property of the store
//! it runs on.
//!
//! The checks cover: use counts (`maxu`), distinct IPs (`maxip`), single use, token state
//! expiry, session admission, renewal and lease expiry, the three behaviours at the stream
//! limit (evict oldest, `BLOCK_NEW`, `BLOCK_NEW_USER`) including the refusal of an evicted
//! session's renewal, device registration and limits, listing and ending sessions, listing
//! and removing devices, heartbeats (`renew_session`: renewal only, evicted vs unknown) and
//! stops (`stop_session`: the place freed at once), all-or-nothing application of combined plans, independence of
//! partitions, atomicity under concurrent requests, and — through a
//! [`PolicyEngine`](crate::PolicyEngine) on the store — every [`DenyReason`].
//!
//! Each check takes a factory making a fresh, empty store.
//! [`policy_store_conformance!`](crate::policy_store_conformance) runs them all; a single
//! check can also be called directly, e.g. with more rounds:
//!
//! ```
//! use playback_auth_policy::{MemoryPolicyStore, testing::policy_store};
//!
//! # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
//! policy_store::concurrent_requests_respect_limits_rounds(|| async { MemoryPolicyStore::new() }, 2)
//!     .await;
//! # });
//! ```

use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use playback_auth_claims::{
    ConcurrencyBehavior, NumericDate, PlaybackClaims, PrivateChannelClaims, ViewerId,
};

use crate::audit::MemoryAuditSink;
use crate::authorizer::Authorizer;
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Allowed, Decision, DenyReason, SessionChange};
use crate::policy_store::{
    Applied, DecisionPlan, DevicePlan, Outcome, Partition, PolicyStore, Refusal, SessionPlan,
    SessionRenewal, TokenPlan,
};
use crate::registry::MemoryKeyRegistry;
use crate::revocation::MemoryRevocationStore;
use crate::rights_store::MemoryRightsStore;
use crate::stores::StoreSet;

use super::{ACCOUNT, at, ip, restriction, uid};

/// The session lease the checks use.
pub const LEASE: Duration = Duration::from_secs(120);

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("non-zero")
}

fn user(name: &str) -> Partition {
    Partition::User {
        account: ACCOUNT.to_owned(),
        uid: uid(name),
    }
}

fn token_partition(id: &str) -> Partition {
    Partition::Token {
        account: ACCOUNT.to_owned(),
        token_id: id.to_owned(),
    }
}

fn session(key: &str, location: &str, limit: u32, behavior: ConcurrencyBehavior) -> SessionPlan {
    SessionPlan::new(key, location, nz(limit), behavior, LEASE)
}

fn session_plan(
    name: &str,
    key: &str,
    location: &str,
    limit: u32,
    behavior: ConcurrencyBehavior,
    now: NumericDate,
) -> DecisionPlan {
    DecisionPlan::new(user(name), now).with_session(session(key, location, limit, behavior))
}

fn device_plan(name: &str, device: &str, limit: u32, now: NumericDate) -> DecisionPlan {
    DecisionPlan::new(user(name), now).with_device(DevicePlan::new(device, nz(limit)))
}

async fn apply<S: PolicyStore>(store: &S, plan: &DecisionPlan) -> Outcome {
    match store.apply(plan).await {
        Ok(outcome) => outcome,
        Err(error) => panic!("store failed to apply {plan:?}: {error}"),
    }
}

async fn applied<S: PolicyStore>(store: &S, plan: &DecisionPlan) -> Applied {
    match apply(store, plan).await {
        Outcome::Applied(applied) => applied,
        Outcome::Refused(refusal) => panic!("expected {plan:?} to apply, refused {refusal:?}"),
    }
}

async fn refused<S: PolicyStore>(store: &S, plan: &DecisionPlan) -> Refusal {
    match apply(store, plan).await {
        Outcome::Refused(refusal) => refusal,
        Outcome::Applied(applied) => panic!("expected {plan:?} to be refused, applied {applied:?}"),
    }
}

fn admitted(key: &str) -> Option<SessionChange> {
    Some(SessionChange::Admitted {
        session: key.to_owned(),
    })
}

fn renewed(key: &str) -> Option<SessionChange> {
    Some(SessionChange::Renewed {
        session: key.to_owned(),
    })
}

async fn session_keys<S: PolicyStore>(store: &S, name: &str, now: NumericDate) -> Vec<String> {
    store
        .sessions(ACCOUNT, &uid(name), now)
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| s.session_key)
        .collect()
}

async fn device_ids<S: PolicyStore>(store: &S, name: &str) -> Vec<String> {
    store
        .devices(ACCOUNT, &uid(name))
        .await
        .expect("devices")
        .into_iter()
        .map(|d| d.device_id)
        .collect()
}

/// `maxu`: each use is counted and reported; the use after the limit is refused.
pub async fn max_uses_are_counted_until_the_limit<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |now| {
        DecisionPlan::new(token_partition("maxu"), now)
            .with_token(TokenPlan::new("maxu", ip(1), at(3600)).with_max_uses(nz(2)))
    };
    assert_eq!(applied(&store, &plan(at(0))).await.uses, Some(1));
    assert_eq!(applied(&store, &plan(at(1))).await.uses, Some(2));
    assert_eq!(
        refused(&store, &plan(at(2))).await,
        Refusal::MaxUsesReached { limit: 2 }
    );
    // A refused use is not counted: still refused, still at the limit.
    assert_eq!(
        refused(&store, &plan(at(3))).await,
        Refusal::MaxUsesReached { limit: 2 }
    );
}

/// `maxip`: known IPs always pass; a new IP beyond the limit is refused.
pub async fn max_ips_refuse_new_ips_beyond_the_limit<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |from| {
        DecisionPlan::new(token_partition("maxip"), at(0))
            .with_token(TokenPlan::new("maxip", from, at(3600)).with_max_ips(nz(2)))
    };
    applied(&store, &plan(ip(1))).await;
    applied(&store, &plan(ip(2))).await;
    applied(&store, &plan(ip(1))).await;
    assert_eq!(
        refused(&store, &plan(ip(3))).await,
        Refusal::MaxIpsReached { limit: 2 }
    );
    applied(&store, &plan(ip(2))).await;
    let v6 = IpAddr::V6(std::net::Ipv6Addr::LOCALHOST);
    assert_eq!(
        refused(&store, &plan(v6)).await,
        Refusal::MaxIpsReached { limit: 2 }
    );
}

/// `aws:single-use-uuid`: the first use consumes it; every later use is refused.
pub async fn single_use_is_consumed_by_the_first_use<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let uuid = "6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f";
    let plan = |now| {
        DecisionPlan::new(token_partition("single"), now)
            .with_token(TokenPlan::new("single", ip(1), at(3600)).with_single_use(uuid))
    };
    let first = applied(&store, &plan(at(0))).await;
    assert_eq!(first.uses, None, "uses are reported only under max_uses");
    assert_eq!(
        refused(&store, &plan(at(1))).await,
        Refusal::SingleUseAlreadyUsed
    );
    assert_eq!(
        refused(&store, &plan(at(2))).await,
        Refusal::SingleUseAlreadyUsed
    );
    // Another token is not affected.
    let other = DecisionPlan::new(token_partition("other"), at(2))
        .with_token(TokenPlan::new("other", ip(1), at(3600)).with_single_use(uuid));
    applied(&store, &other).await;
}

/// Per-token state lives until the plan's `expires_at`, then is forgotten.
pub async fn token_state_expires_with_the_token<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |now| {
        DecisionPlan::new(token_partition("short"), now)
            .with_token(TokenPlan::new("short", ip(1), at(60)).with_max_uses(nz(1)))
    };
    applied(&store, &plan(at(0))).await;
    assert_eq!(
        refused(&store, &plan(at(59))).await,
        Refusal::MaxUsesReached { limit: 1 }
    );
    assert_eq!(applied(&store, &plan(at(60))).await.uses, Some(1));
}

/// Below `climit` new sessions are admitted; an active session's request is a renewal
/// that extends its lease; listing shows active sessions, oldest first.
pub async fn sessions_are_admitted_below_the_limit_and_renewed<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key, now| session_plan("u", key, "loc", 2, ConcurrencyBehavior::BlockNew, now);
    assert_eq!(
        applied(&store, &plan("a", at(0))).await.session,
        admitted("a")
    );
    assert_eq!(
        applied(&store, &plan("b", at(10))).await.session,
        admitted("b")
    );
    let renewal = applied(&store, &plan("a", at(100))).await;
    assert_eq!(renewal.session, renewed("a"));
    assert!(renewal.evicted.is_empty());
    let sessions = store.sessions(ACCOUNT, &uid("u"), at(100)).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].session_key, "a");
    assert_eq!(sessions[0].location_key, "loc");
    assert_eq!(sessions[0].admitted_at, at(0));
    assert_eq!(sessions[0].lease_until, at(220));
    assert_eq!(sessions[1].session_key, "b");
    assert_eq!(sessions[1].lease_until, at(130));
    // At the limit (BLOCK_NEW) a third is refused while both leases run.
    assert_eq!(
        refused(&store, &plan("c", at(129))).await,
        Refusal::StreamLimitReached { limit: 2 }
    );
    // "b" was not renewed: its lease ends at 130 and frees its place.
    assert_eq!(session_keys(&store, "u", at(130)).await, ["a"]);
    assert_eq!(
        applied(&store, &plan("c", at(130))).await.session,
        admitted("c")
    );
    // "a" was renewed at 100: active until 220, then gone.
    assert_eq!(session_keys(&store, "u", at(219)).await, ["a", "c"]);
    assert_eq!(session_keys(&store, "u", at(220)).await, ["c"]);
    // A session whose lease ran out is admitted anew, not renewed.
    assert_eq!(
        applied(&store, &plan("b", at(221))).await.session,
        admitted("b")
    );
}

/// The plan's lease length is honoured exactly: active while `now < last + lease`.
pub async fn leases_follow_the_plan_lease<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key: &str, now| {
        DecisionPlan::new(user("lease"), now).with_session(SessionPlan::new(
            key,
            "loc",
            nz(1),
            ConcurrencyBehavior::BlockNew,
            Duration::from_secs(30),
        ))
    };
    applied(&store, &plan("a", at(0))).await;
    assert_eq!(
        refused(&store, &plan("b", at(29))).await,
        Refusal::StreamLimitReached { limit: 1 }
    );
    assert_eq!(
        applied(&store, &plan("b", at(30))).await.session,
        admitted("b")
    );
}

/// No `cbeh`: at the limit the oldest session (by admission, not by renewal) is evicted
/// and the new one admitted; the evicted session's renewal is refused until its lease
/// would have ended, after which it is a new session again.
pub async fn evict_oldest_evicts_and_refuses_the_evicted_renewal<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key, now| session_plan("u", key, "loc", 2, ConcurrencyBehavior::EvictOldest, now);
    applied(&store, &plan("a", at(0))).await;
    applied(&store, &plan("b", at(10))).await;
    // Renewing "a" does not make it younger.
    applied(&store, &plan("a", at(20))).await;
    let third = applied(&store, &plan("c", at(30))).await;
    assert_eq!(third.session, admitted("c"));
    assert_eq!(third.evicted, ["a"]);
    assert_eq!(session_keys(&store, "u", at(30)).await, ["b", "c"]);
    // "a" was renewed at 20: its lease would have ended at 140.
    assert_eq!(
        refused(&store, &plan("a", at(31))).await,
        Refusal::SessionEvicted {
            session: "a".to_owned()
        }
    );
    assert_eq!(
        refused(&store, &plan("a", at(139))).await,
        Refusal::SessionEvicted {
            session: "a".to_owned()
        }
    );
    // The refusals changed nothing.
    assert_eq!(session_keys(&store, "u", at(139)).await, ["c"]);
    applied(&store, &plan("c", at(139))).await;
    let back = applied(&store, &plan("a", at(140))).await;
    assert_eq!(back.session, admitted("a"));
    assert!(back.evicted.is_empty(), "{back:?}");
}

/// No `cbeh`, several sessions over a lowered limit: the oldest are evicted until the new
/// one fits.
pub async fn evict_oldest_evicts_down_to_a_lowered_limit<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
        let now = at(i64::try_from(i).unwrap());
        applied(
            &store,
            &session_plan("u", key, "loc", 3, ConcurrencyBehavior::EvictOldest, now),
        )
        .await;
    }
    let plan = session_plan("u", "d", "loc", 2, ConcurrencyBehavior::EvictOldest, at(5));
    let applied = applied(&store, &plan).await;
    assert_eq!(applied.evicted, ["a", "b"]);
    assert_eq!(session_keys(&store, "u", at(5)).await, ["c", "d"]);
}

/// Same admission time: the session admitted first is the oldest.
pub async fn evict_oldest_breaks_ties_by_admission_order<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key| session_plan("u", key, "loc", 2, ConcurrencyBehavior::EvictOldest, at(0));
    applied(&store, &plan("z")).await;
    applied(&store, &plan("a")).await;
    assert_eq!(applied(&store, &plan("m")).await.evicted, ["z"]);
    assert_eq!(session_keys(&store, "u", at(0)).await, ["a", "m"]);
}

/// `BLOCK_NEW`: at the limit a new session is refused; renewals still pass.
pub async fn block_new_refuses_at_the_limit<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key, now| session_plan("u", key, "loc", 1, ConcurrencyBehavior::BlockNew, now);
    applied(&store, &plan("a", at(0))).await;
    assert_eq!(
        refused(&store, &plan("b", at(1))).await,
        Refusal::StreamLimitReached { limit: 1 }
    );
    assert_eq!(
        applied(&store, &plan("a", at(2))).await.session,
        renewed("a")
    );
    assert_eq!(session_keys(&store, "u", at(2)).await, ["a"]);
}

/// `BLOCK_NEW_USER`: at the limit, a new session from a location that holds a session
/// replaces that location's oldest one; a new location is refused.
pub async fn block_new_user_replaces_the_same_location_only<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let b = ConcurrencyBehavior::BlockNewUser;
    applied(&store, &session_plan("u", "tv-1", "device:tv", 2, b, at(0))).await;
    applied(
        &store,
        &session_plan("u", "phone-1", "device:phone", 2, b, at(1)),
    )
    .await;
    // Below the limit a location may hold several sessions.
    assert_eq!(session_keys(&store, "u", at(1)).await, ["tv-1", "phone-1"]);
    assert_eq!(
        refused(
            &store,
            &session_plan("u", "laptop-1", "device:laptop", 2, b, at(2))
        )
        .await,
        Refusal::StreamLimitReached { limit: 2 }
    );
    let replaced = applied(
        &store,
        &session_plan("u", "phone-2", "device:phone", 2, b, at(3)),
    )
    .await;
    assert_eq!(replaced.session, admitted("phone-2"));
    assert_eq!(replaced.evicted, ["phone-1"]);
    assert_eq!(session_keys(&store, "u", at(3)).await, ["tv-1", "phone-2"]);
    assert_eq!(
        refused(
            &store,
            &session_plan("u", "phone-1", "device:phone", 2, b, at(4))
        )
        .await,
        Refusal::SessionEvicted {
            session: "phone-1".to_owned()
        }
    );
    // Once the tv's lease ends there is room for the new location.
    applied(
        &store,
        &session_plan("u", "laptop-1", "device:laptop", 2, b, at(120)),
    )
    .await;
}

/// `BLOCK_NEW_USER` replaces the *oldest* session of the location.
pub async fn block_new_user_replaces_the_locations_oldest<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let b = ConcurrencyBehavior::BlockNewUser;
    applied(&store, &session_plan("u", "x1", "client:x", 3, b, at(0))).await;
    applied(&store, &session_plan("u", "y1", "client:y", 3, b, at(1))).await;
    applied(&store, &session_plan("u", "x2", "client:x", 3, b, at(2))).await;
    let replaced = applied(&store, &session_plan("u", "x3", "client:x", 3, b, at(3))).await;
    assert_eq!(replaced.evicted, ["x1"]);
    assert_eq!(session_keys(&store, "u", at(3)).await, ["y1", "x2", "x3"]);
}

/// `dlimit`: a device is registered on first use, known devices pass, a new device
/// beyond the limit is refused.
pub async fn devices_are_registered_until_the_limit<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    assert!(
        applied(&store, &device_plan("u", "d1", 2, at(0)))
            .await
            .device_registered
    );
    assert!(
        !applied(&store, &device_plan("u", "d1", 2, at(1)))
            .await
            .device_registered
    );
    assert!(
        applied(&store, &device_plan("u", "d2", 2, at(2)))
            .await
            .device_registered
    );
    assert_eq!(
        refused(&store, &device_plan("u", "d3", 2, at(3))).await,
        Refusal::DeviceLimitReached { limit: 2 }
    );
    assert!(
        !applied(&store, &device_plan("u", "d2", 2, at(4)))
            .await
            .device_registered
    );
    // Devices do not expire.
    assert!(
        !applied(&store, &device_plan("u", "d1", 2, at(10_000_000)))
            .await
            .device_registered
    );
    assert_eq!(device_ids(&store, "u").await, ["d1", "d2"]);
}

/// Lowering `dlimit` keeps every registered device usable; only new ones are refused.
pub async fn lowering_the_device_limit_keeps_devices<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    for (i, device) in ["d1", "d2", "d3"].into_iter().enumerate() {
        let now = at(i64::try_from(i).unwrap());
        applied(&store, &device_plan("u", device, 3, now)).await;
    }
    for device in ["d1", "d2", "d3"] {
        assert!(
            !applied(&store, &device_plan("u", device, 1, at(5)))
                .await
                .device_registered
        );
    }
    assert_eq!(
        refused(&store, &device_plan("u", "d4", 1, at(6))).await,
        Refusal::DeviceLimitReached { limit: 1 }
    );
    assert_eq!(device_ids(&store, "u").await, ["d1", "d2", "d3"]);
}

/// Sessions can be listed and ended; an ended session's renewal is refused as evicted.
pub async fn sessions_can_be_listed_and_ended<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let u = uid("u");
    assert!(store.sessions(ACCOUNT, &u, at(0)).await.unwrap().is_empty());
    assert!(!store.end_session(ACCOUNT, &u, "a", at(0)).await.unwrap());
    let plan = |key, now| session_plan("u", key, "loc", 1, ConcurrencyBehavior::BlockNew, now);
    applied(&store, &plan("a", at(0))).await;
    assert_eq!(session_keys(&store, "u", at(1)).await, ["a"]);
    assert!(store.end_session(ACCOUNT, &u, "a", at(1)).await.unwrap());
    assert!(!store.end_session(ACCOUNT, &u, "a", at(1)).await.unwrap());
    assert!(session_keys(&store, "u", at(1)).await.is_empty());
    assert_eq!(
        refused(&store, &plan("a", at(2))).await,
        Refusal::SessionEvicted {
            session: "a".to_owned()
        }
    );
    // The ended session's place is free for another.
    applied(&store, &plan("b", at(2))).await;
    // A session whose lease ran out cannot be ended.
    assert!(!store.end_session(ACCOUNT, &u, "b", at(122)).await.unwrap());
}

async fn renew<S: PolicyStore>(
    store: &S,
    partition: &Partition,
    key: &str,
    now: NumericDate,
) -> SessionRenewal {
    store
        .renew_session(partition, key, LEASE, now)
        .await
        .expect("renew_session")
}

async fn stop<S: PolicyStore>(
    store: &S,
    partition: &Partition,
    key: &str,
    now: NumericDate,
) -> bool {
    store
        .stop_session(partition, key, now)
        .await
        .expect("stop_session")
}

/// A heartbeat (`renew_session`) extends an active session's lease to `now + lease` and
/// changes nothing else: it admits no unknown session, and tells an evicted session (until
/// its old lease runs out) from an unknown or expired one.
pub async fn heartbeats_renew_only_active_sessions<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let u = user("u");
    let plan = |key, now| session_plan("u", key, "loc", 1, ConcurrencyBehavior::EvictOldest, now);
    assert_eq!(renew(&store, &u, "a", at(0)).await, SessionRenewal::Unknown);
    assert!(session_keys(&store, "u", at(0)).await.is_empty());
    applied(&store, &plan("a", at(0))).await;
    assert_eq!(
        renew(&store, &u, "a", at(100)).await,
        SessionRenewal::Renewed {
            lease_until: at(220)
        }
    );
    let sessions = store.sessions(ACCOUNT, &uid("u"), at(150)).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (sessions[0].admitted_at, sessions[0].lease_until),
        (at(0), at(220))
    );
    // Another key is not admitted by a heartbeat.
    assert_eq!(
        renew(&store, &u, "b", at(150)).await,
        SessionRenewal::Unknown
    );
    assert_eq!(session_keys(&store, "u", at(150)).await, ["a"]);
    // Evicted by a newer stream: told apart from unknown until its old lease (220) ends.
    assert_eq!(applied(&store, &plan("b", at(160))).await.evicted, ["a"]);
    assert_eq!(
        renew(&store, &u, "a", at(161)).await,
        SessionRenewal::Evicted
    );
    assert_eq!(
        renew(&store, &u, "a", at(221)).await,
        SessionRenewal::Unknown
    );
    // A lease that ran out is not renewed: "b" (lease to 280) at 280.
    assert_eq!(
        renew(&store, &u, "b", at(280)).await,
        SessionRenewal::Unknown
    );
    // Another user's partition holds none of them.
    assert_eq!(
        renew(&store, &user("v"), "b", at(170)).await,
        SessionRenewal::Unknown
    );
}

/// A stop (`stop_session`) frees the session's place at once, is idempotent, remembers no
/// eviction (the same stream may start again), and touches only its own partition.
pub async fn stops_free_the_place_at_once<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let u = user("u");
    let plan = |key, now| session_plan("u", key, "loc", 1, ConcurrencyBehavior::BlockNew, now);
    assert!(!stop(&store, &u, "a", at(0)).await);
    applied(&store, &plan("a", at(0))).await;
    assert_eq!(
        refused(&store, &plan("b", at(1))).await,
        Refusal::StreamLimitReached { limit: 1 }
    );
    assert!(!stop(&store, &user("v"), "a", at(2)).await);
    assert_eq!(session_keys(&store, "u", at(2)).await, ["a"]);
    assert!(stop(&store, &u, "a", at(2)).await);
    assert!(!stop(&store, &u, "a", at(2)).await);
    assert!(session_keys(&store, "u", at(2)).await.is_empty());
    assert_eq!(renew(&store, &u, "a", at(3)).await, SessionRenewal::Unknown);
    assert_eq!(
        applied(&store, &plan("b", at(3))).await.session,
        admitted("b")
    );
    assert!(stop(&store, &u, "b", at(4)).await);
    assert_eq!(
        applied(&store, &plan("a", at(5))).await.session,
        admitted("a")
    );
    // A token's own partition (a token without a user) works the same way.
    let t = token_partition("jti-1");
    let token_plan = DecisionPlan::new(t.clone(), at(6)).with_session(session(
        "s",
        "loc",
        1,
        ConcurrencyBehavior::BlockNew,
    ));
    applied(&store, &token_plan).await;
    assert!(renew(&store, &t, "s", at(7)).await.is_renewed());
    assert!(stop(&store, &t, "s", at(8)).await);
    // A session whose lease ran out is not stopped (it was already gone).
    assert!(!stop(&store, &u, "a", at(125)).await);
}

/// Devices can be listed and removed; a removed device's place is free again.
pub async fn devices_can_be_listed_and_removed<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let u = uid("u");
    assert!(store.devices(ACCOUNT, &u).await.unwrap().is_empty());
    assert!(!store.remove_device(ACCOUNT, &u, "d1").await.unwrap());
    applied(&store, &device_plan("u", "d1", 1, at(0))).await;
    let devices = store.devices(ACCOUNT, &u).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_id, "d1");
    assert_eq!(devices[0].registered_at, at(0));
    assert_eq!(
        refused(&store, &device_plan("u", "d2", 1, at(1))).await,
        Refusal::DeviceLimitReached { limit: 1 }
    );
    assert!(store.remove_device(ACCOUNT, &u, "d1").await.unwrap());
    assert!(!store.remove_device(ACCOUNT, &u, "d1").await.unwrap());
    assert!(
        applied(&store, &device_plan("u", "d2", 1, at(2)))
            .await
            .device_registered
    );
    assert_eq!(device_ids(&store, "u").await, ["d2"]);
}

/// A plan refused by any one of its checks records none of its changes: no use counted,
/// no IP recorded, no single use consumed, no session admitted or evicted, no device
/// registered.
pub async fn refused_plans_change_nothing<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let combined = |session_key: &str, device: &str, from: IpAddr, now| {
        DecisionPlan::new(user("all"), now)
            .with_token(
                TokenPlan::new("all-token", from, at(3600))
                    .with_max_uses(nz(10))
                    .with_max_ips(nz(1)),
            )
            .with_session(session(
                session_key,
                "loc",
                1,
                ConcurrencyBehavior::EvictOldest,
            ))
            .with_device(DevicePlan::new(device, nz(1)))
    };
    let first = applied(&store, &combined("s1", "d1", ip(1), at(0))).await;
    assert_eq!(first.uses, Some(1));
    assert_eq!(first.session, admitted("s1"));
    assert!(first.device_registered);

    // Refused by the device: the session "s2" would have evicted "s1" — it must not have.
    assert_eq!(
        refused(&store, &combined("s2", "d2", ip(1), at(1))).await,
        Refusal::DeviceLimitReached { limit: 1 }
    );
    // Refused by the IP: the device "d1" is known, the session would be admitted.
    assert_eq!(
        refused(&store, &combined("s2", "d1", ip(2), at(2))).await,
        Refusal::MaxIpsReached { limit: 1 }
    );
    assert_eq!(session_keys(&store, "all", at(2)).await, ["s1"]);
    assert_eq!(device_ids(&store, "all").await, ["d1"]);
    // Not one of the refused requests was counted.
    let second = applied(&store, &combined("s1", "d1", ip(1), at(3))).await;
    assert_eq!(second.uses, Some(2));
    assert_eq!(second.session, renewed("s1"));

    // Refused by the session (evicted): the use and the new device are not recorded.
    let evicting = applied(&store, &combined("s3", "d1", ip(1), at(4))).await;
    assert_eq!(evicting.evicted, ["s1"]);
    assert_eq!(evicting.uses, Some(3));
    assert_eq!(
        refused(&store, &combined("s1", "d1", ip(1), at(5))).await,
        Refusal::SessionEvicted {
            session: "s1".to_owned()
        }
    );

    // Refused by single use: the session is not admitted.
    let single = |key: &str, now| {
        DecisionPlan::new(user("single"), now)
            .with_token(TokenPlan::new("single-token", ip(1), at(3600)).with_single_use("uuid-1"))
            .with_session(session(key, "loc", 5, ConcurrencyBehavior::BlockNew))
    };
    applied(&store, &single("s1", at(0))).await;
    assert_eq!(
        refused(&store, &single("s2", at(1))).await,
        Refusal::SingleUseAlreadyUsed
    );
    assert_eq!(session_keys(&store, "single", at(1)).await, ["s1"]);

    // Refused by the stream limit: the use is not counted, the device not registered.
    let blocked = |key: &str, device: &str, now| {
        DecisionPlan::new(user("blocked"), now)
            .with_token(TokenPlan::new("blocked-token", ip(1), at(3600)).with_max_uses(nz(2)))
            .with_session(session(key, "loc", 1, ConcurrencyBehavior::BlockNew))
            .with_device(DevicePlan::new(device, nz(5)))
    };
    applied(&store, &blocked("s1", "d1", at(0))).await;
    assert_eq!(
        refused(&store, &blocked("s2", "d2", at(1))).await,
        Refusal::StreamLimitReached { limit: 1 }
    );
    assert_eq!(device_ids(&store, "blocked").await, ["d1"]);
    assert_eq!(
        applied(&store, &blocked("s1", "d1", at(2))).await.uses,
        Some(2)
    );
    assert_eq!(
        refused(&store, &blocked("s1", "d1", at(3))).await,
        Refusal::MaxUsesReached { limit: 2 }
    );
}

/// The checks run in a fixed order: token (single use, uses, IPs), then session, then device.
pub async fn refusals_follow_the_documented_order<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = |key: &str, device: &str, now| {
        DecisionPlan::new(user("order"), now)
            .with_token(TokenPlan::new("order-token", ip(1), at(3600)).with_max_uses(nz(1)))
            .with_session(session(key, "loc", 1, ConcurrencyBehavior::BlockNew))
            .with_device(DevicePlan::new(device, nz(1)))
    };
    applied(&store, &plan("s1", "d1", at(0))).await;
    // Every check would refuse; the token's comes first.
    assert_eq!(
        refused(&store, &plan("s2", "d2", at(1))).await,
        Refusal::MaxUsesReached { limit: 1 }
    );
    let without_token = |key: &str, device: &str, now| {
        DecisionPlan::new(user("order"), now)
            .with_session(session(key, "loc", 1, ConcurrencyBehavior::BlockNew))
            .with_device(DevicePlan::new(device, nz(1)))
    };
    assert_eq!(
        refused(&store, &without_token("s2", "d2", at(2))).await,
        Refusal::StreamLimitReached { limit: 1 }
    );
}

/// State of one user, account or token never affects another.
pub async fn partitions_are_independent<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let b = ConcurrencyBehavior::BlockNew;
    applied(&store, &session_plan("alice", "s", "loc", 1, b, at(0))).await;
    applied(&store, &session_plan("bob", "s", "loc", 1, b, at(0))).await;
    let other_account = DecisionPlan::new(
        Partition::User {
            account: "acct-other".to_owned(),
            uid: uid("alice"),
        },
        at(0),
    )
    .with_session(session("t", "loc", 1, b));
    applied(&store, &other_account).await;
    assert_eq!(session_keys(&store, "alice", at(0)).await, ["s"]);
    let other_sessions = store
        .sessions("acct-other", &uid("alice"), at(0))
        .await
        .unwrap();
    assert_eq!(other_sessions.len(), 1);
    assert_eq!(other_sessions[0].session_key, "t");

    applied(&store, &device_plan("alice", "d1", 1, at(0))).await;
    applied(&store, &device_plan("bob", "d2", 1, at(0))).await;
    assert!(
        store
            .devices("acct-other", &uid("alice"))
            .await
            .unwrap()
            .is_empty()
    );

    let token = |partition: Partition, id: &str| {
        DecisionPlan::new(partition, at(0))
            .with_token(TokenPlan::new(id, ip(1), at(3600)).with_max_uses(nz(1)))
    };
    applied(&store, &token(token_partition("t1"), "t1")).await;
    applied(&store, &token(token_partition("t2"), "t2")).await;
    // The same token id under a user's partition is that user's token.
    applied(&store, &token(user("alice"), "t1")).await;
    applied(&store, &token(user("bob"), "t1")).await;
    assert_eq!(
        refused(&store, &token(user("bob"), "t1")).await,
        Refusal::MaxUsesReached { limit: 1 }
    );
}

/// An empty plan checks nothing and always applies.
pub async fn empty_plans_apply<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store().await;
    let plan = DecisionPlan::new(user("nobody"), at(0));
    assert_eq!(applied(&store, &plan).await, Applied::default());
}

/// Concurrent requests are serialised per partition: with 64 simultaneous new sessions
/// under `climit` 3 and `BLOCK_NEW`, exactly 3 are admitted; likewise for `dlimit` 3 and
/// `maxu` 3. Repeated `rounds` times on fresh stores.
pub async fn concurrent_requests_respect_limits_rounds<S, F, Fut>(new_store: F, rounds: usize)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    const TASKS: usize = 64;
    for _ in 0..rounds {
        let store = Arc::new(new_store().await);
        let mut plans = Vec::with_capacity(TASKS * 3);
        for i in 0..TASKS {
            let key = format!("s{i}");
            plans.push(session_plan(
                "race",
                &key,
                "loc",
                3,
                ConcurrencyBehavior::BlockNew,
                at(0),
            ));
            plans.push(device_plan("race-devices", &format!("d{i}"), 3, at(0)));
            plans.push(
                DecisionPlan::new(token_partition("race-token"), at(0))
                    .with_token(TokenPlan::new("race-token", ip(1), at(3600)).with_max_uses(nz(3))),
            );
        }
        let tasks: Vec<_> = plans
            .into_iter()
            .map(|plan| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let outcome = store.apply(&plan).await.expect("apply");
                    (plan, outcome)
                })
            })
            .collect();
        let (mut sessions, mut devices, mut uses) = (0, 0, Vec::new());
        for task in tasks {
            let (plan, outcome) = task.await.expect("task");
            let Outcome::Applied(applied) = outcome else {
                continue;
            };
            if plan.session.is_some() {
                sessions += 1;
            } else if plan.device.is_some() {
                assert!(applied.device_registered);
                devices += 1;
            } else {
                uses.push(applied.uses.expect("uses"));
            }
        }
        uses.sort_unstable();
        assert_eq!(sessions, 3, "sessions admitted");
        assert_eq!(devices, 3, "devices registered");
        assert_eq!(uses, [1, 2, 3], "uses counted");
        assert_eq!(session_keys(&*store, "race", at(0)).await.len(), 3);
        assert_eq!(device_ids(&*store, "race-devices").await.len(), 3);
    }
}

/// [`concurrent_requests_respect_limits_rounds`] with 20 rounds.
pub async fn concurrent_requests_respect_limits<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    concurrent_requests_respect_limits_rounds(new_store, 20).await;
}

/// A request for `video-1`, which the catalogue tags `sports` and maps to the channel of the
/// channel tokens here.
fn request(now: NumericDate) -> RequestContext {
    RequestContext::new(ACCOUNT, "video-1", "Player/1.0", ip(1), now)
        .with_content_tags(["sports"])
        .with_content_channel("arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456")
}

#[track_caller]
fn deny(decision: Decision) -> DenyReason {
    match decision {
        Decision::Deny(reason) => reason,
        Decision::Allow(allowed) => panic!("expected a denial, allowed {allowed:?}"),
    }
}

#[track_caller]
fn allow(decision: Decision) -> Allowed {
    match decision {
        Decision::Allow(allowed) => allowed,
        Decision::Deny(reason) => panic!("expected an allow, denied {reason}"),
    }
}

/// Through a [`PolicyEngine`](crate::PolicyEngine) on the store: one allow and one denial for every
/// [`DenyReason`] a healthy store can produce, each denial consuming nothing.
pub async fn engine_enforces_every_deny_reason<S, F, Fut>(new_store: F)
where
    S: PolicyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let stores = StoreSet {
        policy: new_store().await,
        revocations: MemoryRevocationStore::new(),
        audit: Arc::new(MemoryAuditSink::new()),
        registry: MemoryKeyRegistry::new(),
        rights: MemoryRightsStore::new(),
    };
    let authorizer = Authorizer::new(stores);
    let engine = authorizer.engine();
    let now = at(0);

    // Static checks.
    let t = restriction(|b| b.content_id("video-1"), "static-1");
    allow(engine.decide(&t, &request(now)).await);
    let mut other_account = request(now);
    other_account.account = "acct-other".to_owned();
    assert_eq!(
        deny(engine.decide(&t, &other_account).await),
        DenyReason::AccountMismatch {
            token_account: ACCOUNT.to_owned()
        }
    );
    let mut other_content = request(now);
    other_content.content_id = "video-2".to_owned();
    assert_eq!(
        deny(engine.decide(&t, &other_content).await),
        DenyReason::ContentMismatch {
            token_content: "video-1".to_owned()
        }
    );
    let t = restriction(|b| b.video_ids(["video-1", "video-3"]), "static-2");
    allow(engine.decide(&t, &request(now)).await);
    assert_eq!(
        deny(engine.decide(&t, &other_content).await),
        DenyReason::NotInVids
    );
    let t = restriction(|b| b.tags(["news", "sports"]), "static-3");
    allow(engine.decide(&t, &request(now)).await);
    assert_eq!(
        deny(
            engine
                .decide(&t, &request(now).with_content_tags(["kids"]))
                .await
        ),
        DenyReason::NoMatchingTag
    );
    let t = restriction(|b| b.user_agent("Player/1.0"), "static-4");
    allow(engine.decide(&t, &request(now)).await);
    let mut other_agent = request(now);
    other_agent.user_agent = "Player/2.0".to_owned();
    assert_eq!(
        deny(engine.decide(&t, &other_agent).await),
        DenyReason::UserAgentMismatch
    );
    let channel = PrivateChannelClaims::builder(
        "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        at(-10),
    )
    .allowed_origins("https://player.example")
    .single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
    .valid_for(Duration::from_secs(3600))
    .build()
    .expect("valid channel claims");
    let t = VerifiedToken::new(PlaybackClaims::Channel(channel), "channel-1");
    assert_eq!(
        deny(
            engine
                .decide(&t, &request(now).with_origin("https://evil.example"))
                .await
        ),
        DenyReason::OriginNotAllowed {
            origin: Some("https://evil.example".to_owned())
        }
    );
    assert_eq!(
        deny(engine.decide(&t, &request(now)).await),
        DenyReason::OriginNotAllowed { origin: None }
    );
    // The origin denials did not consume the single use.
    let good_origin = request(now).with_origin("https://player.example");
    allow(engine.decide(&t, &good_origin).await);
    assert_eq!(
        deny(engine.decide(&t, &good_origin).await),
        DenyReason::SingleUseAlreadyUsed
    );

    // Stateful checks.
    let t = restriction(|b| b.max_uses(1), "maxu");
    assert_eq!(allow(engine.decide(&t, &request(now)).await).uses, Some(1));
    assert_eq!(
        deny(engine.decide(&t, &request(now)).await),
        DenyReason::MaxUsesReached { limit: 1 }
    );
    let t = restriction(|b| b.max_ips(1), "maxip");
    allow(engine.decide(&t, &request(now)).await);
    assert_eq!(
        deny(engine.decide(&t, &request(now).with_client_ip(ip(2))).await),
        DenyReason::MaxIpsReached { limit: 1 }
    );
    let t = restriction(
        |b| {
            b.user("viewer-1")
                .concurrent_streams(1)
                .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        },
        "climit",
    );
    allow(engine.decide(&t, &request(now).with_session_id("a")).await);
    assert_eq!(
        deny(engine.decide(&t, &request(now).with_session_id("b")).await),
        DenyReason::StreamLimitReached { limit: 1 }
    );
    let t = restriction(|b| b.user("viewer-2").concurrent_streams(1), "evict");
    let a = request(now).with_session_id("a");
    let a_key = engine
        .session_key(&t, &a)
        .expect("a climit token has sessions");
    allow(engine.decide(&t, &a).await);
    let evicting = allow(engine.decide(&t, &request(now).with_session_id("b")).await);
    assert_eq!(evicting.evicted, std::slice::from_ref(&a_key));
    assert_eq!(
        deny(engine.decide(&t, &a).await),
        DenyReason::SessionEvicted { session: a_key }
    );
    let t = restriction(|b| b.user("viewer-3").device_limit(1), "dlimit");
    assert_eq!(
        deny(engine.decide(&t, &request(now)).await),
        DenyReason::DeviceIdMissing
    );
    assert!(allow(engine.decide(&t, &request(now).with_device_id("d1")).await).device_registered);
    assert_eq!(
        deny(engine.decide(&t, &request(now).with_device_id("d2")).await),
        DenyReason::DeviceLimitReached { limit: 1 }
    );

    // Revocation.
    let t = restriction(|b| b.max_uses(5), "revoked");
    allow(engine.decide(&t, &request(now)).await);
    authorizer.revoke(ACCOUNT, &t, now).await.expect("revoke");
    assert_eq!(
        deny(engine.decide(&t, &request(now)).await),
        DenyReason::TokenRevoked
    );
    let viewer = PrivateChannelClaims::builder(
        "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        at(-10),
    )
    .viewer("viewer-9", 2)
    .valid_for(Duration::from_secs(3600))
    .build()
    .expect("valid channel claims");
    let t = VerifiedToken::new(PlaybackClaims::Channel(viewer), "viewer");
    allow(engine.decide(&t, &request(now)).await);
    let viewer_id = ViewerId::parse("viewer-9").expect("viewer id");
    authorizer
        .disconnect_viewer(ACCOUNT, &viewer_id, 2, at(3600), now)
        .await
        .expect("disconnect");
    assert_eq!(
        deny(engine.decide(&t, &request(now)).await),
        DenyReason::ViewerDisconnected
    );
}

/// Stamps out one `#[tokio::test]` per check of
/// [`testing::policy_store`](crate::testing::policy_store), each calling it with `$factory`,
/// an expression for a closure that returns a future of a fresh, empty store.
///
/// The calling crate needs `tokio` (features `macros`, `rt-multi-thread`) as a
/// dev-dependency. Invoke it once per module. `$factory` is evaluated inside each test, so
/// it may `return` early (e.g. to skip when a backend is unavailable).
///
/// ```
/// use playback_auth_policy::MemoryPolicyStore;
///
/// playback_auth_policy::policy_store_conformance!(|| async { MemoryPolicyStore::new() });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! policy_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            policy_store, $factory;
            max_uses_are_counted_until_the_limit,
            max_ips_refuse_new_ips_beyond_the_limit,
            single_use_is_consumed_by_the_first_use,
            token_state_expires_with_the_token,
            sessions_are_admitted_below_the_limit_and_renewed,
            leases_follow_the_plan_lease,
            evict_oldest_evicts_and_refuses_the_evicted_renewal,
            evict_oldest_evicts_down_to_a_lowered_limit,
            evict_oldest_breaks_ties_by_admission_order,
            block_new_refuses_at_the_limit,
            block_new_user_replaces_the_same_location_only,
            block_new_user_replaces_the_locations_oldest,
            devices_are_registered_until_the_limit,
            lowering_the_device_limit_keeps_devices,
            sessions_can_be_listed_and_ended,
            heartbeats_renew_only_active_sessions,
            stops_free_the_place_at_once,
            devices_can_be_listed_and_removed,
            refused_plans_change_nothing,
            refusals_follow_the_documented_order,
            partitions_are_independent,
            empty_plans_apply,
            concurrent_requests_respect_limits,
            engine_enforces_every_deny_reason
        );
    };
}
