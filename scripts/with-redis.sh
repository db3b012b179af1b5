#!/usr/bin/env bash
# Runs a command with a Redis server to talk to.
#
#   scripts/with-redis.sh CMD ARGS...
#
# - REDIS_URL and REDIS_CLUSTER_URLS already set: runs the command as it is (exec).
# - Otherwise: installs Debian's redis-server if it is missing (as root), then starts what is
#   missing, with no persistence, on free loopback ports:
#   - REDIS_URL unset: one private server; REDIS_URL is exported;
#   - REDIS_CLUSTER_URLS unset: a private Redis Cluster of 3 masters and 3 replicas (six
#     `redis-server --cluster-enabled yes`, joined by `redis-cli --cluster create
#     --cluster-replicas 1`, waited for until every node reports `cluster_state:ok`);
#     REDIS_CLUSTER_URLS is exported (the six nodes' URLs, comma-separated). Set
#     WITH_REDIS_CLUSTER=0 to skip the cluster.
#   then runs the command and stops every server it started by its PID when the script
#   exits (also on failure or Ctrl-C). The command's exit code is the script's.
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

want_cluster=""
if [ -z "${REDIS_CLUSTER_URLS:-}" ] && [ "${WITH_REDIS_CLUSTER:-1}" != "0" ]; then
    want_cluster=1
fi

if [ -n "${REDIS_URL:-}" ] && [ -z "${want_cluster}" ]; then
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

# N free loopback ports P whose cluster bus port P+10000 is free too (bound together and
# released: good enough for private servers).
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
wanted, found, held = int(sys.argv[1]), [], []
while len(found) < wanted:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    held.append(s)
    if port + 10000 > 65535 or port in found:
        continue
    bus = socket.socket()
    try:
        bus.bind(("127.0.0.1", port + 10000))
    except OSError:
        continue
    held.append(bus)
    found.append(port)
for s in held:
    s.close()
print(" ".join(map(str, found)))
PY
}

workdir="$(mktemp -d "${TMPDIR:-/tmp}/with-redis.XXXXXX")"
server_pids=()

stop_servers() {
    local pid
    for pid in "${server_pids[@]}"; do
        kill "${pid}" 2>/dev/null || true
    done
    for pid in "${server_pids[@]}"; do
        # Bounded wait for a clean exit, then force it.
        for _ in $(seq 1 50); do
            kill -0 "${pid}" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "${pid}" 2>/dev/null || true
        wait "${pid}" 2>/dev/null || true
    done
    rm -rf "${workdir}"
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server DIR PORT [EXTRA ARGS...]: a redis-server in DIR, its PID appended to server_pids.
start_server() {
    local dir="$1" port="$2"
    shift 2
    mkdir -p "${dir}"
    (cd "${dir}" && exec "${server_bin}" --port "${port}" --bind 127.0.0.1 \
        --save '' --appendonly no --daemonize no --loglevel warning \
        --logfile "${dir}/redis.log" "$@") &
    server_pids+=("$!")
}

# wait_ping PORT PID DIR: until the server answers PING (10 s at most).
wait_ping() {
    local port="$1" pid="$2" dir="$3"
    for _ in $(seq 1 100); do
        if ! kill -0 "${pid}" 2>/dev/null; then
            break
        fi
        if [ "$("${cli_bin}" -h 127.0.0.1 -p "${port}" ping 2>/dev/null || true)" = "PONG" ]; then
            return 0
        fi
        sleep 0.05
    done
    log "redis-server did not answer PING on 127.0.0.1:${port} within 10 s"
    cat "${dir}/redis.log" >&2 2>/dev/null || true
    exit 1
}

if [ -z "${REDIS_URL:-}" ]; then
    port="$(free_ports 1)"
    start_server "${workdir}/server" "${port}"
    wait_ping "${port}" "${server_pids[-1]}" "${workdir}/server"
    export REDIS_URL="redis://127.0.0.1:${port}/"
    log "redis-server ${server_pids[-1]} on ${REDIS_URL}"
fi

if [ -n "${want_cluster}" ]; then
    read -r -a cluster_ports <<<"$(free_ports 6)"
    first_node=${#server_pids[@]}
    for p in "${cluster_ports[@]}"; do
        start_server "${workdir}/cluster-${p}" "${p}" --cluster-enabled yes \
            --cluster-config-file nodes.conf --cluster-node-timeout 2000
    done
    for i in "${!cluster_ports[@]}"; do
        p="${cluster_ports[$i]}"
        wait_ping "${p}" "${server_pids[$((first_node + i))]}" "${workdir}/cluster-${p}"
    done
    nodes=()
    urls=()
    for p in "${cluster_ports[@]}"; do
        nodes+=("127.0.0.1:${p}")
        urls+=("redis://127.0.0.1:${p}")
    done
    if ! "${cli_bin}" --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes \
        >"${workdir}/cluster-create.log" 2>&1; then
        log "redis-cli --cluster create failed:"
        cat "${workdir}/cluster-create.log" >&2
        exit 1
    fi
    # Every node must see the whole cluster: state ok (every slot served) and the three
    # replicas attached to their masters.
    for p in "${cluster_ports[@]}"; do
        ok=""
        for _ in $(seq 1 200); do
            if "${cli_bin}" -h 127.0.0.1 -p "${p}" cluster info 2>/dev/null |
                grep -q '^cluster_state:ok' &&
                [ "$("${cli_bin}" -h 127.0.0.1 -p "${p}" cluster nodes 2>/dev/null |
                    awk '$3 ~ /slave/' | wc -l | tr -d ' ')" = 3 ]; then
                ok=1
                break
            fi
            sleep 0.05
        done
        if [ -z "${ok}" ]; then
            log "the cluster node 127.0.0.1:${p} did not see a whole, ok cluster within 10 s"
            exit 1
        fi
    done
    REDIS_CLUSTER_URLS="$(IFS=,; printf '%s' "${urls[*]}")"
    export REDIS_CLUSTER_URLS
    log "redis cluster (3 masters, 3 replicas; PIDs ${server_pids[*]:${first_node}}) on ${REDIS_CLUSTER_URLS}"
fi

status=0
"$@" || status=$?
exit "${status}"
