use super::*;

#[test]
fn digest_is_sha256_of_the_encoded_token() {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    assert_eq!(
        TokenDigest::of_token("abc").to_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn hex_round_trips_and_accepts_either_case() {
    let digest = TokenDigest::of_token("header.payload.signature");
    let hex = digest.to_hex();
    assert_eq!(TokenDigest::from_hex(&hex), Some(digest));
    assert_eq!(TokenDigest::from_hex(&hex.to_uppercase()), Some(digest));
    assert_eq!(format!("{digest}"), hex);
    assert_eq!(format!("{digest:?}"), format!("TokenDigest({hex})"));
}

#[test]
fn from_hex_rejects_wrong_length_and_characters() {
    let hex = TokenDigest::of_token("t").to_hex();
    assert_eq!(TokenDigest::from_hex(&hex[..62]), None);
    assert_eq!(TokenDigest::from_hex(&format!("{hex}00")), None);
    assert_eq!(TokenDigest::from_hex(&format!("{}zz", &hex[..62])), None);
    assert_eq!(TokenDigest::from_hex(""), None);
    // A multi-byte character must not be split into "hex" bytes.
    assert_eq!(TokenDigest::from_hex(&format!("{}é", &hex[..62])), None);
}
