"""hooks.py entries point at real functions; the document hooks; the webhook fallback; the desk JS."""

import ast
import importlib
import json
import re
from pathlib import Path

import pytest
from conftest import SECRET, SITE

import frappe
from frappe.model.document import Document

APP = Path(__file__).resolve().parents[1] / "erpnext_github_integration"


def hooks():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	return {
		t.id: ast.literal_eval(node.value)
		for node in tree.body
		if isinstance(node, ast.Assign)
		for t in node.targets
		if isinstance(t, ast.Name)
	}


def resolve(dotted):
	module, _, attr = dotted.rpartition(".")
	fn = getattr(importlib.import_module(module), attr, None)
	assert callable(fn), dotted
	return fn


def test_scheduler_and_install_hooks_are_importable():
	h = hooks()
	assert h["scheduler_events"] == {"hourly": ["erpnext_github_integration.github_api.scheduled_sync_all_repositories"]}
	assert resolve(h["scheduler_events"]["hourly"][0]).__name__ == "scheduled_sync_all_repositories"
	assert h["after_install"] == "erpnext_github_integration.setup.after_install"
	resolve(h["after_install"])
	assert h["doc_events"]["*"]["validate"] == "erpnext_github_integration.templates.validate_synced_document"
	for events in h["doc_events"].values():
		for path in events.values():
			resolve(path)


def test_app_include_js_files_exist():
	for path in hooks()["app_include_js"]:
		assert path.startswith("/assets/erpnext_github_integration/js/")
		assert (APP / "public" / "js" / path.rsplit("/", 1)[1]).is_file(), path


def test_desk_js_calls_only_existing_whitelisted_methods():
	called = set()
	for js in (APP / "public" / "js").glob("*.js"):
		called |= set(re.findall(r"\"((?:github_api|api|github_app|webhooks|setup)\.[a-z_]+)\"", js.read_text()))
	assert {"github_api.sync_repo", "github_api.sync_repo_members", "github_api.create_issue",
		"github_api.create_pull_request", "github_api.assign_issue", "github_api.add_pr_reviewer",
		"github_api.manage_repo_access", "github_api.get_repository_activity",
		"github_api.list_repository_webhooks", "github_api.create_repository_webhook"} <= called
	for dotted in called:
		assert frappe.is_whitelisted(resolve("erpnext_github_integration." + dotted)), dotted


def synced(new=False, source="acme/erp-templates:templates/print_format/invoice.json"):
	doc = Document(doctype="Print Format", name="Invoice", github_sync_source=source)
	if new:
		doc["__islocal"] = 1
	return doc


def test_validate_synced_document(site):
	from erpnext_github_integration.templates import validate_synced_document

	with pytest.raises(frappe.ValidationError, match="managed in GitHub: edit templates/print_format/invoice.json in the repository acme/erp-templates instead"):
		validate_synced_document(synced(), "validate")
	validate_synced_document(synced(new=True), "validate")  # a new one is allowed
	validate_synced_document(synced(source=""), "validate")  # not synced
	validate_synced_document(Document(doctype="ToDo", name="x"), "validate")  # no such field
	frappe.flags.in_github_sync = True
	validate_synced_document(synced(), "validate")  # the sync itself writes it


def test_validate_repository(site):
	from erpnext_github_integration.api import validate_repository

	doc = Document(doctype="Repository", full_name=" octo-org/hello.world ")
	validate_repository(doc, "validate")
	assert (doc.full_name, doc.repo_owner, doc.repo_name) == ("octo-org/hello.world", "octo-org", "hello.world")
	assert doc.url == "https://github.com/octo-org/hello.world"
	kept = Document(doctype="Repository", full_name="o/r", url="https://ghe.example.com/o/r")
	validate_repository(kept, "validate")
	assert kept.url == "https://ghe.example.com/o/r"
	for bad in ("", "hello", "o/r/x", "/r", "o/", "o/..", "o r/x"):
		with pytest.raises(frappe.ValidationError, match="owner/repo"):
			validate_repository(Document(doctype="Repository", full_name=bad), "validate")


GITHUB_HEADERS = {
	"X-GitHub-Event": "issues",
	"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
	"X-Hub-Signature-256": "sha256=0123abcd",
	"User-Agent": "GitHub-Hookshot/044aadd",
	"Content-Type": "application/json",
}


def webhook_request(body, headers=GITHUB_HEADERS):
	frappe.init(
		site=SITE,
		conf={"github_sidecar_url": frappe.conf["github_sidecar_url"], "github_sidecar_secret": SECRET},
		user="Guest",
		request=frappe.StandInRequest(data=body, headers=headers),
	)


def test_webhook_fallback_forwards_raw_body_and_github_headers(site, server):
	from erpnext_github_integration import webhooks

	assert webhooks.github_webhook in frappe.guest_methods
	raw = b'{"action":"opened",  "issue": {"number": 1, "title": "caf\xc3\xa9"}}\n'  # odd spacing kept
	webhook_request(raw)
	server.reply(202, {"message": {"status": "queued"}})
	assert webhooks.github_webhook() == {"status": "queued"}
	assert frappe.local.response.http_status_code == 202
	req = server.last
	assert req["path"] == "/api/method/erpnext_github_integration.webhooks.github_webhook"
	assert req["body"] == raw
	for k, v in GITHUB_HEADERS.items():
		assert req["headers"][k] == v
	assert req["headers"]["X-Frappe-Site-Name"] == SITE
	assert not any(k.startswith("x-sidecar-") for k in req["headers"])  # not bridge-signed
	assert SECRET.encode() not in json.dumps(req["headers"]).encode() + req["body"]


def test_webhook_fallback_passes_rejections_through(site, server):
	from conftest import frappe_error_body

	from erpnext_github_integration import webhooks

	webhook_request(b"{}")
	server.reply(401, frappe_error_body("AuthenticationError", "Bad X-Hub-Signature-256"))
	assert webhooks.github_webhook() is None
	assert frappe.local.response.http_status_code == 401
	assert frappe.local.response.exc_type == "AuthenticationError"
	assert "Bad X-Hub-Signature-256" in frappe.local.response._server_messages


def test_webhook_fallback_when_sidecar_down_and_loop_guard(site, server):
	from erpnext_github_integration import webhooks

	server.close()
	webhook_request(b"{}")
	assert "not reachable" in webhooks.github_webhook()
	assert frappe.local.response.http_status_code == 502
	webhook_request(b"{}", headers={**GITHUB_HEADERS, "X-Frappe-Bridge-Forwarded": "1"})
	webhooks.github_webhook()
	assert frappe.local.response.http_status_code == 508


def test_desk_js_parses():
	import shutil
	import subprocess

	node = shutil.which("node")
	if not node:
		pytest.skip("node is not installed")
	for js in sorted((APP / "public" / "js").glob("*.js")):
		run = subprocess.run([node, "--check", str(js)], capture_output=True, text=True)
		assert run.returncode == 0, run.stderr
