//! The policy crate's conformance suites against `RedisStore`, one per store trait: the
//! Redis store must keep every rule the traits document, as the in-memory stores do.
//!
//! Each check gets a store under a fresh key prefix (so it starts empty and tests run in
//! parallel against one server). Without `REDIS_URL` each check prints a skip note and
//! returns — or fails under `CI=true`. The factory is evaluated inside each generated test,
//! so its `let … else { return; }` skips that test.
#![allow(clippy::unwrap_used)]

mod policy_store {
    playback_auth_policy::policy_store_conformance!({
        let Some(url) = crate::common::redis_url() else {
            return;
        };
        move || {
            let store = crate::common::store_builder(&url, "conformance")
                .build()
                .unwrap();
            async move { store }
        }
    });
}

mod revocation {
    playback_auth_policy::revocation_store_conformance!({
        let Some(url) = crate::common::redis_url() else {
            return;
        };
        move |capacity| {
            let store = crate::common::store_builder(&url, "revocation")
                .revocation_capacity(capacity)
                .build()
                .unwrap();
            async move { store }
        }
    });
}

mod registry {
    playback_auth_policy::key_registry_conformance!({
        let Some(url) = crate::common::redis_url() else {
            return;
        };
        move |keys_per_account| {
            let store = crate::common::store_builder(&url, "registry")
                .keys_per_account(keys_per_account)
                .build()
                .unwrap();
            async move { store }
        }
    });
}

mod audit {
    playback_auth_policy::audit_sink_conformance!({
        let Some(url) = crate::common::redis_url() else {
            return;
        };
        move || {
            let store = crate::common::store_builder(&url, "audit").build().unwrap();
            async move { store }
        }
    });
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
