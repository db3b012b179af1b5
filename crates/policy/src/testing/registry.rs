//! The [`KeyRegistry`] suite: registration in either form, the typed refusals, the
//! per-account capacity (also under concurrent registrations), listing order, lookup,
//! deletion and the key set handed to the verifier.
//!
//! Each check takes a factory making a fresh, empty registry holding `keys_per_account`
//! keys per account; [`key_registry_conformance!`](crate::key_registry_conformance) runs
//! them all.

use std::future::Future;
use std::sync::Arc;

use playback_auth_keys::{Algorithm, PrivateKey, PublicKey};

use crate::error::RegistryError;
use crate::registry::{KeyFamily, KeyKind, KeyRecord, KeyRegistry};

use super::{ACCOUNT, at};

/// A capacity no check reaches.
const ROOMY: usize = 20;

fn public_key(alg: Algorithm) -> PublicKey {
    PrivateKey::generate(alg)
        .expect("key generation")
        .public_key()
}

async fn register<S: KeyRegistry>(
    registry: &S,
    value: &str,
    id: Option<&str>,
    secs: i64,
) -> Result<KeyRecord, RegistryError> {
    registry
        .register(ACCOUNT, value, id.map(str::to_owned), at(secs))
        .await
}

async fn ids<S: KeyRegistry>(registry: &S, account: &str) -> Vec<String> {
    registry
        .list(account)
        .await
        .expect("list")
        .into_iter()
        .map(|record| record.id)
        .collect()
}

/// The key set's entries as `(kid, thumbprint)`, in its order.
async fn key_set<S: KeyRegistry>(registry: &S, account: &str) -> Vec<(Option<String>, String)> {
    registry
        .key_set(account)
        .await
        .expect("key_set")
        .iter()
        .map(|entry| (entry.kid.clone(), entry.key.thumbprint()))
        .collect()
}

/// A key registers from `public_key.txt` (id: its thumbprint) or PEM (with a chosen id),
/// and its record reads back the key as `public_key.txt`, its family and the time.
pub async fn keys_register_from_either_form<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(ROOMY).await;
    let es256 = public_key(Algorithm::Es256);
    let es384 = public_key(Algorithm::Es384);
    let record = register(&registry, &es256.to_public_key_txt(), None, 0)
        .await
        .expect("public_key.txt registers");
    assert_eq!(record.id, es256.thumbprint());
    assert_eq!(record.kind, KeyKind::Public);
    assert_eq!(record.algorithm, KeyFamily::Ec);
    assert_eq!(record.value, es256.to_public_key_txt());
    assert_eq!(record.created_at, "2023-11-14T22:13:20Z");
    let record = register(&registry, &es384.to_pem(), Some("key-384"), 1)
        .await
        .expect("PEM registers");
    assert_eq!(record.id, "key-384");
    assert_eq!(record.value, es384.to_public_key_txt());
    assert_eq!(record.created_at, "2023-11-14T22:13:21Z");
    assert_eq!(record.public_key().expect("reads back"), es384);
    assert_eq!(
        registry.get(ACCOUNT, "key-384").await.expect("get"),
        Some(record)
    );
}

/// An RSA key registers as PEM and is recognised again as `public_key.txt`.
pub async fn rsa_keys_register_from_either_form<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(ROOMY).await;
    let rsa = public_key(Algorithm::Rs256);
    let record = register(&registry, &rsa.to_pem(), None, 0)
        .await
        .expect("RSA PEM registers");
    assert_eq!(record.algorithm, KeyFamily::Rsa);
    assert_eq!(record.public_key().expect("reads back"), rsa);
    match register(&registry, &rsa.to_public_key_txt(), Some("x"), 0).await {
        Err(RegistryError::KeyAlreadyRegistered { id }) => assert_eq!(id, rsa.thumbprint()),
        other => panic!("expected KeyAlreadyRegistered, got {other:?}"),
    }
}

/// The typed refusals: a key already registered (in any form, under any id), an id already
/// taken, a value that is not a key, an id that is not valid — none of them takes a place.
pub async fn refusals_are_typed_and_change_nothing<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(2).await;
    let key = public_key(Algorithm::Es384);
    let another = public_key(Algorithm::Es256);
    register(&registry, &key.to_pem(), Some("key-384"), 0)
        .await
        .expect("registers");
    match register(&registry, &key.to_public_key_txt(), Some("again"), 1).await {
        Err(RegistryError::KeyAlreadyRegistered { id }) => assert_eq!(id, "key-384"),
        other => panic!("expected KeyAlreadyRegistered, got {other:?}"),
    }
    match register(&registry, &another.to_public_key_txt(), Some("key-384"), 1).await {
        Err(RegistryError::DuplicateId { id }) => assert_eq!(id, "key-384"),
        other => panic!("expected DuplicateId, got {other:?}"),
    }
    assert!(matches!(
        register(&registry, "not a key", None, 1).await,
        Err(RegistryError::InvalidKey(_))
    ));
    for id in ["has space", "", &"k".repeat(crate::MAX_KEY_ID_LEN + 1)] {
        assert!(
            matches!(
                register(&registry, &another.to_pem(), Some(id), 1).await,
                Err(RegistryError::InvalidId { .. })
            ),
            "id {id:?}"
        );
    }
    assert_eq!(ids(&registry, ACCOUNT).await, ["key-384"]);
    // The one place left is still free.
    register(&registry, &another.to_pem(), None, 2)
        .await
        .expect("a place is left");
}

/// An account holds `keys_per_account` keys; deleting one frees its place, its id and its
/// key.
pub async fn the_capacity_is_per_account_and_freed_by_deletion<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(3).await;
    let keys: Vec<PublicKey> = (0..4).map(|_| public_key(Algorithm::Es256)).collect();
    for (i, key) in keys.iter().take(3).enumerate() {
        register(
            &registry,
            &key.to_public_key_txt(),
            Some(&format!("k{i}")),
            0,
        )
        .await
        .expect("registers");
    }
    match register(&registry, &keys[3].to_public_key_txt(), None, 1).await {
        Err(RegistryError::RegistryFull { capacity }) => assert_eq!(capacity, 3),
        other => panic!("expected RegistryFull, got {other:?}"),
    }
    // Another account has room of its own.
    registry
        .register("acct-other", &keys[3].to_public_key_txt(), None, at(1))
        .await
        .expect("another account");
    assert!(registry.delete(ACCOUNT, "k1").await.expect("delete"));
    assert!(!registry.delete(ACCOUNT, "k1").await.expect("delete"));
    assert_eq!(registry.get(ACCOUNT, "k1").await.expect("get"), None);
    // The same key under the same id, in the freed place.
    register(&registry, &keys[1].to_pem(), Some("k1"), 2)
        .await
        .expect("the place, id and key are free again");
    assert!(matches!(
        register(&registry, &keys[3].to_public_key_txt(), None, 3).await,
        Err(RegistryError::RegistryFull { .. })
    ));
}

/// Keys are listed oldest registration first (a re-registered key goes last), and the key
/// set holds exactly the listed keys, each with its id as `kid`.
pub async fn keys_are_listed_oldest_first_and_form_the_key_set<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(ROOMY).await;
    let keys: Vec<PublicKey> = [Algorithm::Es256, Algorithm::Es384, Algorithm::Es256]
        .into_iter()
        .map(public_key)
        .collect();
    register(&registry, &keys[0].to_public_key_txt(), None, 0)
        .await
        .expect("registers");
    register(&registry, &keys[1].to_pem(), Some("b"), 0)
        .await
        .expect("registers");
    register(&registry, &keys[2].to_pem(), Some("c"), 1)
        .await
        .expect("registers");
    let first = keys[0].thumbprint();
    assert_eq!(ids(&registry, ACCOUNT).await, [first.as_str(), "b", "c"]);
    assert!(registry.delete(ACCOUNT, "b").await.expect("delete"));
    register(&registry, &keys[1].to_pem(), Some("b"), 2)
        .await
        .expect("registers again");
    assert_eq!(ids(&registry, ACCOUNT).await, [first.as_str(), "c", "b"]);
    let mut set = key_set(&registry, ACCOUNT).await;
    set.sort();
    let mut expected = vec![
        (Some(first.clone()), first.clone()),
        (Some("b".to_owned()), keys[1].thumbprint()),
        (Some("c".to_owned()), keys[2].thumbprint()),
    ];
    expected.sort();
    assert_eq!(set, expected);
}

/// One account's keys are invisible to another: not listed, not found, not deletable, not
/// in its key set.
pub async fn accounts_are_independent<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = new_registry(ROOMY).await;
    let key = public_key(Algorithm::Es256);
    register(&registry, &key.to_public_key_txt(), Some("k"), 0)
        .await
        .expect("registers");
    assert!(ids(&registry, "acct-other").await.is_empty());
    assert_eq!(registry.get("acct-other", "k").await.expect("get"), None);
    assert_eq!(registry.get(ACCOUNT, "nope").await.expect("get"), None);
    assert!(!registry.delete("acct-other", "k").await.expect("delete"));
    assert!(key_set(&registry, "acct-other").await.is_empty());
    // The same key and id register in another account.
    registry
        .register(
            "acct-other",
            &key.to_public_key_txt(),
            Some("k".to_owned()),
            at(0),
        )
        .await
        .expect("another account");
    assert_eq!(key_set(&registry, ACCOUNT).await.len(), 1);
}

/// Sixteen simultaneous registrations of distinct keys into a registry holding four keys
/// per account: exactly four succeed, the rest are refused as full.
pub async fn concurrent_registrations_respect_the_capacity<S, F, Fut>(new_registry: F)
where
    S: KeyRegistry,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let registry = Arc::new(new_registry(4).await);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let registry = Arc::clone(&registry);
            let value = public_key(Algorithm::Es256).to_public_key_txt();
            tokio::spawn(async move { registry.register(ACCOUNT, &value, None, at(0)).await })
        })
        .collect();
    let mut registered = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => registered += 1,
            Err(RegistryError::RegistryFull { capacity: 4 }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(registered, 4);
    assert_eq!(ids(&*registry, ACCOUNT).await.len(), 4);
    assert_eq!(key_set(&*registry, ACCOUNT).await.len(), 4);
}

/// Stamps out one `#[tokio::test]` per check of
/// [`testing::registry`](crate::testing::registry), each calling it with `$factory`: an
/// expression for a closure from a per-account capacity (`usize`) to a future of a fresh,
/// empty registry with that capacity. Needs `tokio` (`macros`, `rt-multi-thread`); once per
/// module.
///
/// ```
/// use playback_auth_policy::MemoryKeyRegistry;
///
/// playback_auth_policy::key_registry_conformance!(|keys_per_account| async move {
///     MemoryKeyRegistry::new().with_keys_per_account(keys_per_account)
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! key_registry_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            registry, $factory;
            keys_register_from_either_form,
            rsa_keys_register_from_either_form,
            refusals_are_typed_and_change_nothing,
            the_capacity_is_per_account_and_freed_by_deletion,
            keys_are_listed_oldest_first_and_form_the_key_set,
            accounts_are_independent,
            concurrent_registrations_respect_the_capacity
        );
    };
}
