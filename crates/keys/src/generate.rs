//! Key generation from the operating system's random number generator.

use elliptic_curve::Generate as _;
use getrandom::SysRng;
use rsa::rand_core::TryCryptoRng;

use crate::{Algorithm, Es256PrivateKey, Es384PrivateKey, KeyError, PrivateKey, Rs256PrivateKey};

/// Modulus size of generated RSA keys: the minimum RS256 accepts, as publishers use.
pub const RSA_GENERATED_BITS: usize = 2048;

impl PrivateKey {
    /// A new key pair for `alg` — RSA-2048, P-256 or P-384 — from the operating system's
    /// random number generator.
    ///
    /// RSA-2048 generation takes from tens of milliseconds to a few seconds; the EC curves
    /// are instant.
    ///
    /// # Errors
    /// [`KeyError::Generation`] if the random number generator fails.
    pub fn generate(alg: Algorithm) -> Result<PrivateKey, KeyError> {
        Self::generate_with_rng(alg, &mut SysRng)
    }

    /// A new key pair for `alg` from the given cryptographic random number generator
    /// (`rand_core` 0.10, re-exported as [`rand_core`](crate::rand_core)).
    ///
    /// # Errors
    /// [`KeyError::Generation`] if the random number generator fails.
    pub fn generate_with_rng<R: TryCryptoRng + ?Sized>(
        alg: Algorithm,
        rng: &mut R,
    ) -> Result<PrivateKey, KeyError> {
        let key = match alg {
            Algorithm::Rs256 => {
                let key = rsa::PrivateKey::new(rng, RSA_GENERATED_BITS)
                    .map_err(|_| KeyError::Generation)?;
                Rs256PrivateKey::try_from(key)?.into()
            }
            Algorithm::Es256 => p256::ecdsa::SigningKey::try_generate_from_rng(rng)
                .map(|key| Es256PrivateKey::from(key).into())
                .map_err(|_| KeyError::Generation)?,
            Algorithm::Es384 => p384::ecdsa::SigningKey::try_generate_from_rng(rng)
                .map(|key| Es384PrivateKey::from(key).into())
                .map_err(|_| KeyError::Generation)?,
        };
        Ok(key)
    }
}
