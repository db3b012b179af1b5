//! Public keys, typed per algorithm, and their DER, PEM and `public_key.txt` forms.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use elliptic_curve::pkcs8::SubjectPublicKeyInfoRef;
use elliptic_curve::pkcs8::der::Decode as _;
use rsa::traits::PublicKeyParts as _;

use crate::algorithm::{ES256_SIGNATURE_LEN, ES384_SIGNATURE_LEN};
use crate::asn1::{self, EcCurve, KeyAlgorithm};
use crate::error::truncated;
use crate::{Algorithm, KeyError, pem};

/// An RSA public key for RS256, with a modulus of 2048 to 8192 bits.
///
/// Built only through checked constructors, so holding one proves the size rule.
#[derive(Clone)]
pub struct Rs256PublicKey(pub(crate) rsa::PublicKey);

impl Rs256PublicKey {
    /// Smallest accepted modulus, in bits (SPEC §1).
    pub const MIN_BITS: usize = 2048;
    /// Largest accepted modulus, in bits (the RSA backend's limit).
    pub const MAX_BITS: usize = 8192;

    /// A key from its big-endian modulus `n` and public exponent `e` (leading zero octets
    /// are ignored).
    ///
    /// # Errors
    /// [`KeyError::RsaKeyTooSmall`] / [`KeyError::RsaKeyTooLarge`] for a modulus outside
    /// 2048–8192 bits, [`KeyError::InvalidRsaKey`] for an even modulus, an even exponent or
    /// an exponent out of 3..2^33.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = asn1::strip_leading_zeros(n);
        let e = asn1::strip_leading_zeros(e);
        check_modulus_bits(n)?;
        // The backend caps the exponent at 2^33 - 1; refusing long ones here also keeps
        // absurd inputs from reaching big-integer code.
        // An even exponent or 1 is never a working RSA key, and AWS-LC refuses them: refusing
        // them here keeps both signature providers accepting exactly the same keys.
        if e.last().is_none_or(|low| low % 2 == 0) || e == [1] {
            return Err(KeyError::InvalidRsaKey(rsa::Error::InvalidExponent));
        }
        if e.len() > 8 {
            return Err(KeyError::InvalidRsaKey(rsa::Error::PublicExponentTooLarge));
        }
        let n = rsa::BoxedUint::from_be_slice_vartime(n);
        let e = rsa::BoxedUint::from_be_slice_vartime(e);
        rsa::PublicKey::new_with_size_limits(n, e, Self::MIN_BITS..=Self::MAX_BITS)
            .map(Self)
            .map_err(KeyError::InvalidRsaKey)
    }

    /// A key from DER PKCS#1 `RSAPublicKey`.
    ///
    /// # Errors
    /// [`KeyError::InvalidDer`] for malformed DER, then as [`Self::from_components`].
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = rsa::pkcs1::RsaPublicKeyRef::from_der(der).map_err(|_| KeyError::InvalidDer {
            structure: "PKCS#1 RSAPublicKey",
        })?;
        Self::from_components(key.modulus.as_bytes(), key.public_exponent.as_bytes())
    }

    /// The underlying `rsa` key, for signature verification.
    pub fn inner(&self) -> &rsa::PublicKey {
        &self.0
    }

    /// Bit length of the modulus (2048 to 8192).
    pub fn modulus_bits(&self) -> usize {
        asn1::bit_length(&self.0.n_bytes())
    }

    /// Length of every RS256 signature made with this key: the modulus length in bytes.
    pub fn signature_len(&self) -> usize {
        self.0.size()
    }

    /// The modulus `n`, big-endian without leading zeros.
    pub fn modulus(&self) -> Vec<u8> {
        self.0.n_bytes().into_vec()
    }

    /// The public exponent `e`, big-endian without leading zeros.
    pub fn exponent(&self) -> Vec<u8> {
        self.0.e_bytes().into_vec()
    }

    /// DER PKCS#1 `RSAPublicKey`.
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        asn1::rsa_public_key(&self.0.n_bytes(), &self.0.e_bytes())
    }

    /// PKCS#1 PEM (`RSA PUBLIC KEY`).
    pub fn to_pkcs1_pem(&self) -> String {
        pem::encode("RSA PUBLIC KEY", &self.to_pkcs1_der())
    }

    fn to_spki_der(&self) -> Vec<u8> {
        asn1::rsa_spki(&self.0.n_bytes(), &self.0.e_bytes())
    }
}

/// Refuses moduli outside 2048–8192 bits before any big-integer work.
pub(crate) fn check_modulus_bits(n: &[u8]) -> Result<(), KeyError> {
    let bits = asn1::bit_length(n);
    if bits < Rs256PublicKey::MIN_BITS {
        Err(KeyError::RsaKeyTooSmall { bits })
    } else if bits > Rs256PublicKey::MAX_BITS {
        Err(KeyError::RsaKeyTooLarge { bits })
    } else {
        Ok(())
    }
}

impl TryFrom<rsa::PublicKey> for Rs256PublicKey {
    type Error = KeyError;

    /// Checks the modulus size.
    fn try_from(key: rsa::PublicKey) -> Result<Self, KeyError> {
        check_modulus_bits(&key.n_bytes())?;
        Ok(Self(key))
    }
}

impl PartialEq for Rs256PublicKey {
    fn eq(&self, other: &Self) -> bool {
        // Compare values, not the big integers' storage precision.
        self.0.n_bytes() == other.0.n_bytes() && self.0.e_bytes() == other.0.e_bytes()
    }
}

impl Eq for Rs256PublicKey {}

impl fmt::Debug for Rs256PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rs256PublicKey")
            .field("bits", &self.modulus_bits())
            .field("thumbprint", &crate::thumbprint::of_rsa(self))
            .finish()
    }
}

macro_rules! ec_public_key {
    ($name:ident, $curve:ident, $alg:expr, $field_len:expr, $oid:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name($curve::ecdsa::VerifyingKey);

        impl $name {
            /// Length in bytes of each coordinate (and of `r` and `s` in a signature).
            pub const FIELD_LEN: usize = $field_len;

            /// A key from a SEC1 point encoding (uncompressed `04‖x‖y` or compressed).
            ///
            /// # Errors
            /// [`KeyError::InvalidEcPoint`] if the bytes are not a point on the curve, or
            /// are the identity.
            pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
                $curve::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                    .map(Self)
                    .map_err(|_| KeyError::InvalidEcPoint)
            }

            /// A key from its affine coordinates, each exactly [`Self::FIELD_LEN`] bytes.
            ///
            /// # Errors
            /// [`KeyError::InvalidEcPoint`] for coordinates of the wrong length or not on
            /// the curve.
            pub fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self, KeyError> {
                if x.len() != Self::FIELD_LEN || y.len() != Self::FIELD_LEN {
                    return Err(KeyError::InvalidEcPoint);
                }
                Self::from_sec1_bytes(&[&[0x04u8][..], x, y].concat())
            }

            /// The underlying verifying key, for signature verification.
            pub fn inner(&self) -> &$curve::ecdsa::VerifyingKey {
                &self.0
            }

            /// The uncompressed SEC1 encoding `04‖x‖y`.
            pub fn to_sec1_uncompressed(&self) -> Vec<u8> {
                self.0.to_sec1_point(false).as_bytes().to_vec()
            }

            /// The affine coordinates `(x, y)`, each [`Self::FIELD_LEN`] bytes.
            pub fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
                let point = self.to_sec1_uncompressed();
                let (x, y) = point
                    .get(1..)
                    .and_then(|xy| xy.split_at_checked(Self::FIELD_LEN))
                    .unwrap_or_default();
                (x.to_vec(), y.to_vec())
            }

            fn to_spki_der(&self) -> Vec<u8> {
                asn1::ec_spki(&$oid, &self.to_sec1_uncompressed())
            }
        }

        impl From<$curve::ecdsa::VerifyingKey> for $name {
            fn from(key: $curve::ecdsa::VerifyingKey) -> Self {
                Self(key)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("thumbprint", &PublicKey::from(self.clone()).thumbprint())
                    .finish()
            }
        }

        impl From<$name> for PublicKey {
            fn from(key: $name) -> Self {
                $alg(key)
            }
        }
    };
}

ec_public_key!(
    Es256PublicKey,
    p256,
    PublicKey::Es256,
    32,
    asn1::P256,
    "An ECDSA P-256 public key for ES256."
);
ec_public_key!(
    Es384PublicKey,
    p384,
    PublicKey::Es384,
    48,
    asn1::P384,
    "An ECDSA P-384 public key for ES384."
);

impl From<Rs256PublicKey> for PublicKey {
    fn from(key: Rs256PublicKey) -> Self {
        PublicKey::Rs256(key)
    }
}

/// A public key of one of the supported algorithms. The variant fixes the algorithm: an
/// RSA key is never offered to ECDSA, nor a P-256 key to ES384.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA, 2048–8192 bits, for RS256.
    Rs256(Rs256PublicKey),
    /// ECDSA P-256, for ES256.
    Es256(Es256PublicKey),
    /// ECDSA P-384, for ES384.
    Es384(Es384PublicKey),
}

impl PublicKey {
    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Rs256(_) => Algorithm::Rs256,
            PublicKey::Es256(_) => Algorithm::Es256,
            PublicKey::Es384(_) => Algorithm::Es384,
        }
    }

    /// Length in bytes of every signature this key verifies: the modulus length for RS256,
    /// 64 for ES256, 96 for ES384.
    pub fn signature_len(&self) -> usize {
        match self {
            PublicKey::Rs256(key) => key.signature_len(),
            PublicKey::Es256(_) => ES256_SIGNATURE_LEN,
            PublicKey::Es384(_) => ES384_SIGNATURE_LEN,
        }
    }

    /// The RSA key, if this is one.
    pub fn as_rs256(&self) -> Option<&Rs256PublicKey> {
        match self {
            PublicKey::Rs256(key) => Some(key),
            _ => None,
        }
    }

    /// The P-256 key, if this is one.
    pub fn as_es256(&self) -> Option<&Es256PublicKey> {
        match self {
            PublicKey::Es256(key) => Some(key),
            _ => None,
        }
    }

    /// The P-384 key, if this is one.
    pub fn as_es384(&self) -> Option<&Es384PublicKey> {
        match self {
            PublicKey::Es384(key) => Some(key),
            _ => None,
        }
    }

    /// Reads one PEM public key: SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS#1
    /// (`RSA PUBLIC KEY`). Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`KeyError::InvalidPem`], [`KeyError::UnexpectedPemLabel`] (e.g. a private key or a
    /// certificate), or any error of [`Self::from_spki_der`].
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let document = pem::decode(pem)?;
        match document.label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&document.der),
            "RSA PUBLIC KEY" => Rs256PublicKey::from_pkcs1_der(&document.der).map(Into::into),
            other => Err(KeyError::UnexpectedPemLabel {
                label: truncated(other, 64),
            }),
        }
    }

    /// Reads a DER SubjectPublicKeyInfo (RFC 5280): `rsaEncryption`, or `id-ecPublicKey`
    /// on P-256 or P-384.
    ///
    /// # Errors
    /// [`KeyError::InvalidDer`], [`KeyError::UnsupportedKeyType`] (Ed25519, DSA, PSS-only
    /// RSA …), [`KeyError::UnsupportedCurve`] (secp256k1, P-521 …),
    /// [`KeyError::MissingCurveParameters`], [`KeyError::InvalidEcPoint`], or an RSA
    /// size or validity error.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        const STRUCTURE: &str = "SubjectPublicKeyInfo";
        let invalid = |_| KeyError::InvalidDer {
            structure: STRUCTURE,
        };
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(invalid)?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or(KeyError::InvalidDer {
                structure: STRUCTURE,
            })?;
        match asn1::key_algorithm(&spki.algorithm, STRUCTURE)? {
            KeyAlgorithm::Rsa => Rs256PublicKey::from_pkcs1_der(key_bytes).map(Into::into),
            KeyAlgorithm::Ec(EcCurve::P256) => {
                Es256PublicKey::from_sec1_bytes(key_bytes).map(Into::into)
            }
            KeyAlgorithm::Ec(EcCurve::P384) => {
                Es384PublicKey::from_sec1_bytes(key_bytes).map(Into::into)
            }
        }
    }

    /// Reads the `public_key.txt` form: standard base64 (with padding) of the
    /// SubjectPublicKeyInfo DER.
    ///
    /// The value may be wrapped in lines, as `base64(1)` writes it (76 columns), with LF or
    /// CRLF line ends: ASCII spaces, tabs, CR and LF anywhere in it are ignored. Everything
    /// else stays strict — any other character, bad padding or trailing data is an error.
    ///
    /// ```
    /// use playback_auth_keys::{Algorithm, PrivateKey, PublicKey};
    ///
    /// let key = PrivateKey::generate(Algorithm::Es256)?.public_key();
    /// let one_line = key.to_public_key_txt();
    /// let (head, tail) = one_line.split_at(76);
    /// let wrapped = format!("{head}\r\n{tail}\r\n");
    /// assert_eq!(PublicKey::from_public_key_txt(&wrapped)?, key);
    /// # Ok::<(), playback_auth_keys::KeyError>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyError::NoKeyFound`] for blank text, [`KeyError::InvalidBase64`], or any error
    /// of [`Self::from_spki_der`].
    pub fn from_public_key_txt(text: &str) -> Result<PublicKey, KeyError> {
        let base64: Vec<u8> = text
            .bytes()
            .filter(|byte| !is_line_whitespace(*byte))
            .collect();
        if base64.is_empty() {
            return Err(KeyError::NoKeyFound);
        }
        let der = STANDARD
            .decode(&base64)
            .map_err(|_| KeyError::InvalidBase64 {
                field: "public_key.txt",
            })?;
        Self::from_spki_der(&der)
    }

    /// DER SubjectPublicKeyInfo (EC points uncompressed).
    pub fn to_spki_der(&self) -> Vec<u8> {
        match self {
            PublicKey::Rs256(key) => key.to_spki_der(),
            PublicKey::Es256(key) => key.to_spki_der(),
            PublicKey::Es384(key) => key.to_spki_der(),
        }
    }

    /// SubjectPublicKeyInfo PEM (`PUBLIC KEY`), LF line endings, trailing newline.
    pub fn to_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.to_spki_der())
    }

    /// The `public_key.txt` value: standard base64 of the SubjectPublicKeyInfo DER on one
    /// line, without a trailing newline (the file written by
    /// [`write_key_files`](crate::write_key_files) adds one).
    pub fn to_public_key_txt(&self) -> String {
        STANDARD.encode(self.to_spki_der())
    }
}

/// The whitespace a wrapped `public_key.txt` may hold between base64 characters: what
/// `base64(1)`, editors and Windows line ends put there (form feeds, vertical tabs and
/// Unicode spaces are not among them).
fn is_line_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests;
