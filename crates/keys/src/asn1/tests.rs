#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use elliptic_curve::pkcs8::EncodePublicKey as _;

use super::*;

#[test]
fn bit_length_counts_significant_bits() {
    assert_eq!(bit_length(&[]), 0);
    assert_eq!(bit_length(&[0, 0]), 0);
    assert_eq!(bit_length(&[1]), 1);
    assert_eq!(bit_length(&[0x80]), 8);
    assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    assert_eq!(bit_length(&[0x80; 256]), 2048);
    assert_eq!(bit_length(&[0x7f; 256]), 2047);
}

#[test]
fn strip_leading_zeros_keeps_the_value() {
    assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), &[1, 0]);
    assert_eq!(strip_leading_zeros(&[0, 0]), &[] as &[u8]);
    assert_eq!(strip_leading_zeros(&[5]), &[5]);
}

#[test]
fn lengths_use_short_and_long_forms() {
    let encode = |len| {
        let mut out = Vec::new();
        push_length(&mut out, len);
        out
    };
    assert_eq!(encode(0), [0x00]);
    assert_eq!(encode(127), [0x7f]);
    assert_eq!(encode(128), [0x81, 0x80]);
    assert_eq!(encode(255), [0x81, 0xff]);
    assert_eq!(encode(256), [0x82, 0x01, 0x00]);
    assert_eq!(encode(65_536), [0x83, 0x01, 0x00, 0x00]);
}

#[test]
fn integers_are_minimal_and_non_negative() {
    assert_eq!(unsigned_integer(&[]), [0]);
    assert_eq!(unsigned_integer(&[0, 0, 0x7f]), [0x7f]);
    assert_eq!(unsigned_integer(&[0x80]), [0x00, 0x80]);
    assert_eq!(unsigned_integer(&[0, 0x01, 0x00, 0x01]), [0x01, 0x00, 0x01]);
}

#[test]
fn ec_spki_matches_the_backend_encoding() {
    let p256_key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let verifying = p256_key.verifying_key();
    let expected = verifying.to_public_key_der().unwrap();
    let ours = ec_spki(&P256, verifying.to_sec1_point(false).as_bytes());
    assert_eq!(ours, expected.as_bytes());

    let p384_key = p384::ecdsa::SigningKey::from_slice(&[9u8; 48]).unwrap();
    let verifying = p384_key.verifying_key();
    let expected = verifying.to_public_key_der().unwrap();
    let ours = ec_spki(&P384, verifying.to_sec1_point(false).as_bytes());
    assert_eq!(ours, expected.as_bytes());
}

#[test]
fn rsa_spki_matches_the_backend_encoding() {
    // A fixed odd 2048-bit modulus; the encoding does not care whether it is a product of
    // two primes.
    let mut n = vec![0xc5u8; 256];
    n[255] = 0x01;
    let e = [0x01, 0x00, 0x01];
    let key = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(&n),
        rsa::BoxedUint::from_be_slice_vartime(&e),
    )
    .unwrap();
    let expected = key.to_public_key_der().unwrap();
    assert_eq!(rsa_spki(&n, &e), expected.as_bytes());
}

#[test]
fn oid_names() {
    assert_eq!(
        oid_name(&ObjectIdentifier::new_unwrap("1.3.132.0.10")),
        "secp256k1"
    );
    assert_eq!(
        oid_name(&ObjectIdentifier::new_unwrap("1.3.132.0.35")),
        "P-521"
    );
    assert_eq!(
        oid_name(&ObjectIdentifier::new_unwrap("1.2.3.4")),
        "1.2.3.4"
    );
}

#[test]
fn curve_lookup() {
    assert_eq!(ec_curve(&P256).unwrap(), EcCurve::P256);
    assert_eq!(ec_curve(&P384).unwrap(), EcCurve::P384);
    assert!(matches!(
        ec_curve(&ObjectIdentifier::new_unwrap("1.3.132.0.35")),
        Err(KeyError::UnsupportedCurve { curve }) if curve == "P-521"
    ));
}

/// `ECPrivateKey` with version 1 and a 32-byte scalar, then optional extra fields.
fn sec1(extra: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x01, 0x04, 0x20];
    body.extend_from_slice(&[0x11; 32]);
    body.extend_from_slice(extra);
    let mut der = vec![0x30, u8::try_from(body.len()).unwrap()];
    der.extend_from_slice(&body);
    der
}

#[test]
fn sec1_curve_reads_the_named_curve() {
    // [0] EXPLICIT OBJECT IDENTIFIER prime256v1
    let p256 = [
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    assert_eq!(sec1_curve(&sec1(&p256)).unwrap(), Some(P256));
    // [0] EXPLICIT OBJECT IDENTIFIER secp256k1, then a [1] public key field
    let k1 = [
        0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0xa1, 0x03, 0x03, 0x01, 0x00,
    ];
    assert_eq!(
        sec1_curve(&sec1(&k1)).unwrap(),
        Some(ObjectIdentifier::new_unwrap("1.3.132.0.10"))
    );
}

#[test]
fn sec1_curve_reports_absent_parameters() {
    assert_eq!(sec1_curve(&sec1(&[])).unwrap(), None);
}

#[test]
fn sec1_curve_rejects_garbage() {
    for der in [
        &[][..],
        &[0x30],
        &[0x30, 0x00],
        &[0x04, 0x01, 0x00],
        &[0x30, 0x03, 0x02, 0x01],
    ] {
        assert!(
            matches!(sec1_curve(der), Err(KeyError::InvalidDer { .. })),
            "{der:?}"
        );
    }
}
