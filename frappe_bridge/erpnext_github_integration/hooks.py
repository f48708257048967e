app_name = "erpnext_github_integration"
app_title = "ERPNext GitHub Integration"
app_publisher = "ERPNext GitHub Integration contributors"
app_description = (
	"Mirrors GitHub into ERPNext through the github-sidecar service: "
	"DocType definitions, hooks and one-line proxies to the sidecar"
)
app_email = "maintainers@example.com"
app_license = "mit"

# "org/repo" form: bench and `install-app` take the name from it without asking GitHub which
# organisation "erpnext" belongs to (a bare "erpnext" is looked up on api.github.com).
required_apps = ["frappe/erpnext"]

# Includes in <head>
# ------------------
# Desk buttons (Repository, Project, Task forms); github_common.js holds the shared helpers.
app_include_js = [
	"/assets/erpnext_github_integration/js/github_common.js",
	"/assets/erpnext_github_integration/js/repository.js",
	"/assets/erpnext_github_integration/js/project_client.js",
	"/assets/erpnext_github_integration/js/task_client.js",
	"/assets/erpnext_github_integration/js/erp_actions.js",
]

# The GitHub App section of GitHub Settings (Connect, repository + branch, Sync Now, Plan, Disconnect).
doctype_js = {"GitHub Settings": "public/js/github_settings.js"}

# Installation
# ------------
# Forwards to the sidecar's `setup.install` (custom fields, role, permissions), then clears caches.
after_install = "erpnext_github_integration.setup.after_install"
# The same idempotent setup on every `bench migrate`: completes an install made while the sidecar was down.
after_migrate = "erpnext_github_integration.setup.after_migrate"

# Uninstallation
# --------------
# The sidecar's `setup.uninstall` removes what `setup.install` added that Frappe's uninstall leaves behind.
before_uninstall = "erpnext_github_integration.setup.before_uninstall"

# Document Events
# ---------------
doc_events = {
	"Repository": {"validate": "erpnext_github_integration.api.validate_repository"},
	# Refuse desk edits of documents synced from GitHub while github_sync_source is set.
	"*": {"validate": "erpnext_github_integration.templates.validate_synced_document"},
}

# Scheduled Tasks
# ---------------
# Each entry is a signed call to the sidecar (sent as Administrator when the job has no user); it
# only queues jobs there and returns in well under a second.
scheduler_events = {
	"hourly": ["erpnext_github_integration.github_api.scheduled_sync_all_repositories"],
}
