#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

const RSA_PEM: &str = include_str!("../../tests/fixtures/rsa2048_public.pem");

fn es256() -> Es256PublicKey {
    Es256PublicKey::from(
        *p256::ecdsa::SigningKey::from_slice(&[7u8; 32])
            .unwrap()
            .verifying_key(),
    )
}

fn es384() -> Es384PublicKey {
    Es384PublicKey::from(
        *p384::ecdsa::SigningKey::from_slice(&[7u8; 48])
            .unwrap()
            .verifying_key(),
    )
}

/// An odd modulus of exactly `bits` bits.
fn modulus(bits: usize) -> Vec<u8> {
    let mut n = vec![0xffu8; bits.div_ceil(8)];
    let spare = n.len() * 8 - bits;
    n[0] >>= spare;
    n
}

#[test]
fn rsa_size_limits_are_typed() {
    let e = [1, 0, 1];
    assert!(matches!(
        Rs256PublicKey::from_components(&modulus(2047), &e),
        Err(KeyError::RsaKeyTooSmall { bits: 2047 })
    ));
    assert!(matches!(
        Rs256PublicKey::from_components(&modulus(1024), &e),
        Err(KeyError::RsaKeyTooSmall { bits: 1024 })
    ));
    assert!(matches!(
        Rs256PublicKey::from_components(&modulus(8193), &e),
        Err(KeyError::RsaKeyTooLarge { bits: 8193 })
    ));
    assert!(matches!(
        Rs256PublicKey::from_components(&[], &e),
        Err(KeyError::RsaKeyTooSmall { bits: 0 })
    ));
    assert_eq!(
        Rs256PublicKey::from_components(&modulus(2048), &e)
            .unwrap()
            .modulus_bits(),
        2048
    );
    assert_eq!(
        Rs256PublicKey::from_components(&modulus(8192), &e)
            .unwrap()
            .modulus_bits(),
        8192
    );
}

#[test]
fn rsa_leading_zeros_do_not_count() {
    let mut padded = vec![0, 0];
    padded.extend(modulus(2048));
    let key = Rs256PublicKey::from_components(&padded, &[0, 1, 0, 1]).unwrap();
    assert_eq!(
        key,
        Rs256PublicKey::from_components(&modulus(2048), &[1, 0, 1]).unwrap()
    );
    assert_eq!(key.modulus(), modulus(2048));
    assert_eq!(key.exponent(), [1, 0, 1]);
    assert_eq!(key.signature_len(), 256);
}

#[test]
fn rsa_invalid_components_are_typed() {
    let mut even = modulus(2048);
    even[255] = 0xfe;
    let invalid = |n: &[u8], e: &[u8]| {
        matches!(
            Rs256PublicKey::from_components(n, e),
            Err(KeyError::InvalidRsaKey(_))
        )
    };
    assert!(invalid(&even, &[1, 0, 1]));
    assert!(invalid(&modulus(2048), &[]));
    assert!(invalid(&modulus(2048), &[1]));
    assert!(invalid(&modulus(2048), &[1; 9]));
}

#[test]
fn rsa_try_from_backend_key_checks_size() {
    let small = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(&modulus(1024)),
        rsa::BoxedUint::from(65_537u64),
    )
    .unwrap();
    assert!(matches!(
        Rs256PublicKey::try_from(small),
        Err(KeyError::RsaKeyTooSmall { bits: 1024 })
    ));
}

#[test]
fn pkcs1_public_round_trip() {
    let key = PublicKey::from_pem(RSA_PEM).unwrap();
    let rsa = key.as_rs256().unwrap();
    let again = PublicKey::from_pem(&rsa.to_pkcs1_pem()).unwrap();
    assert_eq!(again, key);
    assert_eq!(
        Rs256PublicKey::from_pkcs1_der(&rsa.to_pkcs1_der()).unwrap(),
        *rsa
    );
}

#[test]
fn ec_coordinates_round_trip() {
    let key = es256();
    let (x, y) = key.coordinates();
    assert_eq!((x.len(), y.len()), (32, 32));
    assert_eq!(Es256PublicKey::from_coordinates(&x, &y).unwrap(), key);
    let key = es384();
    let (x, y) = key.coordinates();
    assert_eq!((x.len(), y.len()), (48, 48));
    assert_eq!(Es384PublicKey::from_coordinates(&x, &y).unwrap(), key);
}

#[test]
fn ec_invalid_points_are_typed() {
    let (x, y) = es256().coordinates();
    let mut off_curve = y.clone();
    off_curve[31] ^= 1;
    assert!(matches!(
        Es256PublicKey::from_coordinates(&x, &off_curve),
        Err(KeyError::InvalidEcPoint)
    ));
    assert!(matches!(
        Es256PublicKey::from_coordinates(&x[1..], &y),
        Err(KeyError::InvalidEcPoint)
    ));
    assert!(matches!(
        Es384PublicKey::from_coordinates(&x, &y),
        Err(KeyError::InvalidEcPoint)
    ));
    assert!(matches!(
        Es256PublicKey::from_sec1_bytes(&[0]),
        Err(KeyError::InvalidEcPoint)
    ));
}

#[test]
fn compressed_points_are_accepted() {
    let key = es256();
    let compressed = key.inner().to_sec1_point(true);
    assert_eq!(
        Es256PublicKey::from_sec1_bytes(compressed.as_bytes()).unwrap(),
        key
    );
}

#[test]
fn algorithm_and_accessors_match_the_variant() {
    let keys: [PublicKey; 3] = [
        PublicKey::from_pem(RSA_PEM).unwrap(),
        es256().into(),
        es384().into(),
    ];
    for (key, alg) in keys.iter().zip(Algorithm::ALL) {
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key.as_rs256().is_some(), alg == Algorithm::Rs256);
        assert_eq!(key.as_es256().is_some(), alg == Algorithm::Es256);
        assert_eq!(key.as_es384().is_some(), alg == Algorithm::Es384);
    }
}

#[test]
fn spki_pem_and_txt_round_trip() {
    let keys: [PublicKey; 3] = [
        PublicKey::from_pem(RSA_PEM).unwrap(),
        es256().into(),
        es384().into(),
    ];
    for key in keys {
        assert_eq!(PublicKey::from_spki_der(&key.to_spki_der()).unwrap(), key);
        assert_eq!(PublicKey::from_pem(&key.to_pem()).unwrap(), key);
        assert_eq!(
            PublicKey::from_public_key_txt(&key.to_public_key_txt()).unwrap(),
            key
        );
        assert!(!key.to_public_key_txt().contains('\n'));
    }
}

#[test]
fn public_key_txt_is_strict() {
    let txt = PublicKey::from(es256()).to_public_key_txt();
    assert!(PublicKey::from_public_key_txt(&format!("  {txt}\r\n")).is_ok());
    let (head, tail) = txt.split_at(20);
    // Line breaks and spaces between base64 characters are wrapping, not content.
    for wrapped in [
        format!("{head}\n{tail}"),
        format!("{head} {tail}"),
        format!("{head}\r\n\t{tail}\n"),
    ] {
        assert!(
            PublicKey::from_public_key_txt(&wrapped).is_ok(),
            "{wrapped:?}"
        );
    }
    let broken = [
        format!("{head}\u{c}{tail}"),
        format!("{head}\u{b}{tail}"),
        format!("{head}\u{a0}{tail}"),
        format!("{head},{tail}"),
        format!("{txt}\n{head}"),
        txt.trim_end_matches('=').to_owned(),
        txt.replace('+', "-").replace('/', "_"),
        format!("{txt}=="),
    ];
    for text in broken {
        if text == txt {
            continue;
        }
        assert!(
            matches!(
                PublicKey::from_public_key_txt(&text),
                Err(KeyError::InvalidBase64 { .. })
            ),
            "{text}"
        );
    }
    assert!(matches!(
        PublicKey::from_public_key_txt(" \n"),
        Err(KeyError::NoKeyFound)
    ));
}

#[test]
fn spki_der_garbage_and_trailing_bytes_are_invalid_der() {
    let mut der = PublicKey::from(es256()).to_spki_der();
    der.push(0);
    assert!(matches!(
        PublicKey::from_spki_der(&der),
        Err(KeyError::InvalidDer { .. })
    ));
    assert!(matches!(
        PublicKey::from_spki_der(&[]),
        Err(KeyError::InvalidDer { .. })
    ));
    assert!(matches!(
        PublicKey::from_spki_der(&[0x30, 0x00]),
        Err(KeyError::InvalidDer { .. })
    ));
}

#[test]
fn from_pem_refuses_other_labels() {
    let key = PublicKey::from(es256());
    let certificate = key.to_pem().replace("PUBLIC KEY", "CERTIFICATE");
    assert!(matches!(
        PublicKey::from_pem(&certificate),
        Err(KeyError::UnexpectedPemLabel { label }) if label == "CERTIFICATE"
    ));
    let private = key.to_pem().replace("PUBLIC KEY", "PRIVATE KEY");
    assert!(matches!(
        PublicKey::from_pem(&private),
        Err(KeyError::UnexpectedPemLabel { .. })
    ));
}

#[test]
fn debug_shows_thumbprint_not_coordinates() {
    let key = PublicKey::from(es256());
    let debug = format!("{key:?}");
    assert!(debug.contains(&key.thumbprint()), "{debug}");
    let rsa = PublicKey::from_pem(RSA_PEM).unwrap();
    assert!(format!("{rsa:?}").contains("bits: 2048"));
}

#[test]
fn rsa_exponents_every_provider_refuses_are_refused_here() {
    // AWS-LC refuses even exponents and 1; refusing them at import keeps the providers'
    // accepted keys identical.
    for e in [&[1u8][..], &[2], &[1, 0, 0], &[0, 0, 4]] {
        assert!(
            matches!(
                Rs256PublicKey::from_components(&modulus(2048), e),
                Err(KeyError::InvalidRsaKey(rsa::Error::InvalidExponent))
            ),
            "{e:?}"
        );
    }
    assert!(Rs256PublicKey::from_components(&modulus(2048), &[3]).is_ok());
}
