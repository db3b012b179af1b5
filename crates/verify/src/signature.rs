//! The one place a signature is checked, one arm per algorithm.

use playback_auth_keys::{Algorithm, PublicKey};

use crate::error::VerifyError;

/// Checks `signature` over `signing_input` (`header.payload`, as ASCII) with `key`.
///
/// Every signature check of the crate goes through here, so a faster backend can later be
/// added behind a feature without touching parsing or policy.
///
/// - RS256: RSASSA-PKCS1-v1_5 with SHA-256; the signature is exactly the modulus length.
/// - ES256 / ES384: raw `r‖s` of exactly 64 / 96 bytes (DER is refused); `r` and `s` must be in
///   `1..n`. High-S signatures are accepted, as JWS does not require low-S.
///
/// A key of the wrong type or curve for `alg` is refused as
/// [`VerifyError::NoKeyForAlgorithm`]; a wrong length as
/// [`VerifyError::InvalidSignatureLength`]; everything else as
/// [`VerifyError::InvalidSignature`].
///
/// ```
/// use playback_auth_keys::{Algorithm, PrivateKey};
/// use playback_auth_verify::{VerifyError, verify_signature};
///
/// let key = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
/// assert_eq!(
///     verify_signature(Algorithm::Es256, &key, b"e30.e30", &[0; 64]),
///     Err(VerifyError::InvalidSignature),
/// );
/// assert!(matches!(
///     verify_signature(Algorithm::Es384, &key, b"e30.e30", &[0; 96]),
///     Err(VerifyError::NoKeyForAlgorithm { .. }),
/// ));
/// ```
pub fn verify_signature(
    alg: Algorithm,
    key: &PublicKey,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let expected = key.signature_len();
    let length = || {
        if signature.len() == expected {
            Ok(())
        } else {
            Err(VerifyError::InvalidSignatureLength {
                alg,
                expected,
                found: signature.len(),
            })
        }
    };
    match (alg, key) {
        (Algorithm::Rs256, PublicKey::Rs256(key)) => {
            let key = key.inner();
            length()?;
            let hashed = <rsa::sha2::Sha256 as rsa::sha2::Digest>::digest(signing_input);
            key.verify(
                rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(),
                &hashed,
                signature,
            )
            .map_err(|_| VerifyError::InvalidSignature)
        }
        (Algorithm::Es256, PublicKey::Es256(key)) => {
            use p256::ecdsa::signature::Verifier as _;
            length()?;
            let signature = p256::ecdsa::Signature::from_slice(signature)
                .map_err(|_| VerifyError::InvalidSignature)?;
            key.inner()
                .verify(signing_input, &signature)
                .map_err(|_| VerifyError::InvalidSignature)
        }
        (Algorithm::Es384, PublicKey::Es384(key)) => {
            use p384::ecdsa::signature::Verifier as _;
            length()?;
            let signature = p384::ecdsa::Signature::from_slice(signature)
                .map_err(|_| VerifyError::InvalidSignature)?;
            key.inner()
                .verify(signing_input, &signature)
                .map_err(|_| VerifyError::InvalidSignature)
        }
        _ => Err(VerifyError::NoKeyForAlgorithm { alg }),
    }
}
