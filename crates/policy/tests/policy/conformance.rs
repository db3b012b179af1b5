//! The conformance suites against the in-memory stores (the audit suite on the JSON Lines
//! sink too), and the check that every suite's macro lists every check of its suite.
#![allow(clippy::expect_used)]

mod policy_store {
    use playback_auth_policy::MemoryPolicyStore;

    playback_auth_policy::policy_store_conformance!(|| async { MemoryPolicyStore::new() });

    /// The suite again on a store with a single shard, so every partition shares one lock
    /// and one sweep cursor.
    mod single_shard {
        use playback_auth_policy::MemoryPolicyStore;

        playback_auth_policy::policy_store_conformance!(|| async {
            MemoryPolicyStore::with_shards(1, 10_000)
        });
    }
}

mod revocation {
    use playback_auth_policy::MemoryRevocationStore;

    playback_auth_policy::revocation_store_conformance!(|capacity| async move {
        MemoryRevocationStore::new().with_capacity(capacity)
    });
}

mod registry {
    use playback_auth_policy::MemoryKeyRegistry;

    playback_auth_policy::key_registry_conformance!(|keys_per_account| async move {
        MemoryKeyRegistry::new().with_keys_per_account(keys_per_account)
    });
}

mod rights {
    use playback_auth_policy::MemoryRightsStore;

    playback_auth_policy::rights_store_conformance!(|rights_per_account| async move {
        MemoryRightsStore::new().with_rights_per_account(rights_per_account)
    });
}

mod audit {
    use std::sync::Arc;

    use playback_auth_policy::MemoryAuditSink;

    playback_auth_policy::audit_sink_conformance!(|| async { Arc::new(MemoryAuditSink::new()) });
}

/// The audit suite on the JSON Lines file sink too: a third backend of the same trait.
mod audit_json_lines {
    use std::future::Future;
    use std::path::PathBuf;

    use playback_auth_claims::NumericDate;
    use playback_auth_policy::testing::harness;
    use playback_auth_policy::{
        AuditAggregate, AuditError, AuditRecord, AuditSink, Execution, ExecutionId,
        JsonLinesAuditSink, RecordsRead,
    };

    /// A sink in a fresh directory, removed when the check drops the sink.
    struct DayFiles {
        sink: JsonLinesAuditSink,
        dir: PathBuf,
    }

    impl DayFiles {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(harness::unique("playback-auth-conformance"));
            let sink = JsonLinesAuditSink::open(&dir).expect("a fresh directory");
            Self { sink, dir }
        }
    }

    impl Drop for DayFiles {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    impl AuditSink for DayFiles {
        fn record(
            &self,
            record: AuditRecord,
        ) -> impl Future<Output = Result<(), AuditError>> + Send {
            self.sink.record(record)
        }

        fn record_aggregate(
            &self,
            aggregate: AuditAggregate,
        ) -> impl Future<Output = Result<(), AuditError>> + Send {
            self.sink.record_aggregate(aggregate)
        }

        fn records_for(
            &self,
            account: &str,
            date: time::Date,
        ) -> impl Future<Output = Result<RecordsRead, AuditError>> + Send {
            self.sink.records_for(account, date)
        }

        fn purge_before(
            &self,
            date: time::Date,
        ) -> impl Future<Output = Result<(), AuditError>> + Send {
            self.sink.purge_before(date)
        }

        fn put_execution(
            &self,
            id: ExecutionId,
            execution: &Execution,
            file: Option<&[u8]>,
            expires_at: NumericDate,
            now: NumericDate,
        ) -> impl Future<Output = Result<(), AuditError>> + Send {
            self.sink
                .put_execution(id, execution, file, expires_at, now)
        }

        fn execution(
            &self,
            id: ExecutionId,
            now: NumericDate,
        ) -> impl Future<Output = Result<Option<Execution>, AuditError>> + Send {
            self.sink.execution(id, now)
        }

        fn report_file(
            &self,
            id: ExecutionId,
            now: NumericDate,
        ) -> impl Future<Output = Result<Option<Vec<u8>>, AuditError>> + Send {
            self.sink.report_file(id, now)
        }
    }

    playback_auth_policy::audit_sink_conformance!(|| async { DayFiles::new() });
}

/// Every suite's source, by name.
const SUITES: [(&str, &str); 5] = [
    (
        "policy_store",
        include_str!("../../src/testing/policy_store.rs"),
    ),
    (
        "revocation",
        include_str!("../../src/testing/revocation.rs"),
    ),
    ("registry", include_str!("../../src/testing/registry.rs")),
    ("audit", include_str!("../../src/testing/audit.rs")),
    ("rights", include_str!("../../src/testing/rights.rs")),
];

/// The checks a suite defines: its `pub async fn`s whose only parameter is the factory
/// (others, like `concurrent_requests_respect_limits_rounds`, are variants to call by hand).
fn defined_checks(source: &str) -> Vec<String> {
    let mut checks: Vec<String> = source
        .split("pub async fn ")
        .skip(1)
        .filter_map(|rest| {
            let name_end = rest.find(['<', '('])?;
            let params_start = rest.find(">(").map_or(name_end, |i| i + 1);
            let params =
                &rest[params_start + 1..params_start + 1 + rest[params_start + 1..].find(')')?];
            (!params.contains(',')).then(|| rest[..name_end].to_owned())
        })
        .collect();
    checks.sort();
    checks
}

/// The checks a suite's macro stamps out: the names after `$factory;` in its
/// `__conformance_tests!` call.
fn listed_checks(source: &str) -> Vec<String> {
    let after = source
        .split_once("__conformance_tests!(")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let list = after
        .split_once(';')
        .and_then(|(_, rest)| rest.split_once(");"))
        .map(|(list, _)| list)
        .unwrap_or_default();
    let mut checks: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    checks.sort();
    checks
}

#[test]
fn every_check_is_listed_in_its_suites_macro() {
    for (suite, source) in SUITES {
        let defined = defined_checks(source);
        assert!(!defined.is_empty(), "{suite}: no checks found");
        assert_eq!(
            listed_checks(source),
            defined,
            "{suite}: the macro must list every `pub async fn` check of the suite"
        );
    }
}

#[test]
fn the_source_reader_finds_checks_and_skips_variants() {
    let source = "pub async fn one<S, F, Fut>(new_store: F)\n\
                  pub async fn variant<S, F, Fut>(new_store: F, rounds: usize)\n\
                  pub async fn two<S: X, F, Fut>(new_store: F)\n\
                  $crate::__conformance_tests!(\n    suite, $factory;\n    one,\n    two\n);";
    assert_eq!(defined_checks(source), ["one", "two"]);
    assert_eq!(listed_checks(source), ["one", "two"]);
    // A check missing from the macro is caught.
    let forgotten = source.replace("    two\n", "");
    assert_ne!(listed_checks(&forgotten), defined_checks(&forgotten));
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
