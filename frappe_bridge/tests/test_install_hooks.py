"""after_install, after_migrate and before_uninstall (hooks.py → setup.py): what reaches the sidecar,
and what an admin is told when the sidecar cannot do its part.

Frappe records an app as installed before `after_install` runs and never runs it again, so an install
with the sidecar down is completed by `bench migrate` (`after_migrate` runs the same idempotent setup).
These tests run the hook functions as Frappe's installer would call them (a job: no request, no user);
Frappe's installer itself is not here (see README.md, "Tests and the stand-in frappe module")."""

import socket

import pytest
from conftest import frappe_error_body
from test_hooks import hooks

import frappe

APP = "erpnext_github_integration"


@pytest.fixture
def job(server):
	"""`bench --site … install-app / migrate / uninstall-app`: a job on the site, no HTTP request."""
	frappe.init(site="erp.example.test", conf={"github_sidecar_url": server.url, "github_sidecar_secret": "k"})
	frappe.cache_cleared.clear()
	commits = frappe.db.commits
	yield lambda: frappe.db.commits - commits
	frappe.destroy()


@pytest.fixture
def closed_port():
	"""A loopback port nothing listens on (bound, never listening, so no one else takes it meanwhile)."""
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	yield s.getsockname()[1]
	s.close()


def test_hooks_name_the_three_functions():
	h = hooks()
	assert h["after_install"] == f"{APP}.setup.after_install"
	assert h["after_migrate"] == f"{APP}.setup.after_migrate"
	assert h["before_uninstall"] == f"{APP}.setup.before_uninstall"
	from erpnext_github_integration import setup

	for fn in (setup.after_install, setup.after_migrate, setup.before_uninstall):
		assert not frappe.is_whitelisted(fn), "hooks are not callable over HTTP"


def test_after_migrate_runs_the_idempotent_setup_after_committing(server, job):
	from erpnext_github_integration import setup

	setup.after_migrate()
	assert server.last["path"] == f"/api/method/{APP}.setup.install"
	assert server.last["headers"]["X-Sidecar-User"] == "Administrator"
	assert job() == 1, "Frappe's transaction is committed before the sidecar writes"
	assert frappe.cache_cleared == [(None, None)]


def test_after_install_with_the_sidecar_down_says_how_to_finish(job, closed_port):
	from erpnext_github_integration import setup

	frappe.local.conf["github_sidecar_url"] = f"http://127.0.0.1:{closed_port}"
	with pytest.raises(frappe.ValidationError) as error:
		setup.after_install()
	message = str(error.value)
	assert message.startswith(f"{APP} is installed, but its setup in the GitHub sidecar")
	assert f"GitHub sidecar is not reachable at http://127.0.0.1:{closed_port}" in message
	assert "bench --site erp.example.test migrate" in message
	assert "github-sidecar install --bench BENCH --site erp.example.test" in message
	assert frappe.cache_cleared == []


def test_after_install_keeps_the_sidecars_error_class(server, job):
	from erpnext_github_integration import setup

	server.reply(403, frappe_error_body("PermissionError", "Only GitHub Admin or System Manager may install"))
	with pytest.raises(frappe.PermissionError, match="Only GitHub Admin or System Manager may install"):
		setup.after_install()


def test_after_migrate_with_the_sidecar_down_reports_and_lets_the_migrate_go_on(job, closed_port, capsys):
	from erpnext_github_integration import setup

	frappe.local.conf["github_sidecar_url"] = f"http://127.0.0.1:{closed_port}"
	setup.after_migrate()  # no exception: `bench update` and later apps' after_migrate hooks go on
	err = capsys.readouterr().err
	assert f"{APP}: the GitHub sidecar could not run its setup: GitHub sidecar is not reachable" in err
	assert "bench --site erp.example.test migrate` again" in err
	assert frappe.cache_cleared == []


def test_an_install_made_while_the_sidecar_was_down_is_completed_by_the_next_migrate(server, job, closed_port):
	from erpnext_github_integration import setup

	frappe.local.conf["github_sidecar_url"] = f"http://127.0.0.1:{closed_port}"
	with pytest.raises(frappe.ValidationError):
		setup.after_install()
	frappe.local.conf["github_sidecar_url"] = server.url  # the sidecar is up again
	setup.after_migrate()
	assert [r["path"] for r in server.requests] == [f"/api/method/{APP}.setup.install"]
	assert frappe.cache_cleared == [(None, None)]


def test_before_uninstall_asks_the_sidecar_to_remove_what_install_added(server, job):
	from erpnext_github_integration import setup

	setup.before_uninstall()
	assert server.last["path"] == f"/api/method/{APP}.setup.uninstall"
	assert server.last["method"] == "POST"
	assert job() == 1
	assert frappe.cache_cleared == [(None, None)]


def test_before_uninstall_with_the_sidecar_down_stops_with_nothing_removed(job, closed_port):
	from erpnext_github_integration import setup

	frappe.local.conf["github_sidecar_url"] = f"http://127.0.0.1:{closed_port}"
	with pytest.raises(frappe.ValidationError) as error:
		setup.before_uninstall()
	assert "Nothing was removed. Start the sidecar and run the uninstall again." in str(error.value)
	assert "is not reachable" in str(error.value)
