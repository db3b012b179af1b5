#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test, and warning-free docs.
# This is the README's test command; .ci/run calls it unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo test"
cargo test --workspace --all-features

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "all checks passed"
