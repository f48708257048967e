"""Stand-in for `frappe.model.document.Document`: a dict-backed document with `get`, attribute access
and `is_new()` (true while `__islocal` is set, as in Frappe). No database, no hooks, no validation."""

from frappe import _dict


class Document(_dict):
	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)

	def is_new(self):
		return bool(self.get("__islocal"))
