//! Generate each algorithm, write the three key files, read them back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;

use crate::common::TempDir;
use playback_auth_keys::{
    Algorithm, KeyError, PrivateKey, PrivateKeyFormat, PublicKey, read_private_key_file,
    read_public_key_file, write_key_files, write_key_files_as,
};

#[test]
fn generated_keys_survive_the_file_round_trip() {
    for (alg, format) in Algorithm::ALL
        .into_iter()
        .flat_map(|alg| [(alg, None), (alg, Some(PrivateKeyFormat::Pkcs8))])
    {
        let temp = TempDir::new("files");
        let dir = temp.path().join("nested").join(alg.as_str());
        let key = PrivateKey::generate(alg).unwrap();
        let files = match format {
            None => write_key_files(&key, &dir).unwrap(),
            Some(format) => write_key_files_as(&key, &dir, format).unwrap(),
        };
        let format = format.unwrap_or_default();
        assert_eq!(files.private_format, format);
        assert_eq!(files.private_pem, dir.join("private.pem"));
        assert_eq!(files.public_pem, dir.join("public.pem"));
        assert_eq!(files.public_key_txt, dir.join("public_key.txt"));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&files.private_pem)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{alg}: private.pem mode {mode:o}");
        }

        let expected = key.public_key();
        let private_pem = fs::read_to_string(&files.private_pem).unwrap();
        // The default is the label the vendor's tools read: PKCS#1 for RSA, SEC1 for EC.
        let label = match (format, alg) {
            (PrivateKeyFormat::Pkcs8, _) => "PRIVATE KEY",
            (_, Algorithm::Rs256) => "RSA PRIVATE KEY",
            _ => "EC PRIVATE KEY",
        };
        assert_eq!(format.pem_label(alg), label);
        assert!(
            private_pem.starts_with(&format!("-----BEGIN {label}-----\n")),
            "{alg} {format:?}"
        );
        let private = PrivateKey::from_pem(&private_pem).unwrap();
        assert_eq!(private.algorithm(), alg);
        assert_eq!(private.public_key(), expected);

        let public_pem = fs::read_to_string(&files.public_pem).unwrap();
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(PublicKey::from_pem(&public_pem).unwrap(), expected);

        let txt = fs::read_to_string(&files.public_key_txt).unwrap();
        assert!(txt.ends_with('\n'));
        assert_eq!(txt.lines().count(), 1);
        assert_eq!(PublicKey::from_public_key_txt(&txt).unwrap(), expected);

        assert_eq!(
            read_private_key_file(&files.private_pem)
                .unwrap()
                .public_key(),
            expected
        );
        for path in [&files.public_pem, &files.public_key_txt] {
            let entries = read_public_key_file(path).unwrap();
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].key, expected);
            assert_eq!(entries[0].kid, None);
        }
    }
}

#[test]
fn existing_key_files_are_never_overwritten() {
    let temp = TempDir::new("overwrite");
    let first = PrivateKey::generate(Algorithm::Es256).unwrap();
    let files = write_key_files(&first, temp.path()).unwrap();
    let before = fs::read_to_string(&files.private_pem).unwrap();

    let second = PrivateKey::generate(Algorithm::Es256).unwrap();
    let error = write_key_files(&second, temp.path()).unwrap_err();
    assert!(
        matches!(error, KeyError::FileExists { ref path } if *path == files.private_pem),
        "{error}"
    );
    assert_eq!(fs::read_to_string(&files.private_pem).unwrap(), before);

    // Only the public file left behind: still nothing is written.
    let other = TempDir::new("overwrite-public");
    fs::write(other.path().join("public_key.txt"), "x\n").unwrap();
    let error = write_key_files(&second, other.path()).unwrap_err();
    assert!(matches!(error, KeyError::FileExists { .. }));
    assert!(!other.path().join("private.pem").exists());
}

#[test]
fn io_errors_name_the_path() {
    let temp = TempDir::new("io");
    let blocker = temp.path().join("not-a-directory");
    fs::write(&blocker, "").unwrap();
    let key = PrivateKey::generate(Algorithm::Es384).unwrap();
    let error = write_key_files(&key, &blocker.join("keys")).unwrap_err();
    assert!(matches!(error, KeyError::Io { .. }), "{error}");
    assert!(matches!(
        read_private_key_file(&temp.path().join("missing.pem")),
        Err(KeyError::Io { ref path, .. }) if path.ends_with("missing.pem")
    ));
}
