//! Registering public keys: formats, the record's JSON shape, list/get/delete, and the
//! typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, PrivateKey, PublicKey};
use playback_auth_policy::{KeyFamily, KeyRegistry, MemoryKeyRegistry, RegistryError};
use serde_json::json;

/// 2023-11-14T22:13:20Z.
fn now() -> NumericDate {
    NumericDate::from_secs(1_700_000_000).unwrap()
}

fn public_key(alg: Algorithm) -> PublicKey {
    PrivateKey::generate(alg).unwrap().public_key()
}

#[tokio::test]
async fn public_key_txt_and_pem_register_for_rsa_and_ec() {
    let registry = MemoryKeyRegistry::new();
    for (alg, family) in [
        (Algorithm::Rs256, "rsa"),
        (Algorithm::Es256, "ec"),
        (Algorithm::Es384, "ec"),
    ] {
        let txt_key = public_key(alg);
        let txt = registry
            .register("acct-1", &txt_key.to_public_key_txt(), None, now())
            .await
            .unwrap();
        assert_eq!(txt.id, txt_key.thumbprint());
        assert_eq!(txt.algorithm.as_str(), family);
        assert_eq!(txt.value, txt_key.to_public_key_txt());
        assert_eq!(txt.public_key().unwrap(), txt_key);

        // PEM is stored as public_key.txt content too.
        let pem_key = public_key(alg);
        let pem = registry
            .register(
                "acct-1",
                &pem_key.to_pem(),
                Some(format!("pem-{family}-{alg:?}")),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(pem.id, format!("pem-{family}-{alg:?}"));
        assert_eq!(pem.value, pem_key.to_public_key_txt());
        assert_eq!(pem.algorithm, KeyFamily::of(alg));
    }
    assert_eq!(registry.list("acct-1").await.unwrap().len(), 6);
}

#[tokio::test]
async fn the_record_has_the_registry_json_shape() {
    let registry = MemoryKeyRegistry::new();
    let key = public_key(Algorithm::Es256);
    let record = registry
        .register(
            "acct-1",
            &key.to_public_key_txt(),
            Some("key-1".into()),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&record).unwrap(),
        json!({
            "id": "key-1",
            "type": "public",
            "algorithm": "ec",
            "value": key.to_public_key_txt(),
            "createdAt": "2023-11-14T22:13:20Z",
        })
    );
    let rsa = public_key(Algorithm::Rs256);
    let record = registry
        .register(
            "acct-1",
            &rsa.to_public_key_txt(),
            Some("key-2".into()),
            now(),
        )
        .await
        .unwrap();
    let value = serde_json::to_value(&record).unwrap();
    assert_eq!(value["algorithm"], "rsa");
    assert_eq!(
        value.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "type", "algorithm", "value", "createdAt"]
    );
    // And it reads back.
    let back: playback_auth_policy::KeyRecord = serde_json::from_value(value).unwrap();
    assert_eq!(back, record);
}

#[tokio::test]
async fn list_get_and_delete() {
    let registry = MemoryKeyRegistry::new();
    let first = registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            Some("first".into()),
            now(),
        )
        .await
        .unwrap();
    let second = registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es384).to_public_key_txt(),
            Some("second".into()),
            now(),
        )
        .await
        .unwrap();

    assert_eq!(
        registry.list("acct-1").await.unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert!(registry.list("acct-2").await.unwrap().is_empty());
    assert_eq!(
        registry.get("acct-1", "second").await.unwrap(),
        Some(second)
    );
    assert_eq!(registry.get("acct-2", "second").await.unwrap(), None);
    assert_eq!(registry.get("acct-1", "missing").await.unwrap(), None);

    assert!(registry.delete("acct-1", "second").await.unwrap());
    assert!(!registry.delete("acct-1", "second").await.unwrap());
    assert_eq!(registry.get("acct-1", "second").await.unwrap(), None);
    assert_eq!(registry.list("acct-1").await.unwrap(), vec![first]);
}

#[tokio::test]
async fn a_duplicate_id_is_rejected() {
    let registry = MemoryKeyRegistry::new();
    registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            Some("key-1".into()),
            now(),
        )
        .await
        .unwrap();
    let error = registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            Some("key-1".into()),
            now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::DuplicateId { id } if id == "key-1"),
        "{error:?}"
    );
    // The same id in another account is fine.
    registry
        .register(
            "acct-2",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            Some("key-1".into()),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(registry.list("acct-1").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_key_twice_is_rejected() {
    let registry = MemoryKeyRegistry::new();
    let key = public_key(Algorithm::Es256);
    registry
        .register("acct-1", &key.to_public_key_txt(), Some("a".into()), now())
        .await
        .unwrap();
    let error = registry
        .register("acct-1", &key.to_pem(), Some("b".into()), now())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::KeyAlreadyRegistered { id } if id == "a"),
        "{error:?}"
    );
}

#[tokio::test]
async fn garbage_values_are_rejected_with_a_typed_error() {
    let registry = MemoryKeyRegistry::new();
    for garbage in [
        "",
        "not a key",
        "bm90IGEga2V5",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ] {
        let error = registry
            .register("acct-1", garbage, None, now())
            .await
            .unwrap_err();
        assert!(
            matches!(error, RegistryError::InvalidKey(_)),
            "{garbage:?}: {error:?}"
        );
    }
    // A private key is never accepted as a public one.
    let private = PrivateKey::generate(Algorithm::Es256).unwrap();
    let error = registry
        .register("acct-1", &private.to_pkcs8_pem().unwrap(), None, now())
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::InvalidKey(_)), "{error:?}");
    assert!(registry.list("acct-1").await.unwrap().is_empty());
}

#[tokio::test]
async fn invalid_ids_and_a_full_account_are_rejected() {
    let registry = MemoryKeyRegistry::new().with_keys_per_account(1);
    for id in ["", "has space", &"x".repeat(129)] {
        let error = registry
            .register(
                "acct-1",
                &public_key(Algorithm::Es256).to_public_key_txt(),
                Some(id.to_owned()),
                now(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, RegistryError::InvalidId { .. }),
            "{id:?}: {error:?}"
        );
    }
    registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            None,
            now(),
        )
        .await
        .unwrap();
    let error = registry
        .register(
            "acct-1",
            &public_key(Algorithm::Es256).to_public_key_txt(),
            None,
            now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::RegistryFull { capacity: 1 }),
        "{error:?}"
    );
}
