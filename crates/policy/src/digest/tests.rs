use super::*;

#[test]
fn digest_is_sha256_of_the_signed_part() {
    // SHA-256("abc"), FIPS 180-2 appendix B.1: `abc` is everything before the last dot.
    let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(TokenDigest::of_token("abc.signature").to_hex(), expected);
    assert_eq!(TokenDigest::of_signed_part("abc").to_hex(), expected);
    // No dot at all: the whole string (no valid token looks like this).
    assert_eq!(TokenDigest::of_token("abc").to_hex(), expected);
}

#[test]
fn every_signature_of_one_signed_part_is_one_identity() {
    let token = TokenDigest::of_token("eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2lnLTE");
    assert_eq!(
        token,
        TokenDigest::of_token("eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2lnLTI")
    );
    assert_eq!(
        token,
        TokenDigest::of_token("eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.")
    );
    // The header and the payload are both covered.
    assert_ne!(
        token,
        TokenDigest::of_token("eyJhbGciOiJFUzM4NCJ9.eyJleHAiOjF9.c2lnLTE")
    );
    assert_ne!(
        token,
        TokenDigest::of_token("eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjJ9.c2lnLTE")
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
