use std::time::Duration;

use super::RedisEndpoint;
use crate::{RedisStore, RedisStoreError};

#[test]
fn a_seed_list_is_split_on_commas_and_trimmed() {
    assert_eq!(
        RedisEndpoint::cluster_from_list(" redis://a:7000 ,,redis://b:7001,  "),
        RedisEndpoint::Cluster(vec![
            "redis://a:7000".to_owned(),
            "redis://b:7001".to_owned()
        ])
    );
    assert!(RedisEndpoint::cluster_from_list(" , ").is_empty());
    assert!(RedisEndpoint::cluster_from_list("redis://a:7000").is_cluster());
    assert!(!RedisEndpoint::Server("redis://a:6379".to_owned()).is_cluster());
    assert_eq!(
        RedisEndpoint::cluster_from_list("redis://a:7000,redis://b:7001").urls(),
        ["redis://a:7000", "redis://b:7001"]
    );
    assert_eq!(
        RedisEndpoint::Server("redis://a:6379".to_owned()).urls(),
        ["redis://a:6379"]
    );
}

#[test]
fn a_cluster_store_is_checked_and_built_lazily() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Nothing listens on port 1: building still succeeds, and the store says it is one.
        let store = RedisStore::cluster_builder(["redis://127.0.0.1:1", "redis://127.0.0.1:2"])
            .timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        assert!(store.is_cluster());
        // The first operation answers, typed, within the timeout: nothing to talk to.
        assert!(store.ping().await.is_err());
        let none = RedisStore::cluster_builder(Vec::<String>::new()).build();
        assert!(matches!(none, Err(RedisStoreError::InvalidSetting { .. })));
        let bad = RedisStore::cluster_builder(["redis://127.0.0.1:1", "not a url"]).build();
        assert!(matches!(bad, Err(RedisStoreError::InvalidUrl(_))));
        let server = RedisStore::builder_for(RedisEndpoint::Server("redis://127.0.0.1:1".into()))
            .build()
            .unwrap();
        assert!(!server.is_cluster());
    });
    // Outside a runtime: a bad URL is still reported as such, a good one as no runtime.
    let outside = RedisStore::cluster_builder(["not a url"]).build();
    assert!(matches!(outside, Err(RedisStoreError::InvalidUrl(_))));
    let outside = RedisStore::cluster_builder(["redis://127.0.0.1:1"]).build();
    assert!(matches!(outside, Err(RedisStoreError::NoRuntime)));
}
