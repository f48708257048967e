// Desk buttons for the ERP side of the integration (seed 000 api.py and the GitHub Settings form):
// Tasks from issues, Projects from repositories, bulk imports, user links. GitHub text is escaped
// by gh.show / gh.render.
(function () {
	const gh = () => erpnext_github_integration;

	frappe.ui.form.on("Repository Issue", {
		refresh(frm) {
			if (frm.is_new()) return;
			frm.add_custom_button(__("Create Task"), () =>
				gh()
					.call("api.create_task_from_github_issue", { issue_name: frm.doc.name })
					.then((m) => {
						gh().show(__("Task"), m);
						if (m && m.name) frappe.set_route("Form", "Task", m.name);
					}),
				gh().GROUP
			);
		},
	});

	frappe.ui.form.on("Repository", {
		refresh(frm) {
			if (frm.is_new()) return;
			const repo = frm.doc.name;
			const add = (label, fn) => frm.add_custom_button(label, fn, gh().GROUP);
			add(__("Create Project"), () =>
				frappe.prompt(
					[{ fieldname: "project_name", label: __("Project name"), fieldtype: "Data", default: frm.doc.repo_name }],
					(v) =>
						gh()
							.call("api.create_project_from_repository", { repo_full_name: repo, project_name: v.project_name })
							.then((m) => m && m.name && frappe.set_route("Form", "Project", m.name)),
					__("Create Project from {0}", [repo]),
					__("Create")
				)
			);
			["issues", "pull_requests"].forEach((import_type) =>
				add(import_type === "issues" ? __("Import All Issues") : __("Import All Pull Requests"), () =>
					frappe.prompt(
						[{ fieldname: "force_update", label: __("Update documents that exist"), fieldtype: "Check" }],
						(v) =>
							gh()
								.call("api.bulk_import_github_data", { repo_full_name: repo, import_type: import_type, force_update: v.force_update ? 1 : 0 })
								.then((m) => gh().job_answer(m, frm, (r) => gh().show(__("Import finished"), r))),
						__("Import from GitHub"),
						__("Import")
					)
				)
			);
		},
	});

	frappe.ui.form.on("User", {
		refresh(frm) {
			if (frm.is_new()) return;
			const add = (label, fn) => frm.add_custom_button(label, fn, gh().GROUP);
			add(__("Link GitHub User"), () =>
				frappe.prompt(
					[{ fieldname: "github_username", label: __("GitHub login"), fieldtype: "Data", reqd: 1, default: frm.doc.github_username }],
					(v) =>
						gh()
							.call("api.link_github_user_to_erp", { github_username: v.github_username, erp_user: frm.doc.name })
							.then(() => frm.reload_doc()),
					__("Link GitHub User"),
					__("Link")
				)
			);
			if (frm.doc.name === frappe.session.user && frm.doc.github_username) {
				add(__("Sync GitHub Profile"), () =>
					gh().call("api.sync_user_github_profile", {}).then((m) => { gh().show(__("Profile synced"), m); frm.reload_doc(); })
				);
			}
		},
	});

	frappe.ui.form.on("GitHub Settings", {
		refresh(frm) {
			const add = (label, fn) => frm.add_custom_button(label, fn, gh().GROUP);
			add(__("Test Connection"), () => gh().call("github_api.test_connection", {}).then((m) => gh().show(__("Connected"), m)));
			add(__("Fetch All Repositories"), () =>
				gh()
					.call("github_api.fetch_all_repositories", { organization: frm.doc.default_organization })
					.then((m) => gh().show(__("Repositories fetched"), m))
			);
			add(__("Sync All Repositories"), () =>
				gh().call("github_api.start_sync_all_repositories", {}).then((m) => gh().show(__("Sync started"), m))
			);
			add(__("Bulk Update GitHub Usernames"), () =>
				frappe.db.get_list("User", { filters: { enabled: 1, user_type: "System User" }, fields: ["name", "email", "github_username"], limit: 500 })
					.then(async (users) => {
						const linked = [];
						for (const u of users.filter((u) => !u.github_username && u.email)) {
							const login = await gh().call("github_api.get_github_username_by_email", { email: u.email });
							if (login) {
								await gh().call("api.link_github_user_to_erp", { github_username: login, erp_user: u.name });
								linked.push({ user: u.name, github_username: login });
							}
						}
						gh().show(__("GitHub usernames"), linked.length ? linked : __("No new matches"));
					})
			);
		},
	});
})();
