//! `RevocationStore` on Redis, beyond the conformance suite (`conformance::revocation`,
//! which checks every documented rule): the account's HASH expires with its latest entry.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use playback_auth_policy::{RevocationStore, TokenDigest};

use crate::common::{ACCOUNT, at};

#[tokio::test]
async fn revocation_state_carries_a_ttl() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = crate::common::fresh_store(&url, "revocation-ttl");
    store
        .revoke_token(ACCOUNT, TokenDigest::of_token("t"), at(3600), at(0))
        .await
        .unwrap();
    let mut admin = crate::common::admin(&url).await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.revocation_key(ACCOUNT))
        .query_async(&mut admin)
        .await
        .unwrap();
    // 3600 s to the entry's end (the caller's keep-until) + 60 s margin, measured from the
    // decision's `now`.
    let expected = Duration::from_secs(3660).as_millis();
    let ttl = u128::try_from(ttl).unwrap();
    assert!(ttl <= expected && ttl > expected - 5_000, "PTTL {ttl}");
}
