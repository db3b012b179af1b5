#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test, and warning-free docs.
# This is the README's test command; .ci/run calls it unchanged.
#
# The tests need Redis: scripts/with-redis.sh installs Debian's redis-server when it is
# missing, starts a private one on a free loopback port with persistence off, exports
# REDIS_URL, and stops it by PID afterwards. Set REDIS_URL to use a server of your own.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# A clean CI checkout gains nothing from incremental compilation, and pays for it.
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
fi

step "cargo fmt --check"
cargo fmt --all -- --check

# cargo clippy --workspace --all-targets --all-features -- -D warnings, without compiling the
# dependency graph twice: `cargo clippy` is `cargo check` with clippy-driver as the compiler
# of the workspace's own crates, so a separate clippy pass would build every dependency once
# more (as metadata) before the tests build them for real. Here clippy-driver is the compiler
# of the workspace's crates in the test build itself: every target (lib, bins, tests,
# examples, benches) is linted with `-D warnings` as it is compiled, and the dependencies are
# compiled once, for the tests.
CLIPPY_DRIVER="$(command -v clippy-driver || rustup which clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "cargo clippy --workspace --all-targets --all-features -- -D warnings (as the test build's compiler)"
cargo test --workspace --all-targets --all-features --no-run

step "cargo test (with a private Redis server unless REDIS_URL is set)"
scripts/with-redis.sh cargo test --workspace --all-features

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "all checks passed"
