#!/usr/bin/env bash
# `make demo`: private MariaDB and Redis on loopback in a temporary directory, a dev site with the
# real Frappe v15 + ERPNext schema and this app's DocTypes, FakeGitHub serving a generated
# organisation, and the sidecar. Imports the organisation's repositories, syncs them through the
# RPC, syncs them again (all 304), and prints what landed. Everything keeps running until
# `make demo-stop`.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.demo/state
site=demo.localhost

stop() {
    [ -f "$state" ] || { echo "no demo running"; return 0; }
    dir=$(cat "$state")
    for f in "$dir/env" "$dir/pids"; do
        # shellcheck disable=SC1090
        [ -f "$f" ] && . "$f"
    done
    for pid in ${APP_PIDS:-} ${PIDS:-}; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    rm -rf "$dir" "$state"
    echo "demo stopped"
}

if [ "${1:-}" = "stop" ]; then stop; exit 0; fi
[ -f "$state" ] && stop

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for_line() { for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for $1"; cat "$1"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/github-sidecar-demo.XXXXXX")
mkdir -p .demo && echo "$dir" > "$state"
scripts/services.sh --keep "$dir" -- true
# shellcheck disable=SC1091
. "$dir/env"
bin="$(swift build --show-bin-path)"

echo "== dev site on the private MariaDB"
"$bin/github-sidecar" dev-site create --bench "$dir/bench" --site "$site" --db-socket "$SIDECAR_TEST_MARIADB_SOCKET" \
    --db-root-username root --db-root-password "" --redis-cache "$SIDECAR_TEST_REDIS_URL" --time-zone Asia/Kolkata 2>/dev/null | tee "$dir/site.txt"
auth=$(sed -n 's/^auth header: //p' "$dir/site.txt")
"$bin/github-sidecar" install --bench "$dir/bench" --site "$site" 2>/dev/null

echo
echo "== FakeGitHub with the sample organisation (fixtures/github/sample-org.json)"
"$bin/fake-github" --seed fixtures/github/sample-org.json --port "$(free_port)" --latency-ms 20 > "$dir/fake.log" 2>&1 &
fake_pid=$!
wait_for_line "$dir/fake.log" "http://"
fake_url=$(grep -o 'http://127.0.0.1:[0-9]*[^ ]*' "$dir/fake.log" | head -1)
echo "$fake_url"

sidecar_port=$(free_port)
"$bin/github-sidecar" serve --bench "$dir/bench" --listen "127.0.0.1:$sidecar_port" > "$dir/sidecar.log" 2>&1 &
sidecar_pid=$!
echo "APP_PIDS=\"$fake_pid $sidecar_pid\"" > "$dir/pids"
wait_for_line "$dir/sidecar.log" "listening on"
sidecar="http://127.0.0.1:$sidecar_port"
GITHUB_TOKEN=demo-token "$bin/github-sidecar" configure --bench "$dir/bench" --site "$site" --token-env GITHUB_TOKEN \
    --api-base-url "$fake_url" --organization acme 2>/dev/null

rpc() { curl -s -X POST -H "X-Frappe-Site-Name: $site" -H "$auth" -H "Content-Type: application/json" -d "$2" "$sidecar/api/method/erpnext_github_integration.$1"; }
# One line per answer, keys in a fixed order: calls to GitHub, of them 304 (free), rows written, seconds.
show() { python3 -c '
import json,sys
m=json.load(sys.stdin).get("message")
if not isinstance(m,dict): print(json.dumps(m)); sys.exit()
keys=[("github_calls","GitHub calls"),("not_modified","of them 304"),("rows_inserted","rows inserted"),("rows_updated","rows updated"),("duration_seconds","s")]
print("  ".join(f"{label} {m[k]}" for k,label in keys if k in m))'; }
field() { python3 -c "import json,sys; m=json.load(sys.stdin); print(m.get('message',{}).get('$1', m.get('exc_type','?')))"; }

echo
echo "== fetch_all_repositories(organization=acme)"
repos=$(rpc github_api.fetch_all_repositories '{"organization":"acme"}' | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["message"]["repositories"]))')
echo "$repos"
for pass in "first sync" "re-sync, nothing changed"; do
    echo
    echo "== sync_repo, $pass (GitHub calls, 304s, rows)"
    for r in $repos; do printf '%-22s ' "$r"; rpc github_api.sync_repo "{\"repository\":\"$r\"}" | show; done
done

echo
first=${repos%% *}
echo "== a desk action on $first: create an issue, assign it, make a Task of it (as the desk buttons do)"
curl -s -X DELETE "$fake_url/_fake/log" >/dev/null
created=$(rpc github_api.create_issue "{\"repository\":\"$first\",\"title\":\"Demo: export fails on large files\",\"labels\":[\"bug\"]}")
number=$(echo "$created" | field issue_number)
name=$(echo "$created" | field name)
echo "issue #$number created on GitHub, mirrored as $name"
rpc github_api.assign_issue "{\"repo_full_name\":\"$first\",\"issue_number\":$number,\"assignees\":[\"acme-dev2\"]}" >/dev/null
echo "assigned to acme-dev2"
task=$(rpc api.create_task_from_github_issue "{\"issue_name\":\"$name\"}" | field name)
echo "Task $task made from it (naming series, nested set, linked back to the issue)"
echo "what reached GitHub (writes only):"
curl -s "$fake_url/_fake/log" | python3 -c '
import json,sys
for e in json.load(sys.stdin):
    if e["method"] != "GET": print("  ", e["method"], e["path"], e.get("status"))'

echo
echo "== what landed"
"$bin/github-sidecar" check-site --bench "$dir/bench" --site "$site" 2>/dev/null
echo
echo "a few issues:"
mariadb --no-defaults -S "$SIDECAR_TEST_MARIADB_SOCKET" "$(python3 -c "import json; print(json.load(open('$dir/bench/sites/$site/site_config.json'))['db_name'])")" \
    -e "SELECT name, state, LEFT(title, 40) AS title, updated_at FROM \`tabRepository Issue\` ORDER BY updated_at DESC LIMIT 5" 2>/dev/null

echo
echo "sidecar:  $sidecar   (try: curl -H 'X-Frappe-Site-Name: $site' -H '$auth' $sidecar/api/method/erpnext_github_integration.github_api.get_sync_statistics)"
echo "GitHub:   $fake_url   (FakeGitHub; request log at $fake_url/_fake/log)"
echo "MariaDB:  $SIDECAR_TEST_MARIADB_SOCKET   Redis: $SIDECAR_TEST_REDIS_URL"
echo "metrics:  $sidecar/metrics"
echo "stop everything with: make demo-stop"
