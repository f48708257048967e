app_name = "erpnext_github_integration"
app_title = "ERPNext GitHub Integration"
app_publisher = "ERPNext GitHub Integration contributors"
app_description = (
	"Mirrors GitHub into ERPNext through the github-sidecar service: "
	"DocType definitions, hooks and one-line proxies to the sidecar"
)
app_email = "maintainers@example.com"
app_license = "mit"

required_apps = ["erpnext"]

# Includes in <head>
# ------------------
# app_include_js = [...]  # desk scripts (Project/Task/Repository buttons) go to public/js

# Installation
# ------------
# after_install = "erpnext_github_integration.<proxy module>.after_install"
# Added together with the proxies (a later issue): forwards to the sidecar's `setup.install`.

# Document Events
# ---------------
# doc_events = {
# 	"Repository": {"validate": "..."},
# 	"*": {"validate": "..."},  # refuse desk edits while github_sync_source is set
# }
# Added together with the proxies (a later issue).

# Scheduled Tasks
# ---------------
# scheduler_events = {
# 	"hourly": ["erpnext_github_integration.github_api.sync_all_repositories"],
# }
# Added together with the proxies (a later issue): each entry is a signed call to the sidecar.
