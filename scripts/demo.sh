#!/usr/bin/env bash
# `make demo`: private MariaDB and Redis on loopback in a temporary directory, a dev site with the
# real Frappe v15 + ERPNext schema and this app's DocTypes, FakeGitHub serving the sample
# organisation (dates moved to this month), Debian's nginx with the production include, and the
# sidecar. Tells the product's story in order: import, first sync, a change on GitHub arriving as a
# signed webhook through nginx, an all-304 re-sync, a desk action, what landed, then the bench's
# GitHub App (connect, template sync, a pushed template change), then how to look around.
# Everything keeps running until `make demo-stop`.
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
# shellcheck source=scripts/shared-dir.sh
. scripts/shared-dir.sh
if [ -z "${SIDECAR_SHARED_DIR:-}" ] || [ ! -f "$SIDECAR_SHARED_DIR/fixtures/frappe/schema-v15-erpnext.sql" ]; then
    echo "the real Frappe v15 + ERPNext schema was not found: put ../shared beside the project (or set SIDECAR_SHARED_DIR)"; exit 1
fi

echo "== 1. a dev site on the private MariaDB (site time zone Asia/Kolkata: the times below are in it)"
"$bin/github-sidecar" dev-site create --bench "$dir/bench" --site "$site" --db-socket "$SIDECAR_TEST_MARIADB_SOCKET" \
    --frappe-schema "$SIDECAR_SHARED_DIR/fixtures/frappe" --db-root-username root --db-root-password "" --redis-cache "$SIDECAR_TEST_REDIS_URL" --time-zone Asia/Kolkata 2>/dev/null | tee "$dir/site.txt"
auth=$(sed -n 's/^auth header: //p' "$dir/site.txt")
"$bin/github-sidecar" install --bench "$dir/bench" --site "$site" 2>/dev/null

sidecar_port=$(free_port)
"$bin/github-sidecar" serve --bench "$dir/bench" --listen "127.0.0.1:$sidecar_port" > "$dir/sidecar.log" 2>&1 &
sidecar_pid=$!
echo "APP_PIDS=\"$sidecar_pid\"" > "$dir/pids"
wait_for_line "$dir/sidecar.log" "listening on"
sidecar="http://127.0.0.1:$sidecar_port"

# nginx routes webhooks exactly as on a bench: docker/nginx/github-sidecar.conf included in a
# server block (port-based here, so the site name replaces $host in X-Frappe-Site-Name).
nginx_port=$(free_port)
mkdir -p "$dir/nginx"
sed -e "s/127.0.0.1:8790/127.0.0.1:$sidecar_port/" -e "s/X-Frappe-Site-Name \$host/X-Frappe-Site-Name $site/" \
    docker/nginx/github-sidecar.conf > "$dir/nginx/github-sidecar.conf"
cat > "$dir/nginx/nginx.conf" <<NGINX
daemon off;
master_process off;
error_log $dir/nginx/error.log warn;
pid $dir/nginx/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/nginx/body; proxy_temp_path $dir/nginx/proxy; fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi; scgi_temp_path $dir/nginx/scgi;
    server { listen 127.0.0.1:$nginx_port; include $dir/nginx/github-sidecar.conf; location / { return 404; } }
}
NGINX
/usr/sbin/nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" >"$dir/nginx/start.log" 2>&1 &
nginx_pid=$!
webhook_url="http://127.0.0.1:$nginx_port/api/method/erpnext_github_integration.webhooks.github_webhook"
secret="demo-webhook-secret-$RANDOM$RANDOM"

# The bench's GitHub App (step 9): FakeGitHub knows it from its seed (id, public key, webhook URL
# through nginx, secret), as GitHub knows an App from its settings. The private key and the secret
# stay in $dir (mode 700) and the environment; nothing prints them.
app_id=7300
app_secret="demo-app-secret-$RANDOM$RANDOM"
(umask 077 && openssl genrsa -out "$dir/app-key.pem" 2048 2>/dev/null && openssl rsa -in "$dir/app-key.pem" -pubout -out "$dir/app-key.pub" 2>/dev/null)
APP_SECRET="$app_secret" python3 -c '
import json,os,sys
seed=json.load(open(sys.argv[1]))
seed["apps"]=[{"id":int(sys.argv[3]),"slug":"erp-templates","publicKeyPEM":open(sys.argv[2]).read(),"installations":[],
               "webhookURL":sys.argv[4],"webhookSecret":os.environ["APP_SECRET"]}]
with open(sys.argv[5],"w",opener=lambda p,f: os.open(p,f,0o600)) as out: json.dump(seed,out)' \
    fixtures/github/sample-org.json "$dir/app-key.pub" "$app_id" "http://127.0.0.1:$nginx_port/github/webhooks" "$dir/seed.json"

echo
echo "== 2. FakeGitHub with the sample organisation (fixtures/github/sample-org.json, dates moved to this month) and the GitHub App erp-templates (installed nowhere yet)"
"$bin/fake-github" --seed "$dir/seed.json" --port "$(free_port)" --latency-ms 20 --dates-to-now \
    --webhook-url "$webhook_url" --webhook-secret "$secret" > "$dir/fake.log" 2>&1 &
fake_pid=$!
echo "APP_PIDS=\"$sidecar_pid $nginx_pid $fake_pid\"" > "$dir/pids"
wait_for_line "$dir/fake.log" "http://"
fake_url=$(grep -o 'http://127.0.0.1:[0-9]*[^ ]*' "$dir/fake.log" | head -1)
echo "GitHub (fake): $fake_url   webhooks go to nginx: $webhook_url"
GITHUB_TOKEN=demo-token WEBHOOK_SECRET="$secret" "$bin/github-sidecar" configure --bench "$dir/bench" --site "$site" \
    --token-env GITHUB_TOKEN --webhook-secret-env WEBHOOK_SECRET --api-base-url "$fake_url" --organization acme 2>/dev/null

rpc() { curl -s -X POST -H "X-Frappe-Site-Name: $site" -H "$auth" -H "Content-Type: application/json" -d "$2" "$sidecar/api/method/erpnext_github_integration.$1"; }
# One line per answer, in a fixed order: GitHub calls, of them 304 (free: no rate-limit unit),
# documents inserted / updated in the site, and the wall time of the call in seconds.
show() { python3 -c '
import json,sys
m=json.load(sys.stdin).get("message")
if not isinstance(m,dict): print(json.dumps(m)); sys.exit()
if m.get("queued"): print("still running as GitHub Sync Run", m["sync_run"], "(", m.get("note") or m["status"], ")"); sys.exit()
keys=[("github_calls","GitHub calls"),("not_modified","of them 304"),("rows_inserted","documents inserted"),("rows_updated","updated")]
print("  ".join(f"{label} {m[k]:>4}" for k,label in keys if k in m) + f"  in {sys.argv[1]} s")' "$1"; }
timed() { local t0 t1 out; t0=$(date +%s.%N); out=$(rpc "$@"); t1=$(date +%s.%N); echo "$out" | show "$(python3 -c "print(f'{$t1-$t0:.2f}')")"; }
sql() { mariadb --no-defaults -S "$SIDECAR_TEST_MARIADB_SOCKET" "$db" "$@" 2>/dev/null; }
field() { python3 -c "import json,sys; m=json.load(sys.stdin); print(m.get('message',{}).get('$1', m.get('exc_type','?')))"; }
# Waits (up to 30 s) until a COUNT(*) query of the site answers more than 0.
wait_until_sql() { for _ in $(seq 1 300); do [ "$(sql -N -e "$1")" -gt 0 ] && return 0; sleep 0.1; done; echo "timed out waiting for: $1"; }
# FakeGitHub's deliveries from the n-th on (default: all), in the order sent; the App's go to /github/webhooks.
deliveries() { curl -s "$fake_url/_fake/webhooks" | python3 -c '
import json,sys
for d in json.load(sys.stdin)[int(sys.argv[1]):]:
    print("  delivery", d["deliveryID"][:8], d["event"], *([d["action"]] if d.get("action") else []), "-> answered", d.get("responseStatus"),
          *(["(App delivery, to /github/webhooks)"] if "/github/webhooks" in d["url"] else []))' "${1:-0}"; }
delivered() { curl -s "$fake_url/_fake/webhooks" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

db=$(python3 -c "import json; print(json.load(open('$dir/bench/sites/$site/site_config.json'))['db_name'])")

echo
echo "== 3. import the organisation's repositories: fetch_all_repositories(organization=acme)"
repos=$(rpc github_api.fetch_all_repositories '{"organization":"acme"}' | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["message"]["repositories"])))')
echo "$repos"
echo
echo "== 4. first sync: sync_repo per repository (a job; the desk would see its progress bar)"
for r in $repos; do printf '%-22s ' "$r"; timed github_api.sync_repo "{\"repository\":\"$r\"}"; done

first=${repos%% *}
echo
echo "== 5. a change on GitHub: issue #1 of $first is retitled there; GitHub sends a signed webhook, nginx routes it"
curl -s -X PATCH -H "Authorization: token demo-token" -H "Content-Type: application/json" \
    -d '{"title":"Retitled on GitHub during the demo"}' "$fake_url/repos/$first/issues/1" >/dev/null
wait_until_sql "SELECT COUNT(*) FROM \`tabGitHub Webhook Delivery\` WHERE status <> 'Queued'"
deliveries
sql -e "SELECT LEFT(delivery_id, 8) AS delivery, event, action, status, repository FROM \`tabGitHub Webhook Delivery\` ORDER BY received_at"
sql -e "SELECT name, LEFT(title, 40) AS title_now_in_the_site FROM \`tabRepository Issue\` WHERE name = '$first-#1'"

echo
echo "== 6. re-sync with nothing new: every request conditional, all 304 (no rate-limit units)"
for r in $repos; do printf '%-22s ' "$r"; timed github_api.sync_repo "{\"repository\":\"$r\"}"; done

echo
echo "== 7. a desk action on $first: create an issue, assign it, make a Task of it (as the desk buttons do)"
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
echo "== 8. what landed"
"$bin/github-sidecar" check-site --bench "$dir/bench" --site "$site" 2>/dev/null
echo
echo "activity of $first in the last 30 days (get_repository_activity):"
rpc github_api.get_repository_activity "{\"repository\":\"$first\",\"days\":30}" | python3 -c '
import json,sys
m=json.load(sys.stdin)["message"]
print("  " + "  ".join(f"{k} {m[k]}" for k in sorted(m) if isinstance(m[k], (int, float))))'
echo "the sync jobs (GitHub Sync Run):"
sql -e "SELECT repository, \`trigger\`, status, github_calls, not_modified, rows_inserted FROM \`tabGitHub Sync Run\` ORDER BY creation, repository"
echo "the newest issues:"
sql -e "SELECT name, state, LEFT(title, 40) AS title, updated_at FROM \`tabRepository Issue\` ORDER BY updated_at DESC LIMIT 5"

echo
echo "== 9. the bench's GitHub App: documents kept as JSON in $first (templates/**/*.json) synced into the site"
# The sidecar gets the App from its environment (README "GitHub App and template sync"); the
# landlord database holds installations, App deliveries and connect states for every site.
"$bin/github-sidecar" landlord create --db-socket "$SIDECAR_TEST_MARIADB_SOCKET" --db-root-username root --db-root-password "" \
    > "$dir/landlord.txt" 2>/dev/null
chmod 600 "$dir/landlord.txt"
landlord_db=$(sed -n 's/^database: *\([^ ]*\).*/\1/p' "$dir/landlord.txt")
echo "landlord database $landlord_db made (github_app_installations, github_app_deliveries, github_app_states)"
kill "$sidecar_pid"; wait "$sidecar_pid" 2>/dev/null || true
mv "$dir/sidecar.log" "$dir/sidecar-before-app.log"
GITHUB_APP_ID=$app_id GITHUB_APP_PRIVATE_KEY_FILE="$dir/app-key.pem" GITHUB_WEBHOOK_SECRET="$app_secret" \
    GITHUB_APP_URL="https://github.com/apps/erp-templates/installations/new" GITHUB_API_URL="$fake_url" \
    GITHUB_SIDECAR_LANDLORD="$(sed -n 's/^GITHUB_SIDECAR_LANDLORD=//p' "$dir/landlord.txt")" \
    "$bin/github-sidecar" serve --bench "$dir/bench" --listen "127.0.0.1:$sidecar_port" > "$dir/sidecar.log" 2>&1 &
sidecar_pid=$!
echo "APP_PIDS=\"$sidecar_pid $nginx_pid $fake_pid\"" > "$dir/pids"
wait_for_line "$dir/sidecar.log" "listening on"
echo "sidecar restarted on $sidecar with GITHUB_APP_ID=$app_id GITHUB_API_URL=$fake_url GITHUB_APP_URL GITHUB_APP_PRIVATE_KEY_FILE GITHUB_WEBHOOK_SECRET GITHUB_SIDECAR_LANDLORD (secrets not shown)"

# One line of github_app.get_status: the link, the choice, the last sync (site time) and its commit.
app_status() { rpc github_app.get_status '{}' | python3 -c '
import json,sys
m=json.load(sys.stdin)["message"]
print("  get_status                 -> connected" if m["connected"] else "  get_status                 -> not connected", " installation", m["installation_id"], "on", m["account"],
      "(" + str(m["account_type"]) + ")", " repository", m["repository"], " branch", m["branch"], " last sync", m["last_sync_at"],
      "(site time)  commit", (m["last_sync_hash"] or "")[:8], " errors", len(m["last_sync_errors"]))'; }
sync_runs() { sql -e "SELECT \`trigger\`, status, LEFT(commit_sha, 8) AS commit, rows_inserted AS created, rows_updated AS updated, rows_deleted AS deleted, rows_failed AS failed, github_calls FROM \`tabGitHub Sync Run\` WHERE template_repository = '$first' ORDER BY creation"; }
synced_docs() { sql -e "SELECT name, subject, LEFT(response, 30) AS response, github_sync_source, modified FROM \`tabEmail Template\` WHERE IFNULL(github_sync_source, '') <> '' ORDER BY name"; }
echo "connect, as in GitHub Settings › Connect:"
install_url=$(rpc github_app.get_install_url '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"]["url"])')
echo "  get_install_url            -> ${install_url%%\?*}?state=…  (sealed: site, user; 1 hour, single use)"
seen=$(delivered)
installation=$(curl -s -X POST -H "Content-Type: application/json" -d "{\"app_id\":$app_id,\"account\":\"acme\",\"repositories\":[\"$first\"],\"sender\":\"acme-dev1\"}" \
    "$fake_url/_fake/install" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "  on GitHub acme-dev1 installs the App on acme, only $first: installation $installation"
deliveries "$seen"
callback_query=$(python3 -c 'import sys,urllib.parse as u; print(u.urlencode({"installation_id":sys.argv[2],"setup_action":"install","state":u.parse_qs(u.urlsplit(sys.argv[1]).query)["state"][0]}))' \
    "$install_url" "$installation")
answer=$(curl -s -o "$dir/callback.html" -w '%{http_code} %header{location}' "http://127.0.0.1:$nginx_port/github/callback?$callback_query")
echo "  GitHub sends the browser to the Setup URL /github/callback (nginx -> sidecar) -> $answer: $(sed -n 's/.*<p>\([^<]*\)<\/p><p><a.*/\1/p' "$dir/callback.html")"
rpc github_app.configure "{\"repository\":\"$first\",\"branch\":\"main\"}" | python3 -c '
import json,sys
m=json.load(sys.stdin)["message"]; print("  configure(repository, branch) ->", m["repository"], m["branch"], " first sync queued")'
wait_until_sql "SELECT COUNT(*) FROM \`tabGitHub Sync Run\` WHERE template_repository = '$first' AND status IN ('Succeeded', 'Failed')"
wait_until_sql "SELECT COUNT(*) FROM \`$landlord_db\`.github_app_installations WHERE site = '$site' AND last_sync_hash IS NOT NULL"
app_status
echo "the first template sync (GitHub Sync Run; documents created / updated / deleted / failed, GitHub calls):"
sync_runs
synced_docs

echo "a template change pushed on GitHub: the App's push delivery (signed with the App's secret) syncs the branch head"
seen=$(delivered)
change=$(python3 -c 'import json; print(json.dumps({"repository":"'"$first"'","branch":"main","message":"Warmer welcome","author":"acme-dev1","changes":{
    "templates/email_template/welcome.json":json.dumps({"doctype":"Email Template","name":"Welcome","subject":"Welcome to Acme","response":"<p>Hello from GitHub</p>"})}}))')
pushed=$(curl -s -X POST -H "Content-Type: application/json" -d "$change" "$fake_url/_fake/push")
echo "$pushed" | python3 -c '
import json,sys
m=json.load(sys.stdin); print("  acme-dev1 pushes \"Warmer welcome\" to main:", m["before"][:8], "->", m["after"][:8], " modified", ", ".join(m["modified"]))'
after=$(echo "$pushed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["after"])')
deliveries "$seen"
# The recorded commit lands after the documents, and the delivery is closed after both.
wait_until_sql "SELECT COUNT(*) FROM \`$landlord_db\`.github_app_installations WHERE site = '$site' AND last_sync_hash = '$after'"
wait_until_sql "SELECT COUNT(*) FROM \`$landlord_db\`.github_app_deliveries WHERE event = 'push' AND processed_at IS NOT NULL"
echo "the App's deliveries as the landlord stored them (applied by the App's workers):"
sql -e "SELECT LEFT(delivery_id, 8) AS delivery, event, action, status FROM \`$landlord_db\`.github_app_deliveries WHERE event NOT LIKE 'sidecar.%' ORDER BY received_at"
app_status
sync_runs
synced_docs

echo
echo "== look around"
echo "sidecar:  $sidecar   (try: curl -H 'X-Frappe-Site-Name: $site' -H '$auth' $sidecar/api/method/erpnext_github_integration.github_api.get_sync_statistics)"
echo "GitHub:   $fake_url   (FakeGitHub; request log at $fake_url/_fake/log)"
echo "MariaDB:  $SIDECAR_TEST_MARIADB_SOCKET   Redis: $SIDECAR_TEST_REDIS_URL"
echo "metrics:  $sidecar/metrics"
echo "webhooks: $webhook_url   (nginx; sign the body with HMAC-SHA256 of the secret in GitHub Settings, header X-Hub-Signature-256)"
echo "tables:   mariadb --no-defaults -S $SIDECAR_TEST_MARIADB_SOCKET $db  (tabRepository, tabRepository Issue, tabGitHub Sync Run, tabGitHub Webhook Delivery)"
echo "App:      curl -H 'X-Frappe-Site-Name: $site' -H '$auth' $sidecar/api/method/erpnext_github_integration.github_app.get_status"
echo "          push a template: curl -X POST -d '{\"repository\":\"$first\",\"changes\":{\"templates/email_template/welcome.json\":\"…\"}}' $fake_url/_fake/push"
echo "landlord: mariadb --no-defaults -S $SIDECAR_TEST_MARIADB_SOCKET $landlord_db  (github_app_installations, github_app_deliveries, github_app_states)"
echo "logs:     $dir/sidecar.log (with the App), $dir/sidecar-before-app.log, $dir/fake.log"
echo "stop everything with: make demo-stop"
