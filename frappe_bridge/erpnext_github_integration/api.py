"""Proxies for the seed's `api.py` (anchors.md §1.3), plus the Repository `validate` hook.

The whitelisted functions are one signed call each to the github-sidecar (see `sidecar.py`).

Arguments the seed requires default to None here: Frappe calls a whitelisted function with the
request's arguments, and a missing one would be Python's TypeError (HTTP 500). As None it is not
sent, and the sidecar answers as it does when called directly: 417 ValidationError
"Missing argument: <name>". One answer on both paths.
"""

import re

import frappe
from frappe import _

from erpnext_github_integration import sidecar

_FULL_NAME = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9_.-]*))/([A-Za-z0-9_.-]+)$")


@frappe.whitelist()
def get_user_repositories():
	return sidecar.call("api.get_user_repositories")


@frappe.whitelist()
def sync_user_github_profile():
	return sidecar.call("api.sync_user_github_profile")


@frappe.whitelist()
def create_task_from_github_issue(issue_name=None, task_title=None):
	return sidecar.call("api.create_task_from_github_issue", issue_name=issue_name, task_title=task_title)


@frappe.whitelist()
def bulk_import_github_data(repo_full_name=None, import_type=None, force_update=False):
	return sidecar.call(
		"api.bulk_import_github_data",
		repo_full_name=repo_full_name,
		import_type=import_type,
		force_update=force_update,
	)


@frappe.whitelist()
def link_github_user_to_erp(github_username=None, erp_user=None):
	return sidecar.call("api.link_github_user_to_erp", github_username=github_username, erp_user=erp_user)


@frappe.whitelist()
def get_repository_statistics(repo_full_name=None):
	return sidecar.call("api.get_repository_statistics", repo_full_name=repo_full_name)


@frappe.whitelist()
def create_project_from_repository(repo_full_name=None, project_name=None):
	return sidecar.call(
		"api.create_project_from_repository", repo_full_name=repo_full_name, project_name=project_name
	)


@frappe.whitelist()
def can_user_sync_repo(repo_full_name=None):
	"""The seed's documentation lists this under api.py; the code has it in github_api.py."""
	return sidecar.call("github_api.can_user_sync_repo", repo_full_name=repo_full_name)


def validate_repository(doc, method=None):
	"""doc_events Repository.validate: `full_name` must be `owner/repo`; fills repo_owner,
	repo_name and (when empty) url. Pure Python, no GitHub call."""
	full_name = (doc.get("full_name") or "").strip()  # Frappe names the doc from the stripped value
	match = _FULL_NAME.match(full_name)
	if not match or match.group(2) in (".", ".."):
		frappe.throw(
			_("Repository full name must be owner/repo, not {0}").format(repr(doc.get("full_name") or "")),
			frappe.ValidationError,
		)
	doc.full_name = full_name
	doc.repo_owner, doc.repo_name = match.group(1), match.group(2)
	if not doc.get("url"):
		doc.url = f"https://github.com/{full_name}"
