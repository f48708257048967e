"""GitHub App template sync (ARCHITECTURE.md §3.6): proxies to the sidecar. A missing argument is
not sent, so the sidecar answers 417 "Missing argument: <name>" (see github_api.py)."""

import frappe

from erpnext_github_integration import sidecar


@frappe.whitelist()
def get_install_url():
	return sidecar.call("github_app.get_install_url")


@frappe.whitelist()
def configure(repository=None, branch=None):
	return sidecar.call("github_app.configure", repository=repository, branch=branch)


@frappe.whitelist()
def sync_now():
	return sidecar.call("github_app.sync_now")


@frappe.whitelist()
def disconnect():
	return sidecar.call("github_app.disconnect")


@frappe.whitelist()
def get_status():
	return sidecar.call("github_app.get_status")
