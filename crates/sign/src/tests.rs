use super::*;
use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims, Violation};

fn claims() -> PlaybackRestrictionClaims {
    PlaybackRestrictionClaims::builder("acct", NumericDate::from_secs(1_700_000_000).unwrap())
        .valid_for(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

fn header_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

#[test]
fn headers_are_exactly_alg_typ_and_optional_kid() {
    for &provider in CryptoProvider::all() {
        for alg in Algorithm::ALL {
            let key = PrivateKey::generate(alg).unwrap();
            let plain = Signer::with_provider(key.clone(), provider)
                .sign(&claims())
                .unwrap();
            assert_eq!(
                header_of(&plain),
                format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.as_str())
            );
            let with_kid = Signer::with_provider(key, provider)
                .with_kid("k1")
                .sign(&claims())
                .unwrap();
            assert_eq!(
                header_of(&with_kid),
                format!(r#"{{"alg":"{}","typ":"JWT","kid":"k1"}}"#, alg.as_str())
            );
        }
    }
}

#[test]
fn signatures_have_the_jws_lengths_and_determinism_follows_the_provider() {
    for &provider in CryptoProvider::all() {
        for (alg, len) in [
            (Algorithm::Rs256, 256),
            (Algorithm::Es256, 64),
            (Algorithm::Es384, 96),
        ] {
            let signer = Signer::with_provider(PrivateKey::generate(alg).unwrap(), provider);
            assert_eq!((signer.provider(), signer.algorithm()), (provider, alg));
            let token = signer.sign(&claims()).unwrap();
            let signature = URL_SAFE_NO_PAD
                .decode(token.rsplit('.').next().unwrap())
                .unwrap();
            assert_eq!(signature.len(), len, "{alg} on {provider}");
            // PKCS#1 v1.5 is deterministic everywhere; ECDSA only with RFC 6979 nonces.
            let deterministic = alg == Algorithm::Rs256 || provider.name() == "rust-crypto";
            assert_eq!(
                token == signer.sign(&claims()).unwrap(),
                deterministic,
                "{alg} on {provider}"
            );
        }
    }
}

#[test]
fn compact_signs_the_exact_bytes_on_each_provider() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    for &provider in CryptoProvider::all() {
        let prepared = provider.prepare_private_key(&key).unwrap();
        let token = compact(&prepared, b"{}", b"[]").unwrap();
        assert!(token.starts_with("e30.W10."), "{token}");
        assert_eq!(signature(&prepared, b"x").unwrap().len(), 64);
    }
}

#[cfg(feature = "hazmat")]
#[test]
fn the_hazmat_functions_sign_a_header_that_disagrees_with_the_key() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let prepared = CryptoProvider::RustCrypto
        .prepare_private_key(&key)
        .unwrap();
    let header = br#"{"alg":"RS256"}"#;
    // An RS256 header over an ES256 signature: exactly what `Signer` never produces.
    for token in [
        sign_compact(&key, header, b"{}").unwrap(),
        sign_compact_with(&prepared, header, b"{}").unwrap(),
    ] {
        assert!(token.starts_with("eyJhbGciOiJSUzI1NiJ9.e30."), "{token}");
    }
    assert_eq!(sign_bytes(&key, b"x").unwrap().len(), 64);
    assert_eq!(sign_bytes_with(&prepared, b"x").unwrap().len(), 64);
}

#[test]
fn refuses_invalid_claims_unless_told_otherwise() {
    let mut invalid = claims();
    invalid.climit = std::num::NonZeroU32::new(2);
    let signer = Signer::new(PrivateKey::generate(Algorithm::Es256).unwrap());
    let Err(SignError::InvalidClaims(violations)) = signer.sign(&invalid) else {
        panic!("signed invalid claims")
    };
    assert!(violations.mentions("climit"));
    assert!(signer.clone().without_validation().sign(&invalid).is_ok());
}

#[test]
fn sign_serialize_checks_the_universal_time_rules() {
    let signer = Signer::new(PrivateKey::generate(Algorithm::Es256).unwrap());
    assert!(
        signer
            .sign_serialize(&serde_json::json!({"sub": "x", "iat": 0, "exp": 60}))
            .is_ok()
    );
    assert!(matches!(
        signer.sign_serialize(&serde_json::json!({"iat": 0, "exp": 9_999_999})),
        Err(SignError::InvalidClaims(violations))
            if matches!(violations.first(), Some(Violation::ExpiryTooFar { .. }))
    ));
    assert!(matches!(
        signer.sign_serialize(&serde_json::json!({"exp": "tomorrow"})),
        Err(SignError::InvalidClaims(violations))
            if matches!(violations.first(), Some(Violation::WrongType { claim: "exp", .. }))
    ));
    assert!(matches!(
        signer.sign_serialize(&serde_json::json!([1])),
        Err(SignError::NotAnObject)
    ));
}

#[test]
fn refuses_known_claims_hidden_in_extra_even_without_validation() {
    let mut claims = claims();
    claims.extra.insert("accid".into(), "other".into());
    let signer = Signer::new(PrivateKey::generate(Algorithm::Es256).unwrap()).without_validation();
    assert!(matches!(
        signer.sign(&claims),
        Err(SignError::InvalidClaims(_))
    ));
}

/// No API mints a private-channel token that every verifier refuses: RS256 and ES256 keys
/// get a typed error from `sign` and `sign_serialize`, validated or not; ES384 signs.
#[test]
fn channel_tokens_are_es384_only() {
    use playback_auth_claims::PrivateChannelClaims;

    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12";
    let claims = PrivateChannelClaims::builder(arn, now)
        .valid_for(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let object = serde_json::json!({ "aws:channel-arn": arn, "exp": 1_700_000_060 });
    for alg in [Algorithm::Rs256, Algorithm::Es256] {
        let key = PrivateKey::generate(alg).unwrap();
        for signer in [
            Signer::new(key.clone()),
            Signer::new(key).without_validation(),
        ] {
            assert!(matches!(
                signer.sign(&claims),
                Err(SignError::ChannelTokenNotEs384 { alg: refused }) if refused == alg
            ));
            assert!(matches!(
                signer.sign_serialize(&object),
                Err(SignError::ChannelTokenNotEs384 { alg: refused }) if refused == alg
            ));
        }
    }
    let es384 = Signer::new(PrivateKey::generate(Algorithm::Es384).unwrap());
    assert!(es384.sign(&claims).is_ok());
    assert!(es384.sign_serialize(&object).is_ok());
}
