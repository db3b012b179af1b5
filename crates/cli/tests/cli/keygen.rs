//! `keygen` writes the three key files, says where, protects the private key and never
//! overwrites.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{TempDir, run, run_in};

#[test]
fn writes_the_three_files_and_says_where_the_public_key_is() {
    let dir = TempDir::new("keygen-files");
    let out = dir.file("keys");
    let stdout = run(&["keygen", "--algo", "es256", "--out", &out]).success();

    for name in ["private.pem", "public.pem", "public_key.txt"] {
        assert!(
            dir.path().join("keys").join(name).is_file(),
            "{name} missing"
        );
    }
    assert!(
        stdout.contains(&dir.file("keys/public_key.txt")),
        "{stdout}"
    );
    assert!(stdout.contains(&dir.file("keys/public.pem")), "{stdout}");

    let txt = std::fs::read_to_string(dir.file("keys/public_key.txt")).unwrap();
    assert_eq!(txt.lines().count(), 1, "public_key.txt is one line");
    let pem = std::fs::read_to_string(dir.file("keys/public.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
}

#[cfg(unix)]
#[test]
fn private_key_is_mode_0600() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = TempDir::new("keygen-mode");
    crate::common::keygen(&dir, "es384");
    let mode = std::fs::metadata(dir.file("private.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn out_defaults_to_the_current_directory() {
    let dir = TempDir::new("keygen-cwd");
    let stdout = run_in(dir.path(), &["keygen", "--algo", "ES256"]).success();
    assert!(dir.path().join("private.pem").is_file());
    assert!(dir.path().join("public_key.txt").is_file());
    assert!(stdout.contains("public_key.txt"), "{stdout}");
}

#[test]
fn existing_key_files_are_never_overwritten() {
    let dir = TempDir::new("keygen-exists");
    crate::common::keygen(&dir, "es256");
    let before = std::fs::read_to_string(dir.file("private.pem")).unwrap();

    let line = run(&["keygen", "--algo", "es256", "--out", &dir.file("")]).failure_line(2);
    assert!(line.starts_with("error: "), "{line}");
    assert!(line.contains("overwrite"), "{line}");
    assert_eq!(
        std::fs::read_to_string(dir.file("private.pem")).unwrap(),
        before
    );
}

#[test]
fn algo_is_required_and_checked() {
    run(&["keygen"]).expect_code(2);
    run(&["keygen", "--algo", "hs256"]).expect_code(2);
    run(&["keygen", "--algo", "es512"]).expect_code(2);
}
