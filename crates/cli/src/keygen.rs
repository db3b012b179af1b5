//! `playback-auth keygen`: generate a key pair into the layout publishers register.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use playback_auth_keys::{Algorithm, PrivateKey, PrivateKeyFormat, write_key_files_as};

use crate::algorithm_arg::AlgorithmArg;
use crate::error::CliError;

/// Arguments of `keygen`.
#[derive(Debug, Args)]
#[command(after_help = "\
Register public_key.txt (or public.pem) with the platform; keep private.pem for `mint`.
private.pem is PKCS#1 (RSA PRIVATE KEY) or SEC1 (EC PRIVATE KEY) unless --format pkcs8: the
labels the vendor's own mint tools read. `mint` reads all three.

Exit status: 0 written; 1 key generation failed; 2 usage or I/O error (including an \
existing key file, which is never overwritten).")]
pub(crate) struct KeygenArgs {
    /// Algorithm the key pair is for: rs256 (RSA-2048), es256 (P-256) or es384 (P-384);
    /// rsa256 and ec256, the vendor tool's names, are aliases.
    #[arg(long, value_enum, ignore_case = true)]
    algo: AlgorithmArg,
    /// Format of private.pem: pkcs1 (PKCS#1 for RSA, SEC1 for EC; alias sec1) or pkcs8.
    #[arg(long, value_enum, ignore_case = true, default_value = "pkcs1")]
    format: FormatArg,
    /// Directory to write private.pem, public.pem and public_key.txt into (created if
    /// missing). Existing key files are never overwritten.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
}

/// The `--format` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// PKCS#1 `RSA PRIVATE KEY` for RSA, SEC1 `EC PRIVATE KEY` for EC.
    #[value(alias = "sec1")]
    Pkcs1,
    /// PKCS#8 `PRIVATE KEY`.
    Pkcs8,
}

impl From<FormatArg> for PrivateKeyFormat {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Pkcs1 => PrivateKeyFormat::Traditional,
            FormatArg::Pkcs8 => PrivateKeyFormat::Pkcs8,
        }
    }
}

/// Generates the key pair and writes the three files; returns where they went.
pub(crate) fn run(args: &KeygenArgs) -> Result<String, CliError> {
    let algorithm = Algorithm::from(args.algo);
    let key = PrivateKey::generate(algorithm).map_err(CliError::Generate)?;
    let format = PrivateKeyFormat::from(args.format);
    let files = write_key_files_as(&key, &args.out, format).map_err(CliError::WriteKeys)?;
    Ok(format!(
        "Generated an {algorithm} key pair.\n\
         Private key saved to {} ({}, `{}`; mode 0600): keep it secret; `mint --key` signs with it.\n\
         Public key saved to {} (register this one-line form with the platform) and {}.\n",
        files.private_pem.display(),
        format.name(algorithm),
        format.pem_label(algorithm),
        files.public_key_txt.display(),
        files.public_pem.display(),
    ))
}
