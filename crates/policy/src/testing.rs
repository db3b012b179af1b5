//! Conformance suites for every store trait, and the test harness for networked backends
//! (feature `testing`).
//!
//! A backend is correct when it behaves as the traits document, whatever it stores things
//! in, so every backend must pass the same checks. One suite per trait, one file each:
//!
//! | trait | suite | macro |
//! |---|---|---|
//! | [`PolicyStore`](crate::PolicyStore) | [`policy_store`] | [`policy_store_conformance!`](crate::policy_store_conformance) |
//! | [`RevocationStore`](crate::RevocationStore) | [`revocation`] | [`revocation_store_conformance!`](crate::revocation_store_conformance) |
//! | [`KeyRegistry`](crate::KeyRegistry) | [`registry`] | [`key_registry_conformance!`](crate::key_registry_conformance) |
//! | [`AuditSink`](crate::AuditSink) | [`audit`] | [`audit_sink_conformance!`](crate::audit_sink_conformance) |
//! | [`RightsStore`](crate::RightsStore) | [`rights`] | [`rights_store_conformance!`](crate::rights_store_conformance) |
//!
//! Each check is a `pub async fn` that takes a factory making a fresh, empty store (called
//! once or more per check) and panics on the first mismatch. Each macro stamps out one
//! `#[tokio::test]` per check of its suite; a backend crate runs every suite with:
//!
//! ```
//! // A module of a backend crate's tests (needs tokio with `macros` and `rt-multi-thread`).
//! // The revocation and registry factories take the per-account capacity a check needs.
//! use std::sync::Arc;
//! use playback_auth_policy::{
//!     MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore, MemoryRevocationStore,
//! };
//!
//! playback_auth_policy::policy_store_conformance!(|| async { MemoryPolicyStore::new() });
//! playback_auth_policy::revocation_store_conformance!(|capacity| async move {
//!     MemoryRevocationStore::new().with_capacity(capacity)
//! });
//! playback_auth_policy::key_registry_conformance!(|keys_per_account| async move {
//!     MemoryKeyRegistry::new().with_keys_per_account(keys_per_account)
//! });
//! playback_auth_policy::audit_sink_conformance!(|| async { Arc::new(MemoryAuditSink::new()) });
//! playback_auth_policy::rights_store_conformance!(|rights_per_account| async move {
//!     playback_auth_policy::MemoryRightsStore::new().with_rights_per_account(rights_per_account)
//! });
//! # fn main() {}
//! ```
//!
//! A new check is a new `pub async fn` in its suite's file and a new name in that file's
//! macro; the policy crate's tests read the suites' sources and fail if a check is missing
//! from its macro.
//!
//! [`harness`] holds what every Redis-backed test crate shares: where the server is
//! (`REDIS_URL`), the skip-or-fail rule under `CI=true`, and unique key prefixes.
//! [`metrics`](mod@metrics) reads back what a body emitted through the `metrics` facade.

// Checks fail by panicking, as tests do.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod audit;
pub mod harness;
pub mod metrics;
pub mod policy_store;
pub mod registry;
pub mod revocation;
pub mod rights;

#[cfg(feature = "geoip")]
pub mod mmdb;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use playback_auth_claims::{
    ClaimsBuilder, NumericDate, PlaybackClaims, PlaybackRestrictionClaims, PrivateChannelClaims,
    Uid,
};

use crate::context::VerifiedToken;

/// The time every check starts at (2023-11-14T22:13:20Z).
pub const T0: i64 = 1_700_000_000;

/// The account the checks use.
const ACCOUNT: &str = "acct-conformance";

/// `T0 + secs` as a [`NumericDate`].
pub fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(T0 + secs).expect("in range")
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn uid(name: &str) -> Uid {
    Uid::new(name).expect("valid uid")
}

/// A verified restriction token of `ACCOUNT`, issued at `at(-10)`, valid for an hour, whose
/// encoded form (and so digest) is `encoded`.
fn restriction(
    build: impl FnOnce(
        ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> ClaimsBuilder<PlaybackRestrictionClaims>,
    encoded: &str,
) -> VerifiedToken {
    let builder =
        PlaybackRestrictionClaims::builder(ACCOUNT, at(-10)).valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().expect("valid claims");
    VerifiedToken::new(PlaybackClaims::Restriction(claims), encoded)
}

/// A verified private-channel token, issued at `at(-10)`, valid for an hour.
fn channel(
    build: impl FnOnce(ClaimsBuilder<PrivateChannelClaims>) -> ClaimsBuilder<PrivateChannelClaims>,
    encoded: &str,
) -> VerifiedToken {
    let builder = PrivateChannelClaims::builder(
        "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        at(-10),
    )
    .valid_for(Duration::from_secs(3600));
    let claims = build(builder).build().expect("valid claims");
    VerifiedToken::new(PlaybackClaims::Channel(claims), encoded)
}

/// The report executions of an [`AuditSink`](crate::AuditSink), across two handles (not part
/// of [`audit_sink_conformance!`](crate::audit_sink_conformance), whose factory makes one
/// store): `nodes` returns two handles on one fresh, empty sink — two nodes of a fleet
/// sharing a store. What one stores the other reads back; a second store replaces the
/// first whole (a file written with the completion, no file before it); an id is only its
/// own; an expiry not after `now` removes the execution.
pub async fn report_executions_are_shared_and_replaced_whole<A: crate::AuditSink>(
    nodes: impl FnOnce() -> (A, A),
) {
    use crate::{Execution, ExecutionId, ExecutionStatus, report_expiry};

    let (one, other) = nodes();
    let date = time::macros::date!(2023 - 11 - 13);
    let now = at(0);
    let expires = report_expiry(date);
    let id = ExecutionId::random().unwrap();
    let processing = Execution {
        account: ACCOUNT.to_owned(),
        date,
        status: ExecutionStatus::Processing,
    };
    one.put_execution(id, &processing, None, expires, now)
        .await
        .unwrap();
    assert_eq!(
        other.execution(id, now).await.unwrap(),
        Some(processing.clone())
    );
    assert_eq!(other.report_file(id, now).await.unwrap(), None);
    assert_eq!(
        other
            .execution(ExecutionId::random().unwrap(), now)
            .await
            .unwrap(),
        None
    );

    let completed = Execution {
        status: ExecutionStatus::Completed,
        ..processing.clone()
    };
    let file = b"{\"decision\":\"allow\"}\n";
    one.put_execution(id, &completed, Some(file), expires, at(1))
        .await
        .unwrap();
    assert_eq!(
        other.execution(id, at(1)).await.unwrap(),
        Some(completed.clone())
    );
    assert_eq!(
        other.report_file(id, at(1)).await.unwrap().as_deref(),
        Some(&file[..])
    );

    let failed = Execution {
        status: ExecutionStatus::Failed {
            reason: "audit sink unavailable".to_owned(),
        },
        ..processing
    };
    other
        .put_execution(id, &failed, None, expires, at(2))
        .await
        .unwrap();
    assert_eq!(
        one.execution(id, at(2)).await.unwrap(),
        Some(failed.clone())
    );
    assert_eq!(
        one.report_file(id, at(2)).await.unwrap(),
        None,
        "replaced whole"
    );

    one.put_execution(id, &failed, None, at(3), at(3))
        .await
        .unwrap();
    assert_eq!(other.execution(id, at(3)).await.unwrap(), None);
}

/// The body of every suite's macro: one `#[tokio::test]` per check of
/// `$crate::testing::$suite`, each calling it with `$factory` (evaluated inside the test).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($suite:ident, $factory:expr; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                $crate::testing::$suite::$check($factory).await;
            }
        )+
    };
}
