# Copyright (c) 2026, ERPNext GitHub Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class RepositoryIssueAssignee(Document):
	pass
