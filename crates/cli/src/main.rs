//! `playback-auth`: generate key pairs, mint, verify and inspect signed playback tokens
//! (RS256, ES256, ES384) from the command line.
//!
//! This file only parses the command line, runs the chosen subcommand and turns its result
//! into output and an exit code: 0 success, 1 rejected or failed (a token that does not
//! verify or cannot be decoded, a key that cannot be generated), 2 usage or I/O errors
//! (clap's own usage errors exit 2 as well). Each subcommand lives in its own module.
//!
//! Output goes through `writeln!` on locked handles rather than `println!`/`eprintln!`,
//! which panic when a pipe is closed early (`playback-auth inspect … | head -1`); so the
//! `print_stdout`/`print_stderr` lints need no exception here.

mod algorithm_arg;
mod error;
mod input;
mod inspect;
mod keygen;
mod mint;
mod verify;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Mint and verify signed playback tokens (RS256, ES256, ES384).
///
/// Newcomer flow: `keygen` makes a key pair, `mint` signs a token with the private key,
/// `verify` checks it with the public key. `inspect` shows what a token says without
/// trusting it.
#[derive(Debug, Parser)]
#[command(name = "playback-auth", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a key pair: DIR/private.pem (mode 0600), public.pem and public_key.txt.
    Keygen(keygen::KeygenArgs),
    /// Sign a playback token with a private key and print it.
    Mint(mint::MintArgs),
    /// Verify a token's signature, times and claim rules; print its payload if valid.
    Verify(verify::VerifyArgs),
    /// Decode a token's header and payload WITHOUT verifying anything.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    // `parse` prints help/version and exits 0, or prints a usage error and exits 2.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(&args),
        Command::Mint(args) => mint::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Inspect(args) => inspect::run(&args),
    };
    let result = result.and_then(|output| {
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(output.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(CliError::Output)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Nothing useful is left to do if stderr itself is gone.
            let _ = writeln!(io::stderr().lock(), "{}", error.message());
            ExitCode::from(error.exit_code())
        }
    }
}
