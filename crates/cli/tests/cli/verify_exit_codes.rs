//! `verify` exit codes: 0 valid (payload on stdout), 1 rejected (one line on stderr),
//! 2 usage or I/O errors.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{
    IAT, TempDir, fixed_claims, keygen, mint, run, run_with_stdin, segment, with_payload,
};
use playback_auth_keys::PrivateKey;
use playback_auth_sign::Signer;
use serde_json::{Value, json};

const EXP: i64 = IAT + 3600;

/// A key pair and a token valid from `IAT` to `EXP`.
fn setup(name: &str) -> (TempDir, String) {
    let dir = TempDir::new(name);
    keygen(&dir, "es256");
    let claims = fixed_claims(&dir, "");
    let token = mint(
        &dir,
        &["--claims", &claims, "--expires-at", &EXP.to_string()],
    );
    (dir, token)
}

fn verify_at(dir: &TempDir, now: i64, extra: &[&str], token: &str) -> crate::common::Run {
    let key = dir.file("public_key.txt");
    let now = now.to_string();
    let mut args = vec!["verify", "--key", key.as_str(), "--now", now.as_str()];
    args.extend_from_slice(extra);
    args.push(token);
    run(&args)
}

#[test]
fn valid_token_exits_0_with_the_payload() {
    let (dir, token) = setup("verify-valid");
    let run = verify_at(&dir, IAT + 60, &[], &token).expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let payload: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(payload, json!({"accid": "acct-1", "iat": IAT, "exp": EXP}));
}

#[test]
fn expired_token_exits_1_with_one_line() {
    let (dir, token) = setup("verify-expired");
    let run = verify_at(&dir, EXP + 3600, &[], &token);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let line = run.failure_line(1);
    assert!(
        line.starts_with("rejected: token_expired: token expired at 1700003600"),
        "{line}"
    );
}

#[test]
fn leeway_is_applied_and_configurable() {
    let (dir, token) = setup("verify-leeway");
    verify_at(&dir, EXP + 10, &[], &token).success();
    let line = verify_at(&dir, EXP + 10, &["--leeway", "0"], &token).failure_line(1);
    assert!(line.starts_with("rejected: token_expired:"), "{line}");
    verify_at(&dir, EXP + 100, &["--leeway", "120"], &token).success();
}

#[test]
fn token_from_the_future_exits_1() {
    let (dir, token) = setup("verify-future");
    let line = verify_at(&dir, IAT - 3600, &[], &token).failure_line(1);
    assert!(
        line.starts_with("rejected: token_issued_in_future:"),
        "{line}"
    );
}

#[test]
fn tampered_token_exits_1() {
    let (dir, token) = setup("verify-tampered");
    let forged = with_payload(
        &token,
        &format!(r#"{{"accid":"acct-2","iat":{IAT},"exp":{EXP}}}"#),
    );
    let line = verify_at(&dir, IAT + 60, &[], &forged).failure_line(1);
    assert_eq!(
        line,
        "rejected: invalid_signature: signature does not verify"
    );

    let mut cut = token.clone();
    cut.pop();
    verify_at(&dir, IAT + 60, &[], &cut).failure_line(1);
    verify_at(&dir, IAT + 60, &[], "not-a-token").failure_line(1);
}

#[test]
fn wrong_key_exits_1() {
    let (_dir, token) = setup("verify-signer");
    let (other, _) = setup("verify-other");
    let line = verify_at(&other, IAT + 60, &[], &token).failure_line(1);
    assert!(line.starts_with("rejected: invalid_signature:"), "{line}");

    let es384 = TempDir::new("verify-es384");
    keygen(&es384, "es384");
    let line = verify_at(&es384, IAT + 60, &[], &token).failure_line(1);
    assert!(
        line.starts_with("rejected: no_key_for_algorithm:"),
        "{line}"
    );
}

#[test]
fn missing_or_unparsable_key_file_exits_2() {
    let (dir, token) = setup("verify-keys");
    let missing = dir.file("absent.pem");
    let line = run(&["verify", "--key", &missing, &token]).failure_line(2);
    assert!(line.starts_with("error: cannot read key file") && line.contains("absent.pem"));

    let garbage = dir.write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nnope\n");
    run(&["verify", "--key", &garbage, &token]).failure_line(2);
    let empty = dir.write("empty.txt", "");
    run(&["verify", "--key", &empty, &token]).failure_line(2);
    let private = dir.file("private.pem");
    run(&["verify", "--key", &private, &token]).failure_line(2);
}

#[test]
fn bad_flags_exit_2() {
    let (dir, token) = setup("verify-flags");
    let key = dir.file("public.pem");
    run(&["verify", &token]).expect_code(2);
    run(&["verify", "--key", &key]).expect_code(2);
    run(&["verify", "--key", &key, "--now", "soon", &token]).expect_code(2);
    run(&["verify", "--key", &key, "--leeway", "-1", &token]).expect_code(2);
    run(&["verify", "--key", &key, "--frobnicate", &token]).expect_code(2);
}

#[test]
fn token_can_come_from_stdin() {
    let (dir, token) = setup("verify-stdin");
    let key = dir.file("public.pem");
    let now = (IAT + 60).to_string();
    let args = ["verify", "--key", key.as_str(), "--now", now.as_str(), "-"];
    let stdout = run_with_stdin(&args, &format!("  {token}\n")).success();
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        segment(&token, 1)
    );
    run_with_stdin(&args, "").failure_line(1);
}

#[test]
fn tokens_that_are_no_known_claim_set_are_rejected() {
    // Documented rule: verify always applies the playback claim-set rules, so a validly
    // signed token with arbitrary claims is rejected.
    let (dir, _) = setup("verify-arbitrary");
    let pem = std::fs::read_to_string(dir.file("private.pem")).unwrap();
    let signer = Signer::new(PrivateKey::from_pem(&pem).unwrap());
    let token = signer
        .sign_serialize(&json!({"sub": "someone", "exp": EXP}))
        .unwrap();
    let line = verify_at(&dir, IAT + 60, &[], &token).failure_line(1);
    assert!(line.starts_with("rejected: invalid_claims:"), "{line}");
}

/// `public_key.txt` as the vendor's bash recipe writes it (`base64` wraps at 76 columns),
/// with LF or CRLF line ends: `verify --key` reads it; anything but whitespace stays refused.
#[test]
fn wrapped_public_key_txt_verifies() {
    let (dir, token) = setup("verify-wrapped-key");
    let one_line = std::fs::read_to_string(dir.file("public_key.txt")).unwrap();
    let one_line = one_line.trim_end();
    for (name, line_end) in [("wrapped_lf.txt", "\n"), ("wrapped_crlf.txt", "\r\n")] {
        let wrapped: String = one_line
            .as_bytes()
            .chunks(76)
            .map(|line| format!("{}{line_end}", std::str::from_utf8(line).unwrap()))
            .collect();
        assert!(wrapped.lines().count() > 1);
        let key = dir.write(name, &wrapped);
        let now = (IAT + 60).to_string();
        run(&["verify", "--key", &key, "--now", &now, &token]).success();
    }
    let garbled = dir.write("garbled.txt", &format!("{}\n#\n", &one_line));
    let now = (IAT + 60).to_string();
    run(&["verify", "--key", &garbled, "--now", &now, &token]).expect_code(2);
}
