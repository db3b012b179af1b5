//! `playback-auth verify`: check a token against public keys and print its payload.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde_json::Value;

use playback_auth_claims::{ClaimSet, NumericDate, PlaybackClaims};
use playback_auth_keys::{KeySet, PublicKey};
use playback_auth_verify::{FixedClock, Verifier, VerifyError};

use crate::error::CliError;
use crate::input::{self, parse_unix_time};

/// Arguments of `verify`; the rules it follows are its `after_help`, shown by `--help`.
#[derive(Debug, Args)]
#[command(after_help = "\
Every rule of the default verifier applies: algorithm allow-list, signature, exp required, \
time rules with leeway, exp - iat <= 30 days, and the rules of the claim set the payload is \
(playback restriction, static URL or private channel); any other payload is rejected.

Exit status: 0 valid (payload JSON on stdout); 1 rejected (one line \
`rejected: <code>: <reason>` on stderr); 2 usage or I/O error.")]
pub(crate) struct VerifyArgs {
    /// Public key file: SPKI PEM, public_key.txt, JWK or JWK Set. Repeat for several keys
    /// (e.g. during rotation); the token's `kid` picks among ids the files give.
    #[arg(long = "key", value_name = "PUBLIC", required = true)]
    keys: Vec<PathBuf>,
    /// Verify as of this time (seconds since 1970) instead of now.
    #[arg(long, value_name = "UNIX", value_parser = parse_unix_time)]
    now: Option<NumericDate>,
    /// Clock-skew allowance in seconds for exp, nbf and iat (default 30).
    #[arg(long, value_name = "S")]
    leeway: Option<u64>,
    /// The token, or `-` to read it from standard input.
    #[arg(value_name = "TOKEN|-")]
    token: String,
}

/// Verifies the token; returns its payload as pretty-printed JSON and a newline.
pub(crate) fn run(args: &VerifyArgs) -> Result<String, CliError> {
    let mut keys = KeySet::new();
    for path in &args.keys {
        keys.extend(read_public_keys(path)?);
    }
    let token = input::token(&args.token)?;

    let mut builder = Verifier::builder(keys);
    if let Some(leeway) = args.leeway {
        builder = builder.leeway(Duration::from_secs(leeway));
    }
    if let Some(now) = args.now {
        builder = builder.clock(FixedClock(now));
    }
    let verified = builder
        .build()
        .verify::<PlaybackClaims>(&token)
        .map_err(CliError::Rejected)?;

    // Validated claims always encode; if they ever did not, the token is not trusted.
    let payload = verified
        .claims
        .to_json_object()
        .map_err(|violation| CliError::Rejected(VerifyError::Claims(violation.into())))?;
    let json = serde_json::to_string_pretty(&Value::Object(payload))
        .map_err(|error| CliError::Undecodable(error.to_string()))?;
    Ok(format!("{json}\n"))
}

fn read_public_keys(path: &Path) -> Result<Vec<playback_auth_keys::KeyEntry>, CliError> {
    let text = input::text_file(path, "key file")?;
    PublicKey::parse(&text).map_err(|source| CliError::Key {
        path: path.to_owned(),
        source,
    })
}
