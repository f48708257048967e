"""GitHub App template sync (ARCHITECTURE.md §3.6): proxies to the sidecar, one per method of its
`github_app` module, with the same names and arguments.
A missing argument is not sent, so the sidecar answers 417 "Missing argument: <name>" (see github_api.py)."""

import frappe

from erpnext_github_integration import sidecar


@frappe.whitelist()
def get_install_url():
	return sidecar.call("github_app.get_install_url")


@frappe.whitelist()
def configure(repository=None, branch=None):
	return sidecar.call("github_app.configure", repository=repository, branch=branch)


@frappe.whitelist()
def sync_now(ref=None):
	return sidecar.call("github_app.sync_now", ref=ref)


@frappe.whitelist()
def plan(ref=None):
	return sidecar.call("github_app.plan", ref=ref)


@frappe.whitelist()
def disconnect():
	return sidecar.call("github_app.disconnect")


@frappe.whitelist()
def get_status():
	return sidecar.call("github_app.get_status")
