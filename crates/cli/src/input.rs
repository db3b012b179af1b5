//! Reading tokens, claims and key files from arguments, files and standard input.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use playback_auth_claims::NumericDate;

use crate::error::CliError;

/// The argument that means "read standard input".
pub(crate) const STDIN: &str = "-";

/// Largest input read from a file or standard input. Far above any key, claim set or token
/// (the verifier refuses tokens over 8 KiB); it only keeps a wrong file from filling memory.
pub(crate) const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// The token given as `arg`, or read from standard input when `arg` is `-` (surrounding
/// whitespace, such as the newline `echo` adds, removed).
pub(crate) fn token(arg: &str) -> Result<String, CliError> {
    if arg == STDIN {
        Ok(stdin("the token")?.trim().to_owned())
    } else {
        Ok(arg.to_owned())
    }
}

/// All of standard input as UTF-8 text.
pub(crate) fn stdin(what: &str) -> Result<String, CliError> {
    read_limited(io::stdin().lock(), &format!("{what} on standard input"))
}

/// A UTF-8 text file.
pub(crate) fn text_file(path: &Path, what: &str) -> Result<String, CliError> {
    let what = format!("{what} {}", path.display());
    let file = File::open(path).map_err(|source| CliError::Read {
        what: what.clone(),
        source,
    })?;
    read_limited(file, &what)
}

fn read_limited(reader: impl Read, what: &str) -> Result<String, CliError> {
    let mut text = String::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|source| CliError::Read {
            what: what.to_owned(),
            source,
        })?;
    if u64::try_from(text.len()).map_or(true, |len| len > MAX_INPUT_BYTES) {
        return Err(CliError::TooLarge {
            what: what.to_owned(),
            max: MAX_INPUT_BYTES,
        });
    }
    Ok(text)
}

/// Parses a `UNIX` time argument: whole seconds since 1970, up to the year 9999.
pub(crate) fn parse_unix_time(arg: &str) -> Result<NumericDate, String> {
    let secs: i64 = arg
        .parse()
        .map_err(|_| format!("{arg:?} is not a whole number of seconds"))?;
    NumericDate::from_secs(secs)
        .ok_or_else(|| format!("{secs} is out of range (0 to {})", NumericDate::MAX_SECS))
}

/// The system time as a whole-second [`NumericDate`].
pub(crate) fn now() -> NumericDate {
    use playback_auth_verify::Clock as _;
    playback_auth_verify::SystemClock.now()
}
