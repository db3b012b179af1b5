//! The policy crate's store conformance suite against `RedisStore`: the Redis store and the
//! in-memory store must agree on every rule and every deny reason.
//!
//! Each check gets stores under fresh key prefixes (so they start empty and tests run in
//! parallel against one server). Without `REDIS_URL` each check prints a skip note and
//! returns — or fails under `CI=true`.

playback_auth_policy::policy_store_conformance!({
    // Evaluated inside each generated test: returning here skips that test.
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    move || {
        let store = crate::common::fresh_store(&url, "conformance");
        async move { store }
    }
});

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
