//! The RustCrypto provider: `rsa`, `p256`, `p384`, pure Rust.

use crate::provider::SignatureRejected;
use crate::{PrivateKey, PublicKey};

pub(super) fn verify(
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureRejected> {
    match key {
        PublicKey::Rs256(key) => {
            let hashed = <sha2::Sha256 as sha2::Digest>::digest(message);
            key.inner()
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed, signature)
                .map_err(|_| SignatureRejected)
        }
        PublicKey::Es256(key) => {
            use p256::ecdsa::signature::Verifier as _;
            let signature =
                p256::ecdsa::Signature::from_slice(signature).map_err(|_| SignatureRejected)?;
            key.inner()
                .verify(message, &signature)
                .map_err(|_| SignatureRejected)
        }
        PublicKey::Es384(key) => {
            use p384::ecdsa::signature::Verifier as _;
            let signature =
                p384::ecdsa::Signature::from_slice(signature).map_err(|_| SignatureRejected)?;
            key.inner()
                .verify(message, &signature)
                .map_err(|_| SignatureRejected)
        }
    }
}

pub(super) fn sign(key: &PrivateKey, message: &[u8]) -> Option<Vec<u8>> {
    match key {
        PrivateKey::Rs256(key) => {
            let hashed = <sha2::Sha256 as sha2::Digest>::digest(message);
            key.inner()
                .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed)
                .ok()
        }
        PrivateKey::Es256(key) => {
            use p256::ecdsa::signature::Signer as _;
            let signature: p256::ecdsa::Signature = key.inner().sign(message);
            Some(signature.to_vec())
        }
        PrivateKey::Es384(key) => {
            use p384::ecdsa::signature::Signer as _;
            let signature: p384::ecdsa::Signature = key.inner().sign(message);
            Some(signature.to_vec())
        }
    }
}
