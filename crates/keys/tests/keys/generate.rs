//! Generated keys have the right type and size, sign and verify through the raw crypto
//! types, and report a failing random number generator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use playback_auth_keys::rand_core::{TryCryptoRng, TryRng};
use playback_auth_keys::{Algorithm, KeyError, PrivateKey, PublicKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::sha2::{Digest as _, Sha256};

#[test]
fn each_algorithm_generates_its_own_key_type() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key.public_key().algorithm(), alg);
        match (&key, key.public_key()) {
            (PrivateKey::Rs256(_), PublicKey::Rs256(public)) => {
                assert_eq!(public.modulus_bits(), 2048);
                assert_eq!(public.exponent(), [1, 0, 1]);
            }
            (PrivateKey::Es256(_), PublicKey::Es256(_))
            | (PrivateKey::Es384(_), PublicKey::Es384(_)) => {}
            other => panic!("mismatched key types: {other:?}"),
        }
    }
}

#[test]
fn generated_keys_differ() {
    let a = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    let b = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    assert_ne!(a, b);
}

#[test]
fn keys_sign_and_verify_through_the_backends() {
    let message = b"header.payload";
    let PrivateKey::Es256(private) = PrivateKey::generate(Algorithm::Es256).unwrap() else {
        panic!("not ES256")
    };
    let signature: p256::ecdsa::Signature = private.inner().sign(message);
    private
        .public_key()
        .inner()
        .verify(message, &signature)
        .unwrap();

    let PrivateKey::Es384(private) = PrivateKey::generate(Algorithm::Es384).unwrap() else {
        panic!("not ES384")
    };
    let signature: p384::ecdsa::Signature = private.inner().sign(message);
    private
        .public_key()
        .inner()
        .verify(message, &signature)
        .unwrap();

    let PrivateKey::Rs256(private) = PrivateKey::generate(Algorithm::Rs256).unwrap() else {
        panic!("not RS256")
    };
    let digest = Sha256::digest(message);
    let signature = private
        .inner()
        .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .unwrap();
    assert_eq!(signature.len(), private.public_key().signature_len());
    private
        .public_key()
        .inner()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .unwrap();
}

/// An RNG that always fails.
struct BrokenRng;

#[derive(Debug)]
struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken")
    }
}

impl std::error::Error for Broken {}

impl TryRng for BrokenRng {
    type Error = Broken;
    fn try_next_u32(&mut self) -> Result<u32, Broken> {
        Err(Broken)
    }
    fn try_next_u64(&mut self) -> Result<u64, Broken> {
        Err(Broken)
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Broken> {
        Err(Broken)
    }
}

impl TryCryptoRng for BrokenRng {}

#[test]
fn a_failing_rng_is_a_generation_error() {
    for alg in Algorithm::ALL {
        assert!(matches!(
            PrivateKey::generate_with_rng(alg, &mut BrokenRng),
            Err(KeyError::Generation)
        ));
    }
}
