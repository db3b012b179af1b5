#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

const PUBLIC_FIXTURES: [&str; 5] = [
    include_str!("../../tests/fixtures/rsa2048_public.pem"),
    include_str!("../../tests/fixtures/rsa3072_public.pem"),
    include_str!("../../tests/fixtures/rsa4096_public.pem"),
    include_str!("../../tests/fixtures/p256_public.pem"),
    include_str!("../../tests/fixtures/p384_public.pem"),
];

const PRIVATE_FIXTURES: [&str; 3] = [
    include_str!("../../tests/fixtures/rsa2048_pkcs1_private.pem"),
    include_str!("../../tests/fixtures/p256_sec1_private.pem"),
    include_str!("../../tests/fixtures/p384_pkcs8_private.pem"),
];

#[test]
fn every_provider_prepares_every_accepted_public_key() {
    for &provider in CryptoProvider::all() {
        for pem in PUBLIC_FIXTURES {
            let key = PublicKey::from_pem(pem).unwrap();
            let prepared = provider.prepare_public_key(&key).unwrap();
            assert_eq!(prepared.provider(), provider);
            assert_eq!(prepared.public_key(), &key);
        }
    }
}

#[test]
fn signatures_verify_across_providers_and_tampering_is_rejected() {
    for pem in PRIVATE_FIXTURES {
        let key = PrivateKey::from_pem(pem).unwrap();
        for &signer in CryptoProvider::all() {
            let signing = signer.prepare_private_key(&key).unwrap();
            assert_eq!(
                (signing.algorithm(), signing.provider()),
                (key.algorithm(), signer)
            );
            let signature = signing.sign(b"header.payload").unwrap();
            assert_eq!(signature.len(), key.public_key().signature_len());
            for &verifier in CryptoProvider::all() {
                let verifying = verifier.prepare_public_key(&key.public_key()).unwrap();
                assert_eq!(verifying.signature_len(), signature.len());
                assert_eq!(
                    verifying.verify_prechecked(b"header.payload", &signature),
                    Ok(())
                );
                assert_eq!(
                    verifying.verify_prechecked(b"header.payloaD", &signature),
                    Err(SignatureRejected),
                    "{signer} -> {verifier}"
                );
            }
        }
    }
}

#[test]
fn the_preferred_provider_is_compiled_in_and_named() {
    assert!(CryptoProvider::all().contains(&CryptoProvider::preferred()));
    assert_eq!(CryptoProvider::default(), CryptoProvider::preferred());
    let names: Vec<&str> = CryptoProvider::all().iter().map(|p| p.name()).collect();
    assert!(
        names
            .iter()
            .all(|name| ["rust-crypto", "aws-lc"].contains(name))
    );
    assert_eq!(
        CryptoProvider::preferred().to_string(),
        CryptoProvider::preferred().name()
    );
}

#[test]
fn signing_key_debug_is_redacted() {
    let key = PrivateKey::from_pem(PRIVATE_FIXTURES[1]).unwrap();
    for &provider in CryptoProvider::all() {
        let debug = format!("{:?}", provider.prepare_private_key(&key).unwrap());
        assert!(
            debug.starts_with("SigningKey") && debug.contains(".."),
            "{debug}"
        );
    }
}
