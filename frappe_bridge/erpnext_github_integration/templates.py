"""Template sync lock: a document synced from GitHub (`github_sync_source` set) is edited in GitHub."""

import frappe
from frappe import _


def validate_synced_document(doc, method=None):
	"""doc_events "*".validate. Refuses saving an existing document that has a `github_sync_source`,
	unless the sidecar's template sync (`frappe.flags.in_github_sync`), a migration, install or patch
	is writing it. New documents are allowed."""
	source = doc.get("github_sync_source")
	if not source or doc.is_new():
		return
	flags = frappe.flags
	if flags.in_github_sync or flags.in_migrate or flags.in_install or flags.in_patch:
		return
	repository, _sep, path = source.partition(":")
	if path:
		message = _("This document is managed in GitHub: edit {0} in the repository {1} instead").format(path, repository)
	else:
		message = _("This document is managed in GitHub: edit {0} instead").format(source)
	frappe.throw(message, frappe.ValidationError)
