//! `playback-auth inspect`: decode a token for reading, trusting nothing in it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use serde_json::{Map, Value};

use crate::error::CliError;
use crate::input;

/// The warning every `inspect` output starts with.
const NOT_VERIFIED: &str = "NOT VERIFIED: decoded without checking the signature, times or \
                            claim rules; use `playback-auth verify` before trusting it";

/// Arguments of `inspect`; the rules it follows are its `after_help`, shown by `--help`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints one JSON object: \"verified\": false, a warning, the header, the payload and the \
signature's length. Nothing is checked: use `verify` before trusting a token.

Exit status: 0 decoded; 1 not a decodable token; 2 usage or I/O error.")]
pub(crate) struct InspectArgs {
    /// The token, or `-` to read it from standard input.
    #[arg(value_name = "TOKEN|-")]
    token: String,
}

/// Decodes the token; returns the marked, pretty-printed JSON and a newline.
pub(crate) fn run(args: &InspectArgs) -> Result<String, CliError> {
    let token = input::token(&args.token)?;
    let output = Value::Object(decode(&token)?);
    let json = serde_json::to_string_pretty(&output)
        .map_err(|error| CliError::Undecodable(error.to_string()))?;
    Ok(format!("{json}\n"))
}

/// The marked output object for `token`.
fn decode(token: &str) -> Result<Map<String, Value>, CliError> {
    let segments: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = segments.as_slice() else {
        return Err(CliError::Undecodable(format!(
            "token has {} segments, expected 3 (header.payload.signature)",
            segments.len()
        )));
    };
    let signature_bytes = match URL_SAFE_NO_PAD.decode(signature) {
        Ok(bytes) => Value::from(bytes.len()),
        Err(_) => Value::String("not base64url".into()),
    };
    let mut output = Map::new();
    output.insert("verified".into(), Value::Bool(false));
    output.insert("warning".into(), NOT_VERIFIED.into());
    output.insert("header".into(), decode_json(header, "header")?);
    output.insert("payload".into(), decode_json(payload, "payload")?);
    output.insert("signature_bytes".into(), signature_bytes);
    Ok(output)
}

/// A base64url segment holding JSON.
fn decode_json(segment: &str, name: &str) -> Result<Value, CliError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| CliError::Undecodable(format!("{name} is not base64url without padding")))?;
    // serde_json limits nesting depth, so hostile JSON cannot overflow the stack.
    serde_json::from_slice(&bytes)
        .map_err(|error| CliError::Undecodable(format!("{name} is not JSON: {error}")))
}

#[cfg(test)]
mod tests;
