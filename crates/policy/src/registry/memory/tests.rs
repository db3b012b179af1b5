use playback_auth_keys::PrivateKey;

use super::*;
// The tests also cover the helpers the memory store shares with every other registry.
use super::super::*;

#[test]
fn created_at_is_rfc3339_utc_whole_seconds() {
    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    assert_eq!(rfc3339(now), "2023-11-14T22:13:20Z");
    let fractional = NumericDate::from_secs_f64(1_700_000_000.75).unwrap();
    assert_eq!(rfc3339(fractional), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339(NumericDate::EPOCH), "1970-01-01T00:00:00Z");
}

#[test]
fn id_rules() {
    assert!(check_id("2026-05").is_ok());
    assert!(check_id(&"k".repeat(MAX_KEY_ID_LEN)).is_ok());
    for bad in ["", "a b", "a\u{0}b", "tab\t"] {
        assert!(
            matches!(check_id(bad), Err(RegistryError::InvalidId { .. })),
            "{bad:?}"
        );
    }
    assert!(check_id(&"k".repeat(MAX_KEY_ID_LEN + 1)).is_err());
}

#[test]
fn pem_and_txt_with_surrounding_whitespace_parse() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    let pem = format!("\n  {}\n", key.to_pem());
    assert_eq!(parse_public_key(&pem).unwrap(), key);
    let txt = format!("{}\n", key.to_public_key_txt());
    assert_eq!(parse_public_key(&txt).unwrap(), key);
}

#[test]
fn families_and_kind() {
    assert_eq!(KeyFamily::of(Algorithm::Rs256), KeyFamily::Rsa);
    assert_eq!(KeyFamily::of(Algorithm::Es256), KeyFamily::Ec);
    assert_eq!(KeyFamily::of(Algorithm::Es384).to_string(), "ec");
    assert_eq!(serde_json::to_value(KeyKind::Public).unwrap(), "public");
}

#[test]
fn a_record_whose_value_is_not_a_key_is_reported() {
    let record = KeyRecord {
        id: "x".into(),
        kind: KeyKind::Public,
        algorithm: KeyFamily::Ec,
        value: "garbage".into(),
        created_at: "1970-01-01T00:00:00Z".into(),
    };
    assert!(matches!(
        record.public_key(),
        Err(RegistryError::InvalidKey(_))
    ));
}
