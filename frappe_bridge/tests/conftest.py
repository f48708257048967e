"""Puts the stand-in `frappe` package (tests/stand_in) and the bridge app on sys.path, and gives each
test a fresh simulated site plus a real HTTP server on 127.0.0.1 that records what the bridge sends."""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "stand_in"))
sys.path.insert(0, str(HERE.parent))

import frappe  # noqa: E402  (the stand-in)

assert "stand_in" in frappe.__file__, f"the stand-in frappe must win over {frappe.__file__}"

SITE = "erp.example.test"
SECRET = "bridge-test-secret-7f3a9c"


class Headers(dict):
	"""Received headers; lookups ignore case (HTTP header names are case-insensitive, and urllib
	sends them in str.title() form: X-GitHub-Event arrives as X-Github-Event)."""

	def __init__(self, items):
		super().__init__((k.lower(), v) for k, v in items)

	def __getitem__(self, key):
		return super().__getitem__(key.lower())

	def __contains__(self, key):
		return super().__contains__(key.lower())

	def get(self, key, default=None):
		return super().get(key.lower(), default)


class RecordingServer:
	def __init__(self):
		self.requests = []
		self.reply(200, {"message": {"ok": True}})
		server = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"

			def _handle(self):
				length = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(length) if length else b""
				server.requests.append(
					{"method": self.command, "path": self.path, "headers": Headers(self.headers.items()), "body": body}
				)
				status, payload, headers = server._reply
				raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
				self.send_response(status)
				for k, v in {"Content-Type": "application/json", **headers}.items():
					self.send_header(k, v)
				self.send_header("Content-Length", str(len(raw)))
				self.end_headers()
				self.wfile.write(raw)

			do_GET = do_POST = do_PUT = do_DELETE = _handle

			def log_message(self, *args):
				pass

		self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
		self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
		self.thread.start()

	def reply(self, status, payload, headers=None):
		self._reply = (status, payload, headers or {})

	@property
	def last(self):
		assert self.requests, "the bridge sent nothing"
		return self.requests[-1]

	def close(self):
		self.httpd.shutdown()
		self.httpd.server_close()


@pytest.fixture
def server():
	s = RecordingServer()
	yield s
	s.close()


@pytest.fixture
def site(server):
	"""A desk request by a logged-in user on a site whose config points at the recording server."""
	frappe.init(
		site=SITE,
		conf={"github_sidecar_url": server.url, "github_sidecar_secret": SECRET},
		user="jane@example.com",
		request=frappe.StandInRequest(),
	)
	yield frappe
	frappe.destroy()


def frappe_error_body(exc_type, message, title="Message", **extra):
	"""A Frappe v15 v1 error body: `_server_messages` is a JSON string of a list of JSON strings."""
	msg = {"message": message, "title": title, "indicator": "red", "raise_exception": 1}
	return {"exc_type": exc_type, "_server_messages": json.dumps([json.dumps(msg)]), **extra}
