//! `KeyRegistry` on Redis, checked against `MemoryKeyRegistry`: same records, same order,
//! same typed errors (the conformance suite covers the policy store only).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, PrivateKey, PublicKey};
use playback_auth_policy::{KeyRecord, KeyRegistry, MemoryKeyRegistry, RegistryError};
use playback_auth_redis::RedisStore;

use crate::common::{ACCOUNT, at};

fn public_key(alg: Algorithm) -> PublicKey {
    PrivateKey::generate(alg).unwrap().public_key()
}

struct Pair {
    memory: MemoryKeyRegistry,
    redis: RedisStore,
}

/// What an error says, for comparing the two registries.
fn describe(result: &Result<KeyRecord, RegistryError>) -> String {
    match result {
        Ok(record) => format!("ok {record:?}"),
        Err(RegistryError::InvalidKey(_)) => "invalid key".to_owned(),
        Err(RegistryError::InvalidId { reason }) => format!("invalid id {reason}"),
        Err(RegistryError::DuplicateId { id }) => format!("duplicate id {id}"),
        Err(RegistryError::KeyAlreadyRegistered { id }) => format!("already as {id}"),
        Err(RegistryError::RegistryFull { capacity }) => format!("full {capacity}"),
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

impl Pair {
    fn new(url: &str, keys_per_account: usize) -> Self {
        Self {
            memory: MemoryKeyRegistry::new().with_keys_per_account(keys_per_account),
            redis: RedisStore::builder(url)
                .key_prefix(crate::common::unique_prefix("registry"))
                .timeout(Duration::from_secs(5))
                .keys_per_account(keys_per_account)
                .build()
                .unwrap(),
        }
    }

    async fn register(&self, value: &str, id: Option<&str>, now: NumericDate) -> String {
        let id = id.map(str::to_owned);
        let expected = self.memory.register(ACCOUNT, value, id.clone(), now).await;
        let actual = self.redis.register(ACCOUNT, value, id, now).await;
        let (expected, actual) = (describe(&expected), describe(&actual));
        assert_eq!(actual, expected);
        actual
    }

    async fn same_listing(&self) -> Vec<KeyRecord> {
        let expected = KeyRegistry::list(&self.memory, ACCOUNT).await.unwrap();
        let actual = KeyRegistry::list(&self.redis, ACCOUNT).await.unwrap();
        assert_eq!(actual, expected);
        let expected_set = self.memory.key_set(ACCOUNT).await.unwrap();
        let actual_set = self.redis.key_set(ACCOUNT).await.unwrap();
        assert_eq!(actual_set.len(), expected_set.len());
        for (a, e) in actual_set.iter().zip(expected_set.iter()) {
            assert_eq!(format!("{a:?}"), format!("{e:?}"));
        }
        actual
    }
}

#[tokio::test]
async fn registration_listing_and_errors_match_memory() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let pair = Pair::new(&url, 3);
    let es256 = public_key(Algorithm::Es256);
    let es384 = public_key(Algorithm::Es384);
    let another = public_key(Algorithm::Es256);
    let fourth = public_key(Algorithm::Es384);

    assert!(
        pair.register(&es256.to_public_key_txt(), None, at(0))
            .await
            .starts_with("ok")
    );
    // PEM, with a chosen id; stored as public_key.txt content.
    assert!(
        pair.register(&es384.to_pem(), Some("key-384"), at(1))
            .await
            .starts_with("ok")
    );
    // The same key again, in another form and under another id.
    assert_eq!(
        pair.register(&es384.to_public_key_txt(), Some("again"), at(2))
            .await,
        "already as key-384"
    );
    assert_eq!(
        pair.register(&another.to_public_key_txt(), Some("key-384"), at(2))
            .await,
        "duplicate id key-384"
    );
    assert!(
        pair.register("not a key", None, at(2))
            .await
            .starts_with("invalid key")
    );
    assert!(
        pair.register(&another.to_pem(), Some("has space"), at(2))
            .await
            .starts_with("invalid id")
    );
    assert!(
        pair.register(&another.to_pem(), Some("k3"), at(3))
            .await
            .starts_with("ok")
    );
    assert_eq!(pair.register(&fourth.to_pem(), None, at(4)).await, "full 3");

    let listed = pair.same_listing().await;
    let ids: Vec<_> = listed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [es256.thumbprint().as_str(), "key-384", "k3"]);
    assert_eq!(listed[1].created_at, "2023-11-14T22:13:21Z");

    let got = pair.redis.get(ACCOUNT, "key-384").await.unwrap();
    assert_eq!(got, pair.memory.get(ACCOUNT, "key-384").await.unwrap());
    assert_eq!(pair.redis.get(ACCOUNT, "nope").await.unwrap(), None);
    assert_eq!(pair.redis.get("acct-other", "key-384").await.unwrap(), None);

    // Deleting frees the id, the key and the place.
    for _ in 0..2 {
        let expected = pair.memory.delete(ACCOUNT, "key-384").await.unwrap();
        let actual = pair.redis.delete(ACCOUNT, "key-384").await.unwrap();
        assert_eq!(actual, expected);
    }
    assert!(
        pair.register(&es384.to_public_key_txt(), Some("key-384"), at(5))
            .await
            .starts_with("ok")
    );
    assert_eq!(pair.register(&fourth.to_pem(), None, at(6)).await, "full 3");
    let listed = pair.same_listing().await;
    assert_eq!(listed.last().unwrap().id, "key-384");
}

#[tokio::test]
async fn rsa_keys_register_from_either_form() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let pair = Pair::new(&url, 20);
    let rsa = public_key(Algorithm::Rs256);
    assert!(
        pair.register(&rsa.to_pem(), None, at(0))
            .await
            .starts_with("ok")
    );
    assert_eq!(
        pair.register(&rsa.to_public_key_txt(), Some("x"), at(0))
            .await,
        format!("already as {}", rsa.thumbprint())
    );
    let listed = pair.same_listing().await;
    assert_eq!(listed[0].public_key().unwrap(), rsa);
}

#[tokio::test]
async fn concurrent_registrations_respect_the_capacity() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let store = RedisStore::builder(&url)
        .key_prefix(crate::common::unique_prefix("registry-race"))
        .timeout(Duration::from_secs(5))
        .keys_per_account(4)
        .build()
        .unwrap();
    let keys: Vec<_> = (0..16).map(|_| public_key(Algorithm::Es256)).collect();
    let tasks: Vec<_> = keys
        .iter()
        .map(|key| {
            let store = store.clone();
            let value = key.to_public_key_txt();
            tokio::spawn(async move { store.register(ACCOUNT, &value, None, at(0)).await })
        })
        .collect();
    let mut registered = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => registered += 1,
            Err(RegistryError::RegistryFull { capacity: 4 }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(registered, 4);
    assert_eq!(KeyRegistry::list(&store, ACCOUNT).await.unwrap().len(), 4);
}
