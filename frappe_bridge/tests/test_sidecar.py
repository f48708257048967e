"""sidecar.call against a real HTTP server on loopback: signature, headers, errors."""

import hashlib
import hmac
import json
import re
import socket
import time

import pytest
from conftest import SECRET, SITE, frappe_error_body

import frappe
from erpnext_github_integration import sidecar

PATH = "/api/method/erpnext_github_integration.github_api.sync_repo"


def expected_signature(req, secret=SECRET, site=None):
	"""ARCHITECTURE.md §3.2: timestamp, nonce, site, method, path with query, user, raw body."""
	h = req["headers"]
	msg = b"\n".join(
		part.encode()
		for part in (h["X-Sidecar-Timestamp"], h["X-Sidecar-Nonce"], site or h["X-Frappe-Site-Name"], req["method"], req["path"], h["X-Sidecar-User"])
	) + b"\n" + req["body"]
	return "sha256=" + hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def test_signed_call(site, server):
	server.reply(200, {"message": {"github_calls": 3, "not_modified": 2}})
	before = int(time.time())
	result = sidecar.call("github_api.sync_repo", repository="octo/hello")
	assert result == {"github_calls": 3, "not_modified": 2}

	req = server.last
	h = req["headers"]
	assert req["method"] == "POST"
	assert req["path"] == PATH
	assert h["Content-Type"] == "application/json"
	assert json.loads(req["body"]) == {"repository": "octo/hello"}
	assert h["X-Frappe-Site-Name"] == SITE
	assert h["X-Sidecar-User"] == "jane@example.com"
	assert before <= int(h["X-Sidecar-Timestamp"]) <= int(time.time())
	assert h["X-Sidecar-Signature"] == expected_signature(req)
	# a wrong secret or a changed body gives another signature: the check above is not vacuous
	assert h["X-Sidecar-Signature"] != expected_signature(req, secret=SECRET + "x")
	assert h["X-Sidecar-Signature"] != expected_signature({**req, "body": req["body"] + b" "})
	# the site is signed: the same call for another site of the bench is another signature
	assert h["X-Sidecar-Signature"] != expected_signature(req, site="other.example.test")
	assert re.fullmatch(r"[0-9a-f]{32}", h["X-Sidecar-Nonce"])
	# the secret travels nowhere
	everything = json.dumps(h).encode() + req["body"] + req["path"].encode()
	assert SECRET.encode() not in everything


def test_none_arguments_are_not_sent_and_empty_body_is_none(site, server):
	server.reply(200, {})
	assert sidecar.call("github_api.create_issue", repository="o/r", title="T", body=None, labels=["a"]) is None
	assert json.loads(server.last["body"]) == {"repository": "o/r", "title": "T", "labels": ["a"]}
	assert server.last["headers"]["X-Sidecar-Signature"] == expected_signature(server.last)


def test_the_same_call_twice_in_one_second_gets_two_nonces_and_never_waits(site, server, monkeypatch):
	# a double click: the same call twice in the same second. Each call has its own random nonce,
	# so the sidecar serves both; the bridge no longer sleeps into the next second to tell them apart.
	monkeypatch.setattr(time, "time", lambda: 1_900_000_000.25)
	monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail(f"the bridge slept {seconds} s"))
	for _ in range(3):
		sidecar.call("github_api.sync_repo", repository="octo/hello")
	assert {r["headers"]["X-Sidecar-Timestamp"] for r in server.requests} == {"1900000000"}
	nonces = [r["headers"]["X-Sidecar-Nonce"] for r in server.requests]
	assert len(set(nonces)) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", n) for n in nonces)
	signatures = [r["headers"]["X-Sidecar-Signature"] for r in server.requests]
	assert len(set(signatures)) == 3
	assert all(r["headers"]["X-Sidecar-Signature"] == expected_signature(r) for r in server.requests)


def test_get_signs_path_with_query(site, server):
	server.reply(200, {"message": 7})
	assert sidecar.call("github_api.list_branches", http_method="GET", repo_full_name="o/r", per_page=100) == 7
	req = server.last
	assert req["method"] == "GET" and req["body"] == b""
	assert req["path"] == "/api/method/erpnext_github_integration.github_api.list_branches?repo_full_name=o%2Fr&per_page=100"
	assert req["headers"]["X-Sidecar-Signature"] == expected_signature(req)


def test_scheduler_job_is_sent_as_administrator(server):
	frappe.init(site=SITE, conf={"github_sidecar_url": server.url, "github_sidecar_secret": SECRET}, user="Guest")
	frappe.flags.in_scheduler = True
	from erpnext_github_integration import github_api

	github_api.scheduled_sync_all_repositories()
	assert server.last["path"] == "/api/method/erpnext_github_integration.github_api.sync_all_repositories"
	assert json.loads(server.last["body"]) == {"trigger": "Scheduler"}
	assert server.last["headers"]["X-Sidecar-User"] == "Administrator"
	assert server.last["headers"]["X-Sidecar-Signature"] == expected_signature(server.last)
	frappe.destroy()


def test_guest_in_a_web_request_stays_guest(site, server):
	frappe.set_user("Guest")
	sidecar.call("github_api.test_connection")
	assert server.last["headers"]["X-Sidecar-User"] == "Guest"


def test_missing_secret(site, server):
	del frappe.conf["github_sidecar_secret"]
	with pytest.raises(frappe.ValidationError, match="github_sidecar_secret is not set in site_config.json"):
		sidecar.call("github_api.test_connection")
	assert server.requests == []


def test_permission_error_is_raised_again(site, server):
	server.reply(403, frappe_error_body("PermissionError", "Not permitted to sync octo/hello", title="Not Permitted"))
	with pytest.raises(frappe.PermissionError) as e:
		sidecar.call("github_api.sync_repo", repository="octo/hello")
	assert str(e.value) == "Not permitted to sync octo/hello"
	assert e.value.title == "Not Permitted"
	assert frappe.local.message_log[-1]["message"] == "Not permitted to sync octo/hello"


def test_mandatory_error_keeps_its_class(site, server):
	server.reply(417, frappe_error_body("MandatoryError", "Title is required"))
	with pytest.raises(frappe.MandatoryError, match="Title is required"):
		sidecar.call("github_api.create_issue", repository="o/r", title="")


def test_does_not_exist_and_duplicate(site, server):
	server.reply(404, frappe_error_body("DoesNotExistError", "Repository o/x not found"))
	with pytest.raises(frappe.DoesNotExistError, match="o/x not found"):
		sidecar.call("github_api.sync_repo", repository="o/x")
	server.reply(409, frappe_error_body("DuplicateEntryError", "already exists"))
	with pytest.raises(frappe.DuplicateEntryError):
		sidecar.call("github_api.create_issue", repository="o/r", title="t")


def test_too_many_requests_keeps_retry_after(site, server):
	server.reply(429, frappe_error_body("TooManyRequestsError", "GitHub rate limit reached", retry_after=1830))
	with pytest.raises(frappe.TooManyRequestsError) as e:
		sidecar.call("github_api.sync_repo", repository="octo/hello")
	assert "GitHub rate limit reached" in str(e.value) and "1830" in str(e.value)


def test_too_many_requests_retry_after_header(site, server):
	server.reply(429, frappe_error_body("TooManyRequestsError", "Slow down"), headers={"Retry-After": "60"})
	with pytest.raises(frappe.TooManyRequestsError, match="retry after 60 s"):
		sidecar.call("github_app.sync_now")


def test_unknown_exc_type_falls_back(site, server):
	server.reply(500, frappe_error_body("SomethingSwifty", "boom"))
	with pytest.raises(frappe.ValidationError, match="boom"):
		sidecar.call("github_api.test_connection")
	server.reply(403, {"_error_message": "No access"})  # no exc_type: class from the status
	with pytest.raises(frappe.PermissionError, match="No access"):
		sidecar.call("github_api.test_connection")


def test_bad_bridge_signature_is_not_a_desk_401(site, server):
	server.reply(401, frappe_error_body("AuthenticationError", "Invalid signature"))
	with pytest.raises(frappe.ValidationError) as e:
		sidecar.call("github_api.test_connection")
	assert not isinstance(e.value, frappe.AuthenticationError)
	assert "Invalid signature" in str(e.value) and "github_sidecar_secret" in str(e.value)
	assert SECRET not in str(e.value)
	server.reply(401, frappe_error_body("SessionExpired", "Session expired"))  # 401 without subclassing
	with pytest.raises(frappe.ValidationError, match="github_sidecar_secret"):
		sidecar.call("github_api.test_connection")


def test_unreachable(site, server):
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		port = s.getsockname()[1]
	frappe.conf["github_sidecar_url"] = f"http://127.0.0.1:{port}"
	with pytest.raises(frappe.ValidationError) as e:
		sidecar.call("github_api.sync_repo", repository="octo/hello")
	text = str(e.value)
	assert text.startswith(f"GitHub sidecar is not reachable at http://127.0.0.1:{port}/api/method/")
	assert SECRET not in text and "Traceback" not in text
	assert e.value.__context__ is None and e.value.__cause__ is None  # no chained stack


def test_non_json_answers(site, server):
	server.reply(502, b"<html>Bad Gateway</html>", headers={"Content-Type": "text/html"})
	with pytest.raises(frappe.ValidationError, match=r"not reachable at .*HTTP 502"):
		sidecar.call("github_api.test_connection")
	server.reply(200, b"not json", headers={"Content-Type": "text/plain"})
	with pytest.raises(frappe.ValidationError, match="not reachable"):
		sidecar.call("github_api.test_connection")


def test_timeout(site, server):
	import threading

	gate = threading.Event()
	original = server.httpd.RequestHandlerClass._handle

	def slow(self):
		gate.wait(5)
		try:
			original(self)
		except OSError:  # the bridge has hung up
			pass

	server.httpd.RequestHandlerClass.do_POST = slow
	frappe.conf["github_sidecar_timeout"] = 0.3
	try:
		with pytest.raises(frappe.ValidationError, match="not reachable at .*timed out"):
			sidecar.call("github_api.sync_repo", repository="octo/hello")
	finally:
		gate.set()
