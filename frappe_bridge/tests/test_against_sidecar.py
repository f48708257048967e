"""The bridge against the real sidecar binary: a dev site on the private MariaDB that `make test`
starts, `github-sidecar serve` on a free loopback port, and the bridge's proxies calling it exactly
as Frappe would (signed, as the session user). Runs when `make test` provides GITHUB_SIDECAR_BIN and
SIDECAR_TEST_MARIADB_SOCKET; on its own, pytest skips this module and says why."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import frappe

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("GITHUB_SIDECAR_BIN")
SOCKET = os.environ.get("SIDECAR_TEST_MARIADB_SOCKET")
SITE = "bridge.localhost"

pytestmark = pytest.mark.skipif(not (BIN and SOCKET), reason="needs GITHUB_SIDECAR_BIN and SIDECAR_TEST_MARIADB_SOCKET (run `make test`)")


def _wait_for_line(process, log, marker, deadline):
	"""Copies the process's output into `log` until a line holds `marker` (True), or the process ends
	or `deadline` seconds pass with no output (False); the rest is copied by a thread. Waits on the
	output itself (select), never on a guessed sleep."""
	import selectors
	import threading

	selector = selectors.DefaultSelector()
	selector.register(process.stdout, selectors.EVENT_READ)
	seen = b""
	found = False
	while not found and selector.select(timeout=deadline):
		chunk = os.read(process.stdout.fileno(), 65536)
		if not chunk:
			break
		log.write(chunk.decode(errors="replace"))
		log.flush()
		seen = (seen + chunk)[-4096:]
		found = marker in seen
	selector.close()

	def copy():
		try:
			for chunk in iter(lambda: os.read(process.stdout.fileno(), 65536), b""):
				log.write(chunk.decode(errors="replace"))
				log.flush()
		except (OSError, ValueError):
			pass  # the fixture closed the pipe or the log: the process is gone

	threading.Thread(target=copy, daemon=True).start()
	return found


def free_port():
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def mariadb(sql, database=None):
	"""Root over the private server's socket (scripts/services.sh), one statement, raw tab-separated rows."""
	args = ["mariadb", "--no-defaults", "-S", SOCKET, "-u", "root", "-B", "-N", "-r", "-e", sql] + ([database] if database else [])
	return subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()


def record_child(pid):
	"""scripts/services.sh ends, when it stops, a process whose pid is a file in children/ (in case
	this test process dies before its own cleanup runs)."""
	services = os.environ.get("SIDECAR_SERVICES_DIR")
	if services:
		Path(services, "children").mkdir(exist_ok=True)
		Path(services, "children", str(pid)).touch()


@pytest.fixture(scope="module")
def sidecar():
	"""Everything it makes goes again afterwards, whatever happened: the process, its log, the bench
	folder, the site's database and its users."""
	bench = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
	process = log = None
	try:
		run = lambda *args: subprocess.run([BIN, *args], cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: E731
		created = run("dev-site", "create", "--bench", str(bench), "--site", SITE, "--db-socket", SOCKET,
		              "--frappe-schema", str(Path(os.environ.get("SIDECAR_SHARED_DIR") or ROOT.parent / "shared") / "fixtures/frappe"),
		              "--app", str(ROOT / "frappe_bridge/erpnext_github_integration")).stdout
		run("install", "--bench", str(bench), "--site", SITE)
		config = json.loads((bench / "sites" / SITE / "site_config.json").read_text())
		port = free_port()
		log = open(bench / "sidecar.log", "w+")
		process = subprocess.Popen([BIN, "serve", "--bench", str(bench), "--listen", f"127.0.0.1:{port}"],
		                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		record_child(process.pid)
		if not _wait_for_line(process, log, b"listening on", deadline=60):
			log.seek(0)
			pytest.fail(f"the sidecar did not start:\n{log.read()[-2000:]}")
		auth = re.search(r"Authorization: (token \S+)", created).group(1)
		yield {"url": f"http://127.0.0.1:{port}", "config": config, "auth": auth, "db": config["db_name"]}
	finally:
		if process is not None:
			process.terminate()
			try:
				process.wait(timeout=30)
			except subprocess.TimeoutExpired:
				process.kill()
				process.wait()
		if log is not None:
			log.close()
		site_config = bench / "sites" / SITE / "site_config.json"
		if site_config.is_file():
			db = json.loads(site_config.read_text())["db_name"]
			mariadb(f"DROP DATABASE IF EXISTS `{db}`")
			mariadb(f"DROP USER IF EXISTS '{db}'@'localhost', '{db}'@'127.0.0.1', '{db}'@'%'")
		shutil.rmtree(bench, ignore_errors=True)


@pytest.fixture
def desk(sidecar):
	"""A desk request by Administrator on the dev site, configured as a bench would be."""
	frappe.init(site=SITE, conf={"github_sidecar_url": sidecar["url"], "github_sidecar_secret": sidecar["config"]["github_sidecar_secret"]},
	            user="Administrator", request=frappe.StandInRequest())
	yield frappe
	frappe.destroy()


def test_a_signed_call_reaches_the_sidecar_and_returns_its_message(desk):
	from erpnext_github_integration import github_api

	stats = github_api.get_sync_statistics()
	assert stats["repositories"] == 0
	assert set(stats) >= {"repositories", "issues", "pull_requests", "sync_runs"}


def test_install_through_the_bridge_is_idempotent(desk):
	from erpnext_github_integration import setup

	summary = setup.install()
	assert summary["custom_fields_created"] == [] and summary["role_created"] is False


def test_a_missing_repository_is_raised_as_frappe_does(desk):
	from erpnext_github_integration import api

	with pytest.raises(frappe.DoesNotExistError) as error:
		api.get_repository_statistics("octo/missing")
	assert "octo/missing" in str(error.value)


def test_guest_is_refused_with_a_permission_error(desk):
	from erpnext_github_integration import github_api

	frappe.set_user("Guest")
	with pytest.raises(frappe.PermissionError):
		github_api.get_sync_statistics()


def test_a_sync_without_a_token_explains_what_to_do(desk):
	from erpnext_github_integration import github_api

	with pytest.raises(frappe.ValidationError) as error:
		github_api.test_connection()
	assert "Personal Access Token" in str(error.value)


def test_a_wrong_secret_is_refused_and_never_echoed(desk):
	from erpnext_github_integration import github_api

	frappe.local.conf["github_sidecar_secret"] = "not-the-secret-of-this-site"
	with pytest.raises(frappe.ValidationError) as error:
		github_api.get_sync_statistics()
	assert "github_sidecar_secret" in str(error.value)
	assert "not-the-secret-of-this-site" not in str(error.value)


# --- a double click served by two gunicorn workers ----------------------------------------------------

TWO_WORKERS_CHILD = r"""
import json, sys, time
stand_in, app, site, url, secret, now = sys.argv[1:7]
sys.path[:0] = [stand_in, app]
time.time = lambda: float(now)  # both workers sign in the very same second
import frappe
frappe.init(site=site, conf={"github_sidecar_url": url, "github_sidecar_secret": secret}, user="Administrator",
            request=frappe.StandInRequest())
from erpnext_github_integration import github_api
sys.stdin.readline()  # start together
print(json.dumps(github_api.get_sync_statistics()))
"""


def test_the_same_call_from_two_processes_in_the_same_second_is_served_twice(sidecar):
	"""Two gunicorn workers send the identical call (same user, path, body, timestamp): each signs
	with its own nonce, so the sidecar serves both instead of refusing the second as a replay."""
	here = Path(__file__).resolve().parent
	now = str(int(time.time()))
	args = [str(here / "stand_in"), str(here.parent), SITE, sidecar["url"], sidecar["config"]["github_sidecar_secret"], now]
	workers = [subprocess.Popen([sys.executable, "-c", TWO_WORKERS_CHILD, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
	                            stderr=subprocess.PIPE, text=True) for _ in range(2)]
	try:
		for worker in workers:
			worker.stdin.write("go\n")
			worker.stdin.flush()
		results = [worker.communicate(timeout=120) for worker in workers]
	finally:
		for worker in workers:
			if worker.poll() is None:
				worker.kill()
				worker.wait()
	for worker, (out, err) in zip(workers, results):
		assert worker.returncode == 0, err[-2000:]
		assert "repositories" in json.loads(out)


# --- the dev site's meta rows are what bench migrate writes ------------------------------------------

DOCTYPE_FILES = sorted(p for p in (ROOT / "frappe_bridge/erpnext_github_integration/erpnext_github_integration/doctype").glob("*/*.json")
                       if p.stem == p.parent.name)


def site_rows(sidecar, table, columns, where):
	"""Rows of the dev site as text (None for NULL), through JSON_OBJECT so no value is mangled."""
	pairs = ", ".join(f"'{c}', `{c}`" for c in columns)
	return [json.loads(line) for line in mariadb(f"SELECT JSON_OBJECT({pairs}) FROM `{table}` WHERE {where}", sidecar["db"])]


def as_text(row):
	return {k: None if v is None else str(v) for k, v in row.items()}


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.stem)
def test_the_dev_sites_meta_rows_are_what_bench_migrate_writes(sidecar, path):
	"""Every DocType, DocField and DocPerm column of this app's DocTypes where a field default could
	make a difference (tests/frappe_dump.py): the dev site's value equals bench migrate's."""
	from frappe_dump import migrated

	expected = migrated(path)
	name = json.loads(path.read_text())["name"]
	quoted = "'" + name.replace("'", "''") + "'"
	doctype_columns = [c for c in expected["doctype"] if c != "migration_hash"]
	[doctype] = site_rows(sidecar, "tabDocType", doctype_columns, f"name = {quoted}")
	assert as_text(doctype) == {c: expected["doctype"][c] for c in doctype_columns}
	fields = site_rows(sidecar, "tabDocField", list(expected["fields"][0]), f"parent = {quoted} ORDER BY idx")
	assert [as_text(f) for f in fields] == expected["fields"]
	if expected["permissions"]:
		perms = site_rows(sidecar, "tabDocPerm", list(expected["permissions"][0]), f"parent = {quoted} ORDER BY idx")
		assert [as_text(p) for p in perms] == expected["permissions"]


def test_the_dev_site_stores_the_migration_hash_bench_migrate_stores(sidecar):
	from frappe_dump import migrated

	for path in DOCTYPE_FILES:
		name = json.loads(path.read_text())["name"]
		[row] = site_rows(sidecar, "tabDocType", ["migration_hash"], "name = '" + name.replace("'", "''") + "'")
		assert row["migration_hash"] == migrated(path)["doctype"]["migration_hash"], name


# --- one answer for a missing argument on both paths -------------------------------------------------

def direct(sidecar, method, args):
	"""The sidecar called directly (Administrator's API key), as a script would: (status, body)."""
	import urllib.error
	import urllib.request

	request = urllib.request.Request(f"{sidecar['url']}/api/method/erpnext_github_integration.{method}", method="POST",
	                                 data=json.dumps(args).encode(), headers={"Content-Type": "application/json",
	                                 "Authorization": sidecar["auth"], "X-Frappe-Site-Name": SITE})
	try:
		with urllib.request.urlopen(request, timeout=60) as response:
			return response.status, json.loads(response.read() or b"{}")
	except urllib.error.HTTPError as e:
		return e.code, json.loads(e.read() or b"{}")


MISSING = [  # (proxy module, function, the sidecar method, arguments sent, the one left out)
	("github_api", "sync_repo", "github_api.sync_repo", {}, "repository"),
	("github_api", "get_repository_activity", "github_api.get_repository_activity", {}, "repository"),
	("github_api", "list_branches", "github_api.list_branches", {}, "repo_full_name"),
	("github_api", "sync_repo_members", "github_api.sync_repo_members", {}, "repo_full_name"),
	("github_api", "list_repository_webhooks", "github_api.list_repository_webhooks", {}, "repo_full_name"),
	("api", "get_repository_statistics", "api.get_repository_statistics", {}, "repo_full_name"),
	("webhooks", "replay_delivery", "webhooks.replay_delivery", {}, "delivery"),
]


@pytest.mark.parametrize("module,name,method,args,missing", MISSING, ids=[m[2] for m in MISSING])
def test_a_missing_argument_gets_the_same_417_through_the_bridge_as_directly(sidecar, desk, module, name, method, args, missing):
	import importlib

	from erpnext_github_integration import sidecar as bridge

	status, body = direct(sidecar, method, args)
	assert status == 417 and body["exc_type"] == "ValidationError", body
	[message] = bridge.server_messages(body)
	assert missing in message["message"]

	fn = getattr(importlib.import_module(f"erpnext_github_integration.{module}"), name)
	with pytest.raises(frappe.ValidationError) as error:
		frappe.call(fn, cmd=f"erpnext_github_integration.{module}.{name}", **args)  # as Frappe's handler calls it
	assert type(error.value) is frappe.ValidationError and error.value.http_status_code == 417
	assert str(error.value) == message["message"]
