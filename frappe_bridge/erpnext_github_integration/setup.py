"""Install, migrate and uninstall: the sidecar does the work (custom fields and their columns, the
GitHub Admin role, Custom DocPerm rows, default settings: ARCHITECTURE.md §2, Integration install).
This module forwards to it and, when it cannot, says how to finish the job.

Why `after_migrate` too: `bench install-app` records the app as installed *before* it runs
`after_install`, and never runs it again. An install made while the sidecar was down would stay
half done; since `setup.install` is idempotent, every `bench migrate` runs it again and completes it.
"""

import sys

import frappe
from frappe import _

from erpnext_github_integration import sidecar

APP = "erpnext_github_integration"


@frappe.whitelist()
def install():
	return sidecar.call("setup.install")


def after_install():
	"""hooks.py `after_install` (bench install-app runs it as Administrator). Raises when the sidecar
	could not do the setup, with what to run once it is up."""
	error = _setup()
	if error is not None:
		frappe.throw(
			_(
				"{0} is installed, but its setup in the GitHub sidecar (custom fields, GitHub Admin role, "
				"permissions, default settings) did not run: {1}. Start the sidecar, then run "
				"`bench --site {2} migrate`, which runs the same setup again "
				"(or `github-sidecar install --bench BENCH --site {2}`)."
			).format(APP, error, frappe.local.site),
			exc=_same_class(error),
		)


def after_migrate():
	"""hooks.py `after_migrate`: the same idempotent setup on every `bench migrate`. A sidecar that
	cannot do it is reported and the migrate goes on: failing here would stop `bench update` and the
	`after_migrate` hooks of every app after this one for an integration that is only unavailable."""
	error = _setup()
	if error is not None:
		print(
			_(
				"{0}: the GitHub sidecar could not run its setup: {1}. Start the sidecar, then run "
				"`bench --site {2} migrate` again (or `github-sidecar install --bench BENCH --site {2}`)."
			).format(APP, error, frappe.local.site),
			file=sys.stderr,
		)


def before_uninstall():
	"""hooks.py `before_uninstall`: the sidecar's `setup.uninstall` removes what its install added
	and Frappe's uninstall leaves behind (Custom DocPerm rows on this app's DocTypes, the GitHub
	Admin role and its Has Role rows, GitHub Settings' values and stored secrets). Runs before Frappe
	deletes anything, so a sidecar that cannot do it stops the uninstall with nothing changed."""
	frappe.db.commit()
	try:
		sidecar.call("setup.uninstall")
	except Exception as e:  # a Frappe exception raised by sidecar.call, with its message
		frappe.throw(
			_(
				"Uninstalling {0} needs the GitHub sidecar to remove what its install added, and it could "
				"not: {1}. Nothing was removed. Start the sidecar and run the uninstall again."
			).format(APP, e),
			exc=_same_class(e),
		)
	frappe.clear_cache()


def _setup():
	"""Runs the sidecar's `setup.install`; returns the error it raised, or None."""
	# The sidecar writes through its own connection: commit first, so no lock this transaction
	# still holds (an earlier hook's writes) makes it wait for us while we wait for it.
	frappe.db.commit()
	try:
		sidecar.call("setup.install")
	except Exception as e:  # a Frappe exception raised by sidecar.call, with its message
		return e
	frappe.clear_cache()
	return None


def _same_class(error):
	cls = type(error)
	return cls if getattr(cls, "http_status_code", None) else frappe.ValidationError
