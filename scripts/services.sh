#!/usr/bin/env bash
# Starts private servers on loopback in a temporary directory, runs a command with their
# addresses in the environment, and stops them afterwards (also on failure or Ctrl-C).
#   scripts/services.sh [--keep DIR] -- COMMAND...
# Environment given to COMMAND:
#   SIDECAR_TEST_MARIADB_SOCKET  unix socket of a MariaDB server (root via unix_socket auth)
#   SIDECAR_TEST_MARIADB_PORT    its TCP port on 127.0.0.1
#   SIDECAR_TEST_REDIS_URL       redis://127.0.0.1:PORT
#   SIDECAR_SERVICES_DIR         the temporary directory (logs are there)
#   TMPDIR                       $SIDECAR_SERVICES_DIR/tmp, so whatever COMMAND leaves in the
#                                temporary directory goes with it
# A process COMMAND starts and cannot stop itself (say its test process crashed) is ended too: a
# file named by its pid in $SIDECAR_SERVICES_DIR/children/ asks for that; it is ended only while its
# command line still names the temporary directory (so a reused pid is left alone).
set -euo pipefail
keep=""
if [ "${1:-}" = "--keep" ]; then keep="$2"; shift 2; fi
[ "${1:-}" = "--" ] && shift

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

dir="${keep:-$(mktemp -d "${TMPDIR:-/tmp}/github-sidecar-services.XXXXXX")}"
mkdir -p "$dir"
mariadbd_bin=$(command -v mariadbd || echo /usr/sbin/mariadbd)
redis_bin=$(command -v redis-server || echo /usr/bin/redis-server)
db_port=$(free_port)
redis_port=$(free_port)
pids=()

stop_all() {
    for file in "$dir"/children/*; do
        [ -e "$file" ] || continue
        pid=$(basename "$file")
        cmdline=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") || continue  # gone already
        case "$cmdline" in *"$dir/"*) kill -9 "$pid" 2>/dev/null || true ;; esac
    done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    [ -n "$keep" ] || rm -rf "$dir"
}
[ -n "$keep" ] || trap stop_all EXIT INT TERM

# MariaDB: utf8mb4 / utf8mb4_unicode_ci as Frappe requires.
if [ ! -d "$dir/mariadb/mysql" ]; then
    mkdir -p "$dir/mariadb"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/mariadb" --auth-root-authentication-method=socket >"$dir/mariadb-install.log" 2>&1
fi
"$mariadbd_bin" --no-defaults --user="$(id -un)" --datadir="$dir/mariadb" --socket="$dir/mariadb.sock" \
    --port="$db_port" --bind-address=127.0.0.1 --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M --max-connections=500 \
    --pid-file="$dir/mariadb.pid" --log-error="$dir/mariadb.err" >"$dir/mariadbd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [ -S "$dir/mariadb.sock" ] && mariadb --no-defaults -S "$dir/mariadb.sock" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
mariadb --no-defaults -S "$dir/mariadb.sock" -e 'select 1' >/dev/null || { echo "MariaDB did not start:"; tail -20 "$dir/mariadb.err"; exit 1; }

"$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
pids+=($!)

export SIDECAR_TEST_MARIADB_SOCKET="$dir/mariadb.sock"
export SIDECAR_TEST_MARIADB_PORT="$db_port"
export SIDECAR_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export SIDECAR_SERVICES_DIR="$dir"
mkdir -p "$dir/tmp" "$dir/children"
export TMPDIR="$dir/tmp"
if [ -n "$keep" ]; then
    printf 'SIDECAR_TEST_MARIADB_SOCKET=%s\nSIDECAR_TEST_MARIADB_PORT=%s\nSIDECAR_TEST_REDIS_URL=%s\nPIDS="%s"\n' \
        "$dir/mariadb.sock" "$db_port" "redis://127.0.0.1:$redis_port" "${pids[*]}" > "$dir/env"
fi
"$@"
