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
