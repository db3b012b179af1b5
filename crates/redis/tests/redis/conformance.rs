//! The policy crate's conformance suites against `RedisStore`, one per store trait: the
//! Redis store must keep every rule the traits document, as the in-memory stores do.
//!
//! Each check gets a store under a fresh key prefix (so it starts empty and tests run in
//! parallel against one server). Without `REDIS_URL` each check prints a skip note and
//! returns — or fails under `CI=true`. The factory is evaluated inside each generated test,
//! so its `let … else { return; }` skips that test.
#![allow(clippy::unwrap_used)]

/// The five suites, on the Redis `$target()` names (`None`: skipped, or failed under
/// `CI=true`), each store built by `$builder(&target, label)` under a fresh prefix.
macro_rules! suites {
    ($target:path, $builder:path) => {
        mod policy_store {
            playback_auth_policy::policy_store_conformance!({
                let Some(target) = $target() else {
                    return;
                };
                move || {
                    let store = $builder(&target, "conformance").build().unwrap();
                    async move { store }
                }
            });
        }

        mod revocation {
            playback_auth_policy::revocation_store_conformance!({
                let Some(target) = $target() else {
                    return;
                };
                move |capacity| {
                    let store = $builder(&target, "revocation")
                        .revocation_capacity(capacity)
                        .build()
                        .unwrap();
                    async move { store }
                }
            });
        }

        mod registry {
            playback_auth_policy::key_registry_conformance!({
                let Some(target) = $target() else {
                    return;
                };
                move |keys_per_account| {
                    let store = $builder(&target, "registry")
                        .keys_per_account(keys_per_account)
                        .build()
                        .unwrap();
                    async move { store }
                }
            });
        }

        mod rights {
            playback_auth_policy::rights_store_conformance!({
                let Some(target) = $target() else {
                    return;
                };
                move |rights_per_account| {
                    let store = $builder(&target, "rights")
                        .rights_per_account(rights_per_account)
                        .build()
                        .unwrap();
                    async move { store }
                }
            });
        }

        mod audit {
            playback_auth_policy::audit_sink_conformance!({
                let Some(target) = $target() else {
                    return;
                };
                move || {
                    let store = $builder(&target, "audit").build().unwrap();
                    async move { store }
                }
            });
        }
    };
}

suites!(crate::common::redis_url, crate::common::store_builder);

/// The same suites on a Redis Cluster (3 masters, 3 replicas: `REDIS_CLUSTER_URLS`), where
/// a command naming keys of two slots is refused: every operation of every trait runs here.
mod cluster {
    suites!(
        crate::common::cluster_urls,
        crate::common::cluster_store_builder
    );

    /// The readiness check answers on a cluster (every node is asked).
    #[tokio::test]
    async fn ping_answers_on_a_cluster() {
        let Some(seeds) = crate::common::cluster_urls() else {
            return;
        };
        let store = crate::common::cluster_store_builder(&seeds, "cluster-ping")
            .build()
            .unwrap();
        store.ping().await.unwrap();
    }

    /// Report executions on a cluster: two nodes sharing it see one another's.
    #[tokio::test]
    async fn report_executions_are_shared_and_replaced_whole() {
        let Some(seeds) = crate::common::cluster_urls() else {
            return;
        };
        let prefix = crate::common::unique_prefix("cluster-report-executions");
        let node = || {
            playback_auth_redis::RedisStore::cluster_builder(seeds.iter().cloned())
                .key_prefix(prefix.as_str())
                .build()
                .unwrap()
        };
        assert!(node().is_cluster());
        playback_auth_policy::testing::report_executions_are_shared_and_replaced_whole(|| {
            (node(), node())
        })
        .await;
    }
}

/// Report executions: two stores on one key prefix are two nodes sharing one Redis.
#[tokio::test]
async fn report_executions_are_shared_and_replaced_whole() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let prefix = crate::common::unique_prefix("report-executions");
    let node = || {
        playback_auth_redis::RedisStore::builder(url.as_str())
            .key_prefix(prefix.as_str())
            .build()
            .unwrap()
    };
    playback_auth_policy::testing::report_executions_are_shared_and_replaced_whole(|| {
        (node(), node())
    })
    .await;
}

/// A stored rights value is validated again on the way out: one that is not valid rights
/// (written by another program, or under older rules) is refused as `InvalidStored`, by
/// `get` and by `list`, and never used half-read; the rights JSON itself is what is stored.
#[tokio::test]
async fn stored_rights_are_validated_again_when_read() {
    use playback_auth_policy::{
        PlaybackRights, RightsError, RightsStore, RightsStoreError, WriteMode,
    };

    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = crate::common::fresh_store(&url, "rights-invalid");
    let rights = PlaybackRights::from_json(
        "acct-1",
        "eu",
        br#"{"geo": {"global": "block_all", "allowed_countries": ["FR"]}}"#,
    )
    .unwrap();
    store.put(&rights, WriteMode::Create).await.unwrap();
    let key = store.rights_key("acct-1");
    let mut admin = crate::common::admin(&url).await;
    let stored: String = redis::cmd("HGET")
        .arg(&key)
        .arg("eu")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stored).unwrap(),
        serde_json::json!({"geo": {"global": "block_all", "allowed_countries": ["FR"]}})
    );
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("eu")
        .arg(r#"{"geo": {"allowed_countries": ["XX"]}}"#)
        .query_async(&mut admin)
        .await
        .unwrap();
    match store.get("acct-1", "eu").await {
        Err(RightsStoreError::InvalidStored { id, source }) => {
            assert_eq!(id, "eu");
            assert!(
                matches!(source, RightsError::InvalidCountry { .. }),
                "{source:?}"
            );
        }
        other => panic!("expected InvalidStored, got {other:?}"),
    }
    assert!(matches!(
        store.list("acct-1").await,
        Err(RightsStoreError::InvalidStored { .. })
    ));
    // Deleting it still works, and the account is usable again.
    assert!(store.delete("acct-1", "eu").await.unwrap());
    assert!(store.list("acct-1").await.unwrap().is_empty());
}
