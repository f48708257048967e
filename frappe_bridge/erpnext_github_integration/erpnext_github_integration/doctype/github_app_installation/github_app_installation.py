# Copyright (c) 2026, ERPNext GitHub Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class GitHubAppInstallation(Document):
	"""Read-only mirror of this site's GitHub App installation; the sidecar's landlord database
	holds the record and the sidecar writes this copy."""

	pass
