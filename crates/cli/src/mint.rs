//! `playback-auth mint`: sign a playback token with a private key.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{Map, Value};

use playback_auth_claims::{ClaimSet, NumericDate, PlaybackClaims, names};
use playback_auth_keys::{Algorithm, CryptoProvider, PrivateKey, Zeroizing};
use playback_auth_sign::{SignError, Signer};

use crate::algorithm_arg::AlgorithmArg;
use crate::error::CliError;
use crate::input::{self, STDIN, parse_unix_time};

/// Lifetime of a minted token when neither the claims nor the flags give `exp`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Arguments of `mint`; the rules it follows are its `after_help`, shown by `--help`.
#[derive(Debug, Args)]
#[command(after_help = "\
Claims start from --claims (or nothing); each flag then sets its claim, replacing the file's \
value. iat defaults to now and exp to iat + 1 hour. The claims must form a valid playback \
restriction, static URL or private-channel (ES384 only) claim set, or nothing is signed.

Exit status: 0 token on stdout; 1 signing failed; 2 usage error, unreadable key or claims, \
invalid claims.")]
pub(crate) struct MintArgs {
    /// Private key PEM file (PKCS#8, PKCS#1 or SEC1), e.g. the private.pem of `keygen`.
    #[arg(long, value_name = "PRIVATE.pem")]
    key: PathBuf,
    /// Algorithm to sign with; must match the key. Default: the key's (RSA → RS256,
    /// P-256 → ES256, P-384 → ES384).
    #[arg(long, value_enum, ignore_case = true)]
    algo: Option<AlgorithmArg>,
    /// JSON object of claims to start from; `-` reads it from standard input.
    #[arg(long, value_name = "FILE|-")]
    claims: Option<String>,
    /// `accid`: the account that owns the content.
    #[arg(long, value_name = "ID")]
    account_id: Option<String>,
    /// `conid`: the only content (video) id the token is valid for.
    #[arg(long, value_name = "ID")]
    content_id: Option<String>,
    /// `exp`: expiry, in seconds since 1970.
    #[arg(long, value_name = "UNIX", value_parser = parse_unix_time, conflicts_with = "ttl")]
    expires_at: Option<NumericDate>,
    /// `exp` as `iat` + SECONDS (default 3600). At most 30 days.
    #[arg(long, value_name = "SECONDS")]
    ttl: Option<u64>,
    /// `maxu`: most licence/key requests the token may make.
    #[arg(long, value_name = "N")]
    max_uses: Option<u64>,
    /// `maxip`: most distinct client IP addresses that may use the token.
    #[arg(long, value_name = "N")]
    max_ips: Option<u64>,
    /// `ua`: the only user agent the token is valid for.
    #[arg(long, value_name = "UA")]
    user_agent: Option<String>,
    /// `kid` header: the key id the verifier should pick the key by.
    #[arg(long, value_name = "ID")]
    kid: Option<String>,
}

/// Builds, validates and signs the claims; returns the token and a newline.
pub(crate) fn run(args: &MintArgs) -> Result<String, CliError> {
    let key = read_private_key(&args.key)?;
    let algorithm = key.algorithm();
    if let Some(wanted) = args.algo.map(Algorithm::from)
        && wanted != algorithm
    {
        return Err(CliError::Usage(format!(
            "--algo {} does not match the key in {}, which is an {algorithm} key",
            wanted.as_str().to_ascii_lowercase(),
            args.key.display(),
        )));
    }

    let mut object = match &args.claims {
        Some(source) => read_claims(source)?,
        None => Map::new(),
    };
    apply_flags(args, &mut object, input::now());

    let claims = PlaybackClaims::from_json_object(object).map_err(CliError::InvalidClaims)?;
    // One token per run, so speed does not matter; RustCrypto's RFC 6979 nonces make equal
    // inputs give equal tokens, which publishers compare.
    let mut signer = Signer::with_provider(key, CryptoProvider::RustCrypto);
    if let Some(kid) = &args.kid {
        signer = signer.with_kid(kid.clone());
    }
    let token = signer.sign(&claims).map_err(|error| match error {
        SignError::InvalidClaims(violations) => CliError::InvalidClaims(violations),
        // The signer's rule, reported as the usage error it is on the command line.
        SignError::ChannelTokenNotEs384 { alg } => CliError::Usage(format!(
            "private-channel claims (`{}`) must be signed with an ES384 key, not {alg}",
            names::CHANNEL_ARN,
        )),
        other => CliError::Sign(other),
    })?;
    Ok(format!("{token}\n"))
}

fn read_private_key(path: &std::path::Path) -> Result<PrivateKey, CliError> {
    let pem = Zeroizing::new(input::text_file(path, "key file")?);
    PrivateKey::from_pem(&pem).map_err(|source| CliError::Key {
        path: path.to_owned(),
        source,
    })
}

/// The JSON object in the file (or standard input) `source`.
fn read_claims(source: &str) -> Result<Map<String, Value>, CliError> {
    let (text, what) = if source == STDIN {
        (
            input::stdin("claims")?,
            "claims on standard input".to_owned(),
        )
    } else {
        let path = std::path::Path::new(source);
        (
            input::text_file(path, "claims file")?,
            format!("claims file {source}"),
        )
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(CliError::ClaimsInput {
            what,
            problem: "is not a JSON object".into(),
        }),
        Err(error) => Err(CliError::ClaimsInput {
            what,
            problem: format!("is not valid JSON: {error}"),
        }),
    }
}

/// Sets the claims the flags give, then the defaults: `iat` = `now`, `exp` = `iat` + 1 hour.
///
/// `--ttl` and the default lifetime count from `iat` (so a token's lifetime is what was
/// asked even when the claims file sets `iat`); values of the wrong type are left for the
/// claim rules to report.
fn apply_flags(args: &MintArgs, object: &mut Map<String, Value>, now: NumericDate) {
    let mut set = |claim: &str, value: Value| {
        object.insert(claim.to_owned(), value);
    };
    if let Some(accid) = &args.account_id {
        set(names::ACCID, accid.clone().into());
    }
    if let Some(conid) = &args.content_id {
        set(names::CONID, conid.clone().into());
    }
    if let Some(maxu) = args.max_uses {
        set(names::MAXU, maxu.into());
    }
    if let Some(maxip) = args.max_ips {
        set(names::MAXIP, maxip.into());
    }
    if let Some(ua) = &args.user_agent {
        set(names::UA, ua.clone().into());
    }

    let iat = object.entry(names::IAT).or_insert_with(|| now.to_json());
    let issued_at = NumericDate::from_json(iat).unwrap_or(now);
    let lifetime = args.ttl.map(Duration::from_secs);
    match (args.expires_at, lifetime) {
        (Some(exp), _) => {
            object.insert(names::EXP.to_owned(), exp.to_json());
        }
        (None, Some(lifetime)) => {
            object.insert(
                names::EXP.to_owned(),
                issued_at.saturating_add(lifetime).to_json(),
            );
        }
        (None, None) => {
            object
                .entry(names::EXP)
                .or_insert_with(|| issued_at.saturating_add(DEFAULT_LIFETIME).to_json());
        }
    }
}
