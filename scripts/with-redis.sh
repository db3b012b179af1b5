#!/usr/bin/env bash
# Runs a command with a Redis server to talk to.
#
#   scripts/with-redis.sh CMD ARGS...
#
# - REDIS_URL already set: runs the command as it is (exec), against that server.
# - Otherwise: installs Debian's redis-server if it is missing (as root), starts a private
#   one on a free loopback port with no persistence, exports REDIS_URL, runs the command,
#   and stops the server by its PID when the script exits (also on failure or Ctrl-C).
#   The command's exit code is the script's.
#
# Either way the `openssl` binary is installed (Debian's package, as root) when missing: the
# CLI tests read `keygen`'s files back with it, as the vendor's tools would.
#
# Either way REDIS_SERVER_BIN is exported (when a redis-server can be found), for tests that
# start servers of their own (fault injection, command counting, cluster mode).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

log() { printf 'with-redis: %s\n' "$*" >&2; }

find_server() {
    if [ -n "${REDIS_SERVER_BIN:-}" ] && [ -x "${REDIS_SERVER_BIN}" ]; then
        printf '%s\n' "${REDIS_SERVER_BIN}"
    else
        command -v redis-server || true
    fi
}

apt_install() {
    log "installing $1 (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "$1" >/dev/null
}

install_server() {
    if [ "$(id -u)" -ne 0 ]; then
        log "redis-server is not installed and this is not root: install it (apt-get install redis-server) or set REDIS_URL"
        exit 1
    fi
    apt_install redis-server
    # The package may start a system-wide service; ours is private, so leave that one be.
}

install_openssl() {
    if command -v openssl >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        log "openssl is not installed and this is not root: install it (apt-get install openssl); the CLI's key-format tests need it"
        exit 1
    fi
    apt_install openssl
}

install_openssl
server_bin="$(find_server)"

if [ -n "${REDIS_URL:-}" ]; then
    if [ -n "${server_bin}" ]; then
        export REDIS_SERVER_BIN="${server_bin}"
    fi
    exec "$@"
fi

if [ -z "${server_bin}" ]; then
    install_server
    server_bin="$(find_server)"
    if [ -z "${server_bin}" ]; then
        log "redis-server still not found after installing it"
        exit 1
    fi
fi
export REDIS_SERVER_BIN="${server_bin}"
cli_bin="$(dirname "${server_bin}")/redis-cli"
[ -x "${cli_bin}" ] || cli_bin="$(command -v redis-cli || true)"
if [ -z "${cli_bin}" ]; then
    log "redis-cli not found next to ${server_bin} nor on PATH"
    exit 1
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port="$(free_port)"
workdir="$(mktemp -d "${TMPDIR:-/tmp}/with-redis.XXXXXX")"
server_pid=""

stop_server() {
    if [ -n "${server_pid}" ] && kill -0 "${server_pid}" 2>/dev/null; then
        kill "${server_pid}" 2>/dev/null || true
        # Bounded wait for a clean exit, then force it.
        for _ in $(seq 1 50); do
            kill -0 "${server_pid}" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "${server_pid}" 2>/dev/null || true
        wait "${server_pid}" 2>/dev/null || true
    fi
    rm -rf "${workdir}"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(cd "${workdir}" && exec "${server_bin}" --port "${port}" --bind 127.0.0.1 \
    --save '' --appendonly no --daemonize no --loglevel warning \
    --logfile "${workdir}/redis.log") &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
    if ! kill -0 "${server_pid}" 2>/dev/null; then
        break
    fi
    if [ "$("${cli_bin}" -h 127.0.0.1 -p "${port}" ping 2>/dev/null || true)" = "PONG" ]; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ -z "${ready}" ]; then
    log "redis-server did not answer PING on 127.0.0.1:${port} within 10 s"
    cat "${workdir}/redis.log" >&2 2>/dev/null || true
    exit 1
fi

export REDIS_URL="redis://127.0.0.1:${port}/"
log "redis-server ${server_pid} on ${REDIS_URL}"

status=0
"$@" || status=$?
exit "${status}"
