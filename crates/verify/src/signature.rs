//! The one place a signature is checked: our own encoding rules first, then the key's
//! provider.

use playback_auth_keys::{Algorithm, PublicKey, VerifyingKey};

use crate::error::VerifyError;

/// The order `n` of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The order `n` of P-384, big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

/// Checks `signature` over `signing_input` (`header.payload`, as ASCII) with `key`.
///
/// Every signature check of the crate goes through here. The SPEC §1.1 encoding rules are
/// applied by this function, identically for every provider, before the key's provider
/// (chosen when its [`KeySet`](playback_auth_keys::KeySet) was built) runs the primitive:
///
/// - the key's type and curve must be `alg`'s;
/// - RS256: RSASSA-PKCS1-v1_5 with SHA-256; the signature is exactly the modulus length.
/// - ES256 / ES384: raw `r‖s` of exactly 64 / 96 bytes (DER is refused); `r` and `s` must be
///   in `1..n`. High-S signatures are accepted, as JWS does not require low-S.
///
/// A key of the wrong type or curve for `alg` is refused as
/// [`VerifyError::NoKeyForAlgorithm`]; a wrong length as
/// [`VerifyError::InvalidSignatureLength`]; everything else as
/// [`VerifyError::InvalidSignature`].
///
/// ```
/// use playback_auth_keys::{Algorithm, CryptoProvider, PrivateKey};
/// use playback_auth_verify::{VerifyError, verify_signature};
///
/// let key = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
/// for &provider in CryptoProvider::all() {
///     let key = provider.prepare_public_key(&key).unwrap();
///     assert_eq!(
///         verify_signature(Algorithm::Es256, &key, b"e30.e30", &[0; 64]),
///         Err(VerifyError::InvalidSignature),
///     );
///     assert!(matches!(
///         verify_signature(Algorithm::Es384, &key, b"e30.e30", &[0; 96]),
///         Err(VerifyError::NoKeyForAlgorithm { .. }),
///     ));
/// }
/// ```
pub fn verify_signature(
    alg: Algorithm,
    key: &VerifyingKey,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let public = key.public_key();
    if public.algorithm() != alg {
        return Err(VerifyError::NoKeyForAlgorithm { alg });
    }
    let expected = key.signature_len();
    if signature.len() != expected {
        return Err(VerifyError::InvalidSignatureLength {
            alg,
            expected,
            found: signature.len(),
        });
    }
    let scalars_in_range = match public {
        PublicKey::Rs256(_) => true,
        PublicKey::Es256(_) => scalars_in_range(signature, &P256_ORDER),
        PublicKey::Es384(_) => scalars_in_range(signature, &P384_ORDER),
    };
    if !scalars_in_range {
        return Err(VerifyError::InvalidSignature);
    }
    key.verify_prechecked(signing_input, signature)
        .map_err(|_| VerifyError::InvalidSignature)
}

/// Whether both halves of `r‖s` (each as long as `order`) are in `1..order`. The length was
/// checked by the caller; a signature of another length is out of range.
fn scalars_in_range(signature: &[u8], order: &[u8]) -> bool {
    let (r, s) = signature.split_at_checked(order.len()).unwrap_or_default();
    [r, s].iter().all(|scalar| {
        // Big-endian byte strings of equal length compare like the integers they encode.
        scalar.len() == order.len() && scalar.iter().any(|&byte| byte != 0) && *scalar < order
    })
}

#[cfg(test)]
mod tests;
