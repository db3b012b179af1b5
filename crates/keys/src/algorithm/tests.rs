use super::Algorithm;

#[test]
fn names_round_trip() {
    for alg in Algorithm::ALL {
        assert_eq!(Algorithm::from_name(alg.as_str()), Some(alg));
        assert_eq!(alg.to_string(), alg.as_str());
    }
}

#[test]
fn from_name_is_exact_and_case_sensitive() {
    for name in [
        "rs256", "Rs256", "es256", "RS256 ", " ES256", "none", "None", "HS256", "PS256", "ES512",
        "EdDSA", "",
    ] {
        assert_eq!(Algorithm::from_name(name), None, "{name:?}");
    }
}

#[test]
fn signature_lengths() {
    assert_eq!(Algorithm::Rs256.signature_len(), None);
    assert_eq!(Algorithm::Es256.signature_len(), Some(64));
    assert_eq!(Algorithm::Es384.signature_len(), Some(96));
}

#[test]
fn key_types_and_curves() {
    assert_eq!(Algorithm::Rs256.key_type(), "RSA");
    assert_eq!(Algorithm::Es256.key_type(), "EC");
    assert_eq!(Algorithm::Rs256.curve(), None);
    assert_eq!(Algorithm::Es256.curve(), Some("P-256"));
    assert_eq!(Algorithm::Es384.curve(), Some("P-384"));
}
