import Frappe

/// Both Frappe and GitHub have a JSON value type; in this module, JSON means Frappe's (what
/// RPC methods answer with).
public typealias JSONValue = Frappe.JSONValue
