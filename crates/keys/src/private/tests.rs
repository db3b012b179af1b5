#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::*;

const SCALAR: [u8; 32] = [0x5a; 32];

fn es256() -> PrivateKey {
    Es256PrivateKey::from(p256::ecdsa::SigningKey::from_slice(&SCALAR).unwrap()).into()
}

#[test]
fn debug_never_shows_the_scalar() {
    let key = es256();
    let debug = format!("{key:?} {:#?}", key);
    for rendering in [
        SCALAR
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        STANDARD.encode(SCALAR),
        URL_SAFE_NO_PAD.encode(SCALAR),
        format!("{SCALAR:?}"),
        "90, 90, 90".to_owned(),
    ] {
        assert!(!debug.contains(&rendering), "{debug}");
    }
    assert!(debug.contains("Es256PrivateKey"), "{debug}");
    assert!(debug.contains(".."), "{debug}");
}

#[test]
fn pkcs8_round_trip() {
    let key = es256();
    let pem = key.to_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = PrivateKey::from_pem(&pem).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    let der = key.to_pkcs8_der().unwrap();
    assert_eq!(
        PrivateKey::from_pkcs8_der(&der).unwrap().public_key(),
        key.public_key()
    );
}

#[test]
fn sec1_without_curve_is_refused() {
    // ECPrivateKey { version 1, privateKey } and nothing else.
    let mut der = vec![0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(&SCALAR);
    assert!(matches!(
        PrivateKey::from_sec1_der(&der),
        Err(KeyError::MissingCurveParameters)
    ));
}

#[test]
fn labels_are_routed() {
    let pem = es256().to_pkcs8_pem().unwrap();
    let encrypted = pem.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
    assert!(matches!(
        PrivateKey::from_pem(&encrypted),
        Err(KeyError::EncryptedPrivateKey)
    ));
    let public = pem.replace("PRIVATE KEY", "PUBLIC KEY");
    assert!(matches!(
        PrivateKey::from_pem(&public),
        Err(KeyError::UnexpectedPemLabel { label }) if label == "PUBLIC KEY"
    ));
    // PKCS#8 content under the SEC1 label is not a SEC1 key.
    let mislabelled = pem.replace("PRIVATE KEY", "EC PRIVATE KEY");
    assert!(PrivateKey::from_pem(&mislabelled).is_err());
}

#[test]
fn zero_scalar_is_refused() {
    // SEC1 P-256 key whose scalar is zero.
    let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(&[0; 32]);
    der.extend_from_slice(&[
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ]);
    assert!(matches!(
        PrivateKey::from_sec1_der(&der),
        Err(KeyError::InvalidEcPrivateKey)
    ));
}

#[test]
fn algorithm_matches_public_key() {
    let key = es256();
    assert_eq!(key.algorithm(), Algorithm::Es256);
    assert_eq!(key.public_key().algorithm(), Algorithm::Es256);
}
