//! `playback-auth keygen`: generate a key pair into the layout publishers register.

use std::path::PathBuf;

use clap::Args;

use playback_auth_keys::{Algorithm, PrivateKey, write_key_files};

use crate::algorithm_arg::AlgorithmArg;
use crate::error::CliError;

/// Arguments of `keygen`.
#[derive(Debug, Args)]
#[command(after_help = "\
Register public_key.txt (or public.pem) with the platform; keep private.pem for `mint`.

Exit status: 0 written; 1 key generation failed; 2 usage or I/O error (including an \
existing key file, which is never overwritten).")]
pub(crate) struct KeygenArgs {
    /// Algorithm the key pair is for: rs256 (RSA-2048), es256 (P-256) or es384 (P-384).
    #[arg(long, value_enum, ignore_case = true)]
    algo: AlgorithmArg,
    /// Directory to write private.pem, public.pem and public_key.txt into (created if
    /// missing). Existing key files are never overwritten.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
}

/// Generates the key pair and writes the three files; returns where they went.
pub(crate) fn run(args: &KeygenArgs) -> Result<String, CliError> {
    let algorithm = Algorithm::from(args.algo);
    let key = PrivateKey::generate(algorithm).map_err(CliError::Generate)?;
    let files = write_key_files(&key, &args.out).map_err(CliError::WriteKeys)?;
    Ok(format!(
        "Generated an {algorithm} key pair.\n\
         Private key saved to {} (mode 0600): keep it secret; `mint --key` signs with it.\n\
         Public key saved to {} (register this one-line form with the platform) and {}.\n",
        files.private_pem.display(),
        files.public_key_txt.display(),
        files.public_pem.display(),
    ))
}
