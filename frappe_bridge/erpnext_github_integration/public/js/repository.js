// Repository form: GitHub actions (anchors.md §1.4), all through the sidecar proxies.
frappe.ui.form.on("Repository", {
	full_name(frm) {
		const parts = (frm.doc.full_name || "").trim().split("/");
		if (parts.length !== 2 || !parts[0] || !parts[1]) return;
		frm.set_value("repo_owner", parts[0]);
		frm.set_value("repo_name", parts[1]);
		if (!frm.doc.url) frm.set_value("url", "https://github.com/" + parts.join("/"));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		const gh = erpnext_github_integration;
		const repo = frm.doc.name;
		const add = (label, fn) => frm.add_custom_button(label, fn, gh.GROUP);

		add(__("Sync Repository Data"), () => gh.sync_repo(repo, frm));
		add(__("Sync Members"), () => gh.sync_members(repo, frm));

		add(__("Create Issue"), () =>
			frappe.prompt(
				[
					{ fieldname: "title", label: __("Title"), fieldtype: "Data", reqd: 1 },
					{ fieldname: "body", label: __("Body"), fieldtype: "Text" },
					{ fieldname: "assignees", label: __("Assignees (users or GitHub logins, comma-separated)"), fieldtype: "Small Text" },
					{ fieldname: "labels", label: __("Labels (comma-separated)"), fieldtype: "Small Text" },
				],
				(v) =>
					gh
						.call("github_api.create_issue", {
							repository: repo,
							title: v.title,
							body: v.body || undefined,
							assignees: gh.split_list(v.assignees),
							labels: v.labels ? v.labels.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
						})
						.then((m) => gh.show(__("Issue created"), m)),
				__("Create GitHub Issue"),
				__("Create")
			)
		);

		add(__("Create Pull Request"), () =>
			frappe.prompt(
				[
					{ fieldname: "title", label: __("Title"), fieldtype: "Data", reqd: 1 },
					{ fieldname: "head", label: __("Head branch"), fieldtype: "Data", reqd: 1 },
					{ fieldname: "base", label: __("Base branch"), fieldtype: "Data", reqd: 1, default: frm.doc.default_branch },
					{ fieldname: "body", label: __("Body"), fieldtype: "Text" },
				],
				(v) =>
					gh
						.call("github_api.create_pull_request", { repository: repo, title: v.title, head: v.head, base: v.base, body: v.body || undefined })
						.then((m) => gh.show(__("Pull request created"), m)),
				__("Create Pull Request"),
				__("Create")
			)
		);

		add(__("Manage Access"), () =>
			frappe.prompt(
				[
					{
						fieldname: "action", label: __("Action"), fieldtype: "Select", reqd: 1, default: "add_collaborator",
						options: ["add_collaborator", "remove_collaborator", "add_team", "remove_team"].join("\n"),
					},
					{ fieldname: "identifier", label: __("GitHub login or team slug"), fieldtype: "Data", reqd: 1 },
					{
						fieldname: "permission", label: __("Permission"), fieldtype: "Select", default: "push",
						options: ["pull", "triage", "push", "maintain", "admin"].join("\n"),
					},
				],
				(v) =>
					gh
						.call("github_api.manage_repo_access", { repo_full_name: repo, action: v.action, identifier: v.identifier, permission: v.permission })
						.then((m) => gh.show(__("Access updated"), m)),
				__("Manage Repository Access"),
				__("Apply")
			)
		);

		add(__("Show Activity"), () =>
			frappe.prompt(
				[{ fieldname: "days", label: __("Days"), fieldtype: "Int", default: 30, reqd: 1 }],
				(v) =>
					gh
						.call("github_api.get_repository_activity", { repository: repo, days: v.days })
						.then((m) => frappe.msgprint({ title: __("Activity of {0}", [gh.esc(repo)]), message: gh.render(m), wide: true })),
				__("Repository Activity"),
				__("Show")
			)
		);

		add(__("Manage Webhooks"), () =>
			gh.call("github_api.list_repository_webhooks", { repo_full_name: repo }).then((hooks) => {
				const d = new frappe.ui.Dialog({
					title: __("Webhooks of {0}", [repo]),
					size: "large",
					fields: [
						{ fieldname: "list", fieldtype: "HTML" },
						{ fieldname: "new_section", fieldtype: "Section Break", label: __("Create webhook") },
						{ fieldname: "webhook_url", label: __("Payload URL (empty: this site's webhook route)"), fieldtype: "Data" },
						{ fieldname: "events", label: __("Events (comma-separated, empty: defaults)"), fieldtype: "Small Text" },
					],
					primary_action_label: __("Create Webhook"),
					primary_action(v) {
						gh.call("github_api.create_repository_webhook", {
							repo_full_name: repo,
							webhook_url: v.webhook_url || undefined,
							events: gh.split_list(v.events),
						}).then((m) => {
							d.hide();
							gh.show(__("Webhook created"), m);
						});
					},
				});
				const rows = (Array.isArray(hooks) ? hooks : []).map(
					(h) => ({
						id: h.id,
						url: (h.config && h.config.url) || h.url,
						events: (h.events || []).join(", "),
						active: h.active ? __("Yes") : __("No"),
					})
				);
				d.fields_dict.list.$wrapper.html(rows.length ? gh.render(rows) : `<p class="text-muted">${__("No webhooks")}</p>`);
				d.show();
			})
		);

		if (frm.doc.url) add(__("Open in GitHub"), () => window.open(frm.doc.url, "_blank", "noopener"));
	},
});
