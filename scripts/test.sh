#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test, and warning-free docs.
# This is the README's test command; .ci/run calls it unchanged.
#
# The tests need Redis: scripts/with-redis.sh installs Debian's redis-server when it is
# missing, starts a private one on a free loopback port with persistence off, exports
# REDIS_URL, and stops it by PID afterwards; it also installs the `openssl` binary when missing
# (the CLI tests read `keygen`'s files back with it). Set REDIS_URL to use a server of your own.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# A clean CI checkout gains nothing from incremental compilation, and pays for it.
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo test (with a private Redis server unless REDIS_URL is set)"
scripts/with-redis.sh cargo test --workspace --all-features

step "cargo doc"
# --all-features: the same features as the clippy pass, so its dependency metadata is reused.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

step "all checks passed"
