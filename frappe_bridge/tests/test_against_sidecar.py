"""The bridge against the real sidecar binary: a dev site on the private MariaDB that `make test`
starts, `github-sidecar serve` on a free loopback port, and the bridge's proxies calling it exactly
as Frappe would (signed, as the session user). Runs when `make test` provides GITHUB_SIDECAR_BIN and
SIDECAR_TEST_MARIADB_SOCKET; on its own, pytest skips this module and says why."""

import json
import os
import socket
import subprocess
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


def free_port():
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture(scope="module")
def sidecar():
	bench = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
	run = lambda *args: subprocess.run([BIN, *args], cwd=ROOT, check=True, capture_output=True, text=True)
	created = run("dev-site", "create", "--bench", str(bench), "--site", SITE, "--db-socket", SOCKET,
	              "--frappe-schema", str(ROOT.parent / "shared/fixtures/frappe"),
	              "--app", str(ROOT / "frappe_bridge/erpnext_github_integration")).stdout
	run("install", "--bench", str(bench), "--site", SITE)
	config = json.loads((bench / "sites" / SITE / "site_config.json").read_text())
	port = free_port()
	log = open(bench / "sidecar.log", "w+")
	process = subprocess.Popen([BIN, "serve", "--bench", str(bench), "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
	for _ in range(200):
		log.seek(0)
		if "listening on" in log.read():
			break
		time.sleep(0.05)
	else:
		process.kill()
		pytest.fail("the sidecar did not start")
	yield {"url": f"http://127.0.0.1:{port}", "config": config, "auth": created}
	process.terminate()
	process.wait(timeout=30)


@pytest.fixture
def desk(sidecar):
	"""A desk request by Administrator on the dev site, configured as a bench would be."""
	from erpnext_github_integration import sidecar as bridge

	bridge._signed_this_second.update(second=None, signatures=set())
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
