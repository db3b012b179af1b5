//! The store conformance suite against the in-memory store.

use playback_auth_policy::MemoryPolicyStore;

playback_auth_policy::policy_store_conformance!(|| async { MemoryPolicyStore::new() });

/// The suite again on a store with a single shard, so every partition shares one lock and
/// one sweep cursor.
mod single_shard {
    use playback_auth_policy::MemoryPolicyStore;

    playback_auth_policy::policy_store_conformance!(|| async {
        MemoryPolicyStore::with_shards(1, 10_000)
    });
}
