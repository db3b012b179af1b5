//! Files and names the vendor's own tools use: `keygen`'s `private.pem` is PKCS#1 / SEC1 by
//! default (the only labels the vendor's Go mint tool reads) and `openssl` reads it back;
//! `--format pkcs8` round-trips too; `rsa256` / `ec256` (the Go tool's `-algo` names) are
//! aliases of `rs256` / `es256`.
//!
//! The `openssl` binary must be on PATH: the test command (`scripts/test.sh`, through
//! `scripts/with-redis.sh`) installs it when missing; run elsewhere without it, these tests
//! print a skip note, and fail under `CI=true`.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::panic
)]

use std::process::Command;

use crate::common::{TempDir, keygen, run};

/// `openssl ARGS…` in `dir`: its stdout, after asserting it succeeded; `None` (a skip) when
/// there is no `openssl` outside CI.
fn openssl(dir: &TempDir, args: &[&str]) -> Option<String> {
    let output = match Command::new("openssl")
        .args(args)
        .current_dir(dir.path())
        .output()
    {
        Ok(output) => output,
        Err(error) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("openssl is required under CI=true (scripts/with-redis.sh installs it): {error}")
        }
        Err(error) => {
            eprintln!("SKIPPED: cannot run openssl ({error}); scripts/with-redis.sh installs it");
            return None;
        }
    };
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

fn first_line(dir: &TempDir, name: &str) -> String {
    let text = std::fs::read_to_string(dir.file(name)).unwrap();
    text.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn default_private_pem_is_pkcs1_or_sec1_and_openssl_checks_it() {
    for (algo, label, openssl_command) in [
        ("rs256", "-----BEGIN RSA PRIVATE KEY-----", "rsa"),
        ("es256", "-----BEGIN EC PRIVATE KEY-----", "ec"),
        ("es384", "-----BEGIN EC PRIVATE KEY-----", "ec"),
    ] {
        let dir = TempDir::new(&format!("vendor-default-{algo}"));
        let stdout = keygen(&dir, algo);
        assert_eq!(first_line(&dir, "private.pem"), label, "{algo}");
        let format = if algo == "rs256" { "PKCS#1" } else { "SEC1" };
        assert!(stdout.contains(format), "{algo}: {stdout}");
        let Some(_) = openssl(
            &dir,
            &[openssl_command, "-in", "private.pem", "-check", "-noout"],
        ) else {
            return;
        };
        // openssl derives the same public key we wrote.
        let public = openssl(&dir, &["pkey", "-in", "private.pem", "-pubout"]).unwrap();
        assert_eq!(
            public,
            std::fs::read_to_string(dir.file("public.pem")).unwrap(),
            "{algo}"
        );
        // And `mint` signs with it; `verify` accepts the token with public_key.txt.
        let token = crate::common::mint(&dir, &["--account-id", "acct-1"]);
        run(&["verify", "--key", &dir.file("public_key.txt"), &token]).success();
    }
}

#[test]
fn format_pkcs8_round_trips() {
    for algo in ["rs256", "es256", "es384"] {
        let dir = TempDir::new(&format!("vendor-pkcs8-{algo}"));
        let out = dir.path().to_str().unwrap();
        let stdout = run(&["keygen", "--algo", algo, "--format", "pkcs8", "--out", out]).success();
        assert!(stdout.contains("PKCS#8"), "{stdout}");
        assert_eq!(
            first_line(&dir, "private.pem"),
            "-----BEGIN PRIVATE KEY-----"
        );
        let Some(_) = openssl(&dir, &["pkey", "-in", "private.pem", "-check", "-noout"]) else {
            return;
        };
        let token = crate::common::mint(&dir, &["--account-id", "acct-1"]);
        run(&["verify", "--key", &dir.file("public_key.txt"), &token]).success();
    }
}

#[test]
fn format_values_are_checked() {
    let dir = TempDir::new("vendor-format-sec1");
    let out = dir.path().to_str().unwrap();
    run(&[
        "keygen", "--algo", "es256", "--format", "sec1", "--out", out,
    ])
    .success();
    assert_eq!(
        first_line(&dir, "private.pem"),
        "-----BEGIN EC PRIVATE KEY-----"
    );
    run(&["keygen", "--algo", "es256", "--format", "der", "--out", out]).expect_code(2);
}

#[test]
fn vendor_algorithm_names_are_aliases() {
    let dir = TempDir::new("vendor-alias-rsa");
    keygen(&dir, "rsa256");
    assert_eq!(
        first_line(&dir, "private.pem"),
        "-----BEGIN RSA PRIVATE KEY-----"
    );
    crate::common::mint(&dir, &["--account-id", "acct-1", "--algo", "rsa256"]);
    let line = run(&[
        "mint",
        "--key",
        &dir.file("private.pem"),
        "--account-id",
        "acct-1",
        "--algo",
        "ec256",
    ])
    .failure_line(2);
    assert!(line.contains("es256"), "{line}");

    let dir = TempDir::new("vendor-alias-ec");
    keygen(&dir, "EC256");
    assert_eq!(
        first_line(&dir, "private.pem"),
        "-----BEGIN EC PRIVATE KEY-----"
    );
    let token = crate::common::mint(&dir, &["--account-id", "acct-1", "--algo", "ec256"]);
    let header = crate::common::segment(&token, 0);
    assert_eq!(header["alg"], "ES256");
}
