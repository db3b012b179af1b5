//! Key rotation: several live keys per account, all in the key set; deleting one takes
//! effect on the next key set, without a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use playback_auth_claims::NumericDate;
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::{KeyRegistry, MemoryKeyRegistry};

fn now() -> NumericDate {
    NumericDate::from_secs(1_700_000_000).unwrap()
}

#[tokio::test]
async fn two_live_keys_then_one() {
    let registry = MemoryKeyRegistry::new();
    let old = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    let new = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    registry
        .register(
            "acct-1",
            &old.to_public_key_txt(),
            Some("2026-04".into()),
            now(),
        )
        .await
        .unwrap();
    registry
        .register(
            "acct-1",
            &new.to_public_key_txt(),
            Some("2026-05".into()),
            now(),
        )
        .await
        .unwrap();

    let keys = registry.key_set("acct-1").await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys.candidates(Algorithm::Es256, Some("2026-04"))
            .collect::<Vec<_>>(),
        [&old]
    );
    assert_eq!(
        keys.candidates(Algorithm::Es256, Some("2026-05"))
            .collect::<Vec<_>>(),
        [&new]
    );
    assert_eq!(keys.candidates(Algorithm::Es256, None).count(), 2);
    assert!(registry.key_set("acct-2").await.unwrap().is_empty());

    assert!(registry.delete("acct-1", "2026-04").await.unwrap());
    let keys = registry.key_set("acct-1").await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        keys.candidates(Algorithm::Es256, Some("2026-04")).count(),
        0
    );
    assert_eq!(
        keys.candidates(Algorithm::Es256, Some("2026-05"))
            .collect::<Vec<_>>(),
        [&new]
    );
    let ids: Vec<_> = keys.iter().map(|entry| entry.kid.clone()).collect();
    assert_eq!(ids, [Some("2026-05".to_owned())]);
}

#[tokio::test]
async fn keys_of_different_algorithms_live_together() {
    let registry = MemoryKeyRegistry::new();
    let rsa = PrivateKey::generate(Algorithm::Rs256).unwrap().public_key();
    let ec = PrivateKey::generate(Algorithm::Es384).unwrap().public_key();
    let rsa_id = registry
        .register("acct-1", &rsa.to_pem(), None, now())
        .await
        .unwrap()
        .id;
    registry
        .register("acct-1", &ec.to_public_key_txt(), None, now())
        .await
        .unwrap();

    let keys = registry.key_set("acct-1").await.unwrap();
    assert_eq!(
        keys.candidates(Algorithm::Rs256, None).collect::<Vec<_>>(),
        [&rsa]
    );
    assert_eq!(
        keys.candidates(Algorithm::Es384, None).collect::<Vec<_>>(),
        [&ec]
    );
    assert_eq!(
        keys.candidates(Algorithm::Rs256, Some(&rsa_id))
            .collect::<Vec<_>>(),
        [&rsa]
    );
}
