//! Everything a subcommand can fail with, and the exit code each failure maps to.

use std::error::Error as _;
use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

use playback_auth_claims::Violations;
use playback_auth_keys::KeyError;
use playback_auth_sign::SignError;
use playback_auth_verify::VerifyError;

/// Exit code of a rejected token or another non-usage failure.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage or I/O error (clap's usage errors use it too).
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a subcommand did not succeed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line asks for something impossible (e.g. `--algo` disagreeing with
    /// the key).
    #[error("{0}")]
    Usage(String),
    /// An input (key file, claims file, standard input) could not be read.
    #[error("cannot read {what}")]
    Read {
        /// What was being read, e.g. `key file keys/private.pem`.
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// An input is too large to be a key, claims or a token.
    #[error("{what} is larger than {max} bytes")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The limit.
        max: u64,
    },
    /// A key file holds no usable key.
    #[error("cannot use key file {}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why its key was refused.
        #[source]
        source: KeyError,
    },
    /// Key files could not be written (one exists already, or the file system failed).
    #[error("cannot write the key files")]
    WriteKeys(#[source] KeyError),
    /// The key pair could not be generated.
    #[error("cannot generate the key pair")]
    Generate(#[source] KeyError),
    /// The claims to mint are not valid JSON or not a JSON object.
    #[error("{what} {problem}")]
    ClaimsInput {
        /// Where the claims came from.
        what: String,
        /// What is wrong with them.
        problem: String,
    },
    /// The claims to mint break the claim rules; nothing was signed.
    #[error("invalid claims: {0}")]
    InvalidClaims(Violations),
    /// Signing failed after the claims were accepted.
    #[error("cannot sign the token")]
    Sign(#[source] SignError),
    /// The token was rejected by the verifier.
    #[error("rejected: {}: {}", .0.code(), rejection_detail(.0))]
    Rejected(VerifyError),
    /// `inspect` could not decode the token.
    #[error("cannot decode token: {0}")]
    Undecodable(String),
    /// Standard output could not be written.
    #[error("cannot write to standard output")]
    Output(#[source] io::Error),
}

impl CliError {
    /// The process exit code: 1 for a rejected or undecodable token and other failures that
    /// are not the caller's input, 2 for usage and I/O errors.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Rejected(_) | Self::Undecodable(_) | Self::Generate(_) | Self::Sign(_) => {
                EXIT_FAILURE
            }
            Self::Usage(_)
            | Self::Read { .. }
            | Self::TooLarge { .. }
            | Self::Key { .. }
            | Self::WriteKeys(_)
            | Self::ClaimsInput { .. }
            | Self::InvalidClaims(_)
            | Self::Output(_) => EXIT_USAGE,
        }
    }

    /// The one line written to stderr: `rejected: <code>: <reason>` for a rejected token,
    /// `error: <what>: <cause>: …` otherwise. Control characters (which a token could
    /// smuggle into a reason) are escaped so the message stays on one line.
    pub(crate) fn message(&self) -> String {
        let mut message = match self {
            Self::Rejected(_) => self.to_string(),
            _ => format!("error: {self}"),
        };
        let mut source = self.source();
        while let Some(cause) = source {
            let _ = write!(message, ": {cause}");
            source = cause.source();
        }
        one_line(&message)
    }
}

/// The reason of a rejection without the `invalid claims:` prefix, which the code already
/// says (`rejected: token_expired: token expired at …`).
fn rejection_detail(error: &VerifyError) -> String {
    match error.violations() {
        Some(violations) => violations.to_string(),
        None => error.to_string(),
    }
}

/// `text` with every control character escaped.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
