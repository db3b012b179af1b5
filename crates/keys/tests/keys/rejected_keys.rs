//! Keys outside the supported set are refused with typed errors: RSA under 2048 bits,
//! curves other than P-256 and P-384, other key types, encrypted private keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::fixture;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use playback_auth_keys::{Jwk, KeyError, PrivateKey, PublicKey, Rs256PrivateKey, Rs256PublicKey};
use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;

fn too_small(result: Result<impl std::fmt::Debug, KeyError>, bits: usize) {
    match result {
        Err(KeyError::RsaKeyTooSmall { bits: found }) => assert_eq!(found, bits),
        other => panic!("expected RsaKeyTooSmall {{ bits: {bits} }}, got {other:?}"),
    }
}

fn unsupported_curve(result: Result<impl std::fmt::Debug, KeyError>, name: &str) {
    match result {
        Err(KeyError::UnsupportedCurve { curve }) => assert_eq!(curve, name),
        other => panic!("expected UnsupportedCurve {{ {name} }}, got {other:?}"),
    }
}

fn unsupported_type(result: Result<impl std::fmt::Debug, KeyError>, name: &str) {
    match result {
        Err(KeyError::UnsupportedKeyType { key_type }) => assert_eq!(key_type, name),
        other => panic!("expected UnsupportedKeyType {{ {name} }}, got {other:?}"),
    }
}

#[test]
fn rsa_1024_is_refused_in_every_format() {
    let private = rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap();
    let public = private.to_public_key();

    let spki = public.to_public_key_der().unwrap();
    too_small(PublicKey::from_spki_der(spki.as_bytes()), 1024);
    too_small(
        PublicKey::from_pem(&public.to_public_key_pem(LineEnding::LF).unwrap()),
        1024,
    );
    too_small(
        PublicKey::from_pem(&public.to_pkcs1_pem(LineEnding::LF).unwrap()),
        1024,
    );
    too_small(
        PublicKey::from_public_key_txt(&STANDARD.encode(spki.as_bytes())),
        1024,
    );
    let jwk = Jwk {
        kty: Some("RSA".into()),
        n: Some(URL_SAFE_NO_PAD.encode(public.n_bytes())),
        e: Some(URL_SAFE_NO_PAD.encode(public.e_bytes())),
        ..Jwk::default()
    };
    too_small(PublicKey::from_jwk(&jwk), 1024);
    too_small(PublicKey::parse(&jwk.to_json()), 1024);
    too_small(Rs256PublicKey::try_from(public), 1024);

    too_small(
        PrivateKey::from_pem(&private.to_pkcs1_pem(LineEnding::LF).unwrap()),
        1024,
    );
    too_small(
        PrivateKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()),
        1024,
    );
    too_small(Rs256PrivateKey::try_from(private), 1024);
}

#[test]
fn small_rsa_keys_made_by_openssl_are_refused() {
    too_small(PublicKey::from_pem(&fixture("rsa1024_public.pem")), 1024);
    too_small(PublicKey::from_pem(&fixture("rsa512_public.pem")), 512);
    too_small(
        PrivateKey::from_pem(&fixture("rsa1024_pkcs1_private.pem")),
        1024,
    );
}

#[test]
fn secp256k1_and_p521_are_unsupported_curves() {
    unsupported_curve(
        PublicKey::from_pem(&fixture("secp256k1_public.pem")),
        "secp256k1",
    );
    unsupported_curve(PublicKey::from_pem(&fixture("p521_public.pem")), "P-521");
    unsupported_curve(
        PrivateKey::from_pem(&fixture("secp256k1_sec1_private.pem")),
        "secp256k1",
    );
    unsupported_curve(
        PrivateKey::from_pem(&fixture("secp256k1_pkcs8_private.pem")),
        "secp256k1",
    );
}

#[test]
fn hand_built_secp256k1_spki_is_an_unsupported_curve() {
    // SEQUENCE { SEQUENCE { id-ecPublicKey, secp256k1 }, BIT STRING { 0, 04 ‖ 64 bytes } }
    let mut der = vec![
        0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
        0x2b, 0x81, 0x04, 0x00, 0x0a, 0x03, 0x42, 0x00, 0x04,
    ];
    der.extend_from_slice(&[0x11; 64]);
    unsupported_curve(PublicKey::from_spki_der(&der), "secp256k1");
}

#[test]
fn explicit_curve_parameters_are_unsupported() {
    unsupported_curve(
        PublicKey::from_pem(&fixture("p256_explicit_params_public.pem")),
        "explicit curve parameters",
    );
}

#[test]
fn other_key_types_are_unsupported() {
    unsupported_type(
        PublicKey::from_pem(&fixture("ed25519_public.pem")),
        "Ed25519",
    );
    unsupported_type(
        PrivateKey::from_pem(&fixture("ed25519_private.pem")),
        "Ed25519",
    );
    unsupported_type(
        PublicKey::from_pem(&fixture("rsa_pss_public.pem")),
        "RSASSA-PSS",
    );
}

#[test]
fn encrypted_private_keys_are_reported() {
    assert!(matches!(
        PrivateKey::from_pem(&fixture("p256_encrypted_pkcs8.pem")),
        Err(KeyError::EncryptedPrivateKey)
    ));
}

#[test]
fn private_keys_are_not_public_keys() {
    for name in [
        "p256_sec1_private.pem",
        "p256_pkcs8_private.pem",
        "rsa2048_pkcs1_private.pem",
    ] {
        assert!(
            matches!(
                PublicKey::from_pem(&fixture(name)),
                Err(KeyError::UnexpectedPemLabel { .. })
            ),
            "{name}"
        );
        assert!(PublicKey::parse(&fixture(name)).is_err(), "{name}");
    }
}

#[test]
fn error_messages_carry_no_key_material() {
    let text = fixture("rsa1024_pkcs1_private.pem");
    let error = PrivateKey::from_pem(&text).unwrap_err();
    let message = format!("{error} {error:?}");
    assert!(message.contains("1024"));
    for line in text.lines().filter(|line| !line.starts_with("-----")) {
        assert!(!message.contains(line), "{message}");
    }
}
