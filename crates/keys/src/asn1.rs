//! The ASN.1 this crate reads and writes: object identifiers, curve lookup, the curve of a
//! SEC1 private key, and a DER writer for the two public structures we emit
//! (SubjectPublicKeyInfo and PKCS#1 `RSAPublicKey`).
//!
//! Writing these by hand keeps every export infallible: both structures have a fixed shape
//! and their only variable parts are two big-endian integers or one curve point.

use elliptic_curve::pkcs8::{
    AlgorithmIdentifierRef, AssociatedOid, ObjectIdentifier,
    der::{Reader, SliceReader, TagMode, TagNumber},
};

use crate::KeyError;

/// `rsaEncryption` (PKCS#1).
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier = rsa::pkcs1::ALGORITHM_OID;
/// `id-ecPublicKey` (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier = elliptic_curve::ALGORITHM_OID;
/// `secp256r1` / P-256.
pub(crate) const P256: ObjectIdentifier = p256::NistP256::OID;
/// `secp384r1` / P-384.
pub(crate) const P384: ObjectIdentifier = p384::NistP384::OID;

/// Names for object identifiers users meet in practice, so errors say `P-521` rather
/// than `1.3.132.0.35`.
const KNOWN_NAMES: [(ObjectIdentifier, &str); 12] = [
    (ObjectIdentifier::new_unwrap("1.3.132.0.10"), "secp256k1"),
    (ObjectIdentifier::new_unwrap("1.3.132.0.35"), "P-521"),
    (ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.1"), "P-192"),
    (ObjectIdentifier::new_unwrap("1.3.132.0.33"), "P-224"),
    (
        ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7"),
        "brainpoolP256r1",
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11"),
        "brainpoolP384r1",
    ),
    (ObjectIdentifier::new_unwrap("1.3.101.112"), "Ed25519"),
    (ObjectIdentifier::new_unwrap("1.3.101.113"), "Ed448"),
    (ObjectIdentifier::new_unwrap("1.3.101.110"), "X25519"),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10"),
        "RSASSA-PSS",
    ),
    (ObjectIdentifier::new_unwrap("1.2.840.10040.4.1"), "DSA"),
    (ObjectIdentifier::new_unwrap("1.2.840.10046.2.1"), "DH"),
];

/// A readable name for an object identifier: a known name or the dotted form.
pub(crate) fn oid_name(oid: &ObjectIdentifier) -> String {
    KNOWN_NAMES
        .iter()
        .find(|(known, _)| known == oid)
        .map_or_else(|| oid.to_string(), |(_, name)| (*name).to_owned())
}

/// The two curves this crate supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EcCurve {
    P256,
    P384,
}

/// The supported curve a named-curve identifier names, or `UnsupportedCurve`.
pub(crate) fn ec_curve(curve: &ObjectIdentifier) -> Result<EcCurve, KeyError> {
    if *curve == P256 {
        Ok(EcCurve::P256)
    } else if *curve == P384 {
        Ok(EcCurve::P384)
    } else {
        Err(KeyError::UnsupportedCurve {
            curve: oid_name(curve),
        })
    }
}

/// The kind of key an `AlgorithmIdentifier` (of a SubjectPublicKeyInfo or a PKCS#8
/// PrivateKeyInfo) announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyAlgorithm {
    Rsa,
    Ec(EcCurve),
}

/// Reads an `AlgorithmIdentifier`: `rsaEncryption` with NULL (or, leniently, absent)
/// parameters, or `id-ecPublicKey` with a named curve.
pub(crate) fn key_algorithm(
    algorithm: &AlgorithmIdentifierRef<'_>,
    structure: &'static str,
) -> Result<KeyAlgorithm, KeyError> {
    if algorithm.oid == RSA_ENCRYPTION {
        match algorithm.parameters {
            Some(parameters) if !parameters.is_null() => Err(KeyError::InvalidDer { structure }),
            _ => Ok(KeyAlgorithm::Rsa),
        }
    } else if algorithm.oid == EC_PUBLIC_KEY {
        let parameters = algorithm
            .parameters
            .ok_or(KeyError::MissingCurveParameters)?;
        if parameters.is_null() {
            return Err(KeyError::MissingCurveParameters);
        }
        // RFC 5480 forbids explicit curve parameters (and `implicitCurve`) in PKIX.
        let curve =
            ObjectIdentifier::try_from(parameters).map_err(|_| KeyError::UnsupportedCurve {
                curve: "explicit curve parameters".to_owned(),
            })?;
        ec_curve(&curve).map(KeyAlgorithm::Ec)
    } else {
        Err(KeyError::UnsupportedKeyType {
            key_type: oid_name(&algorithm.oid),
        })
    }
}

/// The named curve of a SEC1 `ECPrivateKey` (RFC 5915), read without touching the scalar:
/// `SEQUENCE { version INTEGER, privateKey OCTET STRING, [0] parameters OPTIONAL, … }`.
/// `Ok(None)` when the optional parameters are absent.
pub(crate) fn sec1_curve(der: &[u8]) -> Result<Option<ObjectIdentifier>, KeyError> {
    let invalid = |_| KeyError::InvalidDer {
        structure: "SEC1 ECPrivateKey",
    };
    let mut reader = SliceReader::new(der).map_err(invalid)?;
    reader
        .sequence(|inner: &mut SliceReader<'_>| {
            inner.tlv_bytes()?; // version
            inner.tlv_bytes()?; // privateKey
            let curve =
                inner.context_specific::<ObjectIdentifier>(TagNumber(0), TagMode::Explicit)?;
            // The optional public key follows; the full decode later checks it.
            let rest = inner.remaining_len();
            inner.drain(rest)?;
            Ok(curve)
        })
        .map_err(invalid)
}

/// DER `SubjectPublicKeyInfo` of an RSA key (`rsaEncryption` with NULL parameters).
pub(crate) fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let algorithm = tlv(
        0x30,
        &[tlv(0x06, RSA_ENCRYPTION.as_ref()), tlv(0x05, &[])].concat(),
    );
    spki(&algorithm, &rsa_public_key(n, e))
}

/// DER `SubjectPublicKeyInfo` of an EC key (`id-ecPublicKey` with a named curve).
pub(crate) fn ec_spki(curve: &ObjectIdentifier, sec1_point: &[u8]) -> Vec<u8> {
    let algorithm = tlv(
        0x30,
        &[tlv(0x06, EC_PUBLIC_KEY.as_ref()), tlv(0x06, curve.as_ref())].concat(),
    );
    spki(&algorithm, sec1_point)
}

/// DER PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub(crate) fn rsa_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
    tlv(
        0x30,
        &[
            tlv(0x02, &unsigned_integer(n)),
            tlv(0x02, &unsigned_integer(e)),
        ]
        .concat(),
    )
}

fn spki(algorithm: &[u8], subject_public_key: &[u8]) -> Vec<u8> {
    // BIT STRING content: a leading "0 unused bits" octet, then the key bytes.
    let bit_string = tlv(0x03, &[&[0u8][..], subject_public_key].concat());
    tlv(0x30, &[algorithm, &bit_string[..]].concat())
}

/// Content octets of a non-negative DER INTEGER: minimal, with a 0x00 prefix when the
/// high bit would otherwise mark it negative.
fn unsigned_integer(big_endian: &[u8]) -> Vec<u8> {
    let trimmed = strip_leading_zeros(big_endian);
    match trimmed.first() {
        None => vec![0],
        Some(first) if first & 0x80 != 0 => [&[0u8][..], trimmed].concat(),
        Some(_) => trimmed.to_vec(),
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len().saturating_add(6));
    out.push(tag);
    push_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// DER definite length: short form below 128, else 0x80 | count followed by the
/// big-endian length octets.
fn push_length(out: &mut Vec<u8>, len: usize) {
    let octets = len.to_be_bytes();
    let significant = strip_leading_zeros(&octets);
    match (significant, u8::try_from(len)) {
        (_, Ok(short)) if short < 0x80 => out.push(short),
        _ => {
            let count = u8::try_from(significant.len()).unwrap_or(u8::MAX);
            out.push(0x80 | count);
            out.extend_from_slice(significant);
        }
    }
}

/// The slice without its leading zero octets.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Bit length of a big-endian unsigned integer.
pub(crate) fn bit_length(big_endian: &[u8]) -> usize {
    let trimmed = strip_leading_zeros(big_endian);
    match trimmed.first() {
        None => 0,
        Some(first) => {
            let top_bits = 8 - first.leading_zeros() as usize;
            (trimmed.len() - 1) * 8 + top_bits
        }
    }
}

#[cfg(test)]
mod tests;
