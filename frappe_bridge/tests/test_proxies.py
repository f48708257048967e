"""Every whitelisted method of the seed (anchors.md §1.3: 29) plus ARCHITECTURE.md §5's additions:
present, whitelisted, same parameter names and defaults, and forwarded to the right sidecar path
with the right JSON arguments."""

import ast
import importlib
import inspect
import json

import pytest

import frappe

# module -> signatures exactly as anchors.md §1.3 writes them
SEED = {
	"github_api": [
		"test_connection()",
		"get_github_username_by_email(email)",
		"fetch_all_repositories(organization=None)",
		"get_sync_statistics()",
		"can_user_sync_repo(repo_full_name)",
		"list_repositories(organization=None)",
		"list_branches(repo_full_name, per_page=100)",
		"list_teams(org_name, per_page=100)",
		"list_repo_members(repo_full_name, per_page=100)",
		"assign_issue(repo_full_name, issue_number, assignees)",
		"add_pr_reviewer(repo_full_name, pr_number, reviewers)",
		"sync_repo(repository)",
		"create_issue(repository, title, body=None, assignees=None, labels=None)",
		"bulk_create_issues(repository, issues)",
		"create_pull_request(repository, title, head, base, body=None)",
		"sync_repo_members(repo_full_name)",
		"manage_repo_access(repo_full_name, action, identifier, permission='push')",
		"start_sync_all_repositories()",
		"get_repository_activity(repository, days=30)",
		"create_repository_webhook(repo_full_name, webhook_url=None, events=None)",
		"list_repository_webhooks(repo_full_name)",
	],
	"webhooks": ["github_webhook()"],
	"api": [
		"get_user_repositories()",
		"sync_user_github_profile()",
		"create_task_from_github_issue(issue_name, task_title=None)",
		"bulk_import_github_data(repo_full_name, import_type, force_update=False)",
		"link_github_user_to_erp(github_username, erp_user)",
		"get_repository_statistics(repo_full_name)",
		"create_project_from_repository(repo_full_name, project_name=None)",
	],
}
ADDED = {
	"github_api": ["sync_all_repositories()"],
	"setup": ["install()"],
	"github_app": [
		"get_install_url()",
		"configure(repository, branch)",
		"sync_now(ref=None)",
		"plan(ref=None)",
		"disconnect()",
		"get_status()",
	],
	"webhooks": ["replay_delivery(delivery)"],
	"api": ["can_user_sync_repo(repo_full_name)"],  # the seed's docs list it under api.py too
}
# proxies whose sidecar method differs from <module>.<fn>
TARGET = {"api.can_user_sync_repo": "github_api.can_user_sync_repo"}
GUEST = {"webhooks.github_webhook"}


def parse(sig):
	fn = ast.parse(f"def {sig}: pass").body[0]
	names = [a.arg for a in fn.args.args]
	defaults = [ast.literal_eval(d) for d in fn.args.defaults]
	return fn.name, dict(zip(names, [inspect.Parameter.empty] * (len(names) - len(defaults)) + defaults))


def catalogue():
	for table in (SEED, ADDED):
		for module, sigs in table.items():
			for sig in sigs:
				name, params = parse(sig)
				yield pytest.param(module, name, params, id=f"{module}.{name}")


def test_seed_has_29():
	assert sum(len(v) for v in SEED.values()) == 29


def get(module, name):
	mod = importlib.import_module(f"erpnext_github_integration.{module}")
	fn = getattr(mod, name, None)
	assert callable(fn), f"{module}.{name} is missing"
	return fn


@pytest.mark.parametrize("module,name,params", list(catalogue()))
def test_present_whitelisted_and_same_signature(module, name, params):
	"""Same parameter names in the same order and the seed's defaults; a parameter the seed requires
	defaults to None, so that a missing one reaches the sidecar's 417 instead of Python's TypeError."""
	fn = get(module, name)
	assert frappe.is_whitelisted(fn), f"{module}.{name} is not @frappe.whitelist()"
	assert (fn in frappe.guest_methods) == (f"{module}.{name}" in GUEST)
	sig = inspect.signature(fn)
	got = {p.name: p.default for p in sig.parameters.values()}
	assert list(got) == list(params)
	assert got == {p: None if d is inspect.Parameter.empty else d for p, d in params.items()}
	assert all(p.kind == p.POSITIONAL_OR_KEYWORD for p in sig.parameters.values())


def required_catalogue():
	for p in catalogue():
		module, name, params = p.values
		required = [k for k, d in params.items() if d is inspect.Parameter.empty]
		if required and f"{module}.{name}" not in GUEST:
			yield pytest.param(module, name, required, id=p.id)


def test_frappe_answers_a_missing_parameter_without_default_with_a_type_error():
	"""Why the proxies have defaults: Frappe's handler calls the method with the request's arguments
	(`frappe.call`), and Python refuses a call without a required one (Frappe: HTTP 500)."""

	def seed_style(repository):
		return repository

	with pytest.raises(TypeError, match="repository"):
		frappe.call(seed_style, cmd="erpnext_github_integration.github_api.sync_repo")


@pytest.mark.parametrize("module,name,required", list(required_catalogue()))
def test_a_missing_argument_is_the_sidecars_417_naming_it(site, server, module, name, required):
	"""Called as Frappe's handler calls it, without one required argument: the argument is not sent,
	and the sidecar's answer (417 ValidationError "Missing argument: X", the same as a direct call)
	is raised again as it came."""
	from conftest import frappe_error_body

	fn = get(module, name)
	missing = required[-1]
	sent = {p: f"value-of-{p}" for p in required if p != missing}
	server.reply(417, frappe_error_body("ValidationError", f"Missing argument: {missing}"))
	with pytest.raises(frappe.ValidationError) as error:
		frappe.call(fn, cmd=f"erpnext_github_integration.{module}.{name}", unknown="dropped", **sent)
	assert type(error.value) is frappe.ValidationError and error.value.http_status_code == 417
	assert str(error.value) == f"Missing argument: {missing}"
	body = json.loads(server.last["body"])
	assert missing not in body and "unknown" not in body and "cmd" not in body
	assert {k: body[k] for k in sent} == sent


@pytest.mark.parametrize("module,name,params", [p for p in catalogue() if f"{p.values[0]}.{p.values[1]}" not in GUEST])
def test_forwarded_with_all_arguments(site, server, module, name, params):
	fn = get(module, name)
	args = {p: f"value-of-{p}" for p in params}
	if "assignees" in args:
		args["assignees"] = ["jane@example.com", "octocat"]  # lists travel as JSON arrays
	server.reply(200, {"message": {"echo": name}})
	assert fn(**args) == {"echo": name}
	req = server.last
	target = TARGET.get(f"{module}.{name}", f"{module}.{name}")
	assert req["method"] == "POST"
	assert req["path"] == f"/api/method/erpnext_github_integration.{target}"
	assert json.loads(req["body"]) == args
	assert req["headers"]["X-Sidecar-User"] == "jane@example.com"
	assert req["headers"]["X-Sidecar-Signature"].startswith("sha256=")


@pytest.mark.parametrize("module,name,params", [p for p in catalogue() if f"{p.values[0]}.{p.values[1]}" not in GUEST])
def test_forwarded_with_defaults(site, server, module, name, params):
	fn = get(module, name)
	required = {p: f"value-of-{p}" for p, d in params.items() if d is inspect.Parameter.empty}
	server.reply(200, {})
	assert fn(**required) is None
	sent = json.loads(server.last["body"])
	defaults = {p: d for p, d in params.items() if d is not inspect.Parameter.empty and d is not None}
	assert sent == {**required, **defaults}  # None defaults are not sent, the others are


def test_after_install_installs_through_the_sidecar_then_clears_cache(server):
	from erpnext_github_integration import setup

	frappe.init(site="erp.example.test", conf={"github_sidecar_url": server.url, "github_sidecar_secret": "k"})
	frappe.cache_cleared.clear()
	assert not frappe.is_whitelisted(setup.after_install)
	setup.after_install()
	assert server.last["path"] == "/api/method/erpnext_github_integration.setup.install"
	assert server.last["headers"]["X-Sidecar-User"] == "Administrator"
	assert frappe.cache_cleared == [(None, None)]
	frappe.destroy()


def test_after_install_fails_loudly_when_the_sidecar_refuses(server):
	from conftest import frappe_error_body

	from erpnext_github_integration import setup

	frappe.init(site="erp.example.test", conf={"github_sidecar_url": server.url, "github_sidecar_secret": "k"})
	frappe.cache_cleared.clear()
	server.reply(403, frappe_error_body("PermissionError", "Only GitHub Admin or System Manager may install"))
	with pytest.raises(frappe.PermissionError):
		setup.after_install()
	assert frappe.cache_cleared == []
	frappe.destroy()
