#!/usr/bin/env bash
# `make demo`: private MariaDB and Redis on loopback in a temporary directory, a dev site with
# the real Frappe v15 + ERPNext schema and this app's DocTypes, then what the sidecar sees of it.
# Everything keeps running until `make demo-stop`.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.demo/state

stop() {
    [ -f "$state" ] || { echo "no demo running"; return 0; }
    dir=$(cat "$state")
    if [ -f "$dir/env" ]; then
        # shellcheck disable=SC1091
        . "$dir/env"
        for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    fi
    rm -rf "$dir" "$state"
    echo "demo stopped"
}

if [ "${1:-}" = "stop" ]; then stop; exit 0; fi
[ -f "$state" ] && stop

dir=$(mktemp -d /tmp/github-sidecar-demo.XXXXXX)
mkdir -p .demo && echo "$dir" > "$state"
scripts/services.sh --keep "$dir" -- true
# shellcheck disable=SC1091
. "$dir/env"
bin="$(swift build --show-bin-path)/github-sidecar"

echo "== creating a dev site on the private MariaDB"
"$bin" dev-site create --bench "$dir/bench" --site demo.localhost --db-socket "$SIDECAR_TEST_MARIADB_SOCKET" \
    --db-root-username root --db-root-password "" --redis-cache "$SIDECAR_TEST_REDIS_URL" --time-zone Asia/Kolkata
echo
echo "== what the sidecar sees of it"
"$bin" check-site --bench "$dir/bench" --site demo.localhost
echo
echo "MariaDB: $SIDECAR_TEST_MARIADB_SOCKET (port $SIDECAR_TEST_MARIADB_PORT)   Redis: $SIDECAR_TEST_REDIS_URL"
echo "bench:   $dir/bench"
echo "stop everything with: make demo-stop"
