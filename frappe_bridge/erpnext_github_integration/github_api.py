"""Proxies for the seed's `github_api.py` (anchors.md §1.3): same names, same arguments in the same
order, the seed's defaults (None for the arguments it requires, see below).

Each is one signed call to the github-sidecar (see `sidecar.py`), which does the work and the
permission checks (ARCHITECTURE.md §5).

Arguments the seed requires default to None here: Frappe calls a whitelisted function with the
request's arguments, and a missing one would be Python's TypeError (HTTP 500). As None it is not
sent, and the sidecar answers as it does when called directly: 417 ValidationError
"Missing argument: <name>". One answer on both paths.
"""

import frappe

from erpnext_github_integration import sidecar


@frappe.whitelist()
def test_connection():
	return sidecar.call("github_api.test_connection")


@frappe.whitelist()
def get_github_username_by_email(email=None):
	return sidecar.call("github_api.get_github_username_by_email", email=email)


@frappe.whitelist()
def fetch_all_repositories(organization=None):
	return sidecar.call("github_api.fetch_all_repositories", organization=organization)


@frappe.whitelist()
def get_sync_statistics():
	return sidecar.call("github_api.get_sync_statistics")


@frappe.whitelist()
def can_user_sync_repo(repo_full_name=None):
	return sidecar.call("github_api.can_user_sync_repo", repo_full_name=repo_full_name)


@frappe.whitelist()
def list_repositories(organization=None):
	return sidecar.call("github_api.list_repositories", organization=organization)


@frappe.whitelist()
def list_branches(repo_full_name=None, per_page=100):
	return sidecar.call("github_api.list_branches", repo_full_name=repo_full_name, per_page=per_page)


@frappe.whitelist()
def list_teams(org_name=None, per_page=100):
	return sidecar.call("github_api.list_teams", org_name=org_name, per_page=per_page)


@frappe.whitelist()
def list_repo_members(repo_full_name=None, per_page=100):
	return sidecar.call("github_api.list_repo_members", repo_full_name=repo_full_name, per_page=per_page)


@frappe.whitelist()
def assign_issue(repo_full_name=None, issue_number=None, assignees=None):
	return sidecar.call(
		"github_api.assign_issue", repo_full_name=repo_full_name, issue_number=issue_number, assignees=assignees
	)


@frappe.whitelist()
def add_pr_reviewer(repo_full_name=None, pr_number=None, reviewers=None):
	return sidecar.call(
		"github_api.add_pr_reviewer", repo_full_name=repo_full_name, pr_number=pr_number, reviewers=reviewers
	)


@frappe.whitelist()
def sync_repo(repository=None):
	return sidecar.call("github_api.sync_repo", repository=repository)


@frappe.whitelist()
def create_issue(repository=None, title=None, body=None, assignees=None, labels=None):
	return sidecar.call(
		"github_api.create_issue",
		repository=repository,
		title=title,
		body=body,
		assignees=assignees,
		labels=labels,
	)


@frappe.whitelist()
def bulk_create_issues(repository=None, issues=None):
	return sidecar.call("github_api.bulk_create_issues", repository=repository, issues=issues)


@frappe.whitelist()
def create_pull_request(repository=None, title=None, head=None, base=None, body=None):
	return sidecar.call(
		"github_api.create_pull_request", repository=repository, title=title, head=head, base=base, body=body
	)


@frappe.whitelist()
def sync_repo_members(repo_full_name=None):
	return sidecar.call("github_api.sync_repo_members", repo_full_name=repo_full_name)


@frappe.whitelist()
def manage_repo_access(repo_full_name=None, action=None, identifier=None, permission="push"):
	return sidecar.call(
		"github_api.manage_repo_access",
		repo_full_name=repo_full_name,
		action=action,
		identifier=identifier,
		permission=permission,
	)


@frappe.whitelist()
def start_sync_all_repositories():
	return sidecar.call("github_api.start_sync_all_repositories")


@frappe.whitelist()
def sync_all_repositories():
	"""Queues a sync of every enabled repository and answers at once (the syncs are sidecar jobs)."""
	return sidecar.call("github_api.sync_all_repositories")


def scheduled_sync_all_repositories():
	"""The hourly scheduler job (hooks.py): the same, recorded with trigger Scheduler. Not whitelisted:
	only the scheduler calls it, sent as Administrator (`sidecar.current_user`)."""
	return sidecar.call("github_api.sync_all_repositories", trigger="Scheduler")


@frappe.whitelist()
def get_repository_activity(repository=None, days=30):
	return sidecar.call("github_api.get_repository_activity", repository=repository, days=days)


@frappe.whitelist()
def create_repository_webhook(repo_full_name=None, webhook_url=None, events=None):
	return sidecar.call(
		"github_api.create_repository_webhook",
		repo_full_name=repo_full_name,
		webhook_url=webhook_url,
		events=events,
	)


@frappe.whitelist()
def list_repository_webhooks(repo_full_name=None):
	return sidecar.call("github_api.list_repository_webhooks", repo_full_name=repo_full_name)
