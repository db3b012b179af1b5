//! RFC 7638 §3.1 known answer, and the thumbprint as the default key id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use playback_auth_keys::{Jwk, PublicKey};

/// The RSA key of RFC 7638 §3.1, with its optional members.
const RFC_7638_JWK: &str = r#"{
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29"
}"#;

const RFC_7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

#[test]
fn rfc_7638_example_thumbprint() {
    let key = PublicKey::from_jwk(&Jwk::from_json(RFC_7638_JWK).unwrap()).unwrap();
    assert_eq!(key.thumbprint(), RFC_7638_THUMBPRINT);
}

#[test]
fn thumbprint_survives_every_format() {
    let key = PublicKey::from_jwk(&Jwk::from_json(RFC_7638_JWK).unwrap()).unwrap();
    let via_pem = PublicKey::from_pem(&key.to_pem()).unwrap();
    let via_txt = PublicKey::from_public_key_txt(&key.to_public_key_txt()).unwrap();
    for copy in [via_pem, via_txt] {
        assert_eq!(copy.thumbprint(), RFC_7638_THUMBPRINT);
    }
}

#[test]
fn exported_jwk_uses_the_thumbprint_as_kid() {
    let key = PublicKey::from_jwk(&Jwk::from_json(RFC_7638_JWK).unwrap()).unwrap();
    let jwk = key.to_jwk();
    assert_eq!(jwk.kid.as_deref(), Some(RFC_7638_THUMBPRINT));
    assert_eq!(jwk.alg.as_deref(), Some("RS256"));
    assert_eq!(jwk.n, Jwk::from_json(RFC_7638_JWK).unwrap().n);
}

#[test]
fn parse_keeps_the_explicit_kid() {
    let entries = PublicKey::parse(RFC_7638_JWK).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kid.as_deref(), Some("2011-04-29"));
    assert_eq!(entries[0].key_id(), "2011-04-29");
    assert_eq!(entries[0].key.thumbprint(), RFC_7638_THUMBPRINT);
}
