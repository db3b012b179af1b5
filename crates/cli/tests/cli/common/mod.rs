//! Helpers shared by the integration tests: temporary directories, running the built
//! binary, and decoding token segments.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_playback-auth");

/// An `iat` for tokens whose times the tests control.
pub(crate) const IAT: i64 = 1_700_000_000;

/// A fresh directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "playback-auth-cli-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory, as a string argument.
    pub(crate) fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> String {
        let path = self.file(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub(crate) fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code; stdout: {:?}; stderr: {:?}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts exit 0 and returns stdout.
    #[track_caller]
    pub(crate) fn success(self) -> String {
        self.expect_code(0).stdout
    }

    /// Asserts the exit code and that stderr is exactly one line; returns that line.
    #[track_caller]
    pub(crate) fn failure_line(self, code: i32) -> String {
        let run = self.expect_code(code);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one stderr line expected: {:?}", run.stderr);
        lines[0].to_owned()
    }
}

/// Runs the binary with `args` and empty standard input.
pub(crate) fn run(args: &[&str]) -> Run {
    run_full(args, None, None)
}

/// Runs the binary with `args`, feeding `stdin`.
pub(crate) fn run_with_stdin(args: &[&str], stdin: &str) -> Run {
    run_full(args, Some(stdin), None)
}

/// Runs the binary with `args` in the working directory `dir`.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Run {
    run_full(args, None, Some(dir))
}

fn run_full(args: &[&str], stdin: Option<&str>, dir: Option<&Path>) -> Run {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output
            .status
            .code()
            .expect("the binary was killed by a signal (a crash?)"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `keygen --algo <algo> --out <dir>`, asserts it succeeded; its standard output.
pub(crate) fn keygen(dir: &TempDir, algo: &str) -> String {
    run(&[
        "keygen",
        "--algo",
        algo,
        "--out",
        dir.path().to_str().unwrap(),
    ])
    .success()
}

/// Runs `mint --key <dir>/private.pem <extra…>` and returns the token.
pub(crate) fn mint(dir: &TempDir, extra: &[&str]) -> String {
    let key = dir.file("private.pem");
    let mut args = vec!["mint", "--key", key.as_str()];
    args.extend_from_slice(extra);
    let stdout = run(&args).success();
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    let token = stdout.trim_end().to_owned();
    assert_eq!(token.split('.').count(), 3, "{token}");
    token
}

/// Writes a claims file with a fixed `iat` (plus `more`) and returns its path.
pub(crate) fn fixed_claims(dir: &TempDir, more: &str) -> String {
    let separator = if more.is_empty() { "" } else { "," };
    dir.write(
        "claims.json",
        &format!(r#"{{"accid":"acct-1","iat":{IAT}{separator}{more}}}"#),
    )
}

/// The JSON of segment `index` (0 header, 1 payload) of `token`.
pub(crate) fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `token` with its payload replaced by `payload` (the signature left as it was).
pub(crate) fn with_payload(token: &str, payload: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload),
        parts[2]
    )
}
