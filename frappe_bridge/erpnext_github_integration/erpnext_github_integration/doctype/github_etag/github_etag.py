from frappe.model.document import Document


class GitHubETag(Document):
	pass
