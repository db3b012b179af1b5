//! The key file layout publishers use: `private.pem`, `public.pem`, `public_key.txt`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use elliptic_curve::zeroize::Zeroizing;

use crate::{KeyEntry, KeyError, PrivateKey, PrivateKeyFormat, PublicKey};

/// File name of the private key (PKCS#1 or SEC1 by default, PKCS#8 on request).
pub const PRIVATE_PEM: &str = "private.pem";
/// File name of the SubjectPublicKeyInfo PEM public key.
pub const PUBLIC_PEM: &str = "public.pem";
/// File name of the one-line base64 SubjectPublicKeyInfo public key.
pub const PUBLIC_KEY_TXT: &str = "public_key.txt";

/// Where [`write_key_files`] put the three files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFiles {
    /// PEM private key, mode 0600 on Unix.
    pub private_pem: PathBuf,
    /// The format `private.pem` was written in.
    pub private_format: PrivateKeyFormat,
    /// SubjectPublicKeyInfo PEM public key.
    pub public_pem: PathBuf,
    /// One line of standard base64 of the SubjectPublicKeyInfo DER, then a newline.
    pub public_key_txt: PathBuf,
}

/// Writes `private.pem` in the [default format](PrivateKeyFormat::Traditional) — PKCS#1
/// `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`, the labels the vendor's own tools read —
/// `public.pem` (SubjectPublicKeyInfo PEM) and `public_key.txt` into `dir`, creating `dir`
/// if needed. [`write_key_files_as`] chooses the private key's format.
///
/// On Unix `private.pem` is created with mode 0600 in the call that creates it, so it is
/// never readable by others, even briefly. Existing key files are never overwritten: if
/// any of the three exists, nothing is written.
///
/// # Errors
/// [`KeyError::FileExists`] if a key file is already there, [`KeyError::Io`] for other
/// file-system failures (a failure after `private.pem` was written leaves it in place),
/// [`KeyError::Encoding`] if the key cannot be encoded.
pub fn write_key_files(key: &PrivateKey, dir: &Path) -> Result<KeyFiles, KeyError> {
    write_key_files_as(key, dir, PrivateKeyFormat::default())
}

/// [`write_key_files`] with `private.pem` in `format`.
///
/// # Errors
/// As [`write_key_files`].
pub fn write_key_files_as(
    key: &PrivateKey,
    dir: &Path,
    format: PrivateKeyFormat,
) -> Result<KeyFiles, KeyError> {
    let files = KeyFiles {
        private_pem: dir.join(PRIVATE_PEM),
        private_format: format,
        public_pem: dir.join(PUBLIC_PEM),
        public_key_txt: dir.join(PUBLIC_KEY_TXT),
    };
    // Encode everything before touching the file system.
    let private_pem = key.to_pem(format)?;
    let public = key.public_key();
    let public_pem = public.to_pem();
    let public_key_txt = format!("{}\n", public.to_public_key_txt());

    fs::create_dir_all(dir).map_err(|source| KeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for path in [&files.private_pem, &files.public_pem, &files.public_key_txt] {
        match fs::symlink_metadata(path) {
            Ok(_) => return Err(KeyError::FileExists { path: path.clone() }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(KeyError::Io {
                    path: path.clone(),
                    source,
                });
            }
        }
    }
    write_new(&files.private_pem, private_pem.as_bytes(), 0o600)?;
    write_new(&files.public_pem, public_pem.as_bytes(), 0o644)?;
    write_new(&files.public_key_txt, public_key_txt.as_bytes(), 0o644)?;
    Ok(files)
}

/// Creates `path` (failing if it exists, symlinks included) with `mode` on Unix, writes
/// `contents` and flushes them to disk.
fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let io_error = |source: io::Error| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            KeyError::FileExists {
                path: path.to_owned(),
            }
        } else {
            KeyError::Io {
                path: path.to_owned(),
                source,
            }
        }
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file: File = options.open(path).map_err(io_error)?;
    file.write_all(contents).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

/// Reads a private key PEM file (PKCS#1, SEC1 or PKCS#8).
///
/// # Errors
/// [`KeyError::Io`], or any error of [`PrivateKey::from_pem`].
pub fn read_private_key_file(path: &Path) -> Result<PrivateKey, KeyError> {
    let text = fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
    PrivateKey::from_pem(&text)
}

/// Reads a public key file in any format [`PublicKey::parse`] detects (PEM,
/// `public_key.txt`, JWK, JWK Set).
///
/// # Errors
/// [`KeyError::Io`], or any error of [`PublicKey::parse`].
pub fn read_public_key_file(path: &Path) -> Result<Vec<KeyEntry>, KeyError> {
    let text = fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })?;
    PublicKey::parse(&text)
}
