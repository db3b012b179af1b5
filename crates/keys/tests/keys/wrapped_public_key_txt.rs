//! `public_key.txt` as `base64(1)` writes it: wrapped at 76 columns, LF or CRLF line ends,
//! a trailing newline. Whitespace between base64 characters is ignored; nothing else is.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use playback_auth_keys::{Algorithm, KeyError, PrivateKey, PublicKey};
use proptest::prelude::*;

/// `text` wrapped every `width` characters with `line_end`, ending with one (as `base64`).
fn wrap(text: &str, width: usize, line_end: &str) -> String {
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str(line_end);
    }
    out
}

#[test]
fn base64_wrapped_at_76_columns_reads_with_lf_and_crlf() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap().public_key();
        let one_line = key.to_public_key_txt();
        assert!(one_line.len() > 76, "{alg}: the value must wrap");
        for line_end in ["\n", "\r\n"] {
            let file = wrap(&one_line, 76, line_end);
            assert!(file.lines().count() > 1);
            assert_eq!(PublicKey::from_public_key_txt(&file).unwrap(), key);
            // The format detector reads it too (the CLI's `verify --key`).
            let entries = PublicKey::parse(&file).unwrap();
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].key, key);
        }
    }
}

#[test]
fn wrapped_file_on_disk_reads_through_read_public_key_file() {
    let dir = crate::common::TempDir::new("wrapped-txt");
    let key = PrivateKey::generate(Algorithm::Rs256).unwrap().public_key();
    let path = dir.path().join("public_key.txt");
    std::fs::write(&path, wrap(&key.to_public_key_txt(), 76, "\r\n")).unwrap();
    let entries = playback_auth_keys::read_public_key_file(&path).unwrap();
    assert_eq!(entries[0].key, key);
}

#[test]
fn wrapping_does_not_loosen_the_rest() {
    let key = PrivateKey::generate(Algorithm::Es256).unwrap().public_key();
    let file = wrap(&key.to_public_key_txt(), 76, "\r\n");
    for (bad, why) in [
        (file.replace('\r', "\u{c}"), "form feed"),
        (file.replace('\r', "\u{a0}"), "no-break space"),
        (file.replace('\r', "."), "other character"),
        (format!("{}\r\nAAAA\r\n", file.trim_end()), "trailing data"),
        (file.replace('=', ""), "missing padding"),
        (format!("{}==", file.trim_end()), "extra padding"),
    ] {
        assert!(
            matches!(
                PublicKey::from_public_key_txt(&bad),
                Err(KeyError::InvalidBase64 { .. } | KeyError::InvalidDer { .. })
            ),
            "{why}"
        );
    }
    assert!(matches!(
        PublicKey::from_public_key_txt("\r\n \t\n"),
        Err(KeyError::NoKeyFound)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any width, any mix of the four whitespace characters inserted anywhere: same key.
    #[test]
    fn any_wrapping_reads_the_same_key(
        width in 1usize..200,
        line_end in prop::sample::select(vec!["\n", "\r\n", " ", "\t", "\r\n\r\n", " \t\n"]),
    ) {
        let key = fixed_key();
        let file = wrap(&key.to_public_key_txt(), width, line_end);
        prop_assert_eq!(PublicKey::from_public_key_txt(&file).unwrap(), key);
    }
}

/// One key for every case (generation is not what is under test).
fn fixed_key() -> PublicKey {
    let pem = include_str!("../fixtures/p256_public.pem");
    PublicKey::from_pem(pem).unwrap()
}
