"""Signed calls from this Frappe site to the github-sidecar (ARCHITECTURE.md §3.2).

Every whitelisted proxy of this app is one line: `return sidecar.call("<module>.<fn>", ...)`.
`call` sends the arguments as a JSON body to
`<github_sidecar_url>/api/method/erpnext_github_integration.<module>.<fn>`, signed with the site's
`github_sidecar_secret`, and returns the sidecar's `message`. A Frappe error answered by the sidecar
is raised again here as the same Frappe exception class with the same message and title, so desk
`frappe.call` sees exactly what it would have seen from the original app.

Standard library only. The secret never appears in a log line, an exception or a message.
"""

import hashlib
import hmac
import http.client
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import frappe
from frappe import _

DEFAULT_URL = "http://127.0.0.1:8790"
DEFAULT_TIMEOUT = 120  # seconds; a synchronous sync_repo must fit (RQ default queue timeout is 300 s)
WEBHOOK_TIMEOUT = 10  # GitHub gives a delivery 10 s
METHOD_PREFIX = "/api/method/erpnext_github_integration."
SCHEDULER_USER = "Administrator"
FORWARDED_HEADER = "X-Frappe-Bridge-Forwarded"

# GitHub delivery headers forwarded unchanged by the webhook fallback.
WEBHOOK_HEADERS = (
	"X-GitHub-Event",
	"X-GitHub-Delivery",
	"X-Hub-Signature-256",
	"X-GitHub-Hook-ID",
	"X-GitHub-Hook-Installation-Target-Type",
	"X-GitHub-Hook-Installation-Target-ID",
	"User-Agent",
	"Content-Type",
)

# Used only when an error body carries no usable exc_type.
_CLASS_BY_STATUS = {
	401: "AuthenticationError",
	403: "PermissionError",
	404: "DoesNotExistError",
	409: "DuplicateEntryError",
	417: "ValidationError",
	429: "TooManyRequestsError",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
	"""A signed call is never re-sent elsewhere: a 3xx is an error."""

	def redirect_request(self, req, fp, code, msg, headers, newurl):
		return None


# No proxies from the environment (the sidecar is next to the bench), no redirects.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def base_url() -> str:
	return (frappe.conf.get("github_sidecar_url") or DEFAULT_URL).rstrip("/")


def method_url(method: str) -> str:
	return base_url() + METHOD_PREFIX + method


def _timeout() -> float:
	try:
		return float(frappe.conf.get("github_sidecar_timeout") or DEFAULT_TIMEOUT)
	except (TypeError, ValueError):
		return DEFAULT_TIMEOUT


def current_user() -> str:
	"""The user the bridge vouches for. Background jobs (scheduler, install, console) carry no
	HTTP request; when they also have no logged-in user they run as Administrator."""
	try:
		user = frappe.session.user
	except Exception:  # no session bound (werkzeug LocalProxy raises RuntimeError)
		user = None
	if user and user != "Guest":
		return user
	in_scheduler = bool(getattr(frappe.flags, "in_scheduler", False))
	if in_scheduler or getattr(frappe.local, "request", None) is None:
		return SCHEDULER_USER
	return "Guest"


def sign(secret: str, timestamp: str, nonce: str, site: str, http_method: str, path: str, user: str, body: bytes) -> str:
	"""`sha256=<hex HMAC-SHA256(secret, ts \\n nonce \\n site \\n METHOD \\n path?query \\n user \\n body)>`
	(ARCHITECTURE.md §3.2). The site is signed so a call signed for one site of a bench is refused
	for another."""
	message = f"{timestamp}\n{nonce}\n{site}\n{http_method}\n{path}\n{user}\n".encode() + body
	key = secret if isinstance(secret, bytes) else str(secret).encode()
	return "sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest()


def new_nonce() -> str:
	"""128 random bits as 32 hex digits. Every call gets its own, so two identical calls in the same
	second (a double click served by two gunicorn workers) are two different signed calls, and the
	sidecar recognises a replay by its nonce."""
	return secrets.token_hex(16)


def _json_default(value):
	return str(value)  # datetime, Decimal, … as Frappe prints them


def call(method: str, http_method: str = "POST", **kwargs):
	"""Call `erpnext_github_integration.<method>` on the sidecar as the current user; return its
	`message` (None for `{}`). Arguments that are None are not sent (the sidecar applies the
	seed's defaults)."""
	secret = frappe.conf.get("github_sidecar_secret")
	if not secret:
		frappe.throw(_("github_sidecar_secret is not set in site_config.json"), frappe.ValidationError)

	http_method = http_method.upper()
	args = {k: v for k, v in kwargs.items() if v is not None}
	url = method_url(method)
	if http_method in ("GET", "DELETE"):
		if args:
			url += "?" + urllib.parse.urlencode(
				{k: v if isinstance(v, str) else json.dumps(v, default=_json_default) for k, v in args.items()}
			)
		body = b""
	else:
		body = json.dumps(args, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()

	parts = urllib.parse.urlsplit(url)
	path = parts.path + ("?" + parts.query if parts.query else "")
	user = current_user()
	site = frappe.local.site
	timestamp, nonce = str(int(time.time())), new_nonce()
	signature = sign(secret, timestamp, nonce, site, http_method, path, user, body)
	headers = {
		"Accept": "application/json",
		"X-Frappe-Site-Name": site,
		"X-Sidecar-User": user,
		"X-Sidecar-Timestamp": timestamp,
		"X-Sidecar-Nonce": nonce,
		"X-Sidecar-Signature": signature,
		"User-Agent": "erpnext-github-integration-bridge",
	}
	if body:
		headers["Content-Type"] = "application/json"

	status, response_headers, raw, failure = _send(url, http_method, headers, body or None, _timeout())
	if failure:
		_unreachable(url, failure)
	return _message_or_raise(url, status, response_headers, raw)


def _send(url, http_method, headers, body, timeout):
	"""-> (status, headers, raw body, failure reason or None). Never raises for HTTP errors."""
	request = urllib.request.Request(url, data=body, headers=headers, method=http_method)
	try:
		with _opener.open(request, timeout=timeout) as response:
			return response.status, response.headers, response.read(), None
	except urllib.error.HTTPError as e:
		try:
			raw = e.read()
		except Exception:
			raw = b""
		finally:
			e.close()
		return e.code, e.headers, raw, None
	except urllib.error.URLError as e:
		return None, None, b"", str(e.reason)
	except (socket.timeout, TimeoutError):
		return None, None, b"", "timed out"
	except (OSError, http.client.HTTPException, ValueError) as e:
		return None, None, b"", f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _unreachable(url, reason):
	# Raised outside any `except` block: no chained traceback reaches the client.
	frappe.throw(
		_("GitHub sidecar is not reachable at {0}: {1}").format(url, reason), frappe.ValidationError
	)


def _parse_json(raw):
	try:
		return json.loads(raw.decode("utf-8")) if raw else None
	except (UnicodeDecodeError, ValueError):
		return None


def _message_or_raise(url, status, headers, raw):
	body = _parse_json(raw)
	if 200 <= status < 300:
		if not raw.strip():
			return None
		if not isinstance(body, dict):
			_unreachable(url, _("HTTP {0} with a body that is not a JSON object").format(status))
		return body.get("message")
	if not isinstance(body, dict):
		_unreachable(url, f"HTTP {status}")
	raise_sidecar_error(status, body, headers)


def exception_class(exc_type, status=None):
	for name in (exc_type, _CLASS_BY_STATUS.get(status)):
		if not name or not isinstance(name, str):
			continue
		cls = getattr(frappe.exceptions, name, None) or getattr(frappe, name, None)
		if isinstance(cls, type) and issubclass(cls, Exception):
			return cls
	return frappe.ValidationError


def server_messages(body) -> list:
	"""The message dicts of a Frappe v1 error body (`_server_messages`: JSON string of a list of
	JSON strings)."""
	raw = body.get("_server_messages")
	if isinstance(raw, str):
		try:
			raw = json.loads(raw)
		except ValueError:
			raw = [raw]
	out = []
	for item in raw if isinstance(raw, list) else []:
		if isinstance(item, str):
			try:
				item = json.loads(item)
			except ValueError:
				item = {"message": item}
		if isinstance(item, dict) and item.get("message") not in (None, ""):
			out.append(item)
		elif isinstance(item, str) and item:
			out.append({"message": item})
	return out


def raise_sidecar_error(status, body, headers=None):
	"""Raise the sidecar's Frappe error again, same class, same message and title."""
	cls = exception_class(body.get("exc_type"), status)
	messages = server_messages(body)
	title = None
	if messages:
		message = "<br>".join(str(m["message"]) for m in messages)
		raising = [m for m in messages if m.get("raise_exception")] or messages
		title = raising[-1].get("title")
	else:
		message = (
			body.get("_error_message")
			or (body.get("exception") or "").split(": ", 1)[-1]
			or (body.get("message") if isinstance(body.get("message"), str) else None)
			or _("GitHub sidecar answered HTTP {0}").format(status)
		)

	retry_after = body.get("retry_after")
	if retry_after in (None, "") and headers is not None:
		retry_after = headers.get("Retry-After")
	if retry_after not in (None, "") and str(retry_after) not in message:
		if isinstance(retry_after, (int, float)) or str(retry_after).isdigit():
			message += " " + _("(retry after {0} s)").format(retry_after)
		else:
			message += " " + _("(retry after {0})").format(retry_after)

	if issubclass(cls, frappe.AuthenticationError) or getattr(cls, "http_status_code", None) == 401:
		# The sidecar refused the bridge's signature, not the browser's session: a 401 here would
		# make desk show the login dialog, which cannot help.
		message = _(
			"GitHub sidecar refused this site's signed call (check github_sidecar_secret and the clocks): {0}"
		).format(message)
		cls = frappe.ValidationError

	frappe.throw(message, exc=cls, title=title)


def forward_webhook():
	"""Fallback route for benches whose nginx does not send webhooks to the sidecar: pass GitHub's
	delivery through unchanged (raw body, GitHub headers, no bridge signature: the sidecar checks
	`X-Hub-Signature-256` itself) and answer with the sidecar's status and message."""
	request = frappe.request
	response = frappe.local.response
	if request.headers.get(FORWARDED_HEADER):
		response.http_status_code = 508
		return "Webhook forwarding loop: github_sidecar_url points at this Frappe site"

	body = request.get_data() or b""
	path = METHOD_PREFIX + "webhooks.github_webhook"
	query = getattr(request, "query_string", b"") or b""
	if isinstance(query, bytes):
		query = query.decode("latin-1")
	url = base_url() + path + ("?" + query if query else "")

	headers = {name: request.headers.get(name) for name in WEBHOOK_HEADERS if request.headers.get(name)}
	headers["X-Frappe-Site-Name"] = frappe.local.site
	headers[FORWARDED_HEADER] = "1"
	headers["Accept"] = "application/json"

	status, _headers, raw, failure = _send(url, "POST", headers, body, WEBHOOK_TIMEOUT)
	if failure:
		response.http_status_code = 502  # GitHub records a failed delivery and it can be redelivered
		return _("GitHub sidecar is not reachable at {0}: {1}").format(url, failure)

	response.http_status_code = status
	parsed = _parse_json(raw)
	if not isinstance(parsed, dict):
		return raw.decode("utf-8", "replace")[:1000] or None
	for key in ("exc_type", "_server_messages", "_error_message"):
		if key in parsed:
			response[key] = parsed[key]
	return parsed.get("message")
