#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{Value, json};

use super::*;

const RSA_PEM: &str = include_str!("../../tests/fixtures/rsa2048_public.pem");

fn es256() -> PublicKey {
    Es256PublicKey::from(
        *p256::ecdsa::SigningKey::from_slice(&[3u8; 32])
            .unwrap()
            .verifying_key(),
    )
    .into()
}

fn es384() -> PublicKey {
    Es384PublicKey::from(
        *p384::ecdsa::SigningKey::from_slice(&[3u8; 48])
            .unwrap()
            .verifying_key(),
    )
    .into()
}

fn rsa() -> PublicKey {
    PublicKey::from_pem(RSA_PEM).unwrap()
}

/// The JWK of `key` as JSON, edited by `edit`, read back.
fn edited(
    key: &PublicKey,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Result<PublicKey, KeyError> {
    let mut value = serde_json::to_value(key.to_jwk()).unwrap();
    edit(value.as_object_mut().unwrap());
    PublicKey::from_jwk(&serde_json::from_value(value).map_err(KeyError::Json)?)
}

#[test]
fn round_trips() {
    for key in [rsa(), es256(), es384()] {
        let jwk = key.to_jwk();
        assert_eq!(PublicKey::from_jwk(&jwk).unwrap(), key);
        assert_eq!(
            PublicKey::from_jwk(&Jwk::from_json(&jwk.to_json()).unwrap()).unwrap(),
            key
        );
    }
}

#[test]
fn export_has_exactly_the_public_members() {
    let jwk: Value = serde_json::to_value(es256().to_jwk()).unwrap();
    let mut members: Vec<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "crv", "kid", "kty", "x", "y"]);
    assert_eq!(jwk["kid"], es256().thumbprint());
    assert_eq!(jwk["alg"], "ES256");
    assert_eq!(jwk["crv"], "P-256");

    let jwk: Value = serde_json::to_value(rsa().to_jwk()).unwrap();
    let mut members: Vec<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n"]);
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(es384().to_jwk().crv.as_deref(), Some("P-384"));
}

#[test]
fn private_members_are_refused() {
    for member in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        let result = edited(&rsa(), |jwk| {
            jwk.insert(member.to_owned(), json!("AQAB"));
        });
        assert!(
            matches!(result, Err(KeyError::JwkContainsPrivateKey)),
            "{member}"
        );
    }
    let result = edited(&es256(), |jwk| {
        jwk.insert("d".to_owned(), json!("AAAA"));
    });
    assert!(matches!(result, Err(KeyError::JwkContainsPrivateKey)));
}

#[test]
fn debug_redacts_private_members() {
    let mut jwk = es256().to_jwk();
    jwk.d = Some(json!("c2VjcmV0LXNjYWxhcg"));
    let debug = format!("{jwk:?}");
    assert!(!debug.contains("c2VjcmV0LXNjYWxhcg"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn missing_members_are_invalid() {
    for (key, member) in [
        (rsa(), "n"),
        (rsa(), "e"),
        (es256(), "crv"),
        (es256(), "x"),
        (es256(), "y"),
        (es256(), "kty"),
    ] {
        let result = edited(&key, |jwk| {
            jwk.remove(member);
        });
        assert!(
            matches!(result, Err(KeyError::InvalidJwk { .. })),
            "{member}"
        );
    }
}

#[test]
fn base64url_is_strict() {
    let x = es256().to_jwk().x.unwrap();
    let n = rsa().to_jwk().n.unwrap();
    let cases: Vec<(PublicKey, &str, String)> = vec![
        (es256(), "x", format!("{x}=")),
        (es256(), "x", x.replace(['-', '_'], "+")),
        (es256(), "x", format!(" {x}")),
        (es256(), "x", format!("{}*", &x[..x.len() - 1])),
        (rsa(), "n", format!("{n}==")),
        (rsa(), "n", n.replace('_', "/").replace('-', "+")),
        (rsa(), "e", "AQAB=".to_owned()),
    ];
    for (key, member, value) in cases {
        if key.to_jwk().to_json().contains(&value) {
            continue; // the replacement did not change anything for this key
        }
        let result = edited(&key, |jwk| {
            jwk.insert(member.to_owned(), json!(value));
        });
        assert!(
            matches!(result, Err(KeyError::InvalidBase64 { .. })),
            "{member}={value}"
        );
    }
}

#[test]
fn coordinates_must_have_the_field_length() {
    let short = edited(&es256(), |jwk| {
        jwk.insert("x".to_owned(), json!("AAAA"));
    });
    assert!(matches!(short, Err(KeyError::InvalidJwk { .. })));
    // A P-256 key labelled P-384.
    let relabelled = edited(&es256(), |jwk| {
        jwk.insert("crv".to_owned(), json!("P-384"));
        jwk.remove("alg");
    });
    assert!(matches!(relabelled, Err(KeyError::InvalidJwk { .. })));
}

#[test]
fn unsupported_types_and_curves_are_typed() {
    let curve = edited(&es256(), |jwk| {
        jwk.insert("crv".to_owned(), json!("secp256k1"));
    });
    assert!(matches!(curve, Err(KeyError::UnsupportedCurve { curve }) if curve == "secp256k1"));
    let curve = edited(&es256(), |jwk| {
        jwk.insert("crv".to_owned(), json!("P-521"));
    });
    assert!(matches!(curve, Err(KeyError::UnsupportedCurve { curve }) if curve == "P-521"));
    let okp = Jwk::from_json(
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    assert!(
        matches!(PublicKey::from_jwk(&okp), Err(KeyError::UnsupportedKeyType { key_type }) if key_type == "OKP")
    );
    let lowercase = edited(&rsa(), |jwk| {
        jwk.insert("kty".to_owned(), json!("rsa"));
    });
    assert!(matches!(
        lowercase,
        Err(KeyError::UnsupportedKeyType { .. })
    ));
}

#[test]
fn alg_must_match_the_key() {
    for (key, alg) in [
        (rsa(), "ES256"),
        (rsa(), "PS256"),
        (rsa(), "RS512"),
        (es256(), "ES384"),
        (es384(), "ES256"),
        (es256(), "none"),
    ] {
        let result = edited(&key, |jwk| {
            jwk.insert("alg".to_owned(), json!(alg));
        });
        assert!(
            matches!(result, Err(KeyError::JwkAlgorithmMismatch { .. })),
            "{alg}"
        );
    }
    let without_alg = edited(&es256(), |jwk| {
        jwk.remove("alg");
    });
    assert_eq!(without_alg.unwrap(), es256());
}

#[test]
fn use_must_be_sig() {
    let enc = edited(&es256(), |jwk| {
        jwk.insert("use".to_owned(), json!("enc"));
    });
    assert!(matches!(enc, Err(KeyError::InvalidJwk { .. })));
    let sig = edited(&es256(), |jwk| {
        jwk.insert("use".to_owned(), json!("sig"));
    });
    assert_eq!(sig.unwrap(), es256());
}

#[test]
fn mixed_members_are_invalid() {
    let result = edited(&rsa(), |jwk| {
        jwk.insert("crv".to_owned(), json!("P-256"));
    });
    assert!(matches!(result, Err(KeyError::InvalidJwk { .. })));
    let result = edited(&es256(), |jwk| {
        jwk.insert("e".to_owned(), json!("AQAB"));
    });
    assert!(matches!(result, Err(KeyError::InvalidJwk { .. })));
}

#[test]
fn duplicate_members_are_rejected() {
    let json = es256().to_jwk().to_json();
    let duplicated = json.replacen('{', r#"{"kty":"EC","#, 1);
    assert!(matches!(
        Jwk::from_json(&duplicated),
        Err(KeyError::Json(_))
    ));
}

#[test]
fn unknown_members_are_ignored() {
    let json = es256()
        .to_jwk()
        .to_json()
        .replacen('{', r#"{"key_ops":["verify"],"x5t":"abc","#, 1);
    assert_eq!(
        PublicKey::from_jwk(&Jwk::from_json(&json).unwrap()).unwrap(),
        es256()
    );
}

#[test]
fn jwks_json_round_trip() {
    let jwks = Jwks {
        keys: vec![rsa().to_jwk(), es256().to_jwk()],
    };
    assert_eq!(Jwks::from_json(&jwks.to_json()).unwrap(), jwks);
}
