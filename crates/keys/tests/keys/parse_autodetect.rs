//! `PublicKey::parse` detects PEM, `public_key.txt`, JWK and JWK Set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::fixture;
use playback_auth_keys::{Algorithm, KeyError, PublicKey};

#[test]
fn single_pem_documents() {
    for (name, alg) in [
        ("rsa2048_public.pem", Algorithm::Rs256),
        ("rsa2048_pkcs1_public.pem", Algorithm::Rs256),
        ("p256_public.pem", Algorithm::Es256),
        ("p384_public.pem", Algorithm::Es384),
    ] {
        let entries = PublicKey::parse(&fixture(name)).unwrap();
        assert_eq!(entries.len(), 1, "{name}");
        assert_eq!(entries[0].key.algorithm(), alg, "{name}");
        assert_eq!(entries[0].kid, None, "{name}");
    }
}

#[test]
fn concatenated_pem_documents() {
    let text = format!(
        "RSA key\n{}\nP-256 key\r\n{}{}",
        fixture("rsa2048_public.pem"),
        fixture("p256_public.pem"),
        fixture("p384_public.pem")
    );
    let algorithms: Vec<Algorithm> = PublicKey::parse(&text)
        .unwrap()
        .iter()
        .map(|entry| entry.key.algorithm())
        .collect();
    assert_eq!(
        algorithms,
        [Algorithm::Rs256, Algorithm::Es256, Algorithm::Es384]
    );
}

#[test]
fn one_bad_document_fails_the_whole_input() {
    let text = format!(
        "{}{}",
        fixture("p256_public.pem"),
        fixture("secp256k1_public.pem")
    );
    assert!(matches!(
        PublicKey::parse(&text),
        Err(KeyError::UnsupportedCurve { .. })
    ));
}

#[test]
fn public_key_txt() {
    let entries = PublicKey::parse(&fixture("p256_public_key.txt")).unwrap();
    assert_eq!(
        entries[0].key,
        PublicKey::from_pem(&fixture("p256_public.pem")).unwrap()
    );
}

#[test]
fn jwk_with_and_without_kid() {
    let key = PublicKey::from_pem(&fixture("p384_public.pem")).unwrap();
    let mut jwk = key.to_jwk();
    jwk.kid = Some("live-2026".into());
    let entries = PublicKey::parse(&jwk.to_json()).unwrap();
    assert_eq!(entries[0].kid.as_deref(), Some("live-2026"));
    jwk.kid = None;
    let entries = PublicKey::parse(&format!("  {}\n", jwk.to_json())).unwrap();
    assert_eq!(entries[0].kid, None);
    assert_eq!(entries[0].key_id(), key.thumbprint());
}

#[test]
fn jwks_keeps_each_kid() {
    let a = PublicKey::from_pem(&fixture("p256_public.pem")).unwrap();
    let b = PublicKey::from_pem(&fixture("rsa2048_public.pem")).unwrap();
    let mut b_jwk = b.to_jwk();
    b_jwk.kid = None;
    let json = format!(
        r#"{{"keys":[{},{}]}}"#,
        a.to_jwk().to_json(),
        b_jwk.to_json()
    );
    let entries = PublicKey::parse(&json).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].kid, Some(a.thumbprint()));
    assert_eq!(entries[1].kid, None);
    assert_eq!(entries[1].key, b);
}

#[test]
fn nothing_to_read() {
    for text in ["", "  \n\t", r#"{"keys":[]}"#] {
        assert!(
            matches!(PublicKey::parse(text), Err(KeyError::NoKeyFound)),
            "{text:?}"
        );
    }
}

#[test]
fn malformed_input_is_typed() {
    assert!(matches!(
        PublicKey::parse("{not json"),
        Err(KeyError::Json(_))
    ));
    assert!(matches!(
        PublicKey::parse(r#"{"keys":{}}"#),
        Err(KeyError::Json(_))
    ));
    assert!(matches!(
        PublicKey::parse("[1,2]"),
        Err(KeyError::InvalidBase64 { .. })
    ));
    assert!(matches!(
        PublicKey::parse("hello world"),
        Err(KeyError::InvalidBase64 { .. })
    ));
    assert!(matches!(
        PublicKey::parse("-----BEGIN PUBLIC KEY-----\n"),
        Err(KeyError::InvalidPem { .. })
    ));
    assert!(matches!(
        PublicKey::parse(r#"{"kty":"EC"}"#),
        Err(KeyError::InvalidJwk { .. })
    ));
}
