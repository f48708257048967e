"""Stand-in for `frappe.exceptions` (v15): the classes the bridge raises or maps, with Frappe's
`http_status_code` values (frappe-internals.md §1). Same hierarchy as Frappe for these names."""

# ruff: noqa: A001  (PermissionError and NameError shadow builtins, exactly as in Frappe)


class ValidationError(Exception):
	http_status_code = 417


class AuthenticationError(Exception):
	http_status_code = 401


class SessionExpired(Exception):
	http_status_code = 401


class PermissionError(Exception):
	http_status_code = 403


class DoesNotExistError(ValidationError):
	http_status_code = 404


class PageDoesNotExistError(ValidationError):
	http_status_code = 404


class NameError(Exception):
	http_status_code = 409


class DuplicateEntryError(NameError):
	pass


class MandatoryError(ValidationError):
	pass


class LinkValidationError(ValidationError):
	pass


class TimestampMismatchError(ValidationError):
	pass


class UniqueValidationError(ValidationError):
	pass


class FrappeTypeError(TypeError):
	http_status_code = 417


class CSRFTokenError(Exception):
	http_status_code = 400


class TooManyRequestsError(Exception):
	http_status_code = 429


class RateLimitExceededError(TooManyRequestsError):
	pass


class QueryTimeoutError(Exception):
	pass
