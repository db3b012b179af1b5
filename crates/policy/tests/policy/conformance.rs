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

/// Report executions shared through one sink: two `Arc`s on one `MemoryAuditSink`, and two
/// on one `JsonLinesAuditSink` (both keep executions in memory, for one process).
mod report_executions {
    use std::sync::Arc;

    use playback_auth_policy::{JsonLinesAuditSink, MemoryAuditSink, testing};

    #[tokio::test]
    async fn memory_sink() {
        testing::report_executions_are_shared_and_replaced_whole(|| {
            let sink = Arc::new(MemoryAuditSink::new());
            (Arc::clone(&sink), sink)
        })
        .await;
    }

    #[tokio::test]
    async fn json_lines_sink() {
        let dir = std::env::temp_dir().join(format!(
            "pa-report-executions-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos())
        ));
        let sink = Arc::new(JsonLinesAuditSink::open(&dir).unwrap());
        testing::report_executions_are_shared_and_replaced_whole(|| (Arc::clone(&sink), sink))
            .await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
