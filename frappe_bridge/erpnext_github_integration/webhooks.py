"""Webhooks. In production nginx sends `/api/method/erpnext_github_integration.webhooks.*` straight to
the sidecar; `github_webhook` here is only the fallback for benches that do not."""

import frappe

from erpnext_github_integration import sidecar


@frappe.whitelist(allow_guest=True)
def github_webhook():
	"""Forward GitHub's delivery unchanged (raw body + GitHub headers, unsigned by the bridge: the
	sidecar verifies `X-Hub-Signature-256`); answer with the sidecar's status and message."""
	return sidecar.forward_webhook()


@frappe.whitelist()
def replay_delivery(delivery=None):
	"""None = not sent: the sidecar answers 417 "Missing argument: delivery" (see github_api.py)."""
	return sidecar.call("webhooks.replay_delivery", delivery=delivery)
