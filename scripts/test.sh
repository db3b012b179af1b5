#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test, and warning-free docs.
# This is the README's test command; .ci/run calls it unchanged.
#
# The tests need Redis: scripts/with-redis.sh installs Debian's redis-server when it is
# missing, starts a private one on a free loopback port with persistence off and a private
# Redis Cluster (3 masters + 3 replicas), exports REDIS_URL and REDIS_CLUSTER_URLS, and stops
# them by PID afterwards; it also installs the `openssl` binary when missing (the CLI tests
# read `keygen`'s files back with it). Set REDIS_URL / REDIS_CLUSTER_URLS to use your own.
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

step "cargo test (with a private Redis server and cluster unless REDIS_URL / REDIS_CLUSTER_URLS are set)"
scripts/with-redis.sh cargo test --workspace --all-features

step "cargo doc"
# --all-features: the same features as the clippy pass, so its dependency metadata is reused.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

step "all checks passed"
