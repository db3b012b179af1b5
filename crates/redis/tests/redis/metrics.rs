//! `playback_auth_redis_errors_total{kind}`: every failed Redis operation is counted by kind
//! where all of them go through, read back with a local recorder. The connection and timeout
//! tests need no Redis (a port nothing listens on, a listener that never answers); the error
//! reply test runs on `REDIS_URL`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use playback_auth_policy::metrics::{DECISIONS_TOTAL, REDIS_ERRORS_TOTAL};
use playback_auth_policy::testing::metrics::recorded;
use playback_auth_policy::{Authorizer, DenyReason, KeyRegistry};
use playback_auth_redis::{RedisStore, RedisStoreError};

use crate::common::{ACCOUNT, admin, free_port, fresh_store, request, unique_prefix};

fn store_on(port: u16) -> RedisStore {
    RedisStore::builder(format!("redis://127.0.0.1:{port}/"))
        .key_prefix(unique_prefix("metrics"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
}

#[test]
fn a_refused_connection_is_counted_as_a_connection_error() {
    let port = free_port();
    let (decision, metrics) = recorded(async move {
        let store = store_on(port);
        assert!(matches!(
            store.ping().await,
            Err(RedisStoreError::Redis(error)) if error.is_connection_refusal()
        ));
        // The authorizer reads the account's keys first: refused, the request fails closed,
        // and counting the refusal in the audit trail is refused too.
        Authorizer::new(store).authorize("x.y.z", &request(0)).await
    });
    assert_eq!(decision.deny_reason(), Some(&DenyReason::StoreUnavailable));
    assert_eq!(
        metrics.counter(REDIS_ERRORS_TOTAL, &[("kind", "connection")]),
        3
    );
    assert_eq!(metrics.label_sets(REDIS_ERRORS_TOTAL).len(), 1);
    assert_eq!(
        metrics.counter(
            DECISIONS_TOTAL,
            &[("outcome", "denied"), ("code", "store_unavailable")]
        ),
        1
    );
}

#[test]
fn a_server_that_never_answers_is_counted_as_a_timeout() {
    // Connections are accepted by the kernel (the backlog) and never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (result, metrics) = recorded(async move { store_on(port).ping().await });
    drop(silent);
    assert!(result.is_err());
    assert_eq!(
        metrics.counter(REDIS_ERRORS_TOTAL, &[("kind", "timeout")]),
        1
    );
    assert_eq!(metrics.label_sets(REDIS_ERRORS_TOTAL).len(), 1);
}

#[test]
fn an_error_reply_is_counted_as_other() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let (result, metrics) = recorded(async move {
        let store = fresh_store(&url, "metrics-other");
        // Another program's string where the account's key registry (a hash) belongs: Redis
        // answers the registry read with a WRONGTYPE error.
        let mut connection = admin(&url).await;
        let _: () = redis::cmd("SET")
            .arg(store.key_registry_key(ACCOUNT))
            .arg("not a hash")
            .query_async(&mut connection)
            .await
            .unwrap();
        let result = store.key_set(ACCOUNT).await.map(drop);
        let _: () = redis::cmd("DEL")
            .arg(store.key_registry_key(ACCOUNT))
            .query_async(&mut connection)
            .await
            .unwrap();
        result
    });
    assert!(result.is_err());
    assert_eq!(metrics.counter(REDIS_ERRORS_TOTAL, &[("kind", "other")]), 1);
    assert_eq!(metrics.label_sets(REDIS_ERRORS_TOTAL).len(), 1);
}
