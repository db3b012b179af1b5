#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::{CryptoProvider, Es256PublicKey};

fn es256(seed: u8) -> PublicKey {
    Es256PublicKey::from(
        *p256::ecdsa::SigningKey::from_slice(&[seed; 32])
            .unwrap()
            .verifying_key(),
    )
    .into()
}

#[test]
fn inserting_the_same_entry_twice_keeps_one() {
    let mut set = KeySet::new();
    set.insert(es256(1), None);
    set.insert(es256(1), None);
    set.insert(es256(1), Some("a".to_owned()));
    assert_eq!(set.len(), 2);
}

#[test]
fn clones_share_until_written() {
    let set = KeySet::new().with_key(es256(1), None);
    let mut clone = set.clone();
    assert!(Arc::ptr_eq(&set.entries, &clone.entries));
    clone.insert(es256(2), None);
    assert_eq!((set.len(), clone.len()), (1, 2));
}

#[test]
fn set_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<KeySet>();
}

#[test]
fn iteration_keeps_insertion_order() {
    let set: KeySet = [
        KeyEntry::new(es256(2), None),
        KeyEntry::new(es256(1), Some("x".into())),
    ]
    .into_iter()
    .collect();
    let kids: Vec<Option<&str>> = set.iter().map(|entry| entry.kid.as_deref()).collect();
    assert_eq!(kids, [None, Some("x")]);
    assert!(!set.is_empty());
    assert!(KeySet::new().is_empty());
}

#[test]
fn keys_are_prepared_for_the_sets_provider() {
    for &provider in CryptoProvider::all() {
        let set = KeySet::with_provider(provider)
            .with_key(es256(1), Some("a".into()))
            .with_key(es256(2), None);
        assert_eq!(set.provider(), provider);
        let prepared: Vec<_> = set.verifying_candidates(Algorithm::Es256, None).collect();
        assert_eq!(prepared.len(), 2);
        assert!(prepared.iter().all(|(key, _)| key.provider() == provider));
        assert_eq!(prepared[0].1, es256(1).thumbprint());
        for &other in CryptoProvider::all() {
            let moved = set.to_provider(other);
            assert_eq!(moved.provider(), other);
            assert!(moved.iter().eq(set.iter()), "same entries, same order");
        }
    }
    assert_eq!(KeySet::new().provider(), CryptoProvider::preferred());
}

#[test]
fn verifying_candidates_follow_the_candidate_rules() {
    let set = KeySet::new()
        .with_key(es256(1), Some("a".into()))
        .with_key(es256(2), None);
    let pick = |kid: Option<&str>| -> Vec<PublicKey> {
        set.verifying_candidates(Algorithm::Es256, kid)
            .map(|(key, _)| key.public_key().clone())
            .collect()
    };
    for kid in [None, Some("a"), Some("unknown")] {
        assert_eq!(
            pick(kid),
            set.candidates(Algorithm::Es256, kid)
                .cloned()
                .collect::<Vec<_>>(),
            "{kid:?}"
        );
    }
    assert_eq!(pick(Some("a")), [es256(1)]);
    assert_eq!(pick(Some(&es256(2).thumbprint())), [es256(2)]);
    assert!(pick(Some("unknown")).is_empty());
    assert_eq!(set.verifying_candidates(Algorithm::Es384, None).count(), 0);
}

#[test]
fn removing_a_key_drops_every_entry_holding_it() {
    let mut set = KeySet::new()
        .with_key(es256(1), Some("a".into()))
        .with_key(es256(1), Some("b".into()))
        .with_key(es256(2), None);
    let shared = set.clone();
    assert_eq!(set.remove(&es256(1)), 2);
    assert_eq!(set.remove(&es256(1)), 0);
    assert_eq!(set.len(), 1);
    assert_eq!(shared.len(), 3, "clones keep their keys");
    assert_eq!(set.verifying_candidates(Algorithm::Es256, None).count(), 1);
}
