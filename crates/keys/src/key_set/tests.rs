#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::Es256PublicKey;

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
