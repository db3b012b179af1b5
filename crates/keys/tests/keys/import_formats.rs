//! Every import format reads keys made by OpenSSL, and every export round-trips; the
//! public exports are byte-identical to OpenSSL's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::fixture;
use playback_auth_keys::{Algorithm, Jwk, Jwks, KeySet, PrivateKey, PublicKey};

/// (private keys in every format, public SPKI PEM, public_key.txt, algorithm)
const KEYS: [(&[&str], &str, &str, Algorithm); 3] = [
    (
        &["rsa2048_pkcs1_private.pem", "rsa2048_pkcs8_private.pem"],
        "rsa2048_public.pem",
        "rsa2048_public_key.txt",
        Algorithm::Rs256,
    ),
    (
        &["p256_sec1_private.pem", "p256_pkcs8_private.pem"],
        "p256_public.pem",
        "p256_public_key.txt",
        Algorithm::Es256,
    ),
    (
        &["p384_sec1_private.pem", "p384_pkcs8_private.pem"],
        "p384_public.pem",
        "p384_public_key.txt",
        Algorithm::Es384,
    ),
];

#[test]
fn private_keys_in_pkcs1_sec1_and_pkcs8() {
    for (privates, public, _, alg) in KEYS {
        let expected = PublicKey::from_pem(&fixture(public)).unwrap();
        for name in privates {
            let key = PrivateKey::from_pem(&fixture(name)).unwrap();
            assert_eq!(key.algorithm(), alg, "{name}");
            assert_eq!(key.public_key(), expected, "{name}");
            // PKCS#8 export reads back to the same key.
            let pkcs8 = key.to_pkcs8_pem().unwrap();
            assert_eq!(
                PrivateKey::from_pem(&pkcs8).unwrap().public_key(),
                expected,
                "{name}"
            );
        }
    }
}

#[test]
fn pkcs8_export_matches_openssl() {
    for name in [
        "rsa2048_pkcs1_private.pem",
        "p256_sec1_private.pem",
        "p384_sec1_private.pem",
    ] {
        let pkcs8_name = name.replace("pkcs1", "pkcs8").replace("sec1", "pkcs8");
        let key = PrivateKey::from_pem(&fixture(name)).unwrap();
        let ours = key.to_pkcs8_pem().unwrap();
        let ours_der = key.to_pkcs8_der().unwrap();
        let openssl = PrivateKey::from_pem(&fixture(&pkcs8_name))
            .unwrap()
            .to_pkcs8_der()
            .unwrap();
        assert_eq!(*ours_der, *openssl, "{name}");
        assert_eq!(ours.as_str(), fixture(&pkcs8_name), "{name}");
    }
}

#[test]
fn spki_pem_matches_openssl_byte_for_byte() {
    for name in [
        "rsa2048_public.pem",
        "rsa3072_public.pem",
        "rsa4096_public.pem",
        "p256_public.pem",
        "p384_public.pem",
    ] {
        let text = fixture(name);
        let key = PublicKey::from_pem(&text).unwrap();
        assert_eq!(key.to_pem(), text, "{name}");
    }
}

#[test]
fn public_key_txt_matches_openssl() {
    for (_, public, txt, alg) in KEYS {
        let key = PublicKey::from_pem(&fixture(public)).unwrap();
        let text = fixture(txt);
        assert_eq!(format!("{}\n", key.to_public_key_txt()), text);
        let read = PublicKey::from_public_key_txt(&text).unwrap();
        assert_eq!(read, key);
        assert_eq!(read.algorithm(), alg);
    }
    for name in ["rsa3072_public_key.txt", "rsa4096_public_key.txt"] {
        let key = PublicKey::from_public_key_txt(&fixture(name)).unwrap();
        assert_eq!(key.algorithm(), Algorithm::Rs256);
    }
}

#[test]
fn pkcs1_rsa_public_key() {
    let spki = PublicKey::from_pem(&fixture("rsa2048_public.pem")).unwrap();
    let text = fixture("rsa2048_pkcs1_public.pem");
    let pkcs1 = PublicKey::from_pem(&text).unwrap();
    assert_eq!(pkcs1, spki);
    assert_eq!(pkcs1.as_rs256().unwrap().to_pkcs1_pem(), text);
    assert_eq!(pkcs1.as_rs256().unwrap().modulus_bits(), 2048);
}

#[test]
fn compressed_ec_point_reads_as_the_same_key() {
    let uncompressed = PublicKey::from_pem(&fixture("p256_public.pem")).unwrap();
    let compressed = PublicKey::from_pem(&fixture("p256_public_compressed.pem")).unwrap();
    assert_eq!(compressed, uncompressed);
    // Exports are always uncompressed.
    assert_eq!(compressed.to_pem(), fixture("p256_public.pem"));
}

#[test]
fn jwk_round_trip() {
    for (_, public, _, alg) in KEYS {
        let key = PublicKey::from_pem(&fixture(public)).unwrap();
        let jwk = key.to_jwk();
        assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
        assert_eq!(jwk.kty.as_deref(), Some(alg.key_type()));
        assert_eq!(jwk.crv.as_deref(), alg.curve());
        let json = jwk.to_json();
        assert_eq!(
            PublicKey::from_jwk(&Jwk::from_json(&json).unwrap()).unwrap(),
            key
        );
        let parsed = PublicKey::parse(&json).unwrap();
        assert_eq!(parsed[0].key, key);
        assert_eq!(parsed[0].kid.as_deref(), Some(key.thumbprint().as_str()));
    }
}

#[test]
fn jwks_round_trip() {
    let mut set = KeySet::new();
    for (index, (_, public, _, _)) in KEYS.iter().enumerate() {
        let key = PublicKey::from_pem(&fixture(public)).unwrap();
        // Explicit ids for some, thumbprints for others.
        set.insert(key, (index != 1).then(|| format!("key-{index}")));
    }
    let jwks = set.to_jwks();
    assert_eq!(jwks.keys.len(), 3);
    assert_eq!(jwks.keys[0].kid.as_deref(), Some("key-0"));
    assert_eq!(
        jwks.keys[1].kid,
        Some(set.iter().nth(1).unwrap().key.thumbprint())
    );

    let json = jwks.to_json();
    let again = KeySet::from_jwks(&Jwks::from_json(&json).unwrap()).unwrap();
    let original: Vec<_> = set.iter().map(|entry| entry.key.clone()).collect();
    let read: Vec<_> = again.iter().map(|entry| entry.key.clone()).collect();
    assert_eq!(read, original);
    // Read back, every key has an explicit id: the one exported.
    let kids: Vec<_> = again
        .iter()
        .map(|entry| entry.kid.clone().unwrap())
        .collect();
    assert_eq!(kids[0], "key-0");
    assert_eq!(kids[1], original[1].thumbprint());

    let parsed = PublicKey::parse(&json).unwrap();
    assert_eq!(parsed.len(), 3);
    assert_eq!(parsed[2].kid.as_deref(), Some("key-2"));
}
