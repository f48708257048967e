"""Install: the sidecar creates the custom fields, role, permissions and client scripts
(ARCHITECTURE.md §2, Integration install). This module only forwards to it."""

import frappe

from erpnext_github_integration import sidecar


@frappe.whitelist()
def install():
	return sidecar.call("setup.install")


def after_install():
	"""hooks.py `after_install` (bench install-app runs it as Administrator)."""
	sidecar.call("setup.install")
	frappe.clear_cache()
