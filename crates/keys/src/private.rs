//! Private keys, typed per algorithm: PKCS#1, SEC1 and PKCS#8 import and export.
//!
//! `Debug` never prints key material, and decoded DER is zeroized when dropped (the
//! backends zeroize their own key types).

use std::fmt;

use elliptic_curve::pkcs8::der::Decode as _;
use elliptic_curve::pkcs8::{EncodePrivateKey as _, LineEnding, PrivateKeyInfoRef};
use elliptic_curve::zeroize::Zeroizing;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::traits::PublicKeyParts as _;

use crate::asn1::{self, EcCurve, KeyAlgorithm};
use crate::error::truncated;
use crate::public::check_modulus_bits;
use crate::{Algorithm, Es256PublicKey, Es384PublicKey, KeyError, PublicKey, Rs256PublicKey, pem};

/// An RSA private key for RS256, with a modulus of 2048 to 8192 bits.
#[derive(Clone)]
pub struct Rs256PrivateKey(rsa::PrivateKey);

impl Rs256PrivateKey {
    /// A key from DER PKCS#1 `RSAPrivateKey` (two primes).
    ///
    /// # Errors
    /// [`KeyError::InvalidDer`], [`KeyError::RsaKeyTooSmall`], [`KeyError::RsaKeyTooLarge`],
    /// [`KeyError::UnsupportedKeyType`] for multi-prime keys, [`KeyError::InvalidRsaKey`]
    /// when the components are inconsistent.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key =
            rsa::pkcs1::RsaPrivateKeyRef::from_der(der).map_err(|_| KeyError::InvalidDer {
                structure: "PKCS#1 RSAPrivateKey",
            })?;
        if key.other_prime_infos.is_some() {
            return Err(KeyError::UnsupportedKeyType {
                key_type: "multi-prime RSA".to_owned(),
            });
        }
        let n = asn1::strip_leading_zeros(key.modulus.as_bytes());
        check_modulus_bits(n)?;
        // Secret integers get the modulus' precision, chosen from public data only.
        let precision =
            u32::try_from(n.len().saturating_mul(8)).map_err(|_| KeyError::RsaKeyTooLarge {
                bits: asn1::bit_length(n),
            })?;
        let secret = |bytes: &[u8]| {
            rsa::BoxedUint::from_be_slice(asn1::strip_leading_zeros(bytes), precision)
                .map_err(|error| KeyError::InvalidRsaKey(rsa::Error::Decode(error)))
        };
        let e = asn1::strip_leading_zeros(key.public_exponent.as_bytes());
        if e.is_empty() || e.len() > 8 {
            return Err(KeyError::InvalidRsaKey(rsa::Error::InvalidExponent));
        }
        let private = rsa::PrivateKey::from_components(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
            secret(key.private_exponent.as_bytes())?,
            vec![
                secret(key.prime1.as_bytes())?,
                secret(key.prime2.as_bytes())?,
            ],
        )
        .map_err(KeyError::InvalidRsaKey)?;
        Self::try_from(private)
    }

    /// The underlying `rsa` key, for signing.
    pub fn inner(&self) -> &rsa::PrivateKey {
        &self.0
    }

    /// The matching public key.
    pub fn public_key(&self) -> Rs256PublicKey {
        // Same modulus, so the size rule checked at construction holds.
        Rs256PublicKey(self.0.to_public_key())
    }
}

impl TryFrom<rsa::PrivateKey> for Rs256PrivateKey {
    type Error = KeyError;

    /// Checks the modulus size.
    fn try_from(key: rsa::PrivateKey) -> Result<Self, KeyError> {
        check_modulus_bits(&key.n_bytes())?;
        Ok(Self(key))
    }
}

impl fmt::Debug for Rs256PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rs256PrivateKey")
            .field("bits", &asn1::bit_length(&self.0.n_bytes()))
            .finish_non_exhaustive()
    }
}

macro_rules! ec_private_key {
    ($name:ident, $public:ident, $curve:ident, $variant:path, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone)]
        pub struct $name($curve::ecdsa::SigningKey);

        impl $name {
            /// The underlying signing key, for signing.
            pub fn inner(&self) -> &$curve::ecdsa::SigningKey {
                &self.0
            }

            /// The matching public key.
            pub fn public_key(&self) -> $public {
                $public::from(*self.0.verifying_key())
            }

            fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
                $curve::SecretKey::from_sec1_der(der)
                    .map(|secret| Self($curve::ecdsa::SigningKey::from(secret)))
                    .map_err(|_| KeyError::InvalidEcPrivateKey)
            }

            fn from_pkcs8(info: PrivateKeyInfoRef<'_>) -> Result<Self, KeyError> {
                $curve::ecdsa::SigningKey::try_from(info)
                    .map(Self)
                    .map_err(|_| KeyError::InvalidEcPrivateKey)
            }
        }

        impl From<$curve::ecdsa::SigningKey> for $name {
            fn from(key: $curve::ecdsa::SigningKey) -> Self {
                Self(key)
            }
        }

        impl From<$name> for PrivateKey {
            fn from(key: $name) -> Self {
                $variant(key)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

ec_private_key!(
    Es256PrivateKey,
    Es256PublicKey,
    p256,
    PrivateKey::Es256,
    "An ECDSA P-256 private key for ES256."
);
ec_private_key!(
    Es384PrivateKey,
    Es384PublicKey,
    p384,
    PrivateKey::Es384,
    "An ECDSA P-384 private key for ES384."
);

impl From<Rs256PrivateKey> for PrivateKey {
    fn from(key: Rs256PrivateKey) -> Self {
        PrivateKey::Rs256(key)
    }
}

/// How a private key is written as PEM.
///
/// ```
/// use playback_auth_keys::{Algorithm, PrivateKey, PrivateKeyFormat};
///
/// let key = PrivateKey::generate(Algorithm::Es256)?;
/// let pem = key.to_pem(PrivateKeyFormat::Traditional)?;
/// assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
/// assert_eq!(PrivateKey::from_pem(&pem)?.public_key(), key.public_key());
/// # Ok::<(), playback_auth_keys::KeyError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrivateKeyFormat {
    /// PKCS#1 `RSA PRIVATE KEY` for RSA, SEC1 `EC PRIVATE KEY` (curve named, public key
    /// included) for EC: the only labels the vendor's Go mint tool accepts, and what its
    /// bash (`ssh-keygen -m PEM`) and node (`pkcs1`) recipes write. The default.
    #[default]
    Traditional,
    /// PKCS#8 `PRIVATE KEY`, one label for every key type.
    Pkcs8,
}

impl PrivateKeyFormat {
    /// The PEM label a key of `algorithm` gets in this format.
    pub fn pem_label(self, algorithm: Algorithm) -> &'static str {
        match (self, algorithm) {
            (Self::Traditional, Algorithm::Rs256) => "RSA PRIVATE KEY",
            (Self::Traditional, Algorithm::Es256 | Algorithm::Es384) => "EC PRIVATE KEY",
            (Self::Pkcs8, _) => "PRIVATE KEY",
        }
    }

    /// The format's name for this key type: `"PKCS#1"`, `"SEC1"` or `"PKCS#8"`.
    pub fn name(self, algorithm: Algorithm) -> &'static str {
        match (self, algorithm) {
            (Self::Traditional, Algorithm::Rs256) => "PKCS#1",
            (Self::Traditional, Algorithm::Es256 | Algorithm::Es384) => "SEC1",
            (Self::Pkcs8, _) => "PKCS#8",
        }
    }
}

/// A private key of one of the supported algorithms. `Debug` is redacted.
#[derive(Clone, Debug)]
pub enum PrivateKey {
    /// RSA, 2048–8192 bits, for RS256.
    Rs256(Rs256PrivateKey),
    /// ECDSA P-256, for ES256.
    Es256(Es256PrivateKey),
    /// ECDSA P-384, for ES384.
    Es384(Es384PrivateKey),
}

impl PrivateKey {
    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PrivateKey::Rs256(_) => Algorithm::Rs256,
            PrivateKey::Es256(_) => Algorithm::Es256,
            PrivateKey::Es384(_) => Algorithm::Es384,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Rs256(key) => key.public_key().into(),
            PrivateKey::Es256(key) => key.public_key().into(),
            PrivateKey::Es384(key) => key.public_key().into(),
        }
    }

    /// Reads one PEM private key: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or
    /// PKCS#8 (`PRIVATE KEY`). Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`KeyError::InvalidPem`], [`KeyError::EncryptedPrivateKey`],
    /// [`KeyError::UnexpectedPemLabel`], or any error of the DER readers.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        let document = pem::decode(pem)?;
        match document.label.as_str() {
            "RSA PRIVATE KEY" => Rs256PrivateKey::from_pkcs1_der(&document.der).map(Into::into),
            "EC PRIVATE KEY" => Self::from_sec1_der(&document.der),
            "PRIVATE KEY" => Self::from_pkcs8_der(&document.der),
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::EncryptedPrivateKey),
            other => Err(KeyError::UnexpectedPemLabel {
                label: truncated(other, 64),
            }),
        }
    }

    /// Reads a DER SEC1 `ECPrivateKey` (RFC 5915) on P-256 or P-384; the curve must be
    /// named in the key.
    ///
    /// # Errors
    /// [`KeyError::InvalidDer`], [`KeyError::MissingCurveParameters`],
    /// [`KeyError::UnsupportedCurve`], [`KeyError::InvalidEcPrivateKey`].
    pub fn from_sec1_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        let curve = asn1::sec1_curve(der)?.ok_or(KeyError::MissingCurveParameters)?;
        match asn1::ec_curve(&curve)? {
            EcCurve::P256 => Es256PrivateKey::from_sec1_der(der).map(Into::into),
            EcCurve::P384 => Es384PrivateKey::from_sec1_der(der).map(Into::into),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` holding an RSA key or an EC key on P-256 or
    /// P-384.
    ///
    /// # Errors
    /// [`KeyError::InvalidDer`], [`KeyError::UnsupportedKeyType`],
    /// [`KeyError::UnsupportedCurve`], [`KeyError::MissingCurveParameters`], or any error
    /// of the RSA or EC readers.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        const STRUCTURE: &str = "PKCS#8 PrivateKeyInfo";
        let invalid = |_| KeyError::InvalidDer {
            structure: STRUCTURE,
        };
        let info = PrivateKeyInfoRef::from_der(der).map_err(invalid)?;
        match asn1::key_algorithm(&info.algorithm, STRUCTURE)? {
            KeyAlgorithm::Rsa => {
                Rs256PrivateKey::from_pkcs1_der(info.private_key.as_bytes()).map(Into::into)
            }
            KeyAlgorithm::Ec(EcCurve::P256) => Es256PrivateKey::from_pkcs8(info).map(Into::into),
            KeyAlgorithm::Ec(EcCurve::P384) => Es384PrivateKey::from_pkcs8(info).map(Into::into),
        }
    }

    /// DER PKCS#8 `PrivateKeyInfo`, zeroized on drop.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] (not expected for keys this crate holds).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let document = match self {
            PrivateKey::Rs256(key) => key.0.to_pkcs8_der(),
            PrivateKey::Es256(key) => key.0.to_pkcs8_der(),
            PrivateKey::Es384(key) => key.0.to_pkcs8_der(),
        }
        .map_err(|_| KeyError::Encoding {
            format: "PKCS#8 DER",
        })?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// PKCS#8 PEM (`PRIVATE KEY`), LF line endings, trailing newline. The string is
    /// [`Zeroizing`] — wiped from memory when dropped; it dereferences to `String`
    /// (`&*pem` gives a `&str`).
    ///
    /// # Errors
    /// [`KeyError::Encoding`] (not expected for keys this crate holds).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        match self {
            PrivateKey::Rs256(key) => key.0.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Es256(key) => key.0.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Es384(key) => key.0.to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|_| KeyError::Encoding {
            format: "PKCS#8 PEM",
        })
    }

    /// PEM in `format`, LF line endings, trailing newline, [`Zeroizing`].
    ///
    /// # Errors
    /// [`KeyError::Encoding`] (not expected for keys this crate holds).
    pub fn to_pem(&self, format: PrivateKeyFormat) -> Result<Zeroizing<String>, KeyError> {
        match format {
            PrivateKeyFormat::Pkcs8 => self.to_pkcs8_pem(),
            PrivateKeyFormat::Traditional => {
                let encoding = KeyError::Encoding {
                    format: format.name(self.algorithm()),
                };
                match self {
                    PrivateKey::Rs256(key) => key.0.to_pkcs1_pem(LineEnding::LF).ok(),
                    PrivateKey::Es256(key) => p256::SecretKey::from(&key.0)
                        .to_sec1_pem(LineEnding::LF)
                        .ok(),
                    PrivateKey::Es384(key) => p384::SecretKey::from(&key.0)
                        .to_sec1_pem(LineEnding::LF)
                        .ok(),
                }
                .ok_or(encoding)
            }
        }
    }
}

#[cfg(test)]
mod tests;
