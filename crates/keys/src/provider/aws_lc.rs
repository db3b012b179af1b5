//! The aws-lc-rs provider.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, ParsedPublicKey, RsaKeyPair};

use crate::{KeyError, PrivateKey, PublicKey};

/// EC keys go over as uncompressed SEC1 points, RSA keys as PKCS#1 `RSAPublicKey`: the
/// forms AWS-LC parses directly.
pub(super) fn prepare_public_key(key: &PublicKey) -> Option<ParsedPublicKey> {
    let parsed = match key {
        PublicKey::Rs256(key) => {
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key.to_pkcs1_der())
        }
        PublicKey::Es256(key) => ParsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            key.to_sec1_uncompressed(),
        ),
        PublicKey::Es384(key) => ParsedPublicKey::new(
            &signature::ECDSA_P384_SHA384_FIXED,
            key.to_sec1_uncompressed(),
        ),
    };
    parsed.ok()
}

/// An aws-lc signing key with the random number generator ECDSA nonces and RSA blinding use.
pub(super) enum SigningKey {
    Rsa(RsaKeyPair, SystemRandom),
    Ecdsa(EcdsaKeyPair, SystemRandom),
}

pub(super) fn prepare_private_key(key: &PrivateKey) -> Result<SigningKey, KeyError> {
    let der = key.to_pkcs8_der()?;
    let rejected = |_| KeyError::ProviderRejectedKey { provider: "aws-lc" };
    let prepared = match key {
        PrivateKey::Rs256(_) => SigningKey::Rsa(
            RsaKeyPair::from_pkcs8(&der).map_err(rejected)?,
            SystemRandom::new(),
        ),
        PrivateKey::Es256(_) => SigningKey::Ecdsa(
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map_err(rejected)?,
            SystemRandom::new(),
        ),
        PrivateKey::Es384(_) => SigningKey::Ecdsa(
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &der)
                .map_err(rejected)?,
            SystemRandom::new(),
        ),
    };
    Ok(prepared)
}

impl SigningKey {
    pub(super) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            SigningKey::Rsa(key, rng) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, rng, message, &mut signature)
                    .ok()?;
                Some(signature)
            }
            SigningKey::Ecdsa(key, rng) => key
                .sign(rng, message)
                .ok()
                .map(|signature| signature.as_ref().to_vec()),
        }
    }
}
