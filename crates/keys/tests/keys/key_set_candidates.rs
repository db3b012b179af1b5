//! `KeySet::candidates`: which keys may have signed a token with a given `alg` and `kid`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::fixture;
use playback_auth_keys::{Algorithm, KeySet, PublicKey};

struct Keys {
    es256_a: PublicKey,
    es256_b: PublicKey,
    es384: PublicKey,
    rsa: PublicKey,
}

fn keys() -> Keys {
    let es256 = |seed: u8| -> PublicKey {
        let signing = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        playback_auth_keys::Es256PublicKey::from(*signing.verifying_key()).into()
    };
    Keys {
        es256_a: es256(1),
        es256_b: es256(2),
        es384: PublicKey::from_pem(&fixture("p384_public.pem")).unwrap(),
        rsa: PublicKey::from_pem(&fixture("rsa2048_public.pem")).unwrap(),
    }
}

fn chosen<'a>(set: &'a KeySet, alg: Algorithm, kid: Option<&str>) -> Vec<&'a PublicKey> {
    let candidates: Vec<&PublicKey> = set.candidates(alg, kid).collect();
    for key in &candidates {
        assert_eq!(key.algorithm(), alg, "a candidate of another algorithm");
    }
    candidates
}

fn without_ids(keys: &Keys) -> KeySet {
    KeySet::new()
        .with_key(keys.es256_a.clone(), None)
        .with_key(keys.es256_b.clone(), None)
        .with_key(keys.es384.clone(), None)
        .with_key(keys.rsa.clone(), None)
}

fn with_ids(keys: &Keys) -> KeySet {
    KeySet::new()
        .with_key(keys.es256_a.clone(), Some("a".into()))
        .with_key(keys.es256_b.clone(), None)
        .with_key(keys.es384.clone(), Some("p384".into()))
        .with_key(keys.rsa.clone(), Some("rsa".into()))
}

#[test]
fn no_kid_offers_every_key_of_the_algorithm() {
    let keys = keys();
    for set in [without_ids(&keys), with_ids(&keys)] {
        assert_eq!(
            chosen(&set, Algorithm::Es256, None),
            [&keys.es256_a, &keys.es256_b]
        );
        assert_eq!(chosen(&set, Algorithm::Es384, None), [&keys.es384]);
        assert_eq!(chosen(&set, Algorithm::Rs256, None), [&keys.rsa]);
    }
}

#[test]
fn kid_equal_to_an_explicit_id_selects_that_key() {
    let keys = keys();
    let set = with_ids(&keys);
    assert_eq!(chosen(&set, Algorithm::Es256, Some("a")), [&keys.es256_a]);
    assert_eq!(chosen(&set, Algorithm::Rs256, Some("rsa")), [&keys.rsa]);
}

#[test]
fn kid_equal_to_a_thumbprint_selects_that_key() {
    let keys = keys();
    let b = keys.es256_b.thumbprint();
    let a = keys.es256_a.thumbprint();
    for set in [without_ids(&keys), with_ids(&keys)] {
        assert_eq!(chosen(&set, Algorithm::Es256, Some(&b)), [&keys.es256_b]);
        // Even a key with an explicit id answers to its thumbprint.
        assert_eq!(chosen(&set, Algorithm::Es256, Some(&a)), [&keys.es256_a]);
    }
}

#[test]
fn kid_naming_a_key_of_another_algorithm_selects_nothing() {
    let keys = keys();
    let rsa = keys.rsa.thumbprint();
    for set in [without_ids(&keys), with_ids(&keys)] {
        assert!(chosen(&set, Algorithm::Es256, Some(&rsa)).is_empty());
    }
    assert!(chosen(&with_ids(&keys), Algorithm::Es256, Some("p384")).is_empty());
    assert!(chosen(&with_ids(&keys), Algorithm::Es384, Some("rsa")).is_empty());
}

#[test]
fn unknown_kid_selects_nothing_when_the_set_has_explicit_ids() {
    let keys = keys();
    let set = with_ids(&keys);
    for alg in Algorithm::ALL {
        assert!(chosen(&set, alg, Some("unknown")).is_empty(), "{alg}");
    }
    // One explicit id anywhere in the set is enough.
    let one_id = without_ids(&keys).with_key(keys.rsa.clone(), Some("only".into()));
    assert!(chosen(&one_id, Algorithm::Es256, Some("unknown")).is_empty());
}

#[test]
fn unknown_kid_offers_every_key_of_the_algorithm_when_the_set_has_no_explicit_ids() {
    let keys = keys();
    let set = without_ids(&keys);
    assert_eq!(
        chosen(&set, Algorithm::Es256, Some("unknown")),
        [&keys.es256_a, &keys.es256_b]
    );
    assert_eq!(chosen(&set, Algorithm::Rs256, Some("")), [&keys.rsa]);
}

#[test]
fn keys_sharing_an_id_are_all_candidates() {
    let keys = keys();
    let set = KeySet::new()
        .with_key(keys.es256_a.clone(), Some("2026".into()))
        .with_key(keys.es256_b.clone(), Some("2026".into()))
        .with_key(keys.es384.clone(), Some("2026".into()));
    assert_eq!(
        chosen(&set, Algorithm::Es256, Some("2026")),
        [&keys.es256_a, &keys.es256_b]
    );
    assert_eq!(chosen(&set, Algorithm::Es384, Some("2026")), [&keys.es384]);
}

#[test]
fn empty_set_has_no_candidates() {
    let set = KeySet::new();
    for alg in Algorithm::ALL {
        assert!(chosen(&set, alg, None).is_empty());
        assert!(chosen(&set, alg, Some("x")).is_empty());
    }
}

#[test]
fn candidates_do_not_borrow_the_kid() {
    let keys = keys();
    let set = with_ids(&keys);
    let candidates = {
        let kid = String::from("a");
        set.candidates(Algorithm::Es256, Some(&kid))
    };
    assert_eq!(candidates.count(), 1);
}
