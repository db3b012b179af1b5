//! The newcomer flow, keygen → mint → verify, for every algorithm and every public key
//! format `verify` reads.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{IAT, TempDir, fixed_claims, keygen, mint, run, segment};
use playback_auth_keys::{KeySet, PublicKey};
use serde_json::Value;

/// keygen → mint → verify with `public_key.txt` and with `public.pem`.
fn round_trip(algo: &str, alg: &str) {
    let dir = TempDir::new(&format!("round-trip-{algo}"));
    keygen(&dir, algo);
    let token = mint(&dir, &["--account-id", "acct-1", "--content-id", "video-7"]);
    assert_eq!(segment(&token, 0)["alg"], alg);

    for public in ["public_key.txt", "public.pem"] {
        let stdout = run(&["verify", "--key", &dir.file(public), &token]).success();
        let payload: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(payload["accid"], "acct-1", "{public}");
        assert_eq!(payload["conid"], "video-7", "{public}");
        assert_eq!(
            payload,
            segment(&token, 1),
            "{public}: verify prints the payload"
        );
    }
}

#[test]
fn rs256_round_trip() {
    round_trip("rs256", "RS256");
}

#[test]
fn es256_round_trip() {
    round_trip("es256", "ES256");
}

#[test]
fn es384_round_trip() {
    round_trip("es384", "ES384");
}

#[test]
fn verify_reads_jwk_and_jwks_files() {
    let dir = TempDir::new("round-trip-jwk");
    keygen(&dir, "es256");
    let pem = std::fs::read_to_string(dir.file("public.pem")).unwrap();
    let key = PublicKey::parse(&pem).unwrap().remove(0).key;
    let jwk = dir.write("key.jwk", &key.to_jwk().to_json());
    let jwks = KeySet::new()
        .with_key(key, Some("2026-05".to_owned()))
        .to_jwks();
    let jwks = dir.write("keys.jwks", &jwks.to_json());

    let claims = fixed_claims(&dir, "");
    let now = (IAT + 60).to_string();
    let plain = mint(&dir, &["--claims", &claims]);
    run(&["verify", "--key", &jwk, "--now", &now, &plain]).success();
    let named = mint(&dir, &["--claims", &claims, "--kid", "2026-05"]);
    run(&["verify", "--key", &jwks, "--now", &now, &named]).success();

    // The JWK Set names its key, so a token naming another id finds none.
    let other = mint(&dir, &["--claims", &claims, "--kid", "2025-01"]);
    let line = run(&["verify", "--key", &jwks, "--now", &now, &other]).failure_line(1);
    assert!(line.starts_with("rejected: unknown_key_id: "), "{line}");
}

#[test]
fn any_of_several_keys_may_verify() {
    let old = TempDir::new("round-trip-old");
    let new = TempDir::new("round-trip-new");
    keygen(&old, "es256");
    keygen(&new, "es384");
    let token = mint(&new, &["--account-id", "acct-1"]);
    let old_key = old.file("public_key.txt");
    let new_key = new.file("public.pem");
    run(&["verify", "--key", &old_key, "--key", &new_key, &token]).success();
    run(&["verify", "--key", &old_key, &token]).failure_line(1);
}
