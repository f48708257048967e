"""A stand-in for the few parts of Frappe v15 that `erpnext_github_integration` uses, so the bridge can
be tested without a bench. NOT Frappe: no database, no ORM, no request routing, no permissions.

Covered names: `_dict`, `local` (site, conf, flags, session, response, request, message_log),
the module-level proxies `conf`, `flags`, `session`, `request`, `response` (resolved from `local`
on each access, like Frappe's LocalProxy objects), `get_site_config`, `init`, `destroy`, `set_user`,
`whitelist` (records into `whitelisted`, `guest_methods`, `allowed_http_methods_for_whitelisted_func`),
`msgprint`, `throw`, `clear_cache` (counts calls in `cache_cleared`), `_`, `call` (how Frappe's
request handler calls a whitelisted method with the request's arguments), `db.commit` (counts calls
in `db.commits`; no database) and the exception classes of `frappe.exceptions`. See README.md,
"Tests and the stand-in frappe module".
"""

import inspect

from . import exceptions
from .exceptions import *  # noqa: F403  (Frappe does the same)


class _dict(dict):
	"""dict with attribute access; a missing attribute is None (as frappe._dict)."""

	__getattr__ = dict.get
	__setattr__ = dict.__setitem__
	__delattr__ = dict.__delitem__

	def __getstate__(self):
		return self

	def __setstate__(self, d):
		self.update(d)


class _Local:
	"""Plain attribute holder standing in for werkzeug's Local (missing attribute -> AttributeError)."""


local = _Local()

whitelisted = []
guest_methods = []
xss_safe_methods = []
allowed_http_methods_for_whitelisted_func = {}
cache_cleared = []

_PROXIED = ("conf", "flags", "session", "request", "response")


def __getattr__(name):
	# frappe.conf / flags / session / request / response are LocalProxy objects in Frappe.
	if name in _PROXIED:
		try:
			return getattr(local, name)
		except AttributeError:
			raise RuntimeError(f"object is not bound: frappe.{name} (call frappe.init first)") from None
	raise AttributeError(f"module 'frappe' (stand-in) has no attribute {name!r}")


def init(site="test.localhost", conf=None, user="Administrator", request=None):
	"""Reset `local` for one simulated request or job. `request=None` = a background job."""
	for key in list(vars(local)):
		delattr(local, key)
	local.site = site
	local.conf = _dict(conf or {})
	local.flags = _dict()
	local.session = _dict(user=user, sid="stand-in")
	local.response = _dict(docs=[])
	local.message_log = []
	if request is not None:
		local.request = request


def destroy():
	for key in list(vars(local)):
		delattr(local, key)


def set_user(user):
	local.session = _dict(user=user, sid="stand-in")


def get_site_config(*args, **kwargs):
	return local.conf


def _(msg, lang=None, context=None):
	return msg


def whitelist(allow_guest=False, xss_safe=False, methods=None):
	"""Records the function like Frappe's `whitelist`, but returns it unwrapped (Frappe v15 wraps it
	for argument-type validation; `inspect.signature` sees the same parameters either way)."""
	methods = methods or ["GET", "POST", "PUT", "DELETE"]

	def innerfn(fn):
		whitelisted.append(fn)
		allowed_http_methods_for_whitelisted_func[fn] = methods
		if allow_guest:
			guest_methods.append(fn)
			if xss_safe:
				xss_safe_methods.append(fn)
		return fn

	return innerfn


def is_whitelisted(fn):
	return fn in whitelisted


def msgprint(msg, title=None, raise_exception=0, as_table=False, as_list=False, indicator=None, alert=False, **kwargs):
	out = _dict(message=msg)
	if title:
		out.title = title
	if indicator:
		out.indicator = indicator
	if raise_exception:
		out.raise_exception = 1
	local.message_log.append(out)
	if raise_exception:
		if isinstance(raise_exception, type) and issubclass(raise_exception, Exception):
			exc = raise_exception(msg)
		else:
			exc = ValidationError(msg)  # noqa: F405
		exc.title = title  # stand-in only: lets tests check the title that was passed on
		raise exc


def throw(msg, exc=ValidationError, title=None, is_minimizable=False, wide=False, as_list=False, primary_action=None):  # noqa: F405
	msgprint(msg, raise_exception=exc, title=title, indicator="red")


def clear_cache(user=None, doctype=None):
	cache_cleared.append((user, doctype))


class _DB:
	"""Only `commit`, counted: the bridge commits before it hands work to the sidecar."""

	def __init__(self):
		self.commits = 0

	def commit(self):
		self.commits += 1


db = _DB()


def call(fn, *args, **kwargs):
	"""What `frappe.handler.execute_cmd` does with `frappe.form_dict` in v15 (`frappe.call` +
	`get_newargs`): keyword arguments the function does not take are dropped (all are kept when it
	has `**kwargs`), `ignore_permissions` and `flags` always; then the function is called. A
	parameter without a default that the request did not send is Python's TypeError, which Frappe
	answers with HTTP 500."""
	parameters = inspect.signature(fn).parameters
	takes_any = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values())
	newargs = {k: v for k, v in kwargs.items() if takes_any or k in parameters}
	newargs.pop("ignore_permissions", None)
	newargs.pop("flags", None)
	return fn(*args, **newargs)


class StandInRequest:
	"""Just what the bridge reads from `frappe.request`: method, headers (case-insensitive get),
	query_string and the raw body via get_data()."""

	def __init__(self, data=b"", headers=None, method="POST", query_string=b""):
		self._data = data
		self.method = method
		self.query_string = query_string
		self.headers = _Headers(headers or {})

	def get_data(self, cache=True, as_text=False, parse_form_data=False):
		return self._data.decode() if as_text else self._data


class _Headers:
	def __init__(self, items):
		self._items = {k.lower(): (k, v) for k, v in dict(items).items()}

	def get(self, name, default=None):
		item = self._items.get(name.lower())
		return item[1] if item else default

	def __iter__(self):
		return iter(v for v in self._items.values())
