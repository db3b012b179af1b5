//! Arbitrary input into every parser returns a value or an error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::fixture;
use playback_auth_keys::{
    Es256PublicKey, Es384PublicKey, Jwk, Jwks, KeySet, PrivateKey, PublicKey, Rs256PrivateKey,
    Rs256PublicKey,
};
use proptest::prelude::*;

fn every_text_parser(text: &str) {
    let _ = PublicKey::parse(text);
    let _ = PublicKey::from_pem(text);
    let _ = PublicKey::from_public_key_txt(text);
    let _ = PrivateKey::from_pem(text);
    if let Ok(jwk) = Jwk::from_json(text) {
        let _ = PublicKey::from_jwk(&jwk);
    }
    if let Ok(jwks) = Jwks::from_json(text) {
        let _ = KeySet::from_jwks(&jwks);
    }
}

fn every_der_parser(der: &[u8]) {
    let _ = PublicKey::from_spki_der(der);
    let _ = Rs256PublicKey::from_pkcs1_der(der);
    let _ = Es256PublicKey::from_sec1_bytes(der);
    let _ = Es384PublicKey::from_sec1_bytes(der);
    let _ = PrivateKey::from_pkcs8_der(der);
    let _ = PrivateKey::from_sec1_der(der);
    let _ = Rs256PrivateKey::from_pkcs1_der(der);
}

/// DER of the fixtures, to mutate: random bytes rarely get past the outer SEQUENCE.
fn valid_ders() -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let der_of = |name: &str| {
        let text = fixture(name);
        let body: String = text
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    [
        "rsa2048_public.pem",
        "rsa2048_pkcs1_public.pem",
        "p256_public.pem",
        "p384_public.pem",
        "p256_sec1_private.pem",
        "p384_pkcs8_private.pem",
        "rsa2048_pkcs1_private.pem",
        "rsa2048_pkcs8_private.pem",
        "secp256k1_public.pem",
    ]
    .iter()
    .map(|name| der_of(name))
    .collect()
}

fn valid_texts() -> Vec<String> {
    let p256 = PublicKey::from_pem(&fixture("p256_public.pem")).unwrap();
    let rsa = PublicKey::from_pem(&fixture("rsa2048_public.pem")).unwrap();
    vec![
        fixture("p256_public.pem"),
        fixture("rsa2048_pkcs1_public.pem"),
        fixture("p384_sec1_private.pem"),
        fixture("p256_public_key.txt"),
        p256.to_jwk().to_json(),
        KeySet::new()
            .with_key(p256, None)
            .with_key(rsa, None)
            .to_jwks()
            .to_json(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        every_text_parser(&text);
    }

    #[test]
    fn arbitrary_key_like_strings(text in r#"(-----BEGIN [A-Z ]{0,20}-----\n)?[A-Za-z0-9+/=_\-{}":,\[\] \n]{0,300}(-----END [A-Z ]{0,20}-----)?"#) {
        every_text_parser(&text);
    }

    #[test]
    fn arbitrary_bytes(der in proptest::collection::vec(any::<u8>(), 0..600)) {
        every_der_parser(&der);
    }

    #[test]
    fn mutated_der(index in 0usize..9, position in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let ders = valid_ders();
        let mut der = ders[index].clone();
        let at = position.index(der.len());
        der[at] = value;
        every_der_parser(&der);
        der.truncate(cut.index(der.len() + 1));
        every_der_parser(&der);
    }

    #[test]
    fn mutated_text(index in 0usize..6, position in any::<prop::sample::Index>(), replacement in any::<char>()) {
        let texts = valid_texts();
        let text = &texts[index];
        let chars: Vec<char> = text.chars().collect();
        let at = position.index(chars.len());
        let mutated: String = chars.iter().enumerate().map(|(i, c)| if i == at { replacement } else { *c }).collect();
        every_text_parser(&mutated);
        let truncated: String = chars[..at].iter().collect();
        every_text_parser(&truncated);
    }

    #[test]
    fn arbitrary_jwk_members(
        kty in prop::sample::select(vec!["RSA", "EC", "OKP", "oct", ""]),
        crv in prop::option::of(prop::sample::select(vec!["P-256", "P-384", "P-521", "secp256k1"])),
        x in prop::option::of("[A-Za-z0-9_\\-=+/]{0,70}"),
        y in prop::option::of("[A-Za-z0-9_\\-=+/]{0,70}"),
        n in prop::option::of("[A-Za-z0-9_\\-]{0,400}"),
        e in prop::option::of("[A-Za-z0-9_\\-]{0,12}"),
        alg in prop::option::of("[A-Z0-9]{0,6}"),
    ) {
        let jwk = Jwk {
            kty: Some(kty.to_owned()),
            crv: crv.map(str::to_owned),
            x, y, n, e, alg,
            ..Jwk::default()
        };
        let _ = PublicKey::from_jwk(&jwk);
        every_text_parser(&jwk.to_json());
    }
}
