//! `mint`: flags become claims, defaults, `--claims` files and stdin, header `kid`, and the
//! usage errors (exit 2) for conflicting flags, a mismatched `--algo` and invalid claims.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{IAT, TempDir, fixed_claims, keygen, mint, run, run_with_stdin, segment};
use serde_json::{Value, json};

fn unix_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

#[test]
fn flags_set_their_claims() {
    let dir = TempDir::new("mint-flags");
    keygen(&dir, "es256");
    let claims = fixed_claims(&dir, "");
    let token = mint(
        &dir,
        &[
            "--claims",
            &claims,
            "--account-id",
            "acct-9",
            "--content-id",
            "video-7",
            "--expires-at",
            "1700007200",
            "--max-uses",
            "5",
            "--max-ips",
            "2",
            "--user-agent",
            "Player/2.1 (X11)",
        ],
    );
    assert_eq!(
        segment(&token, 1),
        json!({
            "accid": "acct-9",
            "iat": IAT,
            "exp": 1_700_007_200,
            "ua": "Player/2.1 (X11)",
            "conid": "video-7",
            "maxip": 2,
            "maxu": 5,
        })
    );
}

#[test]
fn iat_defaults_to_now_and_exp_to_an_hour_later() {
    let dir = TempDir::new("mint-defaults");
    keygen(&dir, "es384");
    let before = unix_now();
    let token = mint(&dir, &["--account-id", "acct-1"]);
    let after = unix_now();

    let header = segment(&token, 0);
    assert_eq!(
        header,
        json!({"alg": "ES384", "typ": "JWT"}),
        "alg follows the key"
    );
    let payload = segment(&token, 1);
    let iat = payload["iat"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&iat),
        "{iat} not in {before}..={after}"
    );
    assert_eq!(payload["exp"].as_i64(), Some(iat + 3600));
}

#[test]
fn ttl_counts_from_iat() {
    let dir = TempDir::new("mint-ttl");
    keygen(&dir, "es256");
    let claims = fixed_claims(&dir, "");
    let token = mint(&dir, &["--claims", &claims, "--ttl", "300"]);
    assert_eq!(segment(&token, 1)["exp"].as_i64(), Some(IAT + 300));
}

#[test]
fn kid_appears_in_the_header() {
    let dir = TempDir::new("mint-kid");
    keygen(&dir, "es256");
    let token = mint(&dir, &["--account-id", "acct-1", "--kid", "key-2026-05"]);
    assert_eq!(
        segment(&token, 0),
        json!({"alg": "ES256", "typ": "JWT", "kid": "key-2026-05"})
    );
}

#[test]
fn claims_file_is_the_base_and_flags_override_it() {
    let dir = TempDir::new("mint-claims-file");
    keygen(&dir, "es256");
    let claims = fixed_claims(
        &dir,
        r#""exp":1700003600,"conid":"from-file","tags":["sports"],"custom":{"k":[1,2]}"#,
    );
    let token = mint(&dir, &["--claims", &claims, "--content-id", "from-flag"]);
    let payload = segment(&token, 1);
    assert_eq!(payload["conid"], "from-flag");
    assert_eq!(payload["exp"], 1_700_003_600, "exp from the file is kept");
    assert_eq!(payload["tags"], json!(["sports"]));
    assert_eq!(
        payload["custom"],
        json!({"k": [1, 2]}),
        "unknown claims are kept"
    );
}

#[test]
fn claims_can_come_from_stdin() {
    let dir = TempDir::new("mint-claims-stdin");
    keygen(&dir, "es256");
    let key = dir.file("private.pem");
    let stdin = format!(r#"{{"accid":"acct-in","iat":{IAT},"vids":["a","b"]}}"#);
    let stdout = run_with_stdin(&["mint", "--key", &key, "--claims", "-"], &stdin).success();
    let payload = segment(stdout.trim(), 1);
    assert_eq!(payload["accid"], "acct-in");
    assert_eq!(payload["vids"], json!(["a", "b"]));
    assert_eq!(payload["exp"].as_i64(), Some(IAT + 3600));
}

#[test]
fn private_channel_claims_need_an_es384_key() {
    let dir = TempDir::new("mint-channel");
    keygen(&dir, "es256");
    let es384 = TempDir::new("mint-channel-384");
    keygen(&es384, "es384");
    let arn = r#"{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12"}"#;
    let claims = dir.write("channel.json", arn);

    let line = run(&[
        "mint",
        "--key",
        &dir.file("private.pem"),
        "--claims",
        &claims,
    ])
    .failure_line(2);
    assert!(line.contains("ES384"), "{line}");

    let token = mint(&es384, &["--claims", &claims]);
    let payload = segment(&token, 1);
    assert!(payload["exp"].is_number());
    run(&["verify", "--key", &es384.file("public.pem"), &token]).success();
}

#[test]
fn ttl_and_expires_at_conflict() {
    let dir = TempDir::new("mint-conflict");
    keygen(&dir, "es256");
    let key = dir.file("private.pem");
    let run = run(&[
        "mint",
        "--key",
        &key,
        "--account-id",
        "a",
        "--ttl",
        "60",
        "--expires-at",
        "1700000000",
    ]);
    let run = run.expect_code(2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn algo_must_match_the_key() {
    let dir = TempDir::new("mint-algo");
    keygen(&dir, "es256");
    let key = dir.file("private.pem");
    let line = run(&[
        "mint",
        "--key",
        &key,
        "--account-id",
        "a",
        "--algo",
        "es384",
    ])
    .failure_line(2);
    assert!(line.contains("does not match"), "{line}");
    run(&[
        "mint",
        "--key",
        &key,
        "--account-id",
        "a",
        "--algo",
        "es256",
    ])
    .success();
    run(&[
        "mint",
        "--key",
        &key,
        "--account-id",
        "a",
        "--algo",
        "ES256",
    ])
    .success();
    run(&[
        "mint",
        "--key",
        &key,
        "--account-id",
        "a",
        "--algo",
        "hs256",
    ])
    .expect_code(2);
}

#[test]
fn invalid_claims_are_refused_with_every_reason() {
    let dir = TempDir::new("mint-invalid");
    keygen(&dir, "es256");
    let key = dir.file("private.pem");
    let mint_with = |extra: &[&str]| {
        let mut args = vec!["mint", "--key", key.as_str()];
        args.extend_from_slice(extra);
        run(&args)
    };

    let line = mint_with(&[]).failure_line(2);
    assert!(line.contains("`accid` is required"), "{line}");
    let line = mint_with(&["--account-id", "a", "--max-uses", "0"]).failure_line(2);
    assert!(line.contains("`maxu`"), "{line}");
    let line = mint_with(&["--account-id", "a", "--ttl", "2592001"]).failure_line(2);
    assert!(line.contains("2592000"), "{line}");
    mint_with(&["--account-id", "a", "--ttl", "2592000"]).success();
    mint_with(&["--account-id", "a", "--expires-at", "-5"]).expect_code(2);
    mint_with(&["--account-id", "a", "--max-ips", "many"]).expect_code(2);

    let array = dir.write("array.json", "[1,2]");
    let line = mint_with(&["--claims", &array]).failure_line(2);
    assert!(line.contains("not a JSON object"), "{line}");
    let broken = dir.write("broken.json", "{\"accid\":");
    let line = mint_with(&["--claims", &broken]).failure_line(2);
    assert!(line.contains("not valid JSON"), "{line}");
    let wrong_type = dir.write("wrong.json", r#"{"accid":7,"uid":"bad uid!","climit":2}"#);
    let line = mint_with(&["--claims", &wrong_type]).failure_line(2);
    assert!(
        line.contains("accid") && line.contains("uid"),
        "every violation: {line}"
    );
}

#[test]
fn unreadable_keys_are_usage_errors() {
    let dir = TempDir::new("mint-keys");
    keygen(&dir, "es256");
    let line = run(&[
        "mint",
        "--key",
        &dir.file("absent.pem"),
        "--account-id",
        "a",
    ])
    .failure_line(2);
    assert!(line.contains("absent.pem"), "{line}");
    let public = dir.file("public.pem");
    run(&["mint", "--key", &public, "--account-id", "a"]).failure_line(2);
}

#[test]
fn minted_tokens_are_deterministic_json_values() {
    // ECDSA nonces are deterministic (RFC 6979), so equal inputs give equal tokens.
    let dir = TempDir::new("mint-deterministic");
    keygen(&dir, "es256");
    let claims = fixed_claims(&dir, "");
    let first = mint(&dir, &["--claims", &claims]);
    assert_eq!(first, mint(&dir, &["--claims", &claims]));
    assert!(matches!(segment(&first, 1), Value::Object(_)));
}

#[test]
fn mixed_claim_sets_are_refused_not_minted() {
    let dir = TempDir::new("mint-mixed");
    keygen(&dir, "es384");
    let key = dir.file("private.pem");
    let mixed = dir.write(
        "mixed.json",
        r#"{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12",
            "accid":"acct-1","maxu":1,"uid":"viewer-1","climit":1}"#,
    );
    let line = run(&["mint", "--key", key.as_str(), "--claims", &mixed]).failure_line(2);
    for claim in ["accid", "maxu", "uid", "climit"] {
        assert!(line.contains(claim), "{claim} named: {line}");
    }
    // Flags that add a restriction to a channel token are refused the same way.
    let channel = dir.write(
        "channel.json",
        r#"{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12"}"#,
    );
    let line = run(&[
        "mint",
        "--key",
        key.as_str(),
        "--claims",
        &channel,
        "--max-uses",
        "1",
    ])
    .failure_line(2);
    assert!(line.contains("maxu"), "{line}");
}
